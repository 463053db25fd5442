/*
 * ignore_path.c - brass_index_skips: the folder walk's skip rules (ingest.c: hidden entries and
 * .gitignore files, ignore.h) applied to one path, without walking, so that `brass index --watch`
 * indexes exactly the changed files a full walk would.
 */
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "brass.h"
#include "engine/engine.h"
#include "engine/ignore.h"

int brass_index_skips(const char *root, const char *path) {
  size_t rl = strlen(root);
  while (rl > 1 && root[rl - 1] == '/') rl--;
  if (strncmp(path, root, rl) || (path[rl] != '/' && path[rl] != '\0')) return 1;
  if (!path[rl]) return 0;
  char dir[PATH_MAX];
  if (strlen(path) >= sizeof dir) return 1;
  ignore_list ign = {0};
  int skip = 0;
  memcpy(dir, path, rl);
  dir[rl] = '\0';
  const char *p = path + rl + 1;
  while (!skip) {
    if (ignore_load(&ign, dir)) {
      skip = 1; /* out of memory: do not index what cannot be checked */
      break;
    }
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - path) : strlen(path);
    char sub[PATH_MAX], name[NAME_MAX + 1];
    size_t nl = slash ? (size_t)(slash - p) : strlen(p);
    if (!nl || nl > NAME_MAX) break; /* "a//b": not a path the walk produces */
    memcpy(sub, path, n);
    sub[n] = '\0';
    memcpy(name, p, nl);
    name[nl] = '\0';
    struct stat sb;
    int is_dir = slash != NULL || (!lstat(sub, &sb) && S_ISDIR(sb.st_mode));
    if (name[0] == '.' || ignore_match(&ign, sub, name, is_dir)) skip = 1;
    if (!slash) break;
    memcpy(dir, sub, n + 1);
    p = slash + 1;
  }
  ignore_free(&ign);
  return skip;
}
