/*
 * cpu.h - which SIMD instruction sets this processor and OS support, detected once (cpuid and
 * xgetbv on x86-64; fixed at compile time under WebAssembly). BRASS_KERNEL=ref|avx2|avx512 in the
 * environment caps the choice, for tests and benchmarks.
 */
#ifndef BRASS_BASE_CPU_H
#define BRASS_BASE_CPU_H

typedef struct cpu_features {
  int avx2_fma; /* AVX2 + FMA + OS saves YMM state */
  int avx512f;  /* AVX-512F (+ VL, BW, DQ) + OS saves ZMM state */
  int f16c;
  int avx_vnni;    /* AVX-VNNI: 256-bit vpdpbusd (VEX), with avx2_fma */
  int avx512_vnni; /* AVX512_VNNI: 512-bit vpdpbusd, with avx512f */
} cpu_features;

/* Detected features (cached after the first call; thread-safe). */
const cpu_features *cpu_detect(void);

#endif
