/*
 * mem.h - allocation for large arrays read at scattered places (the HNSW vectors and lists, the
 * int8 word-embedding table): on Linux they may sit in 2 MiB transparent huge pages, which spares
 * a page walk per scattered row read and a page fault per 4 KiB written at load.
 */
#ifndef BRASS_BASE_MEM_H
#define BRASS_BASE_MEM_H

#include <stddef.h>

/* bytes of memory aligned to `align` (a power of two, a multiple of sizeof(void *)), rounded up
 * to a multiple of it; from huge_min bytes on (Linux), aligned and rounded to 2 MiB instead and
 * advised as transparent huge pages before first use (only a hint: the system may give plain
 * pages). *rounded (may be NULL) gets the size allocated. Contents undefined; free() it. NULL when
 * out of memory or when the size overflows. */
void *mem_alloc_large(size_t bytes, size_t align, size_t huge_min, size_t *rounded);

#endif
