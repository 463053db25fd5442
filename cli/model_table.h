/*
 * model_table.h - the models `brass model pull` knows: for each, the Hugging Face repository, a
 * pinned commit, and every file to fetch with its size and SHA-256. The built-in entries live in
 * model_table.c (with the public sources of each value); $BRASS_MODEL_TABLE may name a JSON file
 * whose entries are added (an entry with a built-in's name replaces it), for private mirrors and
 * for tests that serve a generated model.
 */
#ifndef BRASS_CLI_MODEL_TABLE_H
#define BRASS_CLI_MODEL_TABLE_H

#include "brass.h"

#define MT_SHA256_HEX 65 /* 64 lower-case hex digits + NUL */

typedef struct mt_file {
  char *path;                 /* relative path inside the repository, e.g. 1_Pooling/config.json */
  long long size;             /* bytes, or -1 when no source gives it (bounded by a limit) */
  char sha256[MT_SHA256_HEX]; /* "" when no hash is pinned: pull needs --allow-unverified */
} mt_file;

typedef struct mt_model {
  char *name;     /* folder name under the models folder, e.g. all-MiniLM-L6-v2 */
  char *repo;     /* e.g. sentence-transformers/all-MiniLM-L6-v2 */
  char *revision; /* commit sha (or any ref the server resolves) */
  mt_file *files;
  int nfiles;
  int builtin; /* 1: from the table in the code, 0: from $BRASS_MODEL_TABLE */
} mt_model;

typedef struct mt_table {
  mt_model *models;
  int n;
} mt_table;

/* Fills t with the built-in models plus those of the JSON file `extra` (if not NULL or ""):
 * [{"name", "repo", "revision", "files": [{"path", "size"?, "sha256"?}]}]. Names, repositories
 * and paths are checked (no "..", no absolute paths, no odd characters). */
int mt_load(const char *extra, mt_table *t, brass_error *err);
void mt_free(mt_table *t);

/* The model named name, or NULL. */
const mt_model *mt_find(const mt_table *t, const char *name);

/* 1 if name can be a model folder name: [A-Za-z0-9._-], not starting with '.', at most 128. */
int mt_valid_name(const char *name);

#endif
