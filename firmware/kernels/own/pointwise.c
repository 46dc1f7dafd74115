/*
 * 1x1 convolution (groups 1) and the fully connected layer, as one int8 matrix product: output channels in
 * pairs (outer loop: their weight rows, weight sums and requantization constants are set up once), pixels in
 * pairs inside, so each loaded word of activations serves two channels and each word of weights two pixels
 * (a 2x2 register block). The input offset is folded into each channel's starting value (bias + offset x
 * weight sum, computed once per channel pair), so the inner loop is a pure dot product; with DSP, SXTB16
 * widens bytes 0/2 and 1/3 of both operands alike and SMLAD multiplies the pairs. A single pixel (fully
 * connected at batch 1, an odd last pixel) runs four channels per pass instead, adding the offset while
 * widening the activations (SXTAB16), once for the four rows. Fully connected layers the code generator lays
 * out in groups of four rows (MCUNAS_FC_ROWS4, the offset folded into the bias) take fc_rows4: one LDM brings
 * the four rows' next weight words.
 */
#include "mcunas_kernels.h"
#include "requant.h"

MCUNAS_INLINE int8_t store(int32_t acc, const mcunas_rq *r, const mcunas_conv_params *p)
{
    return mcunas_finish(mcunas_rq_apply(acc, r) + p->output_offset, p->act_min, p->act_max, p->lut);
}

/* Sum of n weights. */
static int32_t weight_sum(const int8_t *w, int32_t n)
{
    int32_t s = 0;
    for (int32_t i = 0; i < n; i++) s += w[i];
    return s;
}

/* A 2x2 block's last n % 4 terms (x and w at them; pixel 1 at x + xd, channel 1 at w + wd), then its sums to acc. */
MCUNAS_INLINE void dot22_finish(const int8_t *x, int32_t xd, const int8_t *w, int32_t wd, int32_t n, int32_t a00, int32_t a01,
                                int32_t a10, int32_t a11, int32_t acc[4])
{
    for (int32_t j = 0; j < (n & 3); j++) {
        const int32_t xa = x[j], xb = x[xd + j], v = w[j], u = w[wd + j];
        a00 += xa * v;
        a01 += xa * u;
        a10 += xb * v;
        a11 += xb * u;
    }
    acc[0] = a00;
    acc[1] = a01;
    acc[2] = a10;
    acc[3] = a11;
}

/*
 * acc[pixel][channel] += x_pixel . w_channel over n terms; pixel 1 at x + xd, channel 1 at w + wd. Raw int8
 * products (the offset is in the starting values).
 */
MCUNAS_INLINE void dot22(const int8_t *x, int32_t xd, const int8_t *w, int32_t wd, int32_t n, int32_t acc[4])
{
    int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
    const int8_t *const w_end = w + (n & ~3);
#if defined(MCUNAS_DSP)
    /* Four terms of both pixels and both channels: 4 loads, 8 widenings, 8 SMLAD for 16 MACs. */
#define MCUNAS_DOT22_STEP()                                                    \
    do {                                                                       \
        const int32_t xa = mcunas_read4(x), xb = mcunas_read4(x + xd);         \
        x += 4;                                                                \
        const int32_t a02 = __sxtb16(xa), a13 = mcunas_sxtb16_ror8(xa);        \
        const int32_t b02 = __sxtb16(xb), b13 = mcunas_sxtb16_ror8(xb);        \
        const int32_t v = mcunas_read4(w), u = mcunas_read4(w + wd);           \
        w += 4;                                                                \
        const int32_t v02 = __sxtb16(v), v13 = mcunas_sxtb16_ror8(v);          \
        a00 = __smlad(a02, v02, a00);                                          \
        a00 = __smlad(a13, v13, a00);                                          \
        a10 = __smlad(b02, v02, a10);                                          \
        a10 = __smlad(b13, v13, a10);                                          \
        const int32_t u02 = __sxtb16(u), u13 = mcunas_sxtb16_ror8(u);          \
        a01 = __smlad(a02, u02, a01);                                          \
        a01 = __smlad(a13, u13, a01);                                          \
        a11 = __smlad(b02, u02, a11);                                          \
        a11 = __smlad(b13, u13, a11);                                          \
    } while (0)
    /* Eight terms per pass: the loop's count and branch spread over 32 MACs. */
    for (int32_t blocks = n >> 3; blocks > 0; blocks--) {
        MCUNAS_DOT22_STEP();
        MCUNAS_DOT22_STEP();
    }
    if (w < w_end) MCUNAS_DOT22_STEP();
#undef MCUNAS_DOT22_STEP
#else
    /* No DSP (Cortex-M0+: eight low registers): a 2x2 block spills on every term, so each pixel takes its
       own pass over both channels' weights, every load indexed by one counter (LDRSB's register offset). */
    {
        const int32_t terms = (int32_t)(w_end - w);
        for (int32_t p = 0; p < 2; p++) {
            const int8_t *xp = p ? x + xd : x, *wu = w + wd;
            int32_t s0 = 0, s1 = 0;
#if defined(__thumb__) && !defined(__thumb2__)
            /* ARMv6-M in assembly: x, both weight rows, the index, two sums and two temporaries fill r0-r7;
               the count (a multiple of 4, at least 4) waits in a high register for the compare. */
            /* One term of both channels: x[j] times each weight row's byte j, then j + 1. */
#define MCUNAS_M0_TERM                          \
    "ldrsb %[t0], [%[x], %[j]]\n\t"            \
    "ldrsb %[t1], [%[v], %[j]]\n\t"            \
    "muls %[t1], %[t0]\n\t"                    \
    "adds %[s0], %[s0], %[t1]\n\t"             \
    "ldrsb %[t1], [%[u], %[j]]\n\t"            \
    "muls %[t1], %[t0]\n\t"                    \
    "adds %[s1], %[s1], %[t1]\n\t"             \
    "adds %[j], %[j], #1\n\t"
            if (terms > 0) {
                int32_t j = 0, t0, t1;
                __asm__ volatile(
                    ".syntax unified\n\t"
                    "1:\n\t"
                    MCUNAS_M0_TERM MCUNAS_M0_TERM
                    "cmp %[j], %[n]\n\t"
                    "bne 1b"
                    : [j] "+l"(j), [s0] "+l"(s0), [s1] "+l"(s1), [t0] "=&l"(t0), [t1] "=&l"(t1)
                    : [x] "l"(xp), [v] "l"(w), [u] "l"(wu), [n] "h"(terms)
                    : "cc", "memory");
            }
#undef MCUNAS_M0_TERM
#else
            for (int32_t j = 0; j < terms; j++) {
                const int32_t xv = xp[j];
                s0 += xv * w[j];
                s1 += xv * wu[j];
            }
#endif
            if (p) {
                a10 += s0;
                a11 += s1;
            } else {
                a00 += s0;
                a01 += s1;
            }
        }
        x += terms;
        w += terms;
    }
#endif
    dot22_finish(x, xd, w, wd, n, a00, a01, a10, a11, acc);
}

