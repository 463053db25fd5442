#!/usr/bin/python3
"""torch_cross_encoder.py - the float64 PyTorch reference for brass's cross-encoder reranker.

Reads a BertForSequenceClassification folder (one label) with torch_bert.py's safetensors reader
and encoder (written with plain torch ops, nothing from brass), and scores pairs as transformers'
BertForSequenceClassification does: BERT with token types, pooler tanh(W h_CLS + b), classifier
-> one logit. Inputs are {"ids": [...], "types": [...]} lines on stdin (from hf_tokenize.js
--pairs, so tokenisation is checked independently); output is one logit per line, in input
order. Pairs run as PADDED batches with an attention mask.

  node tests/oracle/hf_tokenize.js TOK --pairs < pairs.jsonl | \\
      /usr/bin/python3 tests/oracle/torch_cross_encoder.py DIR

CrossEncoderScorer is also used by bench/export_onnx.py (in float32) to export the same model.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_bert import BertEmbedder, read_safetensors  # noqa: E402


class CrossEncoderScorer(BertEmbedder):
    """(ids, mask, token types) -> (batch,) logits."""

    def __init__(self, model_dir, dtype=torch.float64):
        super().__init__(model_dir, dtype)
        raw = read_safetensors(os.path.join(model_dir, "model.safetensors"))
        for name in ("pooler.dense.weight", "pooler.dense.bias", "classifier.weight",
                     "classifier.bias"):
            t = raw.get(name, raw.get("bert." + name))
            if t is None:
                raise SystemExit("torch_cross_encoder: missing tensor %s" % name)
            self.register_buffer(name.replace(".", "_"), t.to(dtype))
        if self.p("classifier.weight").shape[0] != 1:
            raise SystemExit("torch_cross_encoder: expected one label")
        # the tokenizer's limit, as sentence-transformers' CrossEncoder uses it
        self.max_seq = self.cfg["max_position_embeddings"]

    def forward(self, input_ids, attention_mask, token_type_ids):
        x = self.encode(input_ids, attention_mask, token_type_ids)
        pooled = torch.tanh(self.linear(x[:, 0], "pooler.dense"))
        return self.linear(pooled, "classifier")[:, 0]


def score_pairs(model, pairs, batch=8):
    """Scores [(ids, types)] in padded batches of similar lengths; float64 list in input order."""
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]))
    out = [None] * len(pairs)
    with torch.no_grad():
        for b in range(0, len(order), batch):
            idx = order[b:b + batch]
            L = max(len(pairs[i][0]) for i in idx)
            ids = torch.zeros(len(idx), L, dtype=torch.int64)
            types = torch.zeros(len(idx), L, dtype=torch.int64)
            mask = torch.zeros(len(idx), L, dtype=torch.int64)
            for r, i in enumerate(idx):
                n = len(pairs[i][0])
                ids[r, :n] = torch.tensor(pairs[i][0], dtype=torch.int64)
                types[r, :n] = torch.tensor(pairs[i][1], dtype=torch.int64)
                mask[r, :n] = 1
            scores = model(ids, mask, types).tolist()
            for r, i in enumerate(idx):
                out[i] = scores[r]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = CrossEncoderScorer(a.model_dir)
    pairs = []
    for line in sys.stdin:
        if line.strip():
            o = json.loads(line)
            if len(o["ids"]) != len(o["types"]) or not 0 < len(o["ids"]) <= model.max_seq:
                sys.exit("torch_cross_encoder: a pair has %d ids" % len(o["ids"]))
            pairs.append((o["ids"], o["types"]))
    for s in score_pairs(model, pairs):
        sys.stdout.write("%.12g\n" % s)


if __name__ == "__main__":
    main()
