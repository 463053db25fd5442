/*
 * check.h - the few assertion macros the C unit tests share. A failed CHECK prints the file, line
 * and expression and counts the failure; the test's main() ends with CHECK_DONE(), which prints
 * "N passed, M failed" and returns non-zero if anything failed.
 */
#ifndef BRASS_TESTS_CHECK_H
#define BRASS_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (cond) {                                                                \
      check_passed++;                                                          \
    } else {                                                                   \
      check_failed++;                                                          \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

#define CHECK_MSG(cond, ...)                                                   \
  do {                                                                         \
    if (cond) {                                                                \
      check_passed++;                                                          \
    } else {                                                                   \
      check_failed++;                                                          \
      fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                            \
      fputc('\n', stderr);                                                     \
    }                                                                          \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                           \
  CHECK_MSG(fabs((double)(a) - (double)(b)) <= (tol), "%g vs %g (tol %g)", (double)(a), \
            (double)(b), (double)(tol))

#define CHECK_DONE()                                              \
  do {                                                            \
    printf("%d passed, %d failed\n", check_passed, check_failed); \
    return check_failed ? 1 : 0;                                  \
  } while (0)

#endif
