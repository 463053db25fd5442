#!/usr/bin/python3
"""torch_static.py - the float64 PyTorch reference for brass's static embedding models.

Reads a model2vec folder (config.json {"model_type": "model2vec", "normalize"},
model.safetensors ["embeddings"]) or a sentence-transformers StaticEmbedding folder (modules.json
-> 0_StaticEmbedding/model.safetensors ["embedding.weight"], Normalize module) with torch_bert.py's
safetensors reader, and embeds token id lists (one JSON array per line on stdin, from
hf_tokenize.js --plain: the text's ids without [CLS]/[SEP]) as the libraries do:
  - model2vec (StaticModel.encode): [UNK] ids dropped, the first 512 kept, rows averaged, L2
    normalised when config.json says normalize; no ids left -> zeros (encode's cut of the text
    to 512 x the median token length in characters comes before tokenising: the caller cuts);
  - sentence-transformers (StaticEmbedding): torch EmbeddingBag(mode="mean") over all ids, then
    the Normalize module if listed.
Output: one JSON array per line, in input order.

  node tests/oracle/hf_tokenize.js TOK --plain < texts | /usr/bin/python3 torch_static.py DIR
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_bert import read_json, read_safetensors  # noqa: E402


def load(model_dir):
    """(kind, table float64 (V, D), normalize, unk id or None)."""
    modules = read_json(os.path.join(model_dir, "modules.json"), [])
    static = [m for m in modules if m["type"].endswith("StaticEmbedding")]
    if static:
        sub = os.path.join(model_dir, static[0]["path"])
        table = read_safetensors(os.path.join(sub, "model.safetensors"))["embedding.weight"]
        normalize = any(m["type"].endswith("Normalize") for m in modules)
        return "st", table, normalize, None
    cfg = read_json(os.path.join(model_dir, "config.json"))
    table = read_safetensors(os.path.join(model_dir, "model.safetensors"))["embeddings"]
    tok = read_json(os.path.join(model_dir, "tokenizer.json"))
    unk = tok["model"].get("unk_token")
    unk_id = tok["model"]["vocab"].get(unk) if unk else None
    return "model2vec", table, bool(cfg.get("normalize", False)), unk_id


def embed(kind, table, normalize, unk_id, ids):
    if kind == "model2vec":
        ids = [i for i in ids if i != unk_id][:512]
        if not ids:
            return torch.zeros(table.shape[1], dtype=torch.float64)
        v = table[torch.tensor(ids, dtype=torch.int64)].mean(0)
    else:
        if not ids:
            v = torch.zeros(table.shape[1], dtype=torch.float64)
        else:
            v = torch.nn.functional.embedding_bag(torch.tensor(ids, dtype=torch.int64), table,
                                                  torch.tensor([0]), mode="mean")[0]
    if normalize:
        v = v / torch.clamp(v.norm(), min=1e-12)
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir")
    a = ap.parse_args()
    kind, table, normalize, unk_id = load(a.model_dir)
    for line in sys.stdin:
        if not line.strip():
            continue
        v = embed(kind, table, normalize, unk_id, json.loads(line))
        sys.stdout.write("[" + ",".join("%.12g" % x for x in v.tolist()) + "]\n")


if __name__ == "__main__":
    main()
