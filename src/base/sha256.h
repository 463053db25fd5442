/*
 * sha256.h - SHA-256 (FIPS 180-4), written here from the standard. The store records a content
 * hash for every source with it (change and rename detection) and the engine hashes model
 * configs and weights with it. Streaming: init, update any number of times, final.
 */
#ifndef BRASS_BASE_SHA256_H
#define BRASS_BASE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE 65 /* 64 hex digits + NUL */

typedef struct sha256_ctx {
  uint32_t h[8];         /* running hash value H(i) */
  uint64_t bytes;        /* message length so far, in bytes */
  unsigned char buf[64]; /* the partial block */
  size_t used;           /* bytes held in buf, 0..63 */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
/* Writes the 32-byte digest; c must be re-initialised before reuse. */
void sha256_final(sha256_ctx *c, unsigned char out[SHA256_DIGEST_SIZE]);

/* One-shot digest of len bytes. */
void sha256(const void *data, size_t len, unsigned char out[SHA256_DIGEST_SIZE]);

/* Lower-case hex of a digest into hex (SHA256_HEX_SIZE bytes, NUL-terminated). */
void sha256_hex(const unsigned char digest[SHA256_DIGEST_SIZE], char hex[SHA256_HEX_SIZE]);

#endif
