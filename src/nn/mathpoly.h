/*
 * mathpoly.h - the polynomial coefficients behind erf (for exact GELU) and exp (for softmax),
 * shared by the scalar code and every SIMD kernel so that all of them evaluate the same function.
 *
 * erf: |x| is clamped to [0, 4] (erf(4) = 1 - 1.5e-8 rounds to 1 in float) and split into four
 * unit intervals [i, i+1); on interval i, erf(|x|) ~= sum_j MP_ERF[j][i] * u^j with u = |x| - i -
 * 0.5, a degree-9 near-minimax fit (made for brass with numpy: reweighted least squares on
 * Chebyshev nodes). The fit itself is good to 3e-9; evaluated in float (Horner) the result is
 * within about 1e-7 of erf (measured over every float in [1e-4, 4.5] with separate multiply and
 * add: max 1.04e-7, at tiny x; the coefficients' own float rounding sets that floor). That is an
 * absolute bound: near 0 the relative error grows (interval 0 is centred on 0.5), which GELU,
 * 0.5*x*(1 + erf), does not feel. (x * P(x^2) on [0, 1) was tried: better relative error near 0
 * but 1.2e-7 absolute near 1, and more work per lane.) SIMD code picks the coefficients of each
 * lane's interval with a table permute: MP_ERF[j] is the 4-entry table for power j.
 *
 * exp: x = n*ln2 + r with |r| <= ln2/2 (Cody-Waite split of ln2), exp(r) ~= sum_j MP_EXP[j] r^j
 * (degree 6, relative error 2e-9 before rounding), scaled by 2^n through the exponent bits.
 * Inputs below MP_EXP_MIN give 0 (flushing what would be tiny or denormal results), inputs above
 * MP_EXP_MAX give exp(MP_EXP_MAX) (softmax only ever feeds values <= 0).
 *
 * GELU (AVX-512 and ref kernels): 0.5*x*(1 + erf(x/sqrt2)) = x * (0.5 + h(|x|) * sign(x)) with
 * h(a) = 0.5*erf(a/sqrt2), evaluated straight in x: t = min(|x| * MP_PHI_SCALE, MP_PHI_TMAX) is
 * cut into 16 intervals [i - 0.5, i + 0.5) around the integers i = rne(t) (the first one holds
 * only [0, 0.5); past t = 15.5, i.e. |x| > 5.64, h rounds to 0.5 in float, so the clamp is exact
 * enough), and on interval i, h ~= sum_j MP_PHI[j][i] * u^j with u = t - i in [-0.5, 0.5], a
 * degree-5 near-minimax fit (made for brass with numpy, reweighted least squares on Chebyshev
 * nodes; the odd h makes interval 0's even coefficients exactly 0). Fit error 1.4e-8; evaluated
 * in float with multiply-adds, |h error| <= 4e-8 (half an ulp of 0.5 + h is 3e-8). The erf form
 * needed a degree-9 polynomial on 4 intervals plus a multiply by 1/sqrt2 and one of 0.5: 16
 * intervals fit one vpermps table, so the AVX-512 GELU does 6 table lookups and 5 FMAs instead
 * of 10 and 9 (the int8 FFN-up GEMM spends a third of its time in GELU). The AVX2 and WebAssembly
 * kernels, whose tables hold 8 and 4 lanes, still compute GELU through erf above.
 */
#ifndef BRASS_NN_MATHPOLY_H
#define BRASS_NN_MATHPOLY_H

#define MP_ERF_DEGREE 9
#define MP_ERF_CLAMP 4.0f

static const float MP_ERF[MP_ERF_DEGREE + 1][4] = {
    {5.204998851e-01f, 9.661051631e-01f, 9.995930195e-01f, 9.999992847e-01f},
    {8.787825704e-01f, 1.189302877e-01f, 2.178284340e-03f, 5.399430847e-06f},
    {-4.393907487e-01f, -1.783954203e-01f, -5.445736926e-03f, -1.889635314e-05f},
    {-1.464643329e-01f, 1.387522370e-01f, 8.350078948e-03f, 4.229522528e-05f},
    {1.830620617e-01f, -4.459936917e-02f, -8.621523157e-03f, -6.777067028e-05f},
    {7.334318012e-03f, -1.487139426e-02f, 6.117554847e-03f, 8.212216198e-05f},
    {-4.984201118e-02f, 1.933286525e-02f, -2.808183199e-03f, -7.714674575e-05f},
    {5.313043948e-03f, -4.697954282e-03f, 5.407819990e-04f, 5.814021279e-05f},
    {9.116761386e-03f, -2.400708850e-03f, 3.062540200e-04f, -3.703535549e-05f},
    {-1.823726110e-03f, 1.534287469e-03f, -2.448668820e-04f, 1.555629206e-05f},
};

#define MP_SQRT1_2 0.707106781186547524f

