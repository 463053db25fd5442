/* version.c - the library's version and default thread count (public API in brass.h). */
#include "brass.h"
#include "base/pool.h"

const char *brass_version(void) {
  return BRASS_VERSION;
}

int brass_default_threads(void) {
  return pool_default_threads();
}
