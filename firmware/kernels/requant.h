/*
 * Fixed-point helpers shared by the kernels (internal header). Requantization is TFLite/gemmlowp's
 * MultiplyByQuantizedMultiplier, which CMSIS-NN's arm_nn_requantize also computes; the TypeScript twin is
 * src/quant/fixed-point.ts. Shifts of signed values go through uint32 so that no path has undefined
 * behaviour (the host tests build with -fsanitize=undefined).
 */
#ifndef MCUNAS_REQUANT_H
#define MCUNAS_REQUANT_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define MCUNAS_INLINE static inline __attribute__((always_inline))
#else
#define MCUNAS_INLINE static inline
#endif

/* a * b / 2^31 to nearest, halves toward +infinity (as TFLite's nudge-and-truncate); saturates INT32_MIN * INT32_MIN. */
MCUNAS_INLINE int32_t mcunas_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    /* floor((a*b + 2^30) / 2^31): equal to TFLite's nudge-and-truncate form for every other input. */
    int64_t ab = (int64_t)a * (int64_t)b + ((int64_t)1 << 30);
    /* Arithmetic right shift of a negative int64 is implementation-defined; GCC and Clang shift arithmetically. */
    return (int32_t)(ab >> 31);
}

/* x / 2^exponent rounded to nearest, halves away from zero; exponent in [0, 31]. */
MCUNAS_INLINE int32_t mcunas_rdbpot(int32_t x, int32_t exponent)
{
    const int32_t mask = (int32_t)((1u << exponent) - 1u);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TFLite MultiplyByQuantizedMultiplier: shift > 0 is a left shift before the multiply (wraps like the TS). */
MCUNAS_INLINE int32_t mcunas_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    if (shift > 0) x = (int32_t)((uint32_t)x << shift);
    return mcunas_rdbpot(mcunas_srdhm(x, multiplier), shift > 0 ? 0 : -shift);
}

/* The common tail of every kernel with an activation: clamp, then the optional table. */
MCUNAS_INLINE int8_t mcunas_finish(int32_t v, int32_t act_min, int32_t act_max, const int8_t *lut)
{
    v = v < act_min ? act_min : v > act_max ? act_max : v;
    return lut ? lut[v + 128] : (int8_t)v;
}

/* ---- DSP intrinsics (ACLE), or C stand-ins for host tests of the DSP paths ---- */
#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#define MCUNAS_DSP 1
#elif defined(MCUNAS_EMULATE_DSP)
#define MCUNAS_DSP 1
typedef int32_t int16x2_t;
typedef int32_t int8x4_t;

MCUNAS_INLINE int32_t mcunas_pack16(int32_t lo, int32_t hi)
{
    return (int32_t)(((uint32_t)(uint16_t)hi << 16) | (uint16_t)lo);
}
MCUNAS_INLINE int32_t mcunas_lo16(int32_t x) { return (int16_t)(uint16_t)((uint32_t)x & 0xffffu); }
MCUNAS_INLINE int32_t mcunas_hi16(int32_t x) { return (int16_t)(uint16_t)((uint32_t)x >> 16); }
/* SXTB16: bytes 0 and 2, sign-extended into two halfwords. */
MCUNAS_INLINE int16x2_t __sxtb16(int8x4_t x)
{
    return mcunas_pack16((int8_t)(uint8_t)((uint32_t)x & 0xffu), (int8_t)(uint8_t)(((uint32_t)x >> 16) & 0xffu));
}
/* SXTAB16: a's halfwords plus bytes 0 and 2 of b (each sum wraps to 16 bits). */
MCUNAS_INLINE int16x2_t __sxtab16(int16x2_t a, int8x4_t b)
{
    const int16x2_t e = __sxtb16(b);
    return mcunas_pack16(mcunas_lo16(a) + mcunas_lo16(e), mcunas_hi16(a) + mcunas_hi16(e));
}
/* SMLAD: c + lo(a)*lo(b) + hi(a)*hi(b) (wrapping; the kernels never come near). */
MCUNAS_INLINE int32_t __smlad(int16x2_t a, int16x2_t b, int32_t c)
{
    const uint32_t s = (uint32_t)c + (uint32_t)(mcunas_lo16(a) * mcunas_lo16(b)) + (uint32_t)(mcunas_hi16(a) * mcunas_hi16(b));
    return (int32_t)s;
}
#endif

#if defined(MCUNAS_DSP)
MCUNAS_INLINE int32_t mcunas_ror8(int32_t x)
{
    const uint32_t u = (uint32_t)x;
    return (int32_t)((u >> 8) | (u << 24));
}
/* Four bytes from any address (Cortex-M4/M7 LDR handles unaligned words; memcpy keeps C strict-aliasing safe). */
MCUNAS_INLINE int32_t mcunas_read4(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}
MCUNAS_INLINE int32_t mcunas_read2x16(const int16_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}
#endif

#endif /* MCUNAS_REQUANT_H */
