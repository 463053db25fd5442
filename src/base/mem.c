/*
 * mem.c - mem_alloc_large (mem.h): aligned_alloc, and madvise(MADV_HUGEPAGE) for large blocks.
 */
#include "base/mem.h"

#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define MEM_HUGE_PAGE ((size_t)2 << 20)

void *mem_alloc_large(size_t bytes, size_t align, size_t huge_min, size_t *rounded) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const int huge = bytes >= huge_min;
  if (huge) align = MEM_HUGE_PAGE;
#else
  (void)huge_min; /* no huge pages to ask for */
#endif
  size_t size = (bytes + align - 1) / align * align;
  if (size < bytes) return NULL;
  if (!size) size = align;
  void *p = aligned_alloc(align, size);
  if (!p) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (huge) (void)madvise(p, size, MADV_HUGEPAGE);
#endif
  if (rounded) *rounded = size;
  return p;
}
