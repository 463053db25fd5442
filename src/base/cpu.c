/* cpu.c - x86-64 feature detection with cpuid/xgetbv (see cpu.h). */
#include "base/cpu.h"

#include <pthread.h>

static cpu_features detected;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__) && !defined(__EMSCRIPTEN__)
#include <cpuid.h>

static unsigned long long xgetbv0(void) {
  unsigned int lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((unsigned long long)hi << 32) | lo;
}

static void detect(void) {
  unsigned int a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return;
  int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
  if (!osxsave || !avx) return;
  unsigned long long xcr0 = xgetbv0();
  int ymm_ok = (xcr0 & 0x6) == 0x6, zmm_ok = (xcr0 & 0xe6) == 0xe6;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return;
  int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1;
  int avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
  detected.f16c = f16c && ymm_ok;
  detected.avx2_fma = avx2 && fma && ymm_ok;
  detected.avx512f = detected.avx2_fma && avx512f && avx512dq && avx512bw && avx512vl && zmm_ok;
  detected.avx512_vnni = detected.avx512f && ((c >> 11) & 1);
  if (__get_cpuid_count(7, 1, &a, &b, &c, &d))
    detected.avx_vnni = detected.avx2_fma && ((a >> 4) & 1);
}
#else
static void detect(void) {}
#endif

const cpu_features *cpu_detect(void) {
  pthread_once(&once, detect);
  return &detected;
}
