/*
 * test_rrf.c - Reciprocal Rank Fusion: scores are sums of 1 / (k + rank) computed by hand, an id
 * in both lists beats ids in one, ties break by best rank then id, repeated ids count once per
 * list, empty and single lists, a bad k, and agreement with a brute-force reference on random
 * lists.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/rrf.h"

/* Brute-force fused score of id. */
static double ref_score(const int64_t *const *lists, const size_t *lens, int nl, int k,
                        int64_t id) {
  double s = 0;
  for (int l = 0; l < nl; l++)
    for (size_t r = 0; r < lens[l]; r++)
      if (lists[l][r] == id) {
        s += 1.0 / (k + (double)r + 1);
        break;
      }
  return s;
}

int main(void) {
  brass_error err;
  rrf_item *out = NULL;
  size_t n = 0;

  /* two lists: 7 is 2nd in A and 1st in B -> wins over 5 (1st in A only) */
  int64_t a[] = {5, 7, 9}, b[] = {7, 11};
  const int64_t *lists[] = {a, b};
  size_t lens[] = {3, 2};
  CHECK(rrf_fuse(lists, lens, 2, 60, &out, &n, &err) == 0);
  CHECK(n == 4);
  CHECK(out[0].id == 7);
  CHECK_NEAR(out[0].score, 1.0 / 62 + 1.0 / 61, 1e-15);
  CHECK(out[0].best_rank == 1);
  /* 5 (rank 1 in A) and 11 (rank 2 in B): 1/61 > 1/62 */
  CHECK(out[1].id == 5);
  CHECK_NEAR(out[1].score, 1.0 / 61, 1e-15);
  CHECK(out[2].id == 11);
  CHECK(out[3].id == 9);
  CHECK_NEAR(out[3].score, 1.0 / 63, 1e-15);
  free(out);

  /* ties: same rank in different lists -> equal score; the smaller id first */
  int64_t c[] = {40}, d[] = {30};
  const int64_t *l2[] = {c, d};
  size_t n2[] = {1, 1};
  CHECK(rrf_fuse(l2, n2, 2, 60, &out, &n, &err) == 0);
  CHECK(n == 2 && out[0].id == 30 && out[1].id == 40);
  CHECK(out[0].score == out[1].score);
  free(out);

  /* a repeated id counts once per list, at its first rank */
  int64_t e[] = {3, 3, 4};
  const int64_t *l3[] = {e};
  size_t n3[] = {3};
  CHECK(rrf_fuse(l3, n3, 1, 1, &out, &n, &err) == 0);
  CHECK(n == 2 && out[0].id == 3);
  CHECK_NEAR(out[0].score, 0.5, 1e-15);
  CHECK_NEAR(out[1].score, 1.0 / 4, 1e-15);
  free(out);

  /* empty input, bad k */
  size_t zero[] = {0, 0};
  CHECK(rrf_fuse(lists, zero, 2, 60, &out, &n, &err) == 0 && n == 0 && out == NULL);
  CHECK(rrf_fuse(lists, lens, 2, 0, &out, &n, &err) == BRASS_EINVAL);

  /* random lists vs brute force; result sorted by score, every id present once */
  srand(7);
  for (int trial = 0; trial < 200; trial++) {
    int64_t x[50], y[50];
    size_t nx = (size_t)(rand() % 50), ny = (size_t)(rand() % 50);
    for (size_t i = 0; i < nx; i++) x[i] = rand() % 60;
    for (size_t i = 0; i < ny; i++) y[i] = rand() % 60;
    const int64_t *lr[] = {x, y};
    size_t nr[] = {nx, ny};
    int k = 1 + rand() % 100;
    CHECK(rrf_fuse(lr, nr, 2, k, &out, &n, &err) == 0);
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
      if (fabs(out[i].score - ref_score(lr, nr, 2, k, out[i].id)) > 1e-12) ok = 0;
      if (i && out[i].score > out[i - 1].score) ok = 0;
      for (size_t j = 0; j < i; j++)
        if (out[j].id == out[i].id) ok = 0;
    }
    /* every id of the inputs appears */
    for (size_t i = 0; i < nx + ny; i++) {
      int64_t id = i < nx ? x[i] : y[i - nx];
      int found = 0;
      for (size_t j = 0; j < n; j++) found |= out[j].id == id;
      if (!found) ok = 0;
    }
    CHECK_MSG(ok, "trial %d", trial);
    free(out);
  }
  CHECK_DONE();
}
