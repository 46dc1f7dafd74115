/*
 * Any convolution (groups allowed), as im2col + a 2x2-blocked product: the windows of two output pixels
 * are gathered as int16 with the input offset added (padding positions are 0, i.e. contribute nothing, as
 * in TFLite), interleaved in groups of 4 (pixel 0's four values, then pixel 1's), and two output channels
 * at a time run over them, so each loaded word serves two products. With DSP the four values of a group
 * are stored in the order (0, 2, 1, 3): SXTB16 on four weight bytes yields the pairs (w0, w2) and (w1, w3),
 * which meet them in one SMLAD each; two LDRD fetch a group of both pixels. The scratch size is the
 * planner's (src/schedule/scratch.ts: own conv2d): two columns of round_up4(KH x KW x Cin) int16.
 */
#include "mcunas_kernels.h"
#include "requant.h"
#include <string.h>

static int32_t round_up4(int32_t n) { return (n + 3) & ~3; }

int32_t mcunas_conv_s8_scratch_bytes(int32_t kernel_h, int32_t kernel_w, int32_t in_c)
{
    return 2 * round_up4(kernel_h * kernel_w * in_c) * (int32_t)sizeof(int16_t);
}

/* Where value j of a group of four sits: SXTB16's pair order with DSP, in order without. */
#if defined(MCUNAS_DSP)
#define LANE(j) ((((j) & 1) << 1) | ((j) >> 1))
#else
#define LANE(j) (j)
#endif

/* Raw window bytes are gathered in chunks of this many (a multiple of 4) before widening: stack, not scratch. */
#define RAW_CHUNK 128

typedef struct {
    int8_t raw[RAW_CHUNK];
    int32_t n;       /* bytes in raw */
    int32_t group;   /* the group the first byte of raw belongs to */
    int16_t *dst;    /* pixel `which`'s slots of group 0 */
    int32_t offset;
} gather;

/* raw[0, n) (n a multiple of 4) -> int16 (x + offset) in the pixel's slots, lane order as LANE. */
static void widen(gather *g)
{
    int16_t *dst = g->dst + g->group * 8;
#if defined(MCUNAS_DSP)
    const int32_t off2 = mcunas_dup16(g->offset);
    for (int32_t i = 0; i < g->n; i += 4, dst += 8) {
        const int32_t v = mcunas_read4(g->raw + i);
        const int32_t lo = __sxtab16(off2, v), hi = mcunas_sxtab16_ror8(off2, v);
        memcpy(dst, &lo, 4);
        memcpy(dst + 2, &hi, 4);
    }
#else
    for (int32_t i = 0; i < g->n; i += 4, dst += 8)
        for (int32_t j = 0; j < 4; j++) dst[j] = (int16_t)(g->raw[i + j] + g->offset);
#endif
    g->group += g->n >> 2;
    g->n = 0;
}

/* Appends len bytes from src, or len copies of the zero point (src NULL: padding, x + offset = 0). */
static void put(gather *g, const int8_t *src, int32_t len)
{
    while (len > 0) {
        int32_t m = RAW_CHUNK - g->n;
        m = m < len ? m : len;
        int8_t *d = g->raw + g->n;
        if (src) {
            int32_t i = 0;
#if defined(MCUNAS_DSP)
            for (; i + 4 <= m; i += 4) {
                const int32_t v = mcunas_read4(src + i);
                memcpy(d + i, &v, 4);
            }
#endif
            for (; i < m; i++) d[i] = src[i];
            src += m;
        } else
            for (int32_t i = 0; i < m; i++) d[i] = (int8_t)(-g->offset);
        g->n += m;
        len -= m;
        if (g->n == RAW_CHUNK) widen(g);
    }
}

/*
 * The window of output pixel (oy, ox) for one group, cpg channels per tap, as pixel `which` of the pair:
 * gathered as raw bytes (a row of taps inside the input is one run when the conv has one group), then
 * widened four at a time.
 */
