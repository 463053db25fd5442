#!/usr/bin/python3
"""export_onnx.py - exports a model folder to ONNX for the ONNX Runtime side of the benchmark.

The graph is tests/oracle/torch_bert.py's BertEmbedder in float32 (torch_jina.py's JinaEmbedder
for a JinaBERT v2 folder: ALiBi bias built in the graph from the sequence length, GEGLU),
(input_ids, attention_mask),
both int64 (batch, sequence) with dynamic axes -> "embedding" (batch, hidden), pooled and
L2-normalised inside the graph exactly as brass does, so both engines do the same work: token ids
in, normalised sentence embeddings out. Also writes OUT.check.json: a few id lists and their
float64 reference embeddings, which ort_embed_bench.js verifies before it measures anything.
Opset 12 by default: it lets ORT's session-time fusions build its fused Attention op (ORT's best
case; at opset >= 14 attention stays unfused).

  /usr/bin/python3 bench/export_onnx.py MODEL_DIR OUT.onnx
  /usr/bin/python3 bench/export_onnx.py --cross-encoder MODEL_DIR OUT.onnx
      a cross-encoder (tests/oracle/torch_cross_encoder.py): (input_ids, attention_mask,
      token_type_ids) -> "score" (batch,), the raw logit; no check file.
"""
import argparse
import json
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "oracle"))
from torch_bert import BertEmbedder, embed_ids  # noqa: E402
from torch_jina import JinaEmbedder, is_jina  # noqa: E402


def export_cross_encoder(a):
    from torch_cross_encoder import CrossEncoderScorer
    model = CrossEncoderScorer(a.model_dir, dtype=torch.float32).eval()
    ids = torch.tensor([[101, 7592, 102, 2088, 102], [101, 2023, 102, 1037, 102]],
                       dtype=torch.int64)
    mask = torch.ones_like(ids)
    types = torch.tensor([[0, 0, 0, 1, 1], [0, 0, 0, 1, 1]], dtype=torch.int64)
    axes = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(model, (ids, mask, types), a.out,
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["score"], opset_version=a.opset,
                          dynamic_axes={"input_ids": axes, "attention_mask": axes,
                                        "token_type_ids": axes, "score": {0: "batch"}})
    print("export_onnx: wrote %s (%.1f MB)" % (a.out, os.path.getsize(a.out) / 1e6))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("out")
    # ONNX Runtime's built-in graph fusions (Attention, LayerNorm, Gelu) match the opset 11/12
    # export of this HF-shaped graph; at opset >= 14 Attention is not fused and ORT runs slower.
    ap.add_argument("--opset", type=int, default=12)
    ap.add_argument("--cross-encoder", action="store_true")
    a = ap.parse_args()
    warnings.filterwarnings("ignore")  # the exporter's shape-inference chatter
    if a.cross_encoder:
        export_cross_encoder(a)
        return
    with open(os.path.join(a.model_dir, "config.json")) as f:
        embedder = JinaEmbedder if is_jina(json.load(f)) else BertEmbedder
    model = embedder(a.model_dir, dtype=torch.float32).eval()
    ids = torch.tensor([[101, 7592, 2088, 102, 0], [101, 2023, 2003, 1037, 102]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    with torch.no_grad():
        torch.onnx.export(model, (ids, mask), a.out, input_names=["input_ids", "attention_mask"],
                          output_names=["embedding"], opset_version=a.opset,
                          dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                        "attention_mask": {0: "batch", 1: "sequence"},
                                        "embedding": {0: "batch"}})
    vocab = model.cfg["vocab_size"]
    g = torch.Generator().manual_seed(7)
    checks = [[101] + torch.randint(999, vocab, (n,), generator=g).tolist() + [102]
              for n in (1, 7, 30, 90)]
    ref = embed_ids(embedder(a.model_dir), checks)
    with open(a.out + ".check.json", "w") as f:
        json.dump({"ids": checks, "embeddings": [list(map(float, v)) for v in ref]}, f)
    print("export_onnx: wrote %s (%.1f MB)" % (a.out, os.path.getsize(a.out) / 1e6))


if __name__ == "__main__":
    main()
