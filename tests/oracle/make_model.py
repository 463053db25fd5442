#!/usr/bin/python3
"""make_model.py - writes a random-weight BERT embedding model in the exact Hugging Face layout.

The folder looks like a sentence-transformers checkpoint from the Hub: config.json,
model.safetensors (written by the small writer below, not by a library), modules.json,
sentence_bert_config.json, 1_Pooling/config.json, 2_Normalize/ when the model normalises, optional
config_sentence_transformers.json with query/passage prompts (e5), and the tokenizer files written
by make_tokenizer.py. Weights are random but shaped like a trained model's: matrices have
std ~ 1/sqrt(fan_in) so GELU and softmax work in their non-linear ranges (attention is peaky, not
uniform), and LayerNorm gamma/beta are randomised so a skipped or transposed parameter shows up.
The same --seed gives the same bytes.

  /usr/bin/python3 tests/oracle/make_model.py OUT --preset minilm [--dtype f16] [--seed 1]
  /usr/bin/python3 tests/oracle/make_model.py OUT --layers 2 --hidden 48 --heads 3 \
      --intermediate 80 --vocab-size 3000 --max-seq 40 --pooling cls --bert-prefix
Also importable: make_model(out_dir, **options) with the option names below.
"""
import argparse
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_VOCAB = os.path.join(REPO, ".cache", "bert-uncased-vocab.txt")  # scripts/bert_vocab.py

PRESETS = {
    # sentence-transformers/all-MiniLM-L6-v2
    "minilm": dict(layers=6, hidden=384, heads=12, intermediate=1536, max_pos=512, max_seq=256,
                   pooling="mean", normalize=True),
    # BAAI/bge-small-en-v1.5
    "bge-small": dict(layers=12, hidden=384, heads=12, intermediate=1536, max_pos=512, max_seq=512,
                      pooling="cls", normalize=True),
    # intfloat/e5-small-v2
    "e5-small": dict(layers=12, hidden=384, heads=12, intermediate=1536, max_pos=512, max_seq=512,
                     pooling="mean", normalize=True, prompts=True),
    # cross-encoder/ms-marco-MiniLM-L-6-v2 (BertForSequenceClassification, one label)
    "ce-minilm-l6": dict(layers=6, hidden=384, heads=12, intermediate=1536, max_pos=512,
                         max_seq=512, pooling="cls", normalize=False, kind="cross-encoder"),
    # cross-encoder/ms-marco-TinyBERT-L-2-v2
    "ce-tinybert-l2": dict(layers=2, hidden=128, heads=2, intermediate=512, max_pos=512,
                           max_seq=512, pooling="cls", normalize=False, kind="cross-encoder"),
    # minishlab/potion-base-8M (model2vec: 256 dimensions, normalised)
    "potion": dict(layers=0, hidden=256, heads=1, intermediate=1, max_pos=512, max_seq=512,
                   pooling="mean", normalize=True, kind="model2vec"),
    # sentence-transformers/static-retrieval-mrl-en-v1 (StaticEmbedding, 1024 dimensions)
    "static-retrieval": dict(layers=0, hidden=1024, heads=1, intermediate=1, max_pos=512,
                             max_seq=512, pooling="mean", normalize=False, kind="static-st"),
    # jinaai/jina-embeddings-v2-small-en (JinaBERT v2: ALiBi, GEGLU; no Normalize module)
    "jina-small": dict(layers=4, hidden=512, heads=8, intermediate=2048, max_pos=8192,
                       max_seq=8192, pooling="mean", normalize=False, arch="jina"),
    # jinaai/jina-embeddings-v2-base-en (12 heads: non-power-of-two ALiBi slopes)
    "jina-base": dict(layers=12, hidden=768, heads=12, intermediate=3072, max_pos=8192,
                      max_seq=8192, pooling="mean", normalize=False, arch="jina"),
}

# The six tokens jina-embeddings-v2 adds after bert-base-uncased's 30,522 (ids 30522-30527).
JINA_EXTRA_TOKENS = ["bowang", "georgiosmastrapas", "jackminong", "alaeddineabdessalem",
                     "isabellemohr", "michaelguenther"]

DTYPES = {"f32": (torch.float32, "F32"), "f16": (torch.float16, "F16"),
          "bf16": (torch.bfloat16, "BF16")}