static void im2col(const int8_t *in, mcunas_shape s, int32_t oy, int32_t ox, int32_t c0, int32_t cpg,
                   const mcunas_conv_params *p, int16_t *cols, int32_t which, int32_t k_padded)
{
    gather g;
    g.n = 0;
    g.group = 0;
    g.dst = cols + 4 * which;
    g.offset = p->input_offset;
    const int32_t dh = p->dilation_h, dw = p->dilation_w;
    const int32_t ix0 = ox * p->stride_w - p->pad_left;
    /* A row of taps is one run of bytes when the conv has one group and no horizontal dilation. */
    const int one_run = cpg == s.c && dw == 1 && ix0 >= 0 && ix0 + p->kernel_w <= s.w;
    const int32_t iy0 = oy * p->stride_h - p->pad_top;
    const int32_t run = p->kernel_w * cpg;
    if (one_run && iy0 >= 0 && iy0 + (p->kernel_h - 1) * dh < s.h && k_padded <= RAW_CHUNK) {
        /* The window inside the input (the common case): kernel_h runs of kernel_w x C bytes, copied whole. */
        const int8_t *src = in + (iy0 * s.w + ix0) * s.c + c0;
        const int32_t row = s.w * s.c * dh;
        int8_t *d = g.raw;
        for (int32_t ky = 0; ky < p->kernel_h; ky++, src += row) {
            int32_t i = 0;
#if defined(MCUNAS_DSP)
            for (; i + 4 <= run; i += 4) {
                const int32_t v = mcunas_read4(src + i);
                memcpy(d + i, &v, 4);
            }
#endif
            for (; i < run; i++) d[i] = src[i];
            d += run;
        }
        for (int32_t i = (int32_t)(d - g.raw); i < k_padded; i++) g.raw[i] = (int8_t)(-g.offset);
        g.n = k_padded;
        widen(&g);
        return;
    }
    for (int32_t ky = 0; ky < p->kernel_h; ky++) {
        const int32_t iy = iy0 + ky * dh;
        if (iy < 0 || iy >= s.h) {
            put(&g, 0, p->kernel_w * cpg);
            continue;
        }
        const int8_t *row = in + iy * s.w * s.c + c0;
        if (one_run) {
            put(&g, row + ix0 * s.c, p->kernel_w * cpg);
            continue;
        }
        for (int32_t kx = 0; kx < p->kernel_w; kx++) {
            const int32_t ix = ix0 + kx * dw;
            put(&g, ix < 0 || ix >= s.w ? 0 : row + ix * s.c, cpg);
        }
    }
    const int32_t k = p->kernel_h * p->kernel_w * cpg;
    if (k_padded > k) put(&g, 0, k_padded - k);
    if (g.n > 0) widen(&g);
}


#if defined(__ARM_FEATURE_DSP)
/*
 * `full` groups of four terms (see dot_cols) with the loop inside the assembly and the registers named (it
 * needs 14): per two groups 32 instructions and the count and branch, where the loop in C kept its count
 * and pointers on the stack (about 10 more a pass). Out of line: the caller's registers are saved once.
 */
