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
/* SXTB16 of bytes 1 and 3 (x rotated by 8), and SXTAB16 likewise: one instruction each on the core (GCC
   does not fuse a separate rotate into the ACLE intrinsic). */
#if defined(__ARM_FEATURE_DSP)
MCUNAS_INLINE int32_t mcunas_sxtb16_ror8(int32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
MCUNAS_INLINE int32_t mcunas_sxtab16_ror8(int32_t a, int32_t x)
{
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}
#else
MCUNAS_INLINE int32_t mcunas_sxtb16_ror8(int32_t x) { return __sxtb16(mcunas_ror8(x)); }
MCUNAS_INLINE int32_t mcunas_sxtab16_ror8(int32_t a, int32_t x) { return __sxtab16(a, mcunas_ror8(x)); }
#endif
/* Both halfwords hold v (the input offset, added by SXTAB16 to each widened byte). */
MCUNAS_INLINE int32_t mcunas_dup16(int32_t v) { return (int32_t)(((uint32_t)(uint16_t)v << 16) | (uint16_t)v); }
MCUNAS_INLINE int32_t mcunas_read2x16(const int16_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}
#endif

/*
 * One output channel's requantization, prepared once per channel for the store loops. mcunas_rq_apply(x, &r)
 * equals mcunas_requantize(x, multiplier, shift) whenever multiplier != INT32_MIN (Q31 multipliers of real
 * scales are positive), without the shift-direction branch and with the rounding divide's constants hoisted.
 * mcunas_rq_fast(x, &r) is the same value in fewer instructions, valid while |x << left| < 2^30 (a kernel
 * checks its accumulators' bound once per channel, mcunas_rq_fits): the doubling high multiply becomes one
 * rounded high multiply of 2x (SMMULR), and the rounding divide a nudge, a sign correction and one shift.
 */
typedef struct {
    int32_t multiplier;
    int32_t left, right;
    int32_t mask, half;
    int32_t nudge, sign; /* 2^(right-1) and -1 when right > 0, else 0 and 0 */
} mcunas_rq;

MCUNAS_INLINE mcunas_rq mcunas_rq_make(int32_t multiplier, int32_t shift)
{
    mcunas_rq r;
    r.multiplier = multiplier;
    r.left = shift > 0 ? shift : 0;
    r.right = shift > 0 ? 0 : -shift;
    r.mask = (int32_t)((1u << r.right) - 1u);
    r.half = r.mask >> 1;
    r.nudge = r.right > 0 ? (int32_t)(1u << (r.right - 1)) : 0;
    r.sign = r.right > 0 ? -1 : 0;
    return r;
}

MCUNAS_INLINE int32_t mcunas_rq_apply(int32_t x, const mcunas_rq *r)
{
    x = (int32_t)((uint32_t)x << r->left);
    const int32_t y = (int32_t)(((int64_t)x * (int64_t)r->multiplier + ((int64_t)1 << 30)) >> 31);
    /* Halves away from zero: a negative value needs a remainder above half + 1 to round up. */
    const int32_t threshold = r->half - (y >> 31);
    return (y >> r->right) + ((y & r->mask) > threshold ? 1 : 0);
}

/* Whether every accumulator with |acc| <= bound may take mcunas_rq_fast. */
MCUNAS_INLINE int mcunas_rq_fits(uint32_t bound, const mcunas_rq *r)
{
    return r->left < 30 && bound < (1u << (30 - r->left));
}

/* (a * b + 2^31) >> 32: SMMULR. */
MCUNAS_INLINE int32_t mcunas_smmulr(int32_t a, int32_t b)
{
#if defined(__ARM_FEATURE_DSP)
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 31)) >> 32);
#endif
}

MCUNAS_INLINE int32_t mcunas_rq_fast(int32_t x, const mcunas_rq *r)
{
    /* |2x| < 2^31, so (2x * m + 2^31) >> 32 is floor((x * m + 2^30) / 2^31), the doubling high multiply. */
    const int32_t y = mcunas_smmulr((int32_t)((uint32_t)x << (r->left + 1)), r->multiplier);
    /* |y| <= |x| < 2^30: adding the nudge cannot overflow; negatives round with one less. */
    return (y + r->nudge + ((y >> 31) & r->sign)) >> r->right;
}

/* (c << 32 + a * b + 2^31) >> 32 = c + SMMULR(a, b): SMMLAR. */
MCUNAS_INLINE int32_t mcunas_smmlar(int32_t a, int32_t b, int32_t c)
{
#if defined(__ARM_FEATURE_DSP)
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(c));
    return r;
#else
    return (int32_t)((uint32_t)c + (uint32_t)mcunas_smmulr(a, b));
#endif
}

/*
 * Requantization plus output offset in four instructions, for channels with 1 <= right <= 22 (so left = 0)
 * and |x| < 2^30: with y the doubling high product (|y| <= |x|), round_half_away(y / 2^right) + offset
 * = (y + 2^(right-1) - [x < 0] + offset x 2^right) >> right, no term overflowing. The sign is read from x,
 * not y: x < 0 gives y <= 0, and at y = 0 both forms give 0. nudge_offset = 2^(right-1) + offset x 2^right.
 */
MCUNAS_INLINE int mcunas_rq_folds(const mcunas_rq *r) { return r->right >= 1 && r->right <= 22; }

MCUNAS_INLINE int32_t mcunas_rq_nudge_offset(const mcunas_rq *r, int32_t offset)
{
    return r->nudge + (int32_t)((uint32_t)offset << r->right);
}