def write_safetensors(path, tensors):
    """Writes {name: tensor} as safetensors: u64 LE header length, JSON header (with
    __metadata__ {"format": "pt"}) padded with spaces to a multiple of 8, then the raw data.
    Tensors are laid out as the reference writer does: by dtype size (largest first), then name."""
    names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
             torch.int64: "I64", torch.float64: "F64", torch.int32: "I32"}
    order = sorted(tensors, key=lambda n: (-tensors[n].element_size(), n))
    header = {"__metadata__": {"format": "pt"}}
    blobs, offset = [], 0
    for name in order:
        t = tensors[name].contiguous()
        # raw little-endian bytes; bfloat16 has no numpy type, so go through int16
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def random_weights(cfg, seed, dtype, prefix, position_ids, pooler):
    """HF BertModel parameter names and shapes (Linear weights are (out, in)); for JinaBERT v2
    (position_embedding_type alibi) no position embeddings and the GEGLU feed-forward's
    mlp.gated_layers (2I, H, no bias), mlp.wo and mlp.layernorm."""
    jina = cfg.get("position_embedding_type") == "alibi"
    g = torch.Generator().manual_seed(seed)
    H, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]

    def normal(*shape, std=1.0, mean=0.0):
        return torch.randn(*shape, generator=g, dtype=torch.float64) * std + mean

    def linear(out_f, in_f, gain=1.0):
        return normal(out_f, in_f, std=gain / in_f ** 0.5), normal(out_f, std=0.05)

    def layernorm(n):
        return normal(n, std=0.15, mean=1.0), normal(n, std=0.1)

    w = {}
    w["embeddings.word_embeddings.weight"] = normal(V, H, std=0.05)
    if not jina:
        w["embeddings.position_embeddings.weight"] = normal(cfg["max_position_embeddings"], H,
                                                            std=0.03)
    w["embeddings.token_type_embeddings.weight"] = normal(cfg["type_vocab_size"], H, std=0.03)
    w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"] = layernorm(H)
    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        # q/k with gain 2: scores have std ~2 per head, so softmax is far from uniform
        for name, gain in (("query", 2.0), ("key", 2.0), ("value", 1.0)):
            w[p + "attention.self.%s.weight" % name], w[p + "attention.self.%s.bias" % name] = \
                linear(H, H, gain)
        w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"] = linear(H, H)
        w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"] = \
            layernorm(H)
        if jina:
            w[p + "mlp.gated_layers.weight"] = linear(2 * I, H, 1.5)[0]
            w[p + "mlp.wo.weight"], w[p + "mlp.wo.bias"] = linear(H, I)
            w[p + "mlp.layernorm.weight"], w[p + "mlp.layernorm.bias"] = layernorm(H)
            continue
        w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"] = linear(I, H, 1.5)
        w[p + "output.dense.weight"], w[p + "output.dense.bias"] = linear(H, I)
        w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"] = layernorm(H)
    if pooler:
        w["pooler.dense.weight"], w["pooler.dense.bias"] = linear(H, H)
    out = {(prefix + k): v.to(dtype) for k, v in w.items()}
    if position_ids and not jina:  # older checkpoints carry this buffer (I64, (1, max_pos))
        out[prefix + "embeddings.position_ids"] = \
            torch.arange(cfg["max_position_embeddings"], dtype=torch.int64).unsqueeze(0)
    return out


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def make_model(out_dir, preset=None, layers=2, hidden=48, heads=3, intermediate=80, max_pos=64,
               max_seq=None, vocab=DEFAULT_VOCAB, vocab_size=None, dtype="f32", bert_prefix=False,
               pooling="mean", normalize=True, prompts=False, position_ids=False, pooler=True,
               seed=0, lowercase=True, kind="embedding", labels=1, classifier=True, arch="bert"):
    """Writes the model folder; returns the config dict. vocab_size=N keeps the first N vocab
    entries (a tiny, fast model); None keeps the whole vocabulary. kind: "embedding" (a
    sentence-transformers BERT), "cross-encoder" (BertForSequenceClassification with `labels`
    labels, "bert."-prefixed encoder, pooler and classifier unless classifier=False),
    "model2vec" or "static-st" (static embedding tables, see make_static). arch="jina" writes a
    JinaBERT v2 folder (config, tensor names and, with the whole vocabulary, its 6 extra tokens)."""
    if preset:
        p = PRESETS[preset]
        layers, hidden, heads, intermediate = p["layers"], p["hidden"], p["heads"], p["intermediate"]
        max_pos, pooling, normalize = p["max_pos"], p["pooling"], p["normalize"]
        max_seq = max_seq or p["max_seq"]
        prompts = prompts or p.get("prompts", False)
        kind = p.get("kind", kind)
        arch = p.get("arch", arch)
    if kind in ("model2vec", "static-st"):
        return make_static(out_dir, kind, hidden, vocab, vocab_size, dtype, normalize, seed,
                           lowercase)
    if hidden % heads:
        raise ValueError("hidden %d is not a multiple of heads %d" % (hidden, heads))
    max_seq = min(max_seq or max_pos, max_pos)
    os.makedirs(out_dir, exist_ok=True)

    if not os.path.isfile(vocab):
        sys.exit(f"make_model: vocabulary {vocab} missing (run `make setup`: scripts/bert_vocab.py)")
    with open(vocab, encoding="utf-8") as f:
        tokens = f.read().split("\n")
    if tokens and tokens[-1] == "":
        tokens.pop()
    if vocab_size:
        tokens = tokens[:vocab_size]
    elif arch == "jina" and len(tokens) == 30522:
        tokens += JINA_EXTRA_TOKENS  # the 30,528-entry vocabulary of jina-embeddings-v2
    vocab_path = os.path.join(out_dir, "vocab.txt")
    with open(vocab_path, "w", encoding="utf-8") as f:
        f.write("\n".join(tokens) + "\n")

    cfg = {
        "_name_or_path": "brass-random-%s" % (preset or arch),
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "gradient_checkpointing": False,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": hidden,
        "initializer_range": 0.02,
        "intermediate_size": intermediate,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": max_pos,
        "model_type": "bert",
        "num_attention_heads": heads,
        "num_hidden_layers": layers,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "torch_dtype": {"f32": "float32", "f16": "float16", "bf16": "bfloat16"}[dtype],
        "transformers_version": "4.36.2",
        "type_vocab_size": 2,
        "use_cache": True,
        "vocab_size": len(tokens),
    }
    if kind == "cross-encoder":
        return make_cross_encoder(out_dir, cfg, vocab_path, seed, dtype, position_ids, labels,
                                  classifier, lowercase)
    if arch == "jina":  # as jina-embeddings-v2-small-en's config.json says it
        cfg["architectures"] = ["JinaBertForMaskedLM"]
        cfg["position_embedding_type"] = "alibi"
        cfg["feed_forward_type"] = "geglu"
        cfg["emb_pooler"] = "mean"
        cfg["attn_implementation"] = None
    write_json(os.path.join(out_dir, "config.json"), cfg)
    weights = random_weights(cfg, seed, DTYPES[dtype][0], "bert." if bert_prefix else "",
                             position_ids, pooler)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), weights)

    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.models.Pooling"},
    ]
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize",
                        "type": "sentence_transformers.models.Normalize"})
        os.makedirs(os.path.join(out_dir, "2_Normalize"), exist_ok=True)
    write_json(os.path.join(out_dir, "modules.json"), modules)
    os.makedirs(os.path.join(out_dir, "1_Pooling"), exist_ok=True)
    write_json(os.path.join(out_dir, "1_Pooling", "config.json"), {
        "word_embedding_dimension": hidden,
        "pooling_mode_cls_token": pooling == "cls",
        "pooling_mode_mean_tokens": pooling == "mean",
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    write_json(os.path.join(out_dir, "sentence_bert_config.json"),
               {"max_seq_length": max_seq, "do_lower_case": False})
    st = {"__version__": {"sentence_transformers": "2.7.0", "transformers": "4.36.2",
                          "pytorch": "2.1.0"},
          "prompts": {"query": "query: ", "passage": "passage: "} if prompts else {},
          "default_prompt_name": None}
    write_json(os.path.join(out_dir, "config_sentence_transformers.json"), st)

    sys.path.insert(0, HERE)
    from make_tokenizer import write_tokenizer
    write_tokenizer(out_dir, vocab_path, lowercase=lowercase, max_length=max_seq,
                    model_max_length=max_pos)
    return cfg


def make_cross_encoder(out_dir, cfg, vocab_path, seed, dtype, position_ids, labels, classifier,
                       lowercase):
    """A cross-encoder folder as cross-encoder/ms-marco-* ship it: config.json with
    BertForSequenceClassification and id2label, bert.* encoder + pooler, classifier.*, and the
    tokenizer files (no sentence-transformers files; the length limit is model_max_length)."""
    cfg = dict(cfg, architectures=["BertForSequenceClassification"],
               _name_or_path="brass-random-cross-encoder",
               id2label={str(i): "LABEL_%d" % i for i in range(labels)},
               label2id={"LABEL_%d" % i: i for i in range(labels)})
    write_json(os.path.join(out_dir, "config.json"), cfg)
    torch_dtype = DTYPES[dtype][0]
    weights = random_weights(cfg, seed, torch_dtype, "bert.", position_ids, True)
    if classifier:
        g = torch.Generator().manual_seed(seed + 1)
        H = cfg["hidden_size"]
        weights["classifier.weight"] = (torch.randn(labels, H, generator=g, dtype=torch.float64) /
                                        H ** 0.5).to(torch_dtype)
        weights["classifier.bias"] = (torch.randn(labels, generator=g, dtype=torch.float64) *
                                      0.1).to(torch_dtype)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), weights)
    sys.path.insert(0, HERE)
    from make_tokenizer import write_tokenizer
    write_tokenizer(out_dir, vocab_path, lowercase=lowercase,
                    model_max_length=cfg["max_position_embeddings"])
    return cfg