#define MCUNAS_CONV_GROUP_R                 \
    "ldrd   r4, r5, [r0], #8\n\t"           \
    "ldrd   r6, r7, [r0], #8\n\t"           \
    "ldr    r8, [r1, r2]\n\t"               \
    "sxtb16 r9, r8\n\t"                     \
    "sxtb16 r8, r8, ror #8\n\t"             \
    "smlad  r11, r4, r9, r11\n\t"           \
    "smlad  lr, r6, r9, lr\n\t"             \
    "smlad  r11, r5, r8, r11\n\t"           \
    "smlad  lr, r7, r8, lr\n\t"             \
    "ldr    r8, [r1], #4\n\t"               \
    "sxtb16 r9, r8\n\t"                     \
    "sxtb16 r8, r8, ror #8\n\t"             \
    "smlad  r10, r4, r9, r10\n\t"           \
    "smlad  r12, r6, r9, r12\n\t"           \
    "smlad  r10, r5, r8, r10\n\t"           \
    "smlad  r12, r7, r8, r12\n\t"
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void dot_cols_groups(const int8_t *w, int32_t wd, const int16_t *cols, int32_t full, int32_t acc[4])
{
    register const int16_t *rc __asm__("r0") = cols;
    register const int8_t *rw __asm__("r1") = w;
    register int32_t rd __asm__("r2") = wd;
    register int32_t pairs __asm__("r3") = full >> 1;
    register int32_t a00 __asm__("r10") = acc[0];
    register int32_t a01 __asm__("r11") = acc[1];
    register int32_t a10 __asm__("r12") = acc[2];
    register int32_t a11 __asm__("lr") = acc[3];
    __asm__ volatile("cmp    r3, #0\n\t"
                     "beq    2f\n"
                     "1:\n\t" MCUNAS_CONV_GROUP_R MCUNAS_CONV_GROUP_R
                     "subs   r3, r3, #1\n\t"
                     "bne    1b\n"
                     "2:\n\t"
                     : "+r"(rc), "+r"(rw), "+r"(pairs), "+r"(a00), "+r"(a01), "+r"(a10), "+r"(a11)
                     : "r"(rd)
                     : "r4", "r5", "r6", "r7", "r8", "r9", "cc", "memory");
    if (full & 1)
        __asm__ volatile(MCUNAS_CONV_GROUP_R
                         : "+r"(rc), "+r"(rw), "+r"(a00), "+r"(a01), "+r"(a10), "+r"(a11)
                         : "r"(rd)
                         : "r4", "r5", "r6", "r7", "r8", "r9", "memory");
    acc[0] = a00;
    acc[1] = a01;
    acc[2] = a10;
    acc[3] = a11;
}
#undef MCUNAS_CONV_GROUP_R
#endif

/*
 * acc[pixel * 2 + channel] += column(pixel) . w(channel) over k terms: channel 1's weights at w + wd,
 * the columns interleaved as im2col writes them (k rounded up to 4, zero filled).
 */
