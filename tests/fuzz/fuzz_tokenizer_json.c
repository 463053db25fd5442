/*
 * fuzz_tokenizer_json.c - libFuzzer target for the tokenizer: the input bytes are a
 * tokenizer.json (loaded from memory); if it loads, a few fixed strings and the input itself
 * are encoded with it. If it does not load, the input is encoded as text by a small built-in
 * tokenizer instead, so every run exercises either the loader or the encoder (invalid UTF-8,
 * added tokens, long words, combining runs, truncation). Loading must fail cleanly with a
 * message, never crash or leak; encoding must return a count within bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/tokenizer.h"

static const char BUILTIN[] =
    "{\"added_tokens\":[{\"id\":1,\"content\":\"[UNK]\",\"normalized\":false,\"special\":true},"
    "{\"id\":2,\"content\":\"[CLS]\",\"normalized\":false,\"special\":true},"
    "{\"id\":3,\"content\":\"[SEP]\",\"normalized\":false,\"special\":true},"
    "{\"id\":4,\"content\":\"[MASK]\",\"lstrip\":true,\"rstrip\":true,\"normalized\":false},"
    "{\"id\":5,\"content\":\"[SEP]x\",\"single_word\":true,\"normalized\":false}],"
    "\"normalizer\":{\"type\":\"BertNormalizer\",\"lowercase\":true},"
    "\"pre_tokenizer\":{\"type\":\"BertPreTokenizer\"},"
    "\"post_processor\":{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",3],\"cls\":[\"[CLS]\",2]},"
    "\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"max_input_chars_per_word\":20,"
    "\"vocab\":{\"[PAD]\":0,\"[UNK]\":1,\"[CLS]\":2,\"[SEP]\":3,\"[MASK]\":4,\"a\":6,\"##a\":7,"
    "\"ab\":8,\"##b\":9,\"\xe4\xb8\xad\":10,\"i\":11,\"##\xcc\x87\":12,\"##\":13,\"#\":14}}}";

static tokenizer *builtin;

static void encode_all(const tokenizer *t, const char *s, size_t len) {
  static const int lens[] = {0, 2, 3, 7, 512};
  int32_t ids[64], offs[128];
  for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
    int n = tok_encode(t, s, len, lens[k], ids, offs, 64);
    if (n >= 0 && lens[k] > 0 && n > lens[k]) abort(); /* truncation must hold */
    int m = n < 64 ? n : 64;
    for (int i = 0; i < m; i++) /* offsets stay inside the text and ordered */
      if (offs[2 * i] < 0 || offs[2 * i] > offs[2 * i + 1] || (size_t)offs[2 * i + 1] > len)
        abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  brass_error err;
  if (!builtin && tok_open_json_mem(BUILTIN, sizeof BUILTIN - 1, "builtin", &builtin, &err) != 0)
    abort();
  tokenizer *t = NULL;
  if (tok_open_json_mem((const char *)data, size, "fuzz.json", &t, &err) == 0) {
    static const char *texts[] = {"Hello, World! unaffable", "[SEP] [CLS]x\xff\xc3",
                                  "\xe4\xb8\xad\xe6\x96\x87 \xc4\xb0stanbul a\xcc\x81\xcc\x96", ""};
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
      encode_all(t, texts[k], strlen(texts[k]));
    encode_all(t, (const char *)data, size);
    (void)tok_vocab_size(t);
    (void)tok_id_token(t, tok_cls_id(t));
    tok_close(t);
  } else {
    if (err.message[0] == '\0' || strstr(err.message, "fuzz.json") == NULL) abort();
    encode_all(builtin, (const char *)data, size);
  }
  return 0;
}
