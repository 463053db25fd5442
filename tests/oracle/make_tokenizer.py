#!/usr/bin/env python3
"""make_tokenizer.py - writes the tokenizer files of a Hugging Face BERT model directory from a
WordPiece vocabulary (one token per line), in the formats bert-base-uncased and
sentence-transformers/all-MiniLM-L6-v2 ship:

  tokenizer.json           BertNormalizer, BertPreTokenizer, WordPiece with the vocab,
                           TemplateProcessing [CLS] $A [SEP] (pair: [CLS] $A [SEP] $B:1 [SEP]:1),
                           the five specials as added tokens (special=true, normalized=false),
                           WordPiece decoder; truncation/padding blocks when max_length is given
  vocab.txt                the vocabulary, copied
  tokenizer_config.json    do_lower_case, tokenize_chinese_chars, strip_accents, specials, ...
  special_tokens_map.json  the five special token strings

Module use:  write_tokenizer(dir, vocab_path, lowercase=True, strip_accents=None, ...)
CLI use:     make_tokenizer.py OUT_DIR VOCAB_TXT [--cased] [--strip-accents true|false|null]
                               [--no-chinese] [--no-clean] [--max-length N]
                               [--extra-added JSON_LIST]
(--extra-added / extra_added: more added_tokens entries, e.g. with lstrip, rstrip, single_word,
for tests; ids past the vocabulary are allowed, as HF allows them.)
Plain python3, no third-party modules.
"""
import argparse
import json
import os
import shutil

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def read_vocab(vocab_path):
    """Token -> id (the line number); a token listed twice keeps its later line, as HF does."""
    with open(vocab_path, "r", encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the file's final newline ends the last line; it starts no token
    vocab = {}
    for i, line in enumerate(lines):
        vocab[line[:-1] if line.endswith("\r") else line] = i
    return vocab


def tokenizer_json(vocab, lowercase=True, strip_accents=None, handle_chinese_chars=True,
                   clean_text=True, max_length=None, unk="[UNK]", cls="[CLS]", sep="[SEP]",
                   pad="[PAD]", mask="[MASK]", extra_added=None):
    """The tokenizer.json object for this vocabulary and these BertNormalizer switches."""
    for tok in (unk, cls, sep, pad, mask):
        if tok not in vocab:
            raise ValueError("special token %r is not in the vocabulary" % tok)
    added = []
    for tok in sorted({pad, unk, cls, sep, mask}, key=lambda t: vocab[t]):
        added.append({"id": vocab[tok], "content": tok, "single_word": False, "lstrip": False,
                      "rstrip": False, "normalized": False, "special": True})
    for extra in extra_added or []:  # an entry for a special already listed updates it
        same = [a for a in added if a["content"] == extra.get("content")]
        if same:
            same[0].update(extra)
            continue
        entry = {"id": None, "content": None, "single_word": False, "lstrip": False,
                 "rstrip": False, "normalized": False, "special": False}
        entry.update(extra)
        added.append(entry)
    cls_id, sep_id = vocab[cls], vocab[sep]
    truncation = padding = None
    if max_length:
        truncation = {"direction": "Right", "max_length": max_length,
                      "strategy": "LongestFirst", "stride": 0}
        padding = {"strategy": {"Fixed": max_length}, "direction": "Right",
                   "pad_to_multiple_of": None, "pad_id": vocab[pad], "pad_type_id": 0,
                   "pad_token": pad}
    return {
        "version": "1.0",
        "truncation": truncation,
        "padding": padding,
        "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": clean_text,
                       "handle_chinese_chars": handle_chinese_chars,
                       "strip_accents": strip_accents, "lowercase": lowercase},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": cls, "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": sep, "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": cls, "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": sep, "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": sep, "type_id": 1}}],
            "special_tokens": {
                cls: {"id": cls, "ids": [cls_id], "tokens": [cls]},
                sep: {"id": sep, "ids": [sep_id], "tokens": [sep]},
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": unk, "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100,
                  "vocab": dict(sorted(vocab.items(), key=lambda kv: kv[1]))},
    }


def write_tokenizer(out_dir, vocab_path, lowercase=True, strip_accents=None,
                    handle_chinese_chars=True, clean_text=True, max_length=None,
                    model_max_length=512, extra_added=None):
    """Writes tokenizer.json, vocab.txt, tokenizer_config.json and special_tokens_map.json
    into out_dir (created if needed). Returns out_dir."""
    os.makedirs(out_dir, exist_ok=True)
    vocab = read_vocab(vocab_path)
    tj = tokenizer_json(vocab, lowercase, strip_accents, handle_chinese_chars, clean_text,
                        max_length, extra_added=extra_added)
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False, indent=2)
    dst = os.path.join(out_dir, "vocab.txt")
    if os.path.abspath(dst) != os.path.abspath(vocab_path):
        shutil.copyfile(vocab_path, dst)
    specials = {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                "cls_token": "[CLS]", "mask_token": "[MASK]"}
    config = {"clean_up_tokenization_spaces": True, "do_basic_tokenize": True,
              "do_lower_case": lowercase, "model_max_length": model_max_length,
              "never_split": None, "strip_accents": strip_accents,
              "tokenize_chinese_chars": handle_chinese_chars,
              "tokenizer_class": "BertTokenizer"}
    config.update(specials)
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(out_dir, "special_tokens_map.json"), "w", encoding="utf-8") as f:
        json.dump(specials, f, indent=2)
    return out_dir


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("vocab")
    ap.add_argument("--cased", action="store_true", help="lowercase=false")
    ap.add_argument("--strip-accents", choices=["true", "false", "null"], default="null")
    ap.add_argument("--no-chinese", action="store_true", help="handle_chinese_chars=false")
    ap.add_argument("--no-clean", action="store_true", help="clean_text=false")
    ap.add_argument("--max-length", type=int, default=None,
                    help="add truncation/padding blocks as all-MiniLM-L6-v2 does")
    ap.add_argument("--extra-added", default=None,
                    help="JSON list of extra added_tokens entries (id and content required)")
    a = ap.parse_args()
    sa = {"true": True, "false": False, "null": None}[a.strip_accents]
    write_tokenizer(a.out_dir, a.vocab, lowercase=not a.cased, strip_accents=sa,
                    handle_chinese_chars=not a.no_chinese, clean_text=not a.no_clean,
                    max_length=a.max_length,
                    extra_added=json.loads(a.extra_added) if a.extra_added else None)


if __name__ == "__main__":
    main()