#if defined(__ARM_FEATURE_DSP)
/*
 * dot22 for pixel 1 at x + d and channel 1 at w + d (contiguous pixels: d = cin), in assembly: GCC hoists the
 * loads of the C version ahead of their use and spills accumulators; here 13 registers suffice (4 sums, 3
 * pointers/strides, 6 temporaries). Per 4 terms: 4 LDR, 8 SXTB16, 8 SMLAD for 16 MACs.
 */
#define MCUNAS_DOT22_ASM                                 \
    "ldr    %[t0], [%[x], %[d]]\n\t"                     \
    "ldr    %[t1], [%[x]], #4\n\t"                       \
    "sxtb16 %[t2], %[t1]\n\t"                            \
    "sxtb16 %[t1], %[t1], ror #8\n\t"                    \
    "sxtb16 %[t3], %[t0]\n\t"                            \
    "sxtb16 %[t0], %[t0], ror #8\n\t"                    \
    "ldr    %[t4], [%[w], %[d]]\n\t"                     \
    "sxtb16 %[t5], %[t4]\n\t"                            \
    "smlad  %[a01], %[t2], %[t5], %[a01]\n\t"            \
    "smlad  %[a11], %[t3], %[t5], %[a11]\n\t"            \
    "sxtb16 %[t4], %[t4], ror #8\n\t"                    \
    "smlad  %[a01], %[t1], %[t4], %[a01]\n\t"            \
    "smlad  %[a11], %[t0], %[t4], %[a11]\n\t"            \
    "ldr    %[t4], [%[w]], #4\n\t"                       \
    "sxtb16 %[t5], %[t4]\n\t"                            \
    "smlad  %[a00], %[t2], %[t5], %[a00]\n\t"            \
    "smlad  %[a10], %[t3], %[t5], %[a10]\n\t"            \
    "sxtb16 %[t4], %[t4], ror #8\n\t"                    \
    "smlad  %[a00], %[t1], %[t4], %[a00]\n\t"            \
    "smlad  %[a10], %[t0], %[t4], %[a10]\n\t"

MCUNAS_INLINE void dot22_same(const int8_t *x, const int8_t *w, int32_t d, int32_t n, int32_t acc[4])
{
    int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
    int32_t t0, t1, t2, t3, t4, t5;
    for (int32_t blocks = n >> 3; blocks > 0; blocks--) {
        __asm__ volatile(MCUNAS_DOT22_ASM MCUNAS_DOT22_ASM
                         : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [x] "+r"(x), [w] "+r"(w),
                           [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5)
                         : [d] "r"(d)
                         : "memory");
    }
    if (n & 4) {
        __asm__ volatile(MCUNAS_DOT22_ASM
                         : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [x] "+r"(x), [w] "+r"(w),
                           [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5)
                         : [d] "r"(d)
                         : "memory");
    }
    dot22_finish(x, d, w, d, n, a00, a01, a10, a11, acc);
}
#undef MCUNAS_DOT22_ASM
#else
MCUNAS_INLINE void dot22_same(const int8_t *x, const int8_t *w, int32_t d, int32_t n, int32_t acc[4]) { dot22(x, d, w, d, n, acc); }
#endif