static void dot_cols(const int8_t *w, int32_t wd, const int16_t *cols, int32_t k, int32_t acc[4])
{
    int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
    const int32_t full = k >> 2, tail = k & 3;
#if defined(__ARM_FEATURE_DSP)
    /* Per group: two LDRD of both pixels' four values, two weight words, 4 SXTB16, 8 SMLAD for 16 MACs. */
    acc[0] = a00, acc[1] = a01, acc[2] = a10, acc[3] = a11;
    dot_cols_groups(w, wd, cols, full, acc);
    a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
    w += 4 * full;
    cols += 8 * full;
#elif defined(MCUNAS_DSP)
    for (int32_t g = 0; g < full; g++, w += 4, cols += 8) {
        const int32_t v = mcunas_read4(w), u = mcunas_read4(w + wd);
        const int32_t v02 = __sxtb16(v), v13 = __sxtb16(mcunas_ror8(v)), u02 = __sxtb16(u), u13 = __sxtb16(mcunas_ror8(u));
        const int32_t c0 = mcunas_read2x16(cols), c1 = mcunas_read2x16(cols + 2), c2 = mcunas_read2x16(cols + 4), c3 = mcunas_read2x16(cols + 6);
        a00 = __smlad(c1, v13, __smlad(c0, v02, a00));
        a01 = __smlad(c1, u13, __smlad(c0, u02, a01));
        a10 = __smlad(c3, v13, __smlad(c2, v02, a10));
        a11 = __smlad(c3, u13, __smlad(c2, u02, a11));
    }
#else
    for (int32_t g = 0; g < full; g++, w += 4, cols += 8)
        for (int32_t j = 0; j < 4; j++) {
            a00 += w[j] * cols[j];
            a01 += w[wd + j] * cols[j];
            a10 += w[j] * cols[4 + j];
            a11 += w[wd + j] * cols[4 + j];
        }
#endif
    /* The last group's columns are zero past k: only its real weights matter. */
#if defined(MCUNAS_DSP)
    if (tail > 0 && k >= 4) {
        /* Its weights are the top `tail` bytes of the word ending at w + tail (inside the row), shifted down. */
        const uint32_t sh = 8u * (uint32_t)(4 - tail);
        const int32_t v = (int32_t)((uint32_t)mcunas_read4(w + tail - 4) >> sh), u = (int32_t)((uint32_t)mcunas_read4(w + wd + tail - 4) >> sh);
        const int32_t v02 = __sxtb16(v), v13 = mcunas_sxtb16_ror8(v), u02 = __sxtb16(u), u13 = mcunas_sxtb16_ror8(u);
        const int32_t c0 = mcunas_read2x16(cols), c1 = mcunas_read2x16(cols + 2), c2 = mcunas_read2x16(cols + 4), c3 = mcunas_read2x16(cols + 6);
        a00 = __smlad(c1, v13, __smlad(c0, v02, a00));
        a01 = __smlad(c1, u13, __smlad(c0, u02, a01));
        a10 = __smlad(c3, v13, __smlad(c2, v02, a10));
        a11 = __smlad(c3, u13, __smlad(c2, u02, a11));
    } else
#endif
        for (int32_t j = 0; j < tail; j++) {
            a00 += w[j] * cols[LANE(j)];
            a01 += w[wd + j] * cols[LANE(j)];
            a10 += w[j] * cols[4 + LANE(j)];
            a11 += w[wd + j] * cols[4 + LANE(j)];
        }
    acc[0] = a00;
    acc[1] = a01;
    acc[2] = a10;
    acc[3] = a11;
}

/*
 * A channel's requantization as the store needs it: folded (right >= 0) or the general form (right < 0).
 * nudge_a: the folded nudge for the assembly stores (see store4), with the offset plus A = 127 - act_max.
 */
typedef struct {
    int32_t multiplier, nudge_a, right, shift, nudge_offset;
} chan_q;

/* Channels whose constants are prepared at once (a stack array; larger layers repeat the im2col per chunk). */
#define CHUNK 16

/* The output clamp and table, copied out of the params (int8 stores could alias them, forcing reloads). */
typedef struct {
    int32_t offset, lo, hi;
    const int8_t *lut;
} out_q;

#if defined(__ARM_FEATURE_DSP)
/* The 2x2 block's four outputs (channels q[0], q[1]; pixel 1 at o + step): requant.h's assembly stores. */
MCUNAS_INLINE void store4(const int32_t acc[4], const chan_q *q, int8_t *o, int32_t step, int full, int32_t ba, int32_t nb)
{
    mcunas_rq_store_2x2(acc[0], acc[1], acc[2], acc[3], q, (int32_t)sizeof(chan_q), o, step, full, ba, nb);
}
#endif

MCUNAS_INLINE int8_t store(int32_t acc, const chan_q *q, const out_q *t)
{
    int32_t v = q->right >= 0 ? mcunas_rq_folded(acc, q->multiplier, q->nudge_offset, q->right)
                              : mcunas_requantize(acc, q->multiplier, q->shift) + t->offset;
    v = v < t->lo ? t->lo : v;
    v = v > t->hi ? t->hi : v;
    return t->lut ? t->lut[v + 128] : (int8_t)v;
}

