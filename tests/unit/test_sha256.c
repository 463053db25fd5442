/*
 * test_sha256.c - SHA-256 against the FIPS 180-4 example vectors ("abc", the empty message, the
 * 448-bit and 896-bit messages, one million 'a'), streaming updates split at every offset and
 * across the padding boundaries agreeing with one-shot digests, and hex formatting.
 */
#include <stdlib.h>
#include <string.h>

#include "base/sha256.h"
#include "check.h"

static int digest_is(const void *data, size_t len, const char *want_hex) {
  unsigned char d[SHA256_DIGEST_SIZE];
  char hex[SHA256_HEX_SIZE];
  sha256(data, len, d);
  sha256_hex(d, hex);
  if (strcmp(hex, want_hex) != 0) {
    fprintf(stderr, "got  %s\nwant %s\n", hex, want_hex);
    return 0;
  }
  return 1;
}

int main(void) {
  /* FIPS 180-4 / NIST example vectors. */
  CHECK(digest_is("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  CHECK(digest_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(strlen(m448) * 8 == 448);
  CHECK(digest_is(m448, strlen(m448),
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
  const char *m896 =
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmn"
      "opqrsmnopqrstnopqrstu";
  CHECK(strlen(m896) * 8 == 896);
  CHECK(digest_is(m896, strlen(m896),
                  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"));

  /* One million 'a', fed in uneven pieces. */
  {
    char piece[997];
    memset(piece, 'a', sizeof piece);
    sha256_ctx c;
    sha256_init(&c);
    size_t left = 1000000;
    while (left) {
      size_t n = left < sizeof piece ? left : sizeof piece;
      sha256_update(&c, piece, n);
      left -= n;
    }
    unsigned char d[SHA256_DIGEST_SIZE];
    char hex[SHA256_HEX_SIZE];
    sha256_final(&c, d);
    sha256_hex(d, hex);
    CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
  }

  /* Streaming equals one-shot for every split point of messages around the padding edges
   * (55, 56, 63, 64, 65 bytes and a few blocks). */
  {
    unsigned char msg[200];
    for (size_t i = 0; i < sizeof msg; i++) msg[i] = (unsigned char)(i * 131 + 7);
    const size_t lens[] = {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 200};
    int all_ok = 1, distinct = 1;
    unsigned char prev[SHA256_DIGEST_SIZE] = {0};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
      size_t len = lens[li];
      unsigned char whole[SHA256_DIGEST_SIZE];
      sha256(msg, len, whole);
      if (li && memcmp(whole, prev, sizeof whole) == 0) distinct = 0;
      memcpy(prev, whole, sizeof whole);
      for (size_t cut = 0; cut <= len; cut++) {
        sha256_ctx c;
        unsigned char d[SHA256_DIGEST_SIZE];
        sha256_init(&c);
        sha256_update(&c, msg, cut);
        sha256_update(&c, msg + cut, 0);
        sha256_update(&c, msg + cut, len - cut);
        sha256_final(&c, d);
        if (memcmp(d, whole, sizeof d) != 0) all_ok = 0;
      }
    }
    CHECK(all_ok);
    CHECK(distinct);
  }
  CHECK_DONE();
}