#define MP_PHI_DEGREE 5
#define MP_PHI_SCALE 2.75f
#define MP_PHI_TMAX 15.499999f /* the float below 15.5: rne(t) <= 15 */
static const float MP_PHI[MP_PHI_DEGREE + 1][16] = {
    {0.0f, 1.419352144e-01f, 2.664705515e-01f, 3.623435497e-01f, 4.271024168e-01f, 4.654818177e-01f,
     4.854385257e-01f, 4.945432246e-01f, 4.981876016e-01f, 4.994674325e-01f, 4.998617470e-01f,
     4.999683201e-01f, 4.999935925e-01f, 4.999988675e-01f, 4.999998212e-01f, 4.999999702e-01f},
    {1.450699121e-01f, 1.357887089e-01f, 1.113583148e-01f, 8.001182973e-02f, 5.036843196e-02f,
     2.778019197e-02f, 1.342408545e-02f, 5.683381110e-03f, 2.108149929e-03f, 6.851235521e-04f,
     1.950783335e-04f, 4.866559902e-05f, 1.063672971e-05f, 2.036889100e-06f, 3.417434300e-07f,
     5.023504812e-08f},
    {0.0f, -8.977557532e-03f, -1.472481620e-02f, -1.586999372e-02f, -1.332061365e-02f,
     -9.183646180e-03f, -5.325347185e-03f, -2.630360657e-03f, -1.115051098e-03f, -4.076611949e-04f,
     -1.289647043e-04f, -3.538639430e-05f, -8.436320059e-06f, -1.749826083e-06f, -3.160870392e-07f,
     -4.976681112e-08f},
    {-3.197079059e-03f, -2.596831881e-03f, -1.156118000e-03f, 3.351301420e-04f, 1.238445053e-03f,
     1.411678153e-03f, 1.112499740e-03f, 6.863225135e-04f, 3.467338975e-04f, 1.466245158e-04f,
     5.254851203e-05f, 1.608619277e-05f, 4.228365469e-06f, 9.579431435e-07f, 1.875641402e-07f,
     3.180609198e-08f},
    {0.0f, 2.814756590e-04f, 3.982868511e-04f, 3.152104618e-04f, 1.302012679e-04f,
     -2.975748612e-05f, -1.023346776e-04f, -1.004709775e-04f, -6.716056669e-05f, -3.480607847e-05f,
     -1.466474077e-05f, -5.141768725e-06f, -1.520606702e-06f, -3.825746546e-07f, -8.236794002e-08f,
     -1.523958026e-08f},
    {6.297932123e-05f, 4.371660907e-05f, 1.843663313e-06f, -3.141334309e-05f, -3.803690925e-05f,
     -2.387007589e-05f, -5.775186310e-06f, 4.950911716e-06f, 7.274691598e-06f, 5.332322417e-06f,
     2.812162165e-06f, 1.166548259e-06f, 3.951567464e-07f, 1.114982453e-07f, 2.652345366e-08f,
     5.361947775e-09f},
};

#define MP_EXP_DEGREE 6
static const float MP_EXP[MP_EXP_DEGREE + 1] = {
    1.000000000e+00f, 1.000000000e+00f, 4.999999106e-01f, 1.666641980e-01f,
    4.166822508e-02f, 8.374815807e-03f, 1.383684226e-03f,
};
#define MP_LOG2E 1.44269504088896341f
#define MP_LN2_HI 0.693359375f    /* ln 2 rounded to 9 bits: n * MP_LN2_HI is exact */
#define MP_LN2_LO -2.12194440e-4f /* ln 2 - MP_LN2_HI */
#define MP_EXP_MIN -87.0f         /* below: 0; above MP_EXP_MAX: clamped */
#define MP_EXP_MAX 88.0f

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Scalar erf with the table above (plain multiply-add Horner; NaN in, NaN out). */
static inline float mp_erf(float x) {
  float ax = fabsf(x);
  if (!(ax < MP_ERF_CLAMP)) ax = ax == ax ? MP_ERF_CLAMP : ax;
  int i = ax < MP_ERF_CLAMP ? (int)ax : 3;
  float u = ax - (float)i - 0.5f;
  float r = MP_ERF[MP_ERF_DEGREE][i];
  for (int j = MP_ERF_DEGREE - 1; j >= 0; j--) r = r * u + MP_ERF[j][i];
  return x < 0 ? -r : r;
}

/* Scalar GELU with the MP_PHI table (multiply-adds as fmaf, like the SIMD kernels; NaN in, NaN
 * out). */
static inline float mp_gelu(float x) {
  float t = fabsf(x) * MP_PHI_SCALE;
  if (!(t < MP_PHI_TMAX)) t = t == t ? MP_PHI_TMAX : t;
  int i = t == t ? (int)nearbyintf(t) : 0;
  float u = t - (float)i;
  float r = MP_PHI[MP_PHI_DEGREE][i];
  for (int j = MP_PHI_DEGREE - 1; j >= 0; j--) r = fmaf(r, u, MP_PHI[j][i]);
  return x * (0.5f + (signbit(x) ? -r : r));
}

/* Scalar exp (see the comment above); clamps its input, so it never overflows. */
static inline float mp_exp(float x) {
  if (x != x) return x;
  if (x < MP_EXP_MIN) return 0.0f;
  if (x > MP_EXP_MAX) x = MP_EXP_MAX;
  float n = floorf(x * MP_LOG2E + 0.5f);
  float r = x - n * MP_LN2_HI;
  r = r - n * MP_LN2_LO;
  float p = MP_EXP[MP_EXP_DEGREE];
  for (int j = MP_EXP_DEGREE - 1; j >= 0; j--) p = p * r + MP_EXP[j];
  uint32_t bits = (uint32_t)((int32_t)n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

#endif
