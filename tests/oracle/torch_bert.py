#!/usr/bin/python3
"""torch_bert.py - the independent PyTorch reference for brass's BERT embedder (the truth in tests).

Reads a Hugging Face model folder with its own safetensors reader, runs the BERT forward written
out here with plain torch ops (nothing from brass), pools as sentence-transformers does (mean over
the attention mask, or the [CLS] row) and L2-normalises when modules.json says so. Inputs are
token id lists, one JSON array per line on stdin (from hf_tokenize.js, so tokenisation is checked
independently); output is one JSON array per line, in input order. Texts are run as PADDED
batches with an attention mask (padded keys get a large negative score, as in HF), computed in
float64 from the weights exactly as stored (F16/BF16 upcast), so the result is the reference.

  node tests/oracle/hf_tokenize.js ... < texts | /usr/bin/python3 tests/oracle/torch_bert.py DIR

BertEmbedder is also used by bench/export_onnx.py (in float32) to export the same model to ONNX.
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch

ST_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64,
             "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}


def read_safetensors(path):
    """Returns {name: float64/int64 torch tensor}. BF16 is widened by hand (numpy has no bf16)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        raw, shape, dt = data[base + b:base + e], info["shape"], info["dtype"]
        if dt == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=np.dtype(ST_DTYPES[dt]).newbyteorder("<"))
        arr = arr.reshape(shape)
        out[name] = torch.from_numpy(arr.astype(np.float64 if arr.dtype.kind == "f" else np.int64))
    return out


def read_json(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def model_settings(model_dir):
    """(config, pooling 'mean'|'cls', normalize, max_seq_length) from the folder's files.
    Without modules.json: mean pooling, not normalised (sentence-transformers' default)."""
    cfg = read_json(os.path.join(model_dir, "config.json"))
    pooling, normalize = "mean", False
    modules = read_json(os.path.join(model_dir, "modules.json"), [])
    for m in modules:
        if m["type"].endswith("Pooling"):
            pc = read_json(os.path.join(model_dir, m["path"], "config.json"), {})
            pooling = "cls" if pc.get("pooling_mode_cls_token") else "mean"
        if m["type"].endswith("Normalize"):
            normalize = True
    sb = read_json(os.path.join(model_dir, "sentence_bert_config.json"), {})
    max_seq = min(sb.get("max_seq_length", cfg["max_position_embeddings"]),
                  cfg["max_position_embeddings"])
    return cfg, pooling, normalize, max_seq


class BertEmbedder(torch.nn.Module):
    """BERT encoder + pooling + optional L2 normalisation: (ids, mask) -> (batch, hidden)."""

    def __init__(self, model_dir, dtype=torch.float64):
        super().__init__()
        cfg, self.pooling, self.normalize, self.max_seq = model_settings(model_dir)
        self.cfg = cfg
        self.eps = cfg.get("layer_norm_eps", 1e-12)
        self.heads = cfg["num_attention_heads"]
        self.act = cfg.get("hidden_act", "gelu")
        raw = read_safetensors(os.path.join(model_dir, "model.safetensors"))
        w = {}
        for k, v in raw.items():
            w[k[5:] if k.startswith("bert.") else k] = v
        self.layers = cfg["num_hidden_layers"]
        for k, v in w.items():
            if k.startswith("pooler.") or k.endswith("position_ids"):
                continue  # sentence embeddings do not use the pooler
            self.register_buffer(k.replace(".", "_"), v.to(dtype))

    def p(self, name):
        return getattr(self, name.replace(".", "_"))

    def layer_norm(self, x, prefix):
        w = self.p(prefix + ".weight")
        return torch.nn.functional.layer_norm(x, (w.shape[0],), w, self.p(prefix + ".bias"),
                                              self.eps)

    def linear(self, x, prefix):
        return torch.matmul(x, self.p(prefix + ".weight").t()) + self.p(prefix + ".bias")

    def activation(self, x):
        if self.act == "gelu":  # exact erf GELU (HF "gelu")
            return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))
        if self.act in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
            return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) *
                                               (x + 0.044715 * torch.pow(x, 3.0))))
        if self.act == "relu":
            return torch.relu(x)
        raise ValueError("unsupported hidden_act %s" % self.act)

    def encode(self, input_ids, attention_mask, token_type_ids=None):
        """The last layer's hidden states (B, L, H); token types default to 0."""
        # Written in the shape of HF's BertModel (same op order), so that an ONNX export of it
        # looks like an export of HF's model to ONNX Runtime's graph fusions.
        H = self.p("embeddings.word_embeddings.weight").shape[1]
        A, D = self.heads, H // self.heads
        dtype = self.p("embeddings.LayerNorm.weight").dtype
        L = input_ids.size(1)
        x = self.p("embeddings.word_embeddings.weight")[input_ids]
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        x = x + self.p("embeddings.token_type_embeddings.weight")[token_type_ids]
        x = x + self.p("embeddings.position_embeddings.weight")[:L].unsqueeze(0)
        x = self.layer_norm(x, "embeddings.LayerNorm")
        # (B, 1, 1, L): 0 for real keys, the dtype's most negative number for padded keys
        ext = attention_mask[:, None, None, :].to(dtype)
        ext = (1.0 - ext) * torch.finfo(dtype).min

        def heads(t):  # (B, L, H) -> (B, A, L, D)
            return t.view(t.size()[:-1] + (A, D)).permute(0, 2, 1, 3)

        for i in range(self.layers):
            p = "encoder.layer.%d." % i
            q = heads(self.linear(x, p + "attention.self.query"))
            k = heads(self.linear(x, p + "attention.self.key"))
            v = heads(self.linear(x, p + "attention.self.value"))
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(D)
            probs = torch.softmax(scores + ext, dim=-1)
            ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
            ctx = ctx.view(ctx.size()[:-2] + (H,))
            x = self.layer_norm(self.linear(ctx, p + "attention.output.dense") + x,
                                p + "attention.output.LayerNorm")
            h = self.activation(self.linear(x, p + "intermediate.dense"))
            x = self.layer_norm(self.linear(h, p + "output.dense") + x, p + "output.LayerNorm")
        return x

    def forward(self, input_ids, attention_mask):
        return pool(self.encode(input_ids, attention_mask), attention_mask, self.pooling,
                    self.normalize)