def make_static(out_dir, kind, dim, vocab, vocab_size, dtype, normalize, seed, lowercase):
    """A static embedding model: kind "model2vec" (config.json {model_type: model2vec, normalize},
    model.safetensors ["embeddings"], tokenizer.json, as minishlab/potion-* ship) or "static-st"
    (modules.json naming 0_StaticEmbedding/, holding model.safetensors ["embedding.weight"] and
    tokenizer.json, as sentence-transformers/static-retrieval-mrl-en-v1 ships; Normalize module
    when normalize)."""
    os.makedirs(out_dir, exist_ok=True)
    with open(vocab, encoding="utf-8") as f:
        tokens = f.read().split("\n")
    if tokens and tokens[-1] == "":
        tokens.pop()
    if vocab_size:
        tokens = tokens[:vocab_size]
    g = torch.Generator().manual_seed(seed)
    table = (torch.randn(len(tokens), dim, generator=g, dtype=torch.float64) * 0.1)
    table = table.to(DTYPES[dtype][0])
    sys.path.insert(0, HERE)
    from make_tokenizer import write_tokenizer
    if kind == "model2vec":
        tok_dir, name = out_dir, "embeddings"
        write_json(os.path.join(out_dir, "config.json"), {
            "model_type": "model2vec", "architectures": ["StaticModel"],
            "tokenizer_name": "bert-base-uncased", "apply_pca": dim, "apply_zipf": True,
            "hidden_dim": dim, "seq_length": 1000000, "normalize": bool(normalize)})
    else:
        tok_dir, name = os.path.join(out_dir, "0_StaticEmbedding"), "embedding.weight"
        modules = [{"idx": 0, "name": "0", "path": "0_StaticEmbedding",
                    "type": "sentence_transformers.models.StaticEmbedding"}]
        if normalize:
            modules.append({"idx": 1, "name": "1", "path": "1_Normalize",
                            "type": "sentence_transformers.models.Normalize"})
        write_json(os.path.join(out_dir, "modules.json"), modules)
        write_json(os.path.join(out_dir, "config_sentence_transformers.json"),
                   {"__version__": {"sentence_transformers": "3.3.0"}, "prompts": {},
                    "default_prompt_name": None, "similarity_fn_name": "cosine"})
    os.makedirs(tok_dir, exist_ok=True)
    vocab_path = os.path.join(tok_dir, "vocab.txt")
    with open(vocab_path, "w", encoding="utf-8") as f:
        f.write("\n".join(tokens) + "\n")
    write_safetensors(os.path.join(tok_dir, "model.safetensors"), {name: table})
    write_tokenizer(tok_dir, vocab_path, lowercase=lowercase)
    return {"kind": kind, "dim": dim, "vocab_size": len(tokens)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--preset", choices=sorted(PRESETS))
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=48)
    ap.add_argument("--heads", type=int, default=3)
    ap.add_argument("--intermediate", type=int, default=80)
    ap.add_argument("--max-pos", type=int, default=64, help="max_position_embeddings")
    ap.add_argument("--max-seq", type=int, help="sentence_bert_config max_seq_length")
    ap.add_argument("--vocab", default=DEFAULT_VOCAB, help="vocab.txt to use")
    ap.add_argument("--vocab-size", type=int, help="keep only the first N vocab entries")
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="f32")
    ap.add_argument("--bert-prefix", action="store_true", help="name tensors bert.*")
    ap.add_argument("--pooling", choices=["mean", "cls"], default="mean")
    ap.add_argument("--no-normalize", action="store_true")
    ap.add_argument("--prompts", action="store_true", help="e5 query:/passage: prompts")
    ap.add_argument("--position-ids", action="store_true", help="include embeddings.position_ids")
    ap.add_argument("--no-pooler", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kind", choices=["embedding", "cross-encoder", "model2vec", "static-st"],
                    default="embedding")
    ap.add_argument("--labels", type=int, default=1, help="cross-encoder labels")
    ap.add_argument("--no-classifier", action="store_true", help="cross-encoder without its head")
    ap.add_argument("--arch", choices=["bert", "jina"], default="bert",
                    help="jina: JinaBERT v2 (ALiBi, GEGLU)")
    a = ap.parse_args()
    make_model(a.out, preset=a.preset, layers=a.layers, hidden=a.hidden, heads=a.heads,
               intermediate=a.intermediate, max_pos=a.max_pos, max_seq=a.max_seq, vocab=a.vocab,
               vocab_size=a.vocab_size, dtype=a.dtype, bert_prefix=a.bert_prefix,
               pooling=a.pooling, normalize=not a.no_normalize, prompts=a.prompts,
               position_ids=a.position_ids, pooler=not a.no_pooler, seed=a.seed, kind=a.kind,
               labels=a.labels, classifier=not a.no_classifier, arch=a.arch)


if __name__ == "__main__":
    main()