MCUNAS_INLINE int32_t mcunas_rq_folded(int32_t x, int32_t multiplier, int32_t nudge_offset, int32_t right)
{
    return mcunas_smmlar((int32_t)((uint32_t)x << 1), multiplier, nudge_offset + (x >> 31)) >> right;
}

/*
 * A channel whose weights are all zero (a pruned one: TFLite models carry them, often with a bias of -2^30)
 * has the same accumulator at every output, its starting value, so one requantized value v. The fast paths
 * cannot always take the channel as it is (the bias out of their range, a shift that does not fold); the
 * triple (start 4v, multiplier 2^30, shift -1) gives v too, exactly (the doubling high product of 4v and
 * 2^30 is 2v, halved with no remainder), and every fast path takes it.
 */
MCUNAS_INLINE void mcunas_constant_channel(int32_t *start, int32_t *multiplier, int32_t *shift)
{
    int32_t v = mcunas_requantize(*start, *multiplier, *shift);
    /* Past +-512 the output offset (at most 128 in magnitude) cannot bring v back into int8: the clamp
       gives the same byte for 512 as for any larger v. */
    v = v > 512 ? 512 : v < -512 ? -512 : v;
    *start = 4 * v;
    *multiplier = 1 << 30;
    *shift = -1;
}

#if defined(__ARM_FEATURE_DSP)
/*
 * The four outputs of a 2x2 register block in assembly (the conv and pointwise kernels): channel 0's at o and
 * o + step (pixel 1), channel 1's at o + 1 and o + step + 1. Each is mcunas_rq_folded (multiplier, nudge and
 * right shift read as a triple at q, channel 1's `next` bytes further on, next a constant). The clamp is two
 * saturations, SSAT(v + A) - A = min(v, hi) and SSAT(. + B) - B = max(., lo) with A = 127 - hi folded into
 * the nudge and B = -128 - lo: after the first SSAT, add ba = B - A, SSAT, add nb = -B. With the whole int8
 * range (`full`: A = B = 0) one SSAT. 6 or 9 instructions an output, where GCC's C reloads spilled constants
 * (about 15).
 */
#define MCUNAS_RQ_ASM(a)                                \
    "lsl    %[t], %[" a "], #1\n\t"                    \
    "add    %[" a "], %[n], %[" a "], asr #31\n\t"     \
    "smmlar %[" a "], %[t], %[m], %[" a "]\n\t"        \
    "asr    %[" a "], %[" a "], %[sh]\n\t"             \
    "ssat   %[" a "], #8, %[" a "]\n\t"
#define MCUNAS_RQ_CLAMP_ASM(a)                          \
    "add    %[" a "], %[" a "], %[ba]\n\t"             \
    "ssat   %[" a "], #8, %[" a "]\n\t"                \
    "add    %[" a "], %[" a "], %[nb]\n\t"
#define MCUNAS_RQ_NO_CLAMP_ASM(a) ""
#define MCUNAS_RQ_STORES_ASM(S)                                          \
    "ldrd   %[m], %[n], [%[q]]\n\t"                                      \
    "ldr    %[sh], [%[q], #8]\n\t"                                       \
    MCUNAS_RQ_ASM("a00") S("a00") "strb %[a00], [%[o]]\n\t"              \
    MCUNAS_RQ_ASM("a10") S("a10") "strb %[a10], [%[o], %[st]]\n\t"       \
    "ldrd   %[m], %[n], [%[q], #%c[q1]]\n\t"                             \
    "ldr    %[sh], [%[q], #%c[q1sh]]\n\t"                                \
    MCUNAS_RQ_ASM("a01") S("a01") "strb %[a01], [%[o], #1]\n\t"          \
    "add    %[o], %[o], %[st]\n\t"                                       \
    MCUNAS_RQ_ASM("a11") S("a11") "strb %[a11], [%[o], #1]\n\t"

MCUNAS_INLINE void mcunas_rq_store_2x2(int32_t a00, int32_t a01, int32_t a10, int32_t a11, const void *q, const int32_t next,
                                        int8_t *o, int32_t step, int full, int32_t ba, int32_t nb)
{
    int32_t m, n, sh, t;
    if (full)
        __asm__ volatile(MCUNAS_RQ_STORES_ASM(MCUNAS_RQ_NO_CLAMP_ASM)
                         : [a00] "+&r"(a00), [a01] "+&r"(a01), [a10] "+&r"(a10), [a11] "+&r"(a11), [o] "+&r"(o),
                           [m] "=&r"(m), [n] "=&r"(n), [sh] "=&r"(sh), [t] "=&r"(t)
                         : [q] "r"(q), [st] "r"(step), [q1] "i"(next), [q1sh] "i"(next + 8)
                         : "memory");
    else
        __asm__ volatile(MCUNAS_RQ_STORES_ASM(MCUNAS_RQ_CLAMP_ASM)
                         : [a00] "+&r"(a00), [a01] "+&r"(a01), [a10] "+&r"(a10), [a11] "+&r"(a11), [o] "+&r"(o),
                           [m] "=&r"(m), [n] "=&r"(n), [sh] "=&r"(sh), [t] "=&r"(t)
                         : [q] "r"(q), [st] "r"(step), [q1] "i"(next), [q1sh] "i"(next + 8), [ba] "r"(ba), [nb] "r"(nb)
                         : "memory");
}
#undef MCUNAS_RQ_ASM
#undef MCUNAS_RQ_CLAMP_ASM
#undef MCUNAS_RQ_NO_CLAMP_ASM
#undef MCUNAS_RQ_STORES_ASM
#endif

#endif /* MCUNAS_REQUANT_H */