def pool(x, attention_mask, pooling, normalize):
    """Sentence-transformers pooling of hidden states x: [CLS] or the mean over the real tokens,
    then L2 normalisation when normalize (BERT and JinaBERT alike)."""
    if pooling == "cls":
        pooled = x[:, 0]
    else:
        m = attention_mask.to(x.dtype).unsqueeze(-1)
        pooled = (x * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)
    if normalize:
        pooled = pooled / torch.clamp(pooled.norm(dim=-1, keepdim=True), min=1e-12)
    return pooled


def embed_ids(model, id_lists, batch=16):
    """Embeds id lists in padded batches and returns float64 arrays in input order. Lists are
    sorted by length and a batch closes when full or when the next list is more than 1.5x + 8
    the batch's shortest, so padding (and the mask) is exercised but costs little."""
    order = sorted(range(len(id_lists)), key=lambda i: len(id_lists[i]))
    batches, cur = [], []
    for i in order:
        if cur and (len(cur) == batch or
                    len(id_lists[i]) > 1.5 * len(id_lists[cur[0]]) + 8):
            batches.append(cur)
            cur = []
        cur.append(i)
    if cur:
        batches.append(cur)
    out = [None] * len(id_lists)
    with torch.no_grad():
        for idx in batches:
            L = max(len(id_lists[i]) for i in idx)
            ids = torch.zeros(len(idx), L, dtype=torch.int64)
            mask = torch.zeros(len(idx), L, dtype=torch.int64)
            for r, i in enumerate(idx):
                ids[r, :len(id_lists[i])] = torch.tensor(id_lists[i], dtype=torch.int64)
                mask[r, :len(id_lists[i])] = 1
            vecs = model(ids, mask).numpy()
            for r, i in enumerate(idx):
                out[i] = vecs[r]
    return out


def embed_stdin(model, batch, name):
    """Reads id lists (one JSON array per line) from stdin, checks their lengths against
    model.max_seq, embeds them and writes one JSON array per line: the main of torch_bert.py and
    torch_jina.py."""
    id_lists = [json.loads(line) for line in sys.stdin if line.strip()]
    for ids in id_lists:
        if not ids or len(ids) > model.max_seq:
            sys.exit("%s: an id list has length %d (1..%d allowed)" % (name, len(ids), model.max_seq))
    for v in embed_ids(model, id_lists, batch):
        sys.stdout.write("[" + ",".join("%.12g" % x for x in v) + "]\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    embed_stdin(BertEmbedder(a.model_dir), a.batch, "torch_bert")


if __name__ == "__main__":
    main()