/* acc[k] += (x + offset) . w_k for the four rows w, w + wd, wb, wb + wd, over n terms (rows may repeat). */
MCUNAS_INLINE void dot14(const int8_t *x, const int8_t *w, const int8_t *wb, int32_t wd, int32_t n, int32_t offset, int32_t acc[4])
{
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
#if defined(__ARM_FEATURE_DSP)
    /*
     * Per 4 terms: one activation word widened with the offset (SXTAB16, shared by the four rows), then per row
     * one weight word, 2 SXTB16, 2 SMLAD: 23 instructions for 16 MACs. Rows 0/1 at wa (+ wd), rows 2/3 at
     * wb (+ wd). In assembly so that 13 registers suffice (GCC's schedule spills).
     */
    const int32_t off2 = mcunas_dup16(offset);
    const int8_t *wa = w;
#define MCUNAS_DOT14_ASM                                     \
    "ldr     %[t0], [%[x]], #4\n\t"                          \
    "sxtab16 %[x02], %[off2], %[t0]\n\t"                     \
    "sxtab16 %[x13], %[off2], %[t0], ror #8\n\t"             \
    "ldr     %[t0], [%[wa], %[wd]]\n\t"                      \
    "sxtb16  %[t1], %[t0]\n\t"                               \
    "sxtb16  %[t0], %[t0], ror #8\n\t"                       \
    "smlad   %[a1], %[x02], %[t1], %[a1]\n\t"                \
    "smlad   %[a1], %[x13], %[t0], %[a1]\n\t"                \
    "ldr     %[t0], [%[wb], %[wd]]\n\t"                      \
    "sxtb16  %[t1], %[t0]\n\t"                               \
    "sxtb16  %[t0], %[t0], ror #8\n\t"                       \
    "smlad   %[a3], %[x02], %[t1], %[a3]\n\t"                \
    "smlad   %[a3], %[x13], %[t0], %[a3]\n\t"                \
    "ldr     %[t0], [%[wa]], #4\n\t"                         \
    "sxtb16  %[t1], %[t0]\n\t"                               \
    "sxtb16  %[t0], %[t0], ror #8\n\t"                       \
    "smlad   %[a0], %[x02], %[t1], %[a0]\n\t"                \
    "smlad   %[a0], %[x13], %[t0], %[a0]\n\t"                \
    "ldr     %[t0], [%[wb]], #4\n\t"                         \
    "sxtb16  %[t1], %[t0]\n\t"                               \
    "sxtb16  %[t0], %[t0], ror #8\n\t"                       \
    "smlad   %[a2], %[x02], %[t1], %[a2]\n\t"                \
    "smlad   %[a2], %[x13], %[t0], %[a2]\n\t"
    int32_t x02, x13, t0, t1;
    /* Sixteen terms per pass: the loop's count (which GCC keeps on the stack) spreads over 64 MACs. */
    for (int32_t blocks = n >> 4; blocks > 0; blocks--)
        __asm__ volatile(MCUNAS_DOT14_ASM MCUNAS_DOT14_ASM MCUNAS_DOT14_ASM MCUNAS_DOT14_ASM
                         : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [wa] "+r"(wa), [wb] "+r"(wb),
                           [x02] "=&r"(x02), [x13] "=&r"(x13), [t0] "=&r"(t0), [t1] "=&r"(t1)
                         : [wd] "r"(wd), [off2] "r"(off2)
                         : "memory");
    if (n & 8)
        __asm__ volatile(MCUNAS_DOT14_ASM MCUNAS_DOT14_ASM
                         : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [wa] "+r"(wa), [wb] "+r"(wb),
                           [x02] "=&r"(x02), [x13] "=&r"(x13), [t0] "=&r"(t0), [t1] "=&r"(t1)
                         : [wd] "r"(wd), [off2] "r"(off2)
                         : "memory");
    if (n & 4)
        __asm__ volatile(MCUNAS_DOT14_ASM
                         : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [wa] "+r"(wa), [wb] "+r"(wb),
                           [x02] "=&r"(x02), [x13] "=&r"(x13), [t0] "=&r"(t0), [t1] "=&r"(t1)
                         : [wd] "r"(wd), [off2] "r"(off2)
                         : "memory");
#undef MCUNAS_DOT14_ASM
    w = wa;
#elif defined(MCUNAS_DSP)
    const int8_t *const x_end = x + (n & ~3);
    const int32_t off2 = mcunas_dup16(offset);
    while (x < x_end) {
        const int32_t xv = mcunas_read4(x);
        x += 4;
        const int32_t x02 = __sxtab16(off2, xv), x13 = mcunas_sxtab16_ror8(off2, xv);
        int32_t v = mcunas_read4(w);
        a0 = __smlad(x02, __sxtb16(v), a0);
        a0 = __smlad(x13, mcunas_sxtb16_ror8(v), a0);
        v = mcunas_read4(w + wd);
        a1 = __smlad(x02, __sxtb16(v), a1);
        a1 = __smlad(x13, mcunas_sxtb16_ror8(v), a1);
        v = mcunas_read4(wb);
        a2 = __smlad(x02, __sxtb16(v), a2);
        a2 = __smlad(x13, mcunas_sxtb16_ror8(v), a2);
        v = mcunas_read4(wb + wd);
        w += 4;
        wb += 4;
        a3 = __smlad(x02, __sxtb16(v), a3);
        a3 = __smlad(x13, mcunas_sxtb16_ror8(v), a3);
    }
#else
    const int8_t *const x_end = x + (n & ~3);
    while (x < x_end) {
        for (int32_t j = 0; j < 4; j++) {
            const int32_t xv = x[j] + offset;
            a0 += xv * w[j];
            a1 += xv * w[wd + j];
            a2 += xv * wb[j];
            a3 += xv * wb[wd + j];
        }
        x += 4;
        w += 4;
        wb += 4;
    }
#endif
    for (int32_t j = 0; j < (n & 3); j++) {
        const int32_t xv = x[j] + offset;
        a0 += xv * w[j];
        a1 += xv * w[wd + j];
        a2 += xv * wb[j];
        a3 += xv * wb[wd + j];
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

#if defined(__GNUC__)
#define MCUNAS_NOINLINE __attribute__((noinline))
#else
#define MCUNAS_NOINLINE
#endif

/* dot22 out of line, for the general (strided, padded, tabled) loop: its code is not repeated per call site. */
static MCUNAS_NOINLINE void dot22_general(const int8_t *x, int32_t xd, const int8_t *w, int32_t wd, int32_t n, int32_t acc[4])
{
    dot22(x, xd, w, wd, n, acc);
}

/* Where the pixels are: contiguous rows of cin values, or an output grid over a strided/padded input. */
typedef struct {
    const int8_t *in;
    int32_t cin;
    int contiguous;
    int32_t out_w, in_h, in_w, stride_h, stride_w, pad_top, pad_left;
    int32_t out_pitch; /* bytes between output rows; 0: rows follow each other (out_w x cout) */
} pixels;

/* Where output pixel k's channels go: k x cout, or on its row out_pitch apart (a patch tile's output). */
MCUNAS_INLINE int8_t *out_pixel(const pixels *g, int8_t *out, int32_t k, int32_t cout)
{
    if (!g->out_pitch) return out + k * cout;
    const int32_t oy = k / g->out_w;
    return out + oy * g->out_pitch + (k - oy * g->out_w) * cout;
}

/* Input pixel of output pixel k, or NULL where the 1x1 window falls on padding. */
MCUNAS_INLINE const int8_t *pixel(const pixels *g, int32_t k)
{
    if (g->contiguous) return g->in + k * g->cin;
    const int32_t oy = k / g->out_w, ox = k - oy * g->out_w;
    const int32_t iy = oy * g->stride_h - g->pad_top, ix = ox * g->stride_w - g->pad_left;
    if (iy < 0 || iy >= g->in_h || ix < 0 || ix >= g->in_w) return 0;
    return g->in + (iy * g->in_w + ix) * g->cin;
}

/* The general requantization of one output, out of line (the rare path of store_row). */
static MCUNAS_NOINLINE int8_t store_general(int32_t acc, int32_t multiplier, int32_t shift, const mcunas_conv_params *p)
{
    const mcunas_rq r = mcunas_rq_make(multiplier, shift);
    return store(acc, &r, p);
}

/*
 * One output of one_pixel (its accumulator holds the input offset): where the channel's shift folds
 * (mcunas_rq_folds: right in [1, 22]), there is no table and |acc| < 2^30 (checked per value, so exact for
 * every accumulator), the folded requantization with the output offset in (mcunas_rq_folded) and the clamp;
 * else the general requantization.
 */
MCUNAS_INLINE int8_t store_row(int32_t acc, int32_t multiplier, int32_t shift, int32_t offset, int32_t lo, int32_t hi,
                               const int8_t *lut, const mcunas_conv_params *p)
{
    const uint32_t right = 0u - (uint32_t)shift;
    if (!lut && right - 1u < 22u && (uint32_t)acc + 0x3fffffffu < 0x7fffffffu) {
        const int32_t nudge_offset = (int32_t)((1u << (right - 1u)) + ((uint32_t)offset << right));
        int32_t v = mcunas_rq_folded(acc, multiplier, nudge_offset, (int32_t)right);
        v = v < lo ? lo : v;
        return (int8_t)(v > hi ? hi : v);
    }
    return store_general(acc, multiplier, shift, p);
}

/* dot14 out of line: one_pixel's store loop keeps its registers. */
static MCUNAS_NOINLINE void dot14_call(const int8_t *x, const int8_t *w, const int8_t *wb, int32_t wd, int32_t n, int32_t offset, int32_t acc[4])
{
    dot14(x, w, wb, wd, n, offset, acc);
}

/* One pixel (x, or NULL = padding: bias only) through every output channel, four at a time. */
static MCUNAS_NOINLINE void one_pixel(const int8_t *x, int32_t cin, const int8_t *weight, const int32_t *bias, int8_t *o,
                                      int32_t cout, const mcunas_conv_params *p)
{
    const int32_t n = x ? cin : 0;
    const int32_t offset = p->output_offset, lo = p->act_min, hi = p->act_max, in_offset = p->input_offset;
    const int32_t *const mult = p->multiplier, *const shift = p->shift;
    const int8_t *const lut = p->lut;
    const int8_t *const xs = x ? x : o;
    int32_t c = 0;
    /* Whole groups of four rows: rows c..c+3 at w, w + cin, w + 2 cin, w + 3 cin. */
    for (; c + 4 <= cout; c += 4) {
        const int8_t *w = weight + c * cin;
        int32_t acc[4] = {bias[c], bias[c + 1], bias[c + 2], bias[c + 3]};
        dot14_call(xs, w, w + 2 * cin, cin, n, in_offset, acc);
        o[c] = store_row(acc[0], mult[c], shift[c], offset, lo, hi, lut, p);
        o[c + 1] = store_row(acc[1], mult[c + 1], shift[c + 1], offset, lo, hi, lut, p);
        o[c + 2] = store_row(acc[2], mult[c + 2], shift[c + 2], offset, lo, hi, lut, p);
        o[c + 3] = store_row(acc[3], mult[c + 3], shift[c + 3], offset, lo, hi, lut, p);
    }
    if (c == cout) return;
    /* Fewer than four channels left: the last four rows again (the ones done already are not stored twice). */
    const int32_t c4 = cout < 4 ? 0 : cout - 4;
    const int32_t m = cout - c4;
    /* Under four channels in all, rows repeat: 1 -> (0,0,0,0), 2 -> (0,1,0,1), 3 -> (0,1,1,2). */
    const int8_t *w = weight + c4 * cin;
    const int32_t wd = m == 1 ? 0 : cin;
    const int8_t *wb = m == 4 ? w + 2 * cin : m == 3 ? w + cin : w;
    int32_t acc[4];
    for (int32_t j = 0; j < 4; j++) {
        const int32_t row = m == 4 ? j : m == 3 ? (j < 2 ? j : j - 1) : m == 2 ? (j & 1) : 0;
        acc[j] = bias[c4 + row];
    }
    dot14_call(xs, w, wb, wd, n, in_offset, acc);
    /* Row r's sum: acc[r] for rows 0 and 1, acc[3] for row 2 of three. */
    for (int32_t j = c - c4; j < m; j++) o[c4 + j] = store_row(acc[m == 3 && j == 2 ? 3 : j], mult[c4 + j], shift[c4 + j], offset, lo, hi, lut, p);
}

/*
 * acc[r] += x . row r over n terms (n a multiple of 4) for four rows in the interleaved layout (word k of row
 * r at w + 16k + 4r), raw int8 products (the input offset is in the bias).
 */
#if defined(__ARM_FEATURE_DSP)
/*
 * Per 4 terms: one LDR of activations, one LDM of the four rows' weight words, 2 SXTB16 for the activations
 * and 2 per row, 8 SMLAD: 20 instructions for 16 MACs (the row-major dot14: 23). In assembly with the
 * registers named: LDM fills its list in register order, and the loop needs 14 registers.
 */
#define MCUNAS_DOT4I_ASM                                 \
    "ldr     r9, [r0], #4\n\t"                           \
    "ldmia   r1!, {r3, r4, r5, r6}\n\t"                  \
    "sxtb16  r8, r9\n\t"                                 \
    "sxtb16  r9, r9, ror #8\n\t"                         \
    "sxtb16  r7, r3\n\t"                                 \
    "sxtb16  r3, r3, ror #8\n\t"                         \
    "smlad   r10, r8, r7, r10\n\t"                       \
    "smlad   r10, r9, r3, r10\n\t"                       \
    "sxtb16  r7, r4\n\t"                                 \
    "sxtb16  r4, r4, ror #8\n\t"                         \
    "smlad   r11, r8, r7, r11\n\t"                       \
    "smlad   r11, r9, r4, r11\n\t"                       \
    "sxtb16  r7, r5\n\t"                                 \
    "sxtb16  r5, r5, ror #8\n\t"                         \
    "smlad   r12, r8, r7, r12\n\t"                       \
    "smlad   r12, r9, r5, r12\n\t"                       \
    "sxtb16  r7, r6\n\t"                                 \
    "sxtb16  r6, r6, ror #8\n\t"                         \
    "smlad   lr, r8, r7, lr\n\t"                         \
    "smlad   lr, r9, r6, lr\n\t"
static MCUNAS_NOINLINE void dot4_interleaved(const int8_t *x, const int8_t *w, int32_t n, int32_t acc[4])
{
    register const int8_t *rx __asm__("r0") = x;
    register const int8_t *rw __asm__("r1") = w;
    register int32_t blocks __asm__("r2") = n >> 4;
    register int32_t a0 __asm__("r10") = acc[0];
    register int32_t a1 __asm__("r11") = acc[1];
    register int32_t a2 __asm__("r12") = acc[2];
    register int32_t a3 __asm__("lr") = acc[3];
    /* Sixteen terms per pass, then the 8 and 4 left over. */
    __asm__ volatile("cmp     r2, #0\n\t"
                     "beq     2f\n"
                     "1:\n\t" MCUNAS_DOT4I_ASM MCUNAS_DOT4I_ASM MCUNAS_DOT4I_ASM MCUNAS_DOT4I_ASM
                     "subs    r2, r2, #1\n\t"
                     "bne     1b\n"
                     "2:\n\t"
                     : "+r"(rx), "+r"(rw), "+r"(blocks), "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3)
                     :
                     : "r3", "r4", "r5", "r6", "r7", "r8", "r9", "cc", "memory");
    if (n & 8)
        __asm__ volatile(MCUNAS_DOT4I_ASM MCUNAS_DOT4I_ASM
                         : "+r"(rx), "+r"(rw), "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3)
                         :
                         : "r3", "r4", "r5", "r6", "r7", "r8", "r9", "memory");
    if (n & 4)
        __asm__ volatile(MCUNAS_DOT4I_ASM
                         : "+r"(rx), "+r"(rw), "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3)
                         :
                         : "r3", "r4", "r5", "r6", "r7", "r8", "r9", "memory");
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}
#undef MCUNAS_DOT4I_ASM
#else
static void dot4_interleaved(const int8_t *x, const int8_t *w, int32_t n, int32_t acc[4])
{
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    for (int32_t k = 0; k < n; k += 4, w += 16) {
        for (int32_t j = 0; j < 4; j++) {
            const int32_t xv = x[k + j];
            a0 += xv * w[j];
            a1 += xv * w[4 + j];
            a2 += xv * w[8 + j];
            a3 += xv * w[12 + j];
        }
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}
#endif

/*
 * Fully connected, one row of activations, on weights in groups of four rows (weight_layout 1, written by the
 * code generator): rows 4g..4g+3 interleaved a word at a time (word k of row 4g + r at group + 16k + 4r), the
 * rows left over (out % 4) after them in plain [row][in]. bias[o] holds bias + input_offset x row o's weight
 * sum (folded offline), so the products are of raw int8 values. in_features % 4 == 0, weights 4-byte aligned.
 */
static MCUNAS_NOINLINE void fc_rows4(const int8_t *x, int32_t cin, const int8_t *weight, const int32_t *bias, int8_t *o,
                                     int32_t cout, const mcunas_conv_params *p)
{
    const int32_t offset = p->output_offset, lo = p->act_min, hi = p->act_max;
    const int32_t *const mult = p->multiplier, *const shift = p->shift;
    const int8_t *const lut = p->lut;
    int32_t c = 0;
    for (; c + 4 <= cout; c += 4) {
        int32_t acc[4] = {bias[c], bias[c + 1], bias[c + 2], bias[c + 3]};
        dot4_interleaved(x, weight + c * cin, cin, acc);
        o[c] = store_row(acc[0], mult[c], shift[c], offset, lo, hi, lut, p);
        o[c + 1] = store_row(acc[1], mult[c + 1], shift[c + 1], offset, lo, hi, lut, p);
        o[c + 2] = store_row(acc[2], mult[c + 2], shift[c + 2], offset, lo, hi, lut, p);
        o[c + 3] = store_row(acc[3], mult[c + 3], shift[c + 3], offset, lo, hi, lut, p);
    }
    if (c == cout) return;
    /* The last rows, plain, with the offset already in their bias. */
    mcunas_conv_params q = *p;
    q.input_offset = 0;
    q.multiplier = mult + c;
    q.shift = shift + c;
    one_pixel(x, cin, weight + c * cin, bias + c, o + c, cout - c, &q);
}

/* |accumulator| bound of a channel: its starting value plus n products of magnitude at most 128 x 128. */
MCUNAS_INLINE uint32_t acc_bound(int32_t start, int32_t n)
{
    const uint32_t s = start < 0 ? 0u - (uint32_t)start : (uint32_t)start;
    return n >= 65536 || s >= 0x40000000u ? 0xffffffffu : s + (uint32_t)n * 16384u;
}

/* Whether n weights are all zero (a word at a time). */
static int all_zero(const int8_t *w, int32_t n)
{
    uint32_t any = 0;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t v;
        memcpy(&v, w + i, 4);
        any |= v;
    }
    for (; i < n; i++) any |= (uint8_t)w[i];
    return any == 0;
}



/* One output: fast requantization (its bound checked by the caller), offset, clamp, optional table. */
MCUNAS_INLINE int8_t store_fast(int32_t acc, const mcunas_rq *r, int32_t offset, int32_t lo, int32_t hi, const int8_t *lut)
{
    int32_t v = mcunas_rq_fast(acc, r) + offset;
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    return lut ? lut[v + 128] : (int8_t)v;
}

/*
 * The clamp and store after a folded requantization (mcunas_rq_folded: the output offset already in).
 * full: the activation range is all of int8 (ReLU6 quantized to [0, 6] is), one SSAT.
 */
MCUNAS_INLINE int8_t store_folded(int32_t acc, int32_t m, int32_t n, int32_t right, int32_t lo, int32_t hi, int full)
{
    int32_t v = mcunas_rq_folded(acc, m, n, right);
#if defined(__ARM_FEATURE_DSP)
    if (full) return (int8_t)__ssat(v, 8);
#else
    (void)full;
#endif
    v = v < lo ? lo : v;
    return (int8_t)(v > hi ? hi : v);
}

/*
 * The hot loop: a channel pair over contiguous pixel pairs (stride 1, no padding), without a fused table
 * (layers with one take the general loop below). `folded`: both channels take mcunas_rq_folded (four
 * instructions with the output offset), 2 when the clamp is all of int8; else mcunas_rq_fast. Inlined once
 * for each.
 */
/* acc += the pixel pair (k, k + 1) . the channel pair at w0 (rows cin apart); every pixel inside the input. */
MCUNAS_INLINE void dot_pair(const pixels *g, int32_t k, const int8_t *w0, int32_t acc[4])
{
    const int32_t cin = g->cin;
    if (g->contiguous) dot22_same(g->in + k * cin, w0, cin, cin, acc);
    else {
        const int8_t *x0 = pixel(g, k), *x1 = pixel(g, k + 1);
        dot22_general(x0, (int32_t)(x1 - x0), w0, cin, cin, acc);
    }
}

#if defined(__ARM_FEATURE_DSP)
/*
 * The channel pair over every pixel pair with the stores in assembly (see pairs_contiguous). flat (a literal
 * after inlining): contiguous pixels and output rows, so neither the pixel addresses nor the output's need
 * a test per pass; else the pixels' own addresses (strided input, out_pitch).
 */
MCUNAS_INLINE void pairs_asm(const pixels *g, const int flat, int32_t pairs, const int8_t *w0, int32_t f0, int32_t f1,
                             const int32_t qc[6], int8_t *out, int32_t cout, int folded, int32_t ba, int32_t nb)
{
    const int8_t *const in = g->in;
    const int32_t cin = g->cin;
    for (int32_t k = 0; k < pairs; k += 2) {
        int32_t acc[4] = {f0, f1, f0, f1};
        int8_t *o;
        int32_t co;
        if (flat) {
            dot22_same(in + k * cin, w0, cin, cin, acc);
            o = out + k * cout;
            co = cout;
        } else {
            dot_pair(g, k, w0, acc);
            o = out_pixel(g, out, k, cout);
            co = (int32_t)(out_pixel(g, out, k + 1, cout) - o);
        }
        mcunas_rq_store_2x2(acc[0], acc[1], acc[2], acc[3], qc, 3 * (int32_t)sizeof(int32_t), o, co, folded == 2, ba, nb);
    }
}
#endif

MCUNAS_INLINE void pairs_contiguous(const pixels *g, int32_t pairs, const int8_t *w0, int32_t f0, int32_t f1,
                                    const mcunas_rq *r0, const mcunas_rq *r1, int8_t *out, int32_t cout,
                                    const mcunas_conv_params *p, int folded)
{
    const int32_t offset = p->output_offset, lo = p->act_min, hi = p->act_max;
    const int32_t m0 = r0->multiplier, m1 = r1->multiplier, s0 = r0->right, s1 = r1->right;
    const int32_t n0 = mcunas_rq_nudge_offset(r0, offset), n1 = mcunas_rq_nudge_offset(r1, offset);
#if defined(__ARM_FEATURE_DSP)
    /*
     * The four stores in assembly, the constants read from memory where they are used: in C, GCC keeps them
     * in registers across the product, spills them and reloads each one per output (about 15 instructions an
     * output; here 6 with the full int8 range: mcunas_rq_folded, SSAT, STRB). A narrower clamp [lo, hi] takes
     * three more, two saturations: with A = 127 - hi (folded into the nudge, so the requantized value comes
     * out plus A) and B = -128 - lo, SSAT(v + A) - A = min(v, hi) (its low bound, -128 - A, binds nothing
     * lo does not), then SSAT(that + B) - B = max(., lo) (its high bound, 255 + lo >= hi, binds nothing).
     * Folding A needs |offset + A| x 2^right well inside 2^30 (the sum with the product must not overflow).
     */
    const int32_t A = 127 - hi, B = -128 - lo;
    const int32_t oa = offset + A, oa_abs = oa < 0 ? -oa : oa;
    const int fold_a = folded == 2 || (folded == 1 && (uint32_t)oa_abs + 1u < (1u << (30 - (s0 > s1 ? s0 : s1))));
    if (fold_a) {
        const int32_t qc[6] = {m0, mcunas_rq_nudge_offset(r0, oa), s0, m1, mcunas_rq_nudge_offset(r1, oa), s1};
        const int32_t ba = B - A, nb = -B;
        if (g->contiguous && !g->out_pitch) pairs_asm(g, 1, pairs, w0, f0, f1, qc, out, cout, folded, ba, nb);
        else pairs_asm(g, 0, pairs, w0, f0, f1, qc, out, cout, folded, ba, nb);
        return;
    }
#endif
    for (int32_t k = 0; k < pairs; k += 2) {
        int32_t acc[4] = {f0, f1, f0, f1};
        dot_pair(g, k, w0, acc);
        int8_t *o = out_pixel(g, out, k, cout), *o1 = out_pixel(g, out, k + 1, cout);
        if (folded) {
            const int full = folded == 2;
            o[0] = store_folded(acc[0], m0, n0, s0, lo, hi, full);
            o[1] = store_folded(acc[1], m1, n1, s1, lo, hi, full);
            o1[0] = store_folded(acc[2], m0, n0, s0, lo, hi, full);
            o1[1] = store_folded(acc[3], m1, n1, s1, lo, hi, full);
        } else {
            o[0] = store_fast(acc[0], r0, offset, lo, hi, 0);
            o[1] = store_fast(acc[1], r1, offset, lo, hi, 0);
            o1[0] = store_fast(acc[2], r0, offset, lo, hi, 0);
            o1[1] = store_fast(acc[3], r1, offset, lo, hi, 0);
        }
    }
}

/*
 * A channel's starting value (bias + offset x weight sum) and requantization. All-zero weights with every
 * pixel inside (the accumulator is the start everywhere), where the fast loop would not take the channel
 * as it is: an equivalent requantization it takes (mcunas_constant_channel). Out of line: the pixel loop
 * keeps its registers.
 */
static MCUNAS_NOINLINE int32_t channel_setup(const int8_t *w, int32_t cin, int32_t bias, int32_t m, int32_t s, int32_t offset, int inside,
                                             mcunas_rq *r)
{
    int32_t start = bias + offset * weight_sum(w, cin);
    *r = mcunas_rq_make(m, s);
    if (inside && !(mcunas_rq_fits(acc_bound(start, cin), r) && mcunas_rq_folds(r)) && all_zero(w, cin)) {
        mcunas_constant_channel(&start, &m, &s);
        *r = mcunas_rq_make(m, s);
    }
    return start;
}

static void gemm(const pixels *g, int32_t count, const int8_t *weight, const int32_t *bias, int8_t *out,
                 int32_t cout, const mcunas_conv_params *p)
{
    const int32_t cin = g->cin;
    const int32_t pairs = count & ~1;
    /* A strided 1x1 layer without padding has every pixel inside the input: the fast loop takes it too. */
    const int inside = g->contiguous || (g->pad_top == 0 && g->pad_left == 0 && count > 0 &&
                                         (count / g->out_w - 1) * g->stride_h < g->in_h && (g->out_w - 1) * g->stride_w < g->in_w);
    for (int32_t c = 0; c < cout && pairs > 0; c += 2) {
        const int two = c + 1 < cout;
        const int8_t *w0 = weight + c * cin;
        const int32_t wd = two ? cin : 0;
        const int32_t b0 = bias[c], b1 = two ? bias[c + 1] : 0;
        mcunas_rq r0, r1;
        const int32_t f0 = channel_setup(w0, cin, b0, p->multiplier[c], p->shift[c], p->input_offset, inside, &r0);
        const int32_t f1 = two ? channel_setup(w0 + wd, cin, b1, p->multiplier[c + 1], p->shift[c + 1], p->input_offset, inside, &r1)
                               : b1 + p->input_offset * weight_sum(w0, cin);
        if (!two) r1 = r0;
        if (inside && two && !p->lut && mcunas_rq_fits(acc_bound(f0, cin), &r0) && mcunas_rq_fits(acc_bound(f1, cin), &r1)) {
            if (mcunas_rq_folds(&r0) && mcunas_rq_folds(&r1) && p->act_min == -128 && p->act_max == 127)
                pairs_contiguous(g, pairs, w0, f0, f1, &r0, &r1, out + c, cout, p, 2);
            else if (mcunas_rq_folds(&r0) && mcunas_rq_folds(&r1))
                pairs_contiguous(g, pairs, w0, f0, f1, &r0, &r1, out + c, cout, p, 1);
            else pairs_contiguous(g, pairs, w0, f0, f1, &r0, &r1, out + c, cout, p, 0);
            continue;
        }
        for (int32_t k = 0; k < pairs; k += 2) {
            const int8_t *x0 = pixel(g, k), *x1 = pixel(g, k + 1);
            int32_t acc[4] = {f0, f1, f0, f1};
            if (x0 && x1) dot22_general(x0, (int32_t)(x1 - x0), w0, wd, cin, acc);
            else {
                /* Padding (explicitly padded 1x1 layers only): a padded pixel gets the bias alone. */
                int32_t one[4] = {f0, f1, 0, 0};
                if (x0) dot22_general(x0, 0, w0, wd, cin, one);
                else one[0] = b0, one[1] = b1;
                int32_t two_[4] = {f0, f1, 0, 0};
                if (x1) dot22_general(x1, 0, w0, wd, cin, two_);
                else two_[0] = b0, two_[1] = b1;
                acc[0] = one[0], acc[1] = one[1], acc[2] = two_[0], acc[3] = two_[1];
            }
            int8_t *o0 = out_pixel(g, out, k, cout) + c, *o1 = out_pixel(g, out, k + 1, cout) + c;
            o0[0] = store(acc[0], &r0, p);
            o1[0] = store(acc[2], &r0, p);
            if (two) {
                o0[1] = store(acc[1], &r1, p);
                o1[1] = store(acc[3], &r1, p);
            }
        }
    }
    if (count & 1) one_pixel(pixel(g, count - 1), cin, weight, bias, out_pixel(g, out, count - 1, cout), cout, p);
}

void mcunas_pointwise_s8(const int8_t *in, mcunas_shape in_shape, const int8_t *weight, const int32_t *bias,
                         int8_t *out, mcunas_shape out_shape, const mcunas_conv_params *p)
{
    const pixels g = {in, in_shape.c,
                      p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 && p->pad_left == 0 && in_shape.w == out_shape.w && in_shape.h >= out_shape.h,
                      out_shape.w, in_shape.h, in_shape.w, p->stride_h, p->stride_w, p->pad_top, p->pad_left,
                      p->out_pitch == out_shape.w * out_shape.c ? 0 : p->out_pitch};
    gemm(&g, out_shape.h * out_shape.w, weight, bias, out, out_shape.c, p);
}

/*
 * Fully connected with a weight zero point (not TFLite's int8 convention, but CMSIS-NN's unit tests have it):
 * sum (w + wo)(x + io) = sum w (x + io) + wo x sum (x + io), so per row the second term joins the bias, and
 * the usual product runs on a chunk of outputs at a time (the adjusted biases live on the stack).
 */
#define FC_BIAS_CHUNK 32
static MCUNAS_NOINLINE void fc_weight_offset(const int8_t *in, int32_t batches, int32_t in_features, const int8_t *weight,
                                             const int32_t *bias, int8_t *out, int32_t out_features,
                                             const mcunas_conv_params *p)
{
    for (int32_t b = 0; b < batches; b++) {
        const int8_t *x = in + b * in_features;
        uint32_t sum = 0;
        for (int32_t i = 0; i < in_features; i++) sum += (uint32_t)(x[i] + p->input_offset);
        const uint32_t extra = (uint32_t)p->weight_offset * sum;
        for (int32_t c0 = 0; c0 < out_features; c0 += FC_BIAS_CHUNK) {
            const int32_t n = out_features - c0 < FC_BIAS_CHUNK ? out_features - c0 : FC_BIAS_CHUNK;
            int32_t b2[FC_BIAS_CHUNK];
            for (int32_t j = 0; j < n; j++) b2[j] = (int32_t)((uint32_t)bias[c0 + j] + extra);
            mcunas_conv_params q = *p;
            q.multiplier = p->multiplier + c0;
            q.shift = p->shift + c0;
            q.weight_offset = 0;
            const pixels g = {x, in_features, 1, 1, 1, 1, 1, 1, 0, 0, 0};
            gemm(&g, 1, weight + c0 * in_features, b2, out + b * out_features + c0, n, &q);
        }
    }
}

/* Fully connected: `batches` rows of in_features, the same product on one-pixel rows. */
void mcunas_fully_connected_s8(const int8_t *in, int32_t batches, int32_t in_features, const int8_t *weight,
                               const int32_t *bias, int8_t *out, int32_t out_features,
                               const mcunas_conv_params *p)
{
    if (p->weight_layout == MCUNAS_FC_ROWS4) {
        for (int32_t b = 0; b < batches; b++) fc_rows4(in + b * in_features, in_features, weight, bias, out + b * out_features, out_features, p);
        return;
    }
    if (p->weight_offset != 0) {
        fc_weight_offset(in, batches, in_features, weight, bias, out, out_features, p);
        return;
    }
    const pixels g = {in, in_features, 1, 1, batches, 1, 1, 1, 0, 0, 0};
    gemm(&g, batches, weight, bias, out, out_features, p);
}
