/*
 * opfs_vfs.h - the browser builds' SQLite VFS over the Origin Private File System (opfs_vfs.c).
 */
#ifndef BRASS_WASM_OPFS_VFS_H
#define BRASS_WASM_OPFS_VFS_H

#include <stdint.h>

/* Registers the VFS as SQLite's default (once; later calls do nothing). 0 or -1. */
int opfs_vfs_register(void);
/* Size of an OPFS-backed file ("/opfs/..."): bytes, 0 when empty or not pre-opened, -1 when the
 * name is not an OPFS one. */
int64_t opfs_vfs_bytes(const char *name);
/* 1 if a write was refused for storage quota since the last call (and clears the flag). */
int opfs_vfs_take_quota_error(void);

#endif