void mcunas_conv_s8(const int8_t *in, mcunas_shape in_shape, const int8_t *weight, const int32_t *bias,
                    int8_t *out, mcunas_shape out_shape, int32_t groups, const mcunas_conv_params *p,
                    int16_t *scratch)
{
    const int32_t cpg = in_shape.c / groups;
    const int32_t opg = out_shape.c / groups;
    const int32_t k = p->kernel_h * p->kernel_w * cpg;
    const int32_t kp = round_up4(k);
    const int32_t pixels = out_shape.h * out_shape.w;
    /* |acc| <= |bias| + k x 255 x 128: the folded requantization's bound, checked per channel. */
    const uint32_t terms = k < 32768 ? (uint32_t)k * 32640u : 0xffffffffu;
    chan_q q[CHUNK];
    const out_q t = {p->output_offset, p->act_min, p->act_max, p->lut};
    const int32_t A = 127 - p->act_max, B = -128 - p->act_min, oa = p->output_offset + A;
    const uint32_t oa_abs = oa < 0 ? 0u - (uint32_t)oa : (uint32_t)oa;
    const int full = A == 0 && B == 0;
    for (int32_t g = 0; g < groups; g++) {
        for (int32_t c0 = g * opg; c0 < (g + 1) * opg; c0 += CHUNK) {
            const int32_t c1 = c0 + CHUNK < (g + 1) * opg ? c0 + CHUNK : (g + 1) * opg;
            int asm_ok = !p->lut; /* every channel of the chunk folded, its nudge_a in range */
            for (int32_t o = c0; o < c1; o++) {
                const mcunas_rq r = mcunas_rq_make(p->multiplier[o], p->shift[o]);
                const uint32_t b = bias[o] < 0 ? 0u - (uint32_t)bias[o] : (uint32_t)bias[o];
                const int fast = mcunas_rq_folds(&r) && terms < 0x40000000u && b < 0x40000000u && b + terms < 0x40000000u;
                chan_q *c = &q[o - c0];
                c->multiplier = p->multiplier[o];
                c->shift = p->shift[o];
                c->right = fast ? r.right : -1;
                c->nudge_offset = fast ? mcunas_rq_nudge_offset(&r, p->output_offset) : 0;
                /* nudge_a must stay well inside 2^30 (its sum with the product must not overflow). */
                const int a_ok = fast && oa_abs + 1u < (1u << (30 - r.right));
                c->nudge_a = a_ok ? mcunas_rq_nudge_offset(&r, oa) : 0;
                asm_ok = asm_ok && a_ok;
            }
#if !defined(__ARM_FEATURE_DSP)
            (void)asm_ok;
            (void)full;
#endif
            for (int32_t px = 0; px < pixels; px += 2) {
                const int two = px + 1 < pixels;
                const int32_t px1 = two ? px + 1 : px;
                im2col(in, in_shape, px / out_shape.w, px % out_shape.w, g * cpg, cpg, p, scratch, 0, kp);
                im2col(in, in_shape, px1 / out_shape.w, px1 % out_shape.w, g * cpg, cpg, p, scratch, 1, kp);
                int8_t *o0 = out + px * out_shape.c, *o1 = out + px1 * out_shape.c;
                for (int32_t o = c0; o < c1; o += 2) {
                    const int both = o + 1 < c1;
                    const int32_t o2 = both ? o + 1 : o;
                    int32_t acc[4] = {bias[o], bias[o2], bias[o], bias[o2]};
                    dot_cols(weight + o * k, (o2 - o) * k, scratch, k, acc);
                    const chan_q *qa = &q[o - c0], *qb = &q[o2 - c0];
#if defined(__ARM_FEATURE_DSP)
                    if (asm_ok && both && two) {
                        store4(acc, qa, o0 + o, out_shape.c, full, B - A, -B);
                        continue;
                    }
#endif
                    o0[o] = store(acc[0], qa, &t);
                    if (both) o0[o2] = store(acc[1], qb, &t);
                    if (two) {
                        o1[o] = store(acc[2], qa, &t);
                        if (both) o1[o2] = store(acc[3], qb, &t);
                    }
                }
            }
        }
    }
}
