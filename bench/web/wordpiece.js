// wordpiece.js - a small BERT (uncased) WordPiece tokenizer for the ONNX Runtime Web side of the
// browser benchmark, so that tokenisation is timed on both sides as in the native benchmark
// (brass tokenizes inside its embed call). Follows HF tokenizers' BertNormalizer (clean text,
// CJK spacing, lowercase + accent stripping), BertPreTokenizer (whitespace, punctuation) and
// WordPiece (greedy longest match, '##' continuations, [UNK] for words over 100 chars or with no
// match), then [CLS] ... [SEP] with truncation at maxLength. The driver checks its ids against
// @anush008/tokenizers (HF's Rust tokenizer) on every benchmark text before trusting it.
// Works as a classic script or in a worker (defines self.WordPiece).
(function (g) {
  'use strict';
  const isControl = (c) => {
    if (c === 0x09 || c === 0x0a || c === 0x0d) return false;
    return /\p{Cc}|\p{Cf}|\p{Co}|\p{Cs}/u.test(String.fromCodePoint(c));
  };
  const isSpace = (c) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d ||
    /\p{Zs}/u.test(String.fromCodePoint(c));
  const isPunct = (c) => (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
    (c >= 123 && c <= 126) || /\p{P}/u.test(String.fromCodePoint(c));
  const isCjk = (c) => (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0x20000 && c <= 0x2a6df) || (c >= 0x2a700 && c <= 0x2b73f) ||
    (c >= 0x2b740 && c <= 0x2b81f) || (c >= 0x2b820 && c <= 0x2ceaf) ||
    (c >= 0xf900 && c <= 0xfaff) || (c >= 0x2f800 && c <= 0x2fa1f);

  class WordPiece {
    constructor(vocabText, maxLength) {
      this.vocab = new Map();
      vocabText.split('\n').forEach((w, i) => {
        if (w.length && !this.vocab.has(w)) this.vocab.set(w, i);
      });
      this.maxLength = maxLength;
      this.cls = this.vocab.get('[CLS]');
      this.sep = this.vocab.get('[SEP]');
      this.unk = this.vocab.get('[UNK]');
    }

    words(text) {
      let s = '';
      for (const ch of text) { // clean text + CJK spacing
        const c = ch.codePointAt(0);
        if (c === 0 || c === 0xfffd || isControl(c)) continue;
        if (isSpace(c)) s += ' ';
        else if (isCjk(c)) s += ' ' + ch + ' ';
        else s += ch;
      }
      s = s.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
      const out = [];
      for (const piece of s.split(/\s+/)) {
        let cur = '';
        for (const ch of piece) {
          if (isPunct(ch.codePointAt(0))) {
            if (cur) out.push(cur);
            out.push(ch);
            cur = '';
          } else cur += ch;
        }
        if (cur) out.push(cur);
      }
      return out;
    }

    wordIds(w, ids) {
      const chars = Array.from(w);
      if (chars.length > 100) return ids.push(this.unk);
      const start = ids.length;
      let i = 0;
      while (i < chars.length) {
        let j = chars.length, id;
        for (; j > i; j--) {
          const sub = (i > 0 ? '##' : '') + chars.slice(i, j).join('');
          id = this.vocab.get(sub);
          if (id !== undefined) break;
        }
        if (j === i) {
          ids.length = start;
          return ids.push(this.unk);
        }
        ids.push(id);
        i = j;
      }
    }

    encode(text) {
      const ids = [this.cls];
      for (const w of this.words(text)) {
        this.wordIds(w, ids);
        if (ids.length >= this.maxLength - 1) break;
      }
      ids.length = Math.min(ids.length, this.maxLength - 1);
      ids.push(this.sep);
      return ids;
    }
  }
  g.WordPiece = WordPiece;
})(typeof self !== 'undefined' ? self : globalThis);
