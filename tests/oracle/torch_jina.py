#!/usr/bin/python3
"""torch_jina.py - the independent PyTorch reference for brass's JinaBERT v2 embedder.

Written from the model's description (Jina AI's JinaBERT v2, as used by
jina-embeddings-v2-small-en / -base-en), with plain torch ops and nothing from brass:
  x = LayerNorm(word[id] + token_type[0])                 (no position embeddings)
  per layer (post-LN):
    scores = Q K^T / sqrt(head_dim) + alibi + key mask    alibi[h, i, j] = -slope_h * |i - j|
    a = LayerNorm(dense(softmax(scores) V) + x)
    g = a Wg^T                                            (mlp.gated_layers, (2I, H), no bias)
    x = LayerNorm((GELU_erf(g[:, :I]) * g[:, I:]) Wo^T + bo + a)
  mean pooling over the real tokens, L2 normalisation when modules.json lists Normalize.
ALiBi slopes: n a power of two: (2^(-8/n))^(k+1), k = 0..n-1; otherwise the slopes of
p = 2^floor(log2 n) heads followed by the even-indexed ([0::2]) slopes of 2p heads, n - p of them.
Inputs and outputs as torch_bert.py (one JSON id list per line in, one JSON vector per line out),
run as PADDED batches in float64 so the key mask is exercised.

  node tests/oracle/hf_tokenize.js ... < texts | /usr/bin/python3 tests/oracle/torch_jina.py DIR

JinaEmbedder is also what bench/export_onnx.py exports (in float32) for JinaBERT folders.
"""
import argparse
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_bert import embed_stdin, model_settings, pool, read_safetensors  # noqa: E402


def alibi_slopes(n):
    """ALiBi's slopes for n heads, as Python floats."""
    def power_of_two(k):
        start = 2.0 ** (-8.0 / k)
        return [start ** (i + 1) for i in range(k)]
    if math.log2(n).is_integer():
        return power_of_two(n)
    p = 2 ** math.floor(math.log2(n))
    return power_of_two(p) + alibi_slopes(2 * p)[0::2][:n - p]


def is_jina(cfg):
    archs = cfg.get("architectures") or []
    return cfg.get("position_embedding_type") == "alibi" or any(
        a.startswith("JinaBert") for a in archs)


class JinaEmbedder(torch.nn.Module):
    """JinaBERT v2 encoder + pooling + optional L2 normalisation: (ids, mask) -> (batch, hidden)."""

    def __init__(self, model_dir, dtype=torch.float64):
        super().__init__()
        cfg, self.pooling, self.normalize, self.max_seq = model_settings(model_dir)
        if cfg.get("feed_forward_type") != "geglu" or cfg.get("hidden_act", "gelu") != "gelu":
            raise ValueError("torch_jina: expects feed_forward_type geglu with hidden_act gelu")
        self.cfg = cfg
        self.eps = cfg.get("layer_norm_eps", 1e-12)
        self.heads = cfg["num_attention_heads"]
        self.layers = cfg["num_hidden_layers"]
        self.inter = cfg["intermediate_size"]
        raw = read_safetensors(os.path.join(model_dir, "model.safetensors"))
        for k, v in raw.items():
            if k.startswith("pooler.") or k.endswith("position_ids"):
                continue
            self.register_buffer(k.replace(".", "_"), v.to(dtype))
        self.register_buffer("slopes", torch.tensor(alibi_slopes(self.heads), dtype=dtype))

    def p(self, name):
        return getattr(self, name.replace(".", "_"))

    def layer_norm(self, x, prefix):
        w = self.p(prefix + ".weight")
        return torch.nn.functional.layer_norm(x, (w.shape[0],), w, self.p(prefix + ".bias"),
                                              self.eps)

    def linear(self, x, prefix, bias=True):
        y = torch.matmul(x, self.p(prefix + ".weight").t())
        return y + self.p(prefix + ".bias") if bias else y

    def forward(self, input_ids, attention_mask):
        H = self.p("embeddings.word_embeddings.weight").shape[1]
        A, D, I = self.heads, H // self.heads, self.inter
        dtype = self.p("embeddings.LayerNorm.weight").dtype
        L = input_ids.size(1)
        x = self.p("embeddings.word_embeddings.weight")[input_ids]
        x = x + self.p("embeddings.token_type_embeddings.weight")[torch.zeros_like(input_ids)]
        x = self.layer_norm(x, "embeddings.LayerNorm")
        # (1, A, L, L) ALiBi bias plus (B, 1, 1, L) key mask: the dtype's most negative number
        pos = torch.arange(L, dtype=dtype)
        dist = torch.abs(pos[None, :] - pos[:, None])
        ext = (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min
        # Long inputs go head by head, so that only one (B, L, L) block exists at a time.
        per_head = input_ids.size(0) * A * L * L > (1 << 25)
        bias = None if per_head else -self.slopes[None, :, None, None] * dist[None, None] + ext

        def attention(q, k, v):  # (B, A, L, D) each
            if not per_head:
                scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(D)
                return torch.matmul(torch.softmax(scores + bias, dim=-1), v)
            out = []
            for h in range(A):
                scores = torch.matmul(q[:, h], k[:, h].transpose(-1, -2)) / math.sqrt(D)
                scores = scores - self.slopes[h] * dist[None] + ext[:, 0]
                out.append(torch.matmul(torch.softmax(scores, dim=-1), v[:, h]))
            return torch.stack(out, dim=1)

        def heads(t):  # (B, L, H) -> (B, A, L, D)
            return t.view(t.size()[:-1] + (A, D)).permute(0, 2, 1, 3)

        for i in range(self.layers):
            p = "encoder.layer.%d." % i
            q = heads(self.linear(x, p + "attention.self.query"))
            k = heads(self.linear(x, p + "attention.self.key"))
            v = heads(self.linear(x, p + "attention.self.value"))
            ctx = attention(q, k, v).permute(0, 2, 1, 3).contiguous()
            ctx = ctx.view(ctx.size()[:-2] + (H,))
            x = self.layer_norm(self.linear(ctx, p + "attention.output.dense") + x,
                                p + "attention.output.LayerNorm")
            g = self.linear(x, p + "mlp.gated_layers", bias=False)
            gated, plain = g[..., :I], g[..., I:]
            m = gated * 0.5 * (1.0 + torch.erf(gated / math.sqrt(2.0))) * plain
            x = self.layer_norm(self.linear(m, p + "mlp.wo") + x, p + "mlp.layernorm")
        return pool(x, attention_mask, self.pooling, self.normalize)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    ap.add_argument("--slopes", action="store_true", help="print the ALiBi slopes and exit")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = JinaEmbedder(a.model_dir)
    if a.slopes:
        print(json.dumps(alibi_slopes(model.heads)))
        return
    embed_stdin(model, a.batch, "torch_jina")


if __name__ == "__main__":
    main()
