/*
 * Depthwise convolution, channel multiplier 1, one channel at a time. The channel's input plane is read
 * either straight from the NHWC input (stride C between pixels) or, in place, from a scratch copy
 * (stride 1): the planner's in-place contract (mcunas_kernels.h, src/schedule/inplace.ts).
 *
 * Per channel, the input offset is folded into the starting value (bias + offset x weight sum), so a window
 * fully inside the plane is a pure dot product of raw int8 values. 3x3 windows take a specialised loop: the
 * window's columns slide along the output row (stride 1: one new column of three loads per output), the
 * nine weights held as int16 pairs (SMLABB/SMLABT pick a half, so five registers hold them), and the
 * requantization constants prepared once per channel (mcunas_rq_fast where the accumulator bound allows).
 * Output rows whose window leaves the plane vertically, and the columns near the left and right edges,
 * take the general path with the offset added per term.
 */
#include "mcunas_kernels.h"
#include "requant.h"

typedef struct {
    const int8_t *plane; /* the channel's input plane */
    int32_t step;        /* bytes between horizontally adjacent pixels of the plane */
    int32_t h, w;
} plane_view;

#if defined(__GNUC__)
#define MCUNAS_NOINLINE __attribute__((noinline))
#else
#define MCUNAS_NOINLINE
#endif

/* Everything a channel's outputs need, prepared once per channel. */
typedef struct {
    int32_t bias, start; /* start = bias + input offset x weight sum */
    mcunas_rq rq;
    int fast;            /* every accumulator of the channel may take mcunas_rq_fast */
} channel_consts;

/* sum over the window's part inside the plane, the offset added per term (border pixels): the window
   clipped to the plane once, then no per-tap checks. */
static int32_t window_border(const plane_view *v, const int8_t *wc, int32_t iy, int32_t ix, int32_t kh, int32_t kw, int32_t offset)
{
    const int32_t y0 = iy < 0 ? -iy : 0, y1 = iy + kh > v->h ? v->h - iy : kh;
    const int32_t x0 = ix < 0 ? -ix : 0, x1 = ix + kw > v->w ? v->w - ix : kw;
    int32_t acc = 0;
    for (int32_t ky = y0; ky < y1; ky++) {
        const int8_t *row = v->plane + ((iy + ky) * v->w + ix + x0) * v->step;
        const int8_t *w = wc + ky * kw + x0;
        for (int32_t kx = 0; kx < x1 - x0; kx++) acc += w[kx] * (row[kx * v->step] + offset);
    }
    return acc;
}

/* A dilated window (taps dilation apart), the offset added per term and taps outside the plane skipped. */
static int32_t window_dilated(const plane_view *v, const int8_t *wc, int32_t iy, int32_t ix, int32_t kh, int32_t kw,
                              const mcunas_conv_params *p)
{
    int32_t acc = 0;
    for (int32_t ky = 0; ky < kh; ky++) {
        const int32_t y = iy + ky * p->dilation_h;
        if (y < 0 || y >= v->h) continue;
        const int8_t *row = v->plane + y * v->w * v->step;
        for (int32_t kx = 0; kx < kw; kx++) {
            const int32_t x = ix + kx * p->dilation_w;
            if (x >= 0 && x < v->w) acc += wc[ky * kw + kx] * (row[x * v->step] + p->input_offset);
        }
    }
    return acc;
}

/* sum of raw products over a window fully inside the plane; kh, kw literals after inlining. */
MCUNAS_INLINE int32_t window_inside(const plane_view *v, const int8_t *wc, int32_t iy, int32_t ix, int32_t kh, int32_t kw)
{
    int32_t acc = 0;
    for (int32_t ky = 0; ky < kh; ky++) {
        const int8_t *row = v->plane + ((iy + ky) * v->w + ix) * v->step;
        for (int32_t kx = 0; kx < kw; kx++) acc += wc[ky * kw + kx] * row[kx * v->step];
    }
    return acc;
}

MCUNAS_INLINE int8_t finish_inline(int32_t acc, const channel_consts *k, const mcunas_conv_params *p)
{
    const int32_t q = k->fast ? mcunas_rq_fast(acc, &k->rq) : mcunas_rq_apply(acc, &k->rq);
    return mcunas_finish(q + p->output_offset, p->act_min, p->act_max, p->lut);
}

/* Border outputs: out of line (they are few; the code is not repeated per kernel size). */
static MCUNAS_NOINLINE int8_t finish(int32_t acc, const channel_consts *k, const mcunas_conv_params *p)
{
    return finish_inline(acc, k, p);
}

/* One output row's outputs in [ox0, ox1) whose windows lie inside the plane, general window size. */
MCUNAS_INLINE void row_inside(const plane_view *v, const int8_t *wc, int32_t iy, int32_t ox0, int32_t ox1, int8_t *o, int32_t ostep,
                              const channel_consts *k, const mcunas_conv_params *p, int32_t kh, int32_t kw)
{
    for (int32_t ox = ox0; ox < ox1; ox++)
        o[ox * ostep] = finish_inline(k->start + window_inside(v, wc, iy, ox * p->stride_w - p->pad_left, kh, kw), k, p);
}

#if defined(__ARM_FEATURE_DSP)
#define MAC_B(x, w, acc) __smlabb((x), (w), (acc))
#define MAC_T(x, w, acc) __smlabt((x), (w), (acc))
#else
#define MAC_B(x, w, acc) ((acc) + (x) * (int16_t)(uint16_t)((uint32_t)(w) & 0xffffu))
#define MAC_T(x, w, acc) ((acc) + (x) * (int16_t)(uint16_t)((uint32_t)(w) >> 16))
#endif

/* Two weights as one int16 pair (bottom: a). */
MCUNAS_INLINE int32_t pair(int32_t a, int32_t b) { return (int32_t)(((uint32_t)(uint16_t)b << 16) | (uint16_t)a); }

/*
 * One output row of a 3x3 depthwise channel, walked column by column: each input column (three loads)
 * feeds every output whose window contains it, as its first, second or third column, so only the partial
 * sums of the outputs in flight are carried, not the window. Padding costs nothing extra: a column outside
 * the plane is three copies of the zero point (raw x = -input offset, i.e. x + offset = 0), and a window
 * row outside the plane has its weights zeroed and its share of the folded offset removed from `start`.
 * Requantization with the offset folded in (mcunas_rq_folded: the channel's accumulators are bounded).
 */
typedef struct {
    const int8_t *row;     /* column 0 of a valid row of the window; loads at row + col*s (+ d1, + d2) */
    int32_t d1, d2;        /* offsets of the window's rows 1 and 2 from `row` (0 for a padded row) */
    int32_t s, w;          /* step between columns, plane width */
    int32_t col;           /* the first window column of the first output (may be < 0) */
    int32_t count;         /* outputs */
    int32_t p0, p1, p2, p3, p4; /* weights (w00,w01) (w02,w10) (w11,w12) (w20,w21) (w22): by the column role they meet */
    int32_t start, zp;
    int32_t multiplier, nudge_offset, right, lo, hi;
    int8_t *out;
    int32_t ostep;
    const int8_t *lut;
} walk3;

#define FIRST(acc, x0, x1, x2) acc = MAC_B(x2, p3, MAC_T(x1, p1, MAC_B(x0, p0, acc)))
#define SECOND(acc, x0, x1, x2) acc = MAC_T(x2, p3, MAC_B(x1, p2, MAC_T(x0, p0, acc)))
#define THIRD(acc, x0, x1, x2) acc = MAC_B(x2, p4, MAC_T(x1, p2, MAC_B(x0, p1, acc)))
#define FETCH_CHECKED(k)                                                  \
    do {                                                                  \
        if ((uint32_t)(k) < (uint32_t)w) {                                \
            const int8_t *q_ = row + (k) * s;                             \
            x0 = q_[0], x1 = q_[d1], x2 = q_[d2];                         \
        } else                                                            \
            x0 = x1 = x2 = zp;                                            \
    } while (0)
#define FETCH(q)                                                          \
    do {                                                                  \
        x0 = (q)[0], x1 = (q)[d1], x2 = (q)[d2];                          \
        (q) += s;                                                         \
    } while (0)
#define STORE(acc)                                                        \
    do {                                                                  \
        int32_t v_ = mcunas_rq_folded((acc), mult, nudge, right);         \
        v_ = v_ < lo ? lo : v_;                                           \
        v_ = v_ > hi ? hi : v_;                                           \
        *out = lut ? lut[v_ + 128] : (int8_t)v_;                          \
        out += ostep;                                                     \
    } while (0)
/* One output of the stride-1 walk: a column fetched (its third for P, second for Q, first for the next). */
#define STEP_S1(fetch)           \
    do {                         \
        fetch;                   \
        THIRD(P, x0, x1, x2);    \
        STORE(P);                \
        P = Q;                   \
        SECOND(P, x0, x1, x2);   \
        Q = start;               \
        FIRST(Q, x0, x1, x2);    \
    } while (0)
/* One output of the stride-2 walk: two columns fetched, the first ending P, the second Q's second column. */
#define STEP_S2(fetch_a, fetch_b) \
    do {                          \
        fetch_a;                  \
        P = Q;                    \
        THIRD(P, x0, x1, x2);     \
        STORE(P);                 \
        Q = start;                \
        FIRST(Q, x0, x1, x2);     \
        fetch_b;                  \
        SECOND(Q, x0, x1, x2);    \
    } while (0)
#define WALK_LOCALS(a)                                                                                        \
    const int8_t *const row = (a)->row;                                                                       \
    const int32_t d1 = (a)->d1, d2 = (a)->d2, s = (a)->s, w = (a)->w, n = (a)->count;                         \
    const int32_t p0 = (a)->p0, p1 = (a)->p1, p2 = (a)->p2, p3 = (a)->p3, p4 = (a)->p4;                       \
    const int32_t start = (a)->start, zp = (a)->zp;                                                           \
    const int32_t mult = (a)->multiplier, nudge = (a)->nudge_offset, right = (a)->right, lo = (a)->lo, hi = (a)->hi; \
    const int32_t ostep = (a)->ostep;                                                                         \
    int8_t *out = (a)->out;                                                                                   \
    int32_t k = (a)->col, x0, x1, x2

MCUNAS_INLINE void walk3_s1(const walk3 *a, const int8_t *lut)
{
    WALK_LOCALS(a);
    int32_t P, Q = start;
    FETCH_CHECKED(k);
    FIRST(Q, x0, x1, x2);
    k++;
    FETCH_CHECKED(k);
    P = Q;
    SECOND(P, x0, x1, x2);
    Q = start;
    FIRST(Q, x0, x1, x2);
    k++;
    /* Output i ends with column k + i: inside the plane for i < w - k. */
    int32_t i = 0;
    for (; i < n && k + i < 0; i++) {
        STEP_S1(FETCH_CHECKED(k + i));
    }
    const int32_t inner = w - k < n ? w - k : n;
    const int8_t *q = row + (k + i) * s;
    for (; i < inner; i++) {
        STEP_S1(FETCH(q));
    }
    for (; i < n; i++) {
        STEP_S1(FETCH_CHECKED(k + i));
    }
}

MCUNAS_INLINE void walk3_s2(const walk3 *a, const int8_t *lut)
{
    WALK_LOCALS(a);
    int32_t P, Q = start;
    FETCH_CHECKED(k);
    FIRST(Q, x0, x1, x2);
    k++;
    FETCH_CHECKED(k);
    SECOND(Q, x0, x1, x2);
    k++;
    /* Output i ends with column k + 2i and the next output's second column is k + 2i + 1. */
    int32_t i = 0;
    for (; i < n && (k + 2 * i < 0 || k + 2 * i + 1 >= w); i++) {
        STEP_S2(FETCH_CHECKED(k + 2 * i), FETCH_CHECKED(k + 2 * i + 1));
    }
    int32_t inner = (w - 1 - k) / 2;
    inner = inner < n ? inner : n;
    const int8_t *q = row + (k + 2 * i) * s;
    for (; i < inner; i++) {
        STEP_S2(FETCH(q), FETCH(q));
    }
    for (; i < n; i++) {
        STEP_S2(FETCH_CHECKED(k + 2 * i), FETCH_CHECKED(k + 2 * i + 1));
    }
}
#undef FIRST
#undef SECOND
#undef THIRD
#undef FETCH_CHECKED
#undef FETCH
#undef STORE
#undef STEP_S1
#undef STEP_S2
#undef WALK_LOCALS

/* Out of line, so each loop gets the whole register file. Layers with a fused table take the general path. */
static MCUNAS_NOINLINE void walk3_s1_plain(const walk3 *a) { walk3_s1(a, 0); }
static MCUNAS_NOINLINE void walk3_s2_plain(const walk3 *a) { walk3_s2(a, 0); }

/* The 3x3 walk for every output row of a channel; false where it does not apply (the general path then runs). */
static int channel_3x3(const plane_view *v, const int8_t *wc, int32_t bias, const mcunas_rq *rq, int8_t *out, mcunas_shape os,
                       const mcunas_conv_params *p, int32_t c)
{
    if (!mcunas_rq_folds(rq) || (p->stride_w != 1 && p->stride_w != 2)) return 0;
    walk3 a;
    a.s = v->step;
    a.w = v->w;
    a.col = -p->pad_left;
    a.count = os.w;
    a.zp = -p->input_offset;
    a.multiplier = rq->multiplier;
    a.nudge_offset = mcunas_rq_nudge_offset(rq, p->output_offset);
    a.right = rq->right;
    a.lo = p->act_min;
    a.hi = p->act_max;
    a.ostep = os.c;
    a.lut = p->lut;
    const int32_t rs = v->w * v->step;
    int32_t prev = -1, first = 0;
    for (int32_t oy = 0; oy < os.h; oy++) {
        const int32_t iy = oy * p->stride_h - p->pad_top;
        /* Which window rows lie inside the plane: the weights and start change only when this does. */
        const int32_t mask = (iy >= 0 && iy < v->h) | (iy + 1 >= 0 && iy + 1 < v->h) << 1 | (iy + 2 >= 0 && iy + 2 < v->h) << 2;
        a.out = out + oy * os.w * os.c + c;
        if (mask == 0) {
            /* Every window row is padding: the bias alone. */
            const int32_t q = mcunas_rq_apply(bias, rq) + p->output_offset;
            for (int32_t ox = 0; ox < os.w; ox++) a.out[ox * os.c] = mcunas_finish(q, p->act_min, p->act_max, p->lut);
            continue;
        }
        if (mask != prev) {
            prev = mask;
            first = mask & 1 ? 0 : mask & 2 ? 1 : 2;
            int32_t wk[9], wsum = 0;
            for (int32_t i = 0; i < 9; i++) {
                wk[i] = mask >> (i / 3) & 1 ? wc[i] : 0;
                wsum += wk[i];
            }
            a.d1 = mask & 2 ? (1 - first) * rs : 0;
            a.d2 = mask & 4 ? (2 - first) * rs : 0;
            a.p0 = pair(wk[0], wk[1]);
            a.p1 = pair(wk[2], wk[3]);
            a.p2 = pair(wk[4], wk[5]);
            a.p3 = pair(wk[6], wk[7]);
            a.p4 = wk[8];
            a.start = bias + wsum * p->input_offset;
        }
        a.row = v->plane + (iy + first) * rs;
        if (p->stride_w == 1) walk3_s1_plain(&a);
        else walk3_s2_plain(&a);
    }
    return 1;
}

#if defined(MCUNAS_DSP)
/*
 * Four channels at a time on the NHWC tensor (DSP cores; not in place, no dilation, windows up to 7x7).
 * One word load brings a tap's four channels; SXTAB16 widens bytes 0,2 and 1,3 with the input offset
 * added (so a padded tap is simply skipped and the accumulators start at the bias), and SMLABB/SMLATT
 * multiply each lane by its channel's weight. The group's weights are copied once per group into int16
 * pairs in the same lane order, on the stack, with the requantization constants beside them. Output
 * pixels whose window lies inside the input take a loop unrolled for 3x3, 5x5 and 7x7; the others run
 * the window clipped to the input. This beats the per-channel plane walk where planes are small (per-row
 * and per-channel set-up) and on strided layers.
 */
#if defined(__ARM_FEATURE_DSP)
#define SMLABB(a, b, c) __smlabb((a), (b), (c))
#define SMLATT(a, b, c) __smlatt((a), (b), (c))
#else
#define SMLABB(a, b, c) ((int32_t)((uint32_t)(c) + (uint32_t)(mcunas_lo16(a) * mcunas_lo16(b))))
#define SMLATT(a, b, c) ((int32_t)((uint32_t)(c) + (uint32_t)(mcunas_hi16(a) * mcunas_hi16(b))))
#endif

#define G4_MAX_TAPS 49

typedef struct {
    int32_t bias[4];
    int32_t start[4];                   /* bias + input offset x weight sum: a window fully inside needs no offset */
    int32_t mult[4], nudge[4], right[4]; /* folded requantization (fast groups) */
    int32_t shift[4];                   /* the general requantization (other groups) */
    uint64_t wp64[]; /* per tap: (w_c0, w_c2) low word, (w_c1, w_c3) high word; as many as the frame holds */
} group4;

typedef struct {
    const int8_t *in;
    int8_t *out;
    int32_t C, H, W, OH, OW, kh, kw, sh, sw, pt, pl;
    int32_t off2;          /* the input offset in both halfwords */
    int32_t oxa, oxb;      /* output columns whose window lies inside horizontally */
    int32_t hp, wp;        /* small inputs: the padded extent of the group's copy (0: no copy) */
    const mcunas_conv_params *p;
} geom4;

/* Small inputs: the group's four channels copied, padded with the zero point, into hp x wp words. */
/* Words of the padded copy per variant (the frame holds the copy and the group's weights: kept near 1 KB). */
#define G4_PAD_3x3 100
#define G4_PAD_5x5 100
#define G4_PAD_7x7 1 /* no copy: the 7x7 weights fill the frame */
#define G4_PAD_ANY 49

/* A tap's two weight words in one LDRD (GCC splits 64-bit loads into two LDRs on these cores). */
MCUNAS_INLINE void load_pair(const uint64_t *p, int32_t *lo, int32_t *hi)
{
#if defined(__ARM_FEATURE_DSP)
    __asm__("ldrd %0, %1, %2" : "=r"(*lo), "=r"(*hi) : "m"(*p));
#else
    *lo = (int32_t)(uint32_t)*p;
    *hi = (int32_t)(uint32_t)(*p >> 32);
#endif
}

#if defined(__ARM_FEATURE_DSP)
/*
 * One tap of a window fully inside, as one asm block: the word at q + {0, C, 2C} (form 0, 1, 2), its
 * bytes widened in lane order, the tap's two weight words (one LDRD), four single multiply-accumulates.
 * Kept whole so that the compiler does not hoist every load of the window ahead (it then spills).
 */
#define TAP4_ASM(LOADFMT, Q_, C_, W_)                                                                         \
    do {                                                                                                  \
        int32_t x_, xe_, we_, wo_;                                                                        \
        __asm__(LOADFMT "\n\t"                                                                            \
                "ldrd %[we], %[wo], %[w]\n\t"                                                       \
                "sxtb16 %[xe], %[x]\n\t"                                                                \
                "sxtb16 %[x], %[x], ror #8\n\t"                                                         \
                "smlabb %[a0], %[xe], %[we], %[a0]\n\t"                                                 \
                "smlatt %[a2], %[xe], %[we], %[a2]\n\t"                                                 \
                "smlabb %[a1], %[x], %[wo], %[a1]\n\t"                                                  \
                "smlatt %[a3], %[x], %[wo], %[a3]"                                                      \
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "=&r"(x_), [xe] "=&r"(xe_), \
                  [we] "=&r"(we_), [wo] "=&r"(wo_)                                                        \
                : [q] "r"(Q_), [c] "r"(C_), [w] "m"(*(W_)));                                                 \
    } while (0)
#define TAP4_FORM(form, Q_, C_, t)                                                                         \
    do {                                                                                                  \
        if ((form) == 0) TAP4_ASM("ldr %[x], [%[q]]", Q_, C_, &g->wp64[(t)]);                              \
        else if ((form) == 1) TAP4_ASM("ldr %[x], [%[q], %[c]]", Q_, C_, &g->wp64[(t)]);                   \
        else TAP4_ASM("ldr %[x], [%[q], %[c], lsl #1]", Q_, C_, &g->wp64[(t)]);                            \
    } while (0)
#endif

/* One tap's four channels into the accumulators, the offset folded into the start. */
#define TAP4_RAW(x, t)                                              \
    do {                                                            \
        const int32_t xe_ = __sxtb16((x));                          \
        const int32_t xo_ = mcunas_sxtb16_ror8((x));                \
        int32_t we_, wo_;                                           \
        load_pair(&g->wp64[(t)], &we_, &wo_);                       \
        a0 = SMLABB(xe_, we_, a0);                                  \
        a2 = SMLATT(xe_, we_, a2);                                  \
        a1 = SMLABB(xo_, wo_, a1);                                  \
        a3 = SMLATT(xo_, wo_, a3);                                  \
    } while (0)

/* One tap's four channels into the accumulators. */
#define TAP4(x, t)                                                  \
    do {                                                            \
        const int32_t xe_ = __sxtab16(off2, (x));                   \
        const int32_t xo_ = mcunas_sxtab16_ror8(off2, (x));         \
        const int32_t we_ = (int32_t)(uint32_t)g->wp64[(t)];        \
        const int32_t wo_ = (int32_t)(uint32_t)(g->wp64[(t)] >> 32); \
        a0 = SMLABB(xe_, we_, a0);                                  \
        a2 = SMLATT(xe_, we_, a2);                                  \
        a1 = SMLABB(xo_, wo_, a1);                                  \
        a3 = SMLATT(xo_, wo_, a3);                                  \
    } while (0)

/* The window at input row iy, column ix clipped to the input (only taps inside are addressed). */
static MCUNAS_NOINLINE void window4_clipped(const group4 *g, const geom4 *d, const int8_t *in, int32_t iy, int32_t ix, int32_t *acc)
{
    const int32_t off2 = d->off2, C = d->C, WC = d->W * d->C, kw = d->kw;
    const int32_t ky0 = iy < 0 ? -iy : 0, ky1 = iy + d->kh > d->H ? d->H - iy : d->kh;
    const int32_t kx0 = ix < 0 ? -ix : 0, kx1 = ix + kw > d->W ? d->W - ix : kw;
    int32_t a0 = g->bias[0], a1 = g->bias[1], a2 = g->bias[2], a3 = g->bias[3];
    for (int32_t ky = ky0; ky < ky1; ky++) {
        const int8_t *q = in + (iy + ky) * WC + (ix + kx0) * C;
        for (int32_t kx = kx0; kx < kx1; kx++, q += C) {
            const int32_t x = mcunas_read4(q);
            TAP4(x, ky * kw + kx);
        }
    }
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}

MCUNAS_INLINE int32_t clamp(int32_t v, int32_t lo, int32_t hi)
{
    v = v < lo ? lo : v;
    return v > hi ? hi : v;
}

/*
 * Where a group's output pixels go, in order (pixel L of the group at out + L x C). In place, output pixel L
 * overwrites input pixel L, which later outputs may still read: each output is then held back in a ring of
 * D pixels (in the scratch) and written D pixels later, once no output left to compute reads it.
 */
typedef struct {
    int8_t *ring; /* D words */
    int32_t D, slot, n;
    int8_t *dp;   /* where the next pixel is written */
    int32_t C;
} sink4;

MCUNAS_INLINE void emit4(sink4 *k, uint32_t v)
{
    if (k->D) {
        uint32_t old;
        int8_t *const at = k->ring + 4 * k->slot;
        memcpy(&old, at, 4);
        memcpy(at, &v, 4);
        if (++k->slot == k->D) k->slot = 0;
        if (k->n++ < k->D) return;
        v = old;
    }
    memcpy(k->dp, &v, 4);
    k->dp += k->C;
}

/* A run of output pixels (four packed channels each), in order. */
static void emit4_run(sink4 *k, const uint32_t *v, int32_t n)
{
    if (!k->D) {
        int8_t *dp = k->dp;
        const int32_t C = k->C;
        for (int32_t i = 0; i < n; i++, dp += C) memcpy(dp, &v[i], 4);
        k->dp = dp;
        return;
    }
    for (int32_t i = 0; i < n; i++) emit4(k, v[i]);
}

static void flush4(sink4 *k)
{
    const int32_t count = k->n < k->D ? k->n : k->D;
    int32_t slot = k->n < k->D ? 0 : k->slot;
    for (int32_t i = 0; i < count; i++) {
        memcpy(k->dp, k->ring + 4 * slot, 4);
        k->dp += k->C;
        if (++slot == k->D) slot = 0;
    }
}

MCUNAS_INLINE uint32_t pack4(int32_t b0, int32_t b1, int32_t b2, int32_t b3)
{
    return (uint32_t)(uint8_t)b0 | (uint32_t)(uint8_t)b1 << 8 | (uint32_t)(uint8_t)b2 << 16 | (uint32_t)(uint8_t)b3 << 24;
}

/* Saturate to int8, four values packed into a word, each byte clamped to [lo, hi] (lo4, hi4: the bounds in every byte). */
#if defined(__ARM_FEATURE_DSP)
MCUNAS_INLINE uint32_t pack4_clamp(int32_t b0, int32_t b1, int32_t b2, int32_t b3, uint32_t lo4, uint32_t hi4)
{
    uint32_t v = (uint32_t)__ssat(b0, 8), t;
    __asm__("bfi %0, %1, #8, #8" : "+r"(v) : "r"(__ssat(b1, 8)));
    __asm__("bfi %0, %1, #16, #8" : "+r"(v) : "r"(__ssat(b2, 8)));
    __asm__("bfi %0, %1, #24, #8" : "+r"(v) : "r"(__ssat(b3, 8)));
    __asm__("ssub8 %1, %0, %2\n\tsel %0, %0, %2" : "+r"(v), "=&r"(t) : "r"(lo4) : "cc");
    __asm__("ssub8 %1, %2, %0\n\tsel %0, %0, %2" : "+r"(v), "=&r"(t) : "r"(hi4) : "cc");
    return v;
}
#else
MCUNAS_INLINE uint32_t pack4_clamp(int32_t b0, int32_t b1, int32_t b2, int32_t b3, uint32_t lo4, uint32_t hi4)
{
    const int32_t lo = (int8_t)(lo4 & 0xffu), hi = (int8_t)(hi4 & 0xffu);
    return pack4(clamp(b0, lo, hi), clamp(b1, lo, hi), clamp(b2, lo, hi), clamp(b3, lo, hi));
}
#endif

#define STORE4_FAST(dst)                                                                                  \
    (dst) = pack4_clamp(mcunas_rq_folded(a0, g->mult[0], g->nudge[0], g->right[0]),                       \
                        mcunas_rq_folded(a1, g->mult[1], g->nudge[1], g->right[1]),                       \
                        mcunas_rq_folded(a2, g->mult[2], g->nudge[2], g->right[2]),                       \
                        mcunas_rq_folded(a3, g->mult[3], g->nudge[3], g->right[3]), lo4, hi4)

#define G4_CHUNK 32

/* Every output of a fast group (every channel folds, no table); KH, KW literals after inlining (0: any). */
MCUNAS_INLINE void group4_fast(const group4 *g, const geom4 *d, sink4 *k, const int8_t *in, int32_t KH, int32_t KW)
{
    const int32_t C = d->C, WC = d->W * d->C, kh = KH ? KH : d->kh, kw = KW ? KW : d->kw;
    const uint32_t lo4 = (uint32_t)0x01010101u * (uint8_t)d->p->act_min, hi4 = (uint32_t)0x01010101u * (uint8_t)d->p->act_max;
    const int32_t sC = d->sw * C;
    uint32_t buf[G4_CHUNK];
    for (int32_t oy = 0; oy < d->OH; oy++) {
        const int32_t iy = oy * d->sh - d->pt;
        const int full = iy >= 0 && iy + kh <= d->H;
        for (int32_t x0 = 0; x0 < d->OW; x0 += G4_CHUNK) {
            const int32_t x1 = x0 + G4_CHUNK < d->OW ? x0 + G4_CHUNK : d->OW;
            int32_t xa = full ? d->oxa : x1, xb = full ? d->oxb : x1;
            xa = xa < x0 ? x0 : xa > x1 ? x1 : xa;
            xb = xb < xa ? xa : xb > x1 ? x1 : xb;
            uint32_t *o = buf;
            int32_t ox = x0;
            for (; ox < xa; ox++) {
                int32_t acc[4];
                window4_clipped(g, d, in, iy, ox * d->sw - d->pl, acc);
                int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
                STORE4_FAST(*o++);
            }
            const int8_t *r = in + (xa < xb ? iy * WC + (ox * d->sw - d->pl) * C : 0);
            for (; ox < xb; ox++, r += sC) {
                int32_t a0 = g->start[0], a1 = g->start[1], a2 = g->start[2], a3 = g->start[3];
                if (KH && KW) {
                    const int8_t *q = r;
#if defined(__GNUC__)
#pragma GCC unroll 7
#endif
                    for (int32_t ky = 0; ky < KH; ky++, q += WC) {
#if defined(__ARM_FEATURE_DSP)
                        /* taps kx = 3j + f at (q + 3jC) + fC */
                        const int8_t *qb = q;
#pragma GCC unroll 7
                        for (int32_t kx = 0; kx < KW; kx++) {
                            if (kx && kx % 3 == 0) qb += 3 * C;
                            TAP4_FORM(kx % 3, qb, C, ky * KW + kx);
                        }
#else
#if defined(__GNUC__)
#pragma GCC unroll 7
#endif
                        for (int32_t kx = 0; kx < KW; kx++) {
                            const int32_t x = mcunas_read4(q + kx * C);
                            TAP4_RAW(x, ky * KW + kx);
                        }
#endif
                    }
                } else {
                    const int8_t *q = r;
                    for (int32_t ky = 0; ky < kh; ky++, q += WC)
                        for (int32_t kx = 0; kx < kw; kx++) {
                            const int32_t x = mcunas_read4(q + kx * C);
                            TAP4_RAW(x, ky * kw + kx);
                        }
                }
                STORE4_FAST(*o++);
            }
            for (; ox < x1; ox++) {
                int32_t acc[4];
                window4_clipped(g, d, in, iy, ox * d->sw - d->pl, acc);
                int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
                STORE4_FAST(*o++);
            }
            emit4_run(k, buf, x1 - x0);
        }
    }
}

/* Every output of a group with a channel that does not fold, or a table: every window clipped, general requantization. */
static MCUNAS_NOINLINE void group4_general(const group4 *g, const geom4 *d, sink4 *k, const int8_t *in)
{
    const mcunas_conv_params *p = d->p;
    for (int32_t oy = 0; oy < d->OH; oy++) {
        const int32_t iy = oy * d->sh - d->pt;
        for (int32_t ox = 0; ox < d->OW; ox++) {
            int32_t acc[4];
            window4_clipped(g, d, in, iy, ox * d->sw - d->pl, acc);
            int8_t o[4];
            for (int j = 0; j < 4; j++) {
                const mcunas_rq rq = mcunas_rq_make(g->mult[j], g->shift[j]);
                o[j] = mcunas_finish(mcunas_rq_apply(acc[j], &rq) + p->output_offset, p->act_min, p->act_max, p->lut);
            }
            emit4(k, pack4(o[0], o[1], o[2], o[3]));
        }
    }
}

/* Channels [0, 4 x floor(C / 4)) four at a time; returns how many channels it did. */
/* The group of channels [c, c + 4): weights as lane pairs, starts, requantization; true if every channel folds. */
static int group4_setup(group4 *g, const int8_t *weight, const int32_t *bias, const mcunas_conv_params *p, int32_t c)
{
    const int32_t K = p->kernel_h * p->kernel_w;
    const int32_t off = p->input_offset < 0 ? -p->input_offset : p->input_offset;
    int fast = !p->lut;
    for (int32_t j = 0; j < 4; j++) {
        const int8_t *wc = weight + (c + j) * K;
        int32_t wabs = 0, wsum = 0;
        for (int32_t t = 0; t < K; t++) {
            wabs += wc[t] < 0 ? -wc[t] : wc[t];
            wsum += wc[t];
        }
        int32_t bj = bias[c + j], mj = p->multiplier[c + j], sj = p->shift[c + j];
        /* All-zero weights: the bias at every output (padded or not), an equivalent requantization that folds. */
        if (wabs == 0) mcunas_constant_channel(&bj, &mj, &sj);
        g->bias[j] = bj;
        g->start[j] = bj + wsum * p->input_offset;
        const mcunas_rq rq = mcunas_rq_make(mj, sj);
        g->mult[j] = rq.multiplier;
        g->shift[j] = sj;
        g->nudge[j] = mcunas_rq_nudge_offset(&rq, p->output_offset);
        g->right[j] = rq.right;
        /* |acc| <= |bias| + sum |w| x (128 + |offset|), whichever taps are inside. */
        const uint32_t b = bj < 0 ? 0u - (uint32_t)bj : (uint32_t)bj;
        fast = fast && mcunas_rq_folds(&rq) && b < 0x20000000u && mcunas_rq_fits(b + (uint32_t)wabs * (uint32_t)(128 + off), &rq);
    }
    const int8_t *w0 = weight + c * K;
    for (int32_t t = 0; t < K; t++) {
        g->wp64[t] = (uint64_t)(uint32_t)pair(w0[t], w0[2 * K + t]) | (uint64_t)(uint32_t)pair(w0[K + t], w0[3 * K + t]) << 32;
    }
    return fast;
}

/* One group, its constants in this frame: the loops address them from the stack pointer, which leaves a
   register free for them. */
/*
 * Small inputs (planes of a few pixels, where borders are most of the outputs): the group's four channels
 * copied into a buffer padded with the zero point (raw zero point = a term that adds nothing once the
 * offset is folded), so every window lies inside and takes the unrolled loop; in place too, since the
 * whole input of the group is copied before its outputs are written. `e` gets the copy's geometry.
 */
static void group4_pad(const geom4 *d, int32_t c, uint32_t *pad, geom4 *e)
{
    const uint32_t zp4 = (uint32_t)0x01010101u * (uint8_t)(-d->p->input_offset);
    uint32_t *q = pad;
    for (int32_t y = 0; y < d->hp; y++) {
        const int32_t iy = y - d->pt;
        const int row = iy >= 0 && iy < d->H;
        const int8_t *src = d->in + iy * d->W * d->C + c;
        for (int32_t x = 0; x < d->wp; x++) {
            const int32_t ix = x - d->pl;
            *q++ = row && ix >= 0 && ix < d->W ? (uint32_t)mcunas_read4(src + ix * d->C) : zp4;
        }
    }
    *e = *d;
    e->in = (const int8_t *)pad;
    e->C = 4, e->H = d->hp, e->W = d->wp, e->pt = 0, e->pl = 0, e->oxa = 0, e->oxb = d->OW;
}

#define GROUP4_RUN(name, KH, KW, TAPS, PAD)                                                                   \
    static MCUNAS_NOINLINE void name(const geom4 *d, sink4 *k, int32_t c, const int8_t *weight, const int32_t *bias) \
    {                                                                                                         \
        union {                                                                                               \
            group4 g;                                                                                         \
            uint64_t raw[sizeof(group4) / 8 + (TAPS)];                                                        \
        } u;                                                                                                  \
        group4 *const gp = &u.g;                                                                              \
        uint32_t pad[PAD];                                                                                    \
        geom4 e;                                                                                              \
        const geom4 *dd = d;                                                                                  \
        const int8_t *src = d->in + c;                                                                        \
        if (d->hp) {                                                                                          \
            group4_pad(d, c, pad, &e);                                                                        \
            dd = &e;                                                                                          \
            src = e.in;                                                                                       \
        }                                                                                                     \
        if (group4_setup(gp, weight, bias, d->p, c)) group4_fast(gp, dd, k, src, KH, KW);                    \
        else group4_general(gp, dd, k, src);                                                                  \
    }
GROUP4_RUN(group4_run_3x3, 3, 3, 9, G4_PAD_3x3)
GROUP4_RUN(group4_run_5x5, 5, 5, 25, G4_PAD_5x5)
GROUP4_RUN(group4_run_7x7, 7, 7, 49, G4_PAD_7x7)
GROUP4_RUN(group4_run_any, 0, 0, G4_MAX_TAPS, G4_PAD_ANY)
#undef GROUP4_RUN

/*
 * In place: the hold-back D (pixels) such that every output that reads input pixel L has an index <= L + D,
 * over the input pixels an output overwrites (L < OH x OW). Taken over rows and columns separately (a bound
 * at least the exact maximum). -1 when the ring would not fit the scratch (one input plane, H x W bytes).
 */
static int32_t holdback(mcunas_shape is, mcunas_shape os, const mcunas_conv_params *p)
{
    int32_t rowmax = INT32_MIN, colmax = INT32_MIN;
    const int32_t rows = (os.h * os.w - 1) / is.w + 1;
    for (int32_t iy = 0; iy < rows && iy < is.h; iy++) {
        /* the last output row whose window holds input row iy */
        int32_t oy = (iy + p->pad_top) / p->stride_h;
        if (oy > os.h - 1) oy = os.h - 1;
        if (oy * p->stride_h - p->pad_top + p->kernel_h <= iy) continue; /* no window holds it */
        const int32_t v = oy * os.w - iy * is.w;
        rowmax = v > rowmax ? v : rowmax;
    }
    for (int32_t ix = 0; ix < is.w; ix++) {
        int32_t ox = (ix + p->pad_left) / p->stride_w;
        if (ox > os.w - 1) ox = os.w - 1;
        if (ox * p->stride_w - p->pad_left + p->kernel_w <= ix) continue;
        const int32_t v = ox - ix;
        colmax = v > colmax ? v : colmax;
    }
    if (rowmax == INT32_MIN || colmax == INT32_MIN) return 0;
    const int32_t D = rowmax + colmax > 0 ? rowmax + colmax : 0;
    return 4 * D <= is.h * is.w ? D : -1;
}

static MCUNAS_NOINLINE int32_t depthwise_groups(const int8_t *in, mcunas_shape is, const int8_t *weight, const int32_t *bias, int8_t *out, mcunas_shape os,
                                const mcunas_conv_params *p, int8_t *scratch)
{
    const int32_t kh = p->kernel_h, kw = p->kernel_w, K = kh * kw;
    if (p->dilation_h != 1 || p->dilation_w != 1 || K > G4_MAX_TAPS || is.c < 4) return 0;
    /* The padded extent of the windows: rows -pad_top .. (OH - 1) x sh - pad_top + kh - 1, columns likewise. */
    const int32_t hp = (os.h - 1) * p->stride_h + kh, wp = (os.w - 1) * p->stride_w + kw;
    int32_t D = (const int8_t *)out == in ? holdback(is, os, p) : 0;
    /* Outputs whose window lies inside: rows and columns with ix >= 0 and ix + k <= extent. */
    int32_t ra = p->pad_top > 0 ? (p->pad_top + p->stride_h - 1) / p->stride_h : 0;
    int32_t rb = is.h - kh + p->pad_top >= 0 ? (is.h - kh + p->pad_top) / p->stride_h + 1 : 0;
    int32_t ca = p->pad_left > 0 ? (p->pad_left + p->stride_w - 1) / p->stride_w : 0;
    int32_t cb = is.w - kw + p->pad_left >= 0 ? (is.w - kw + p->pad_left) / p->stride_w + 1 : 0;
    rb = rb > os.h ? os.h : rb;
    cb = cb > os.w ? os.w : cb;
    const int32_t inside = (rb > ra ? rb - ra : 0) * (cb > ca ? cb - ca : 0), outputs = os.h * os.w;
    /* The padded copy where it fits and pays: most outputs on a border and a copy not much larger than
       the output, or in place where the hold-back ring does not fit. */
    const int32_t cap = kh == 3 && kw == 3 ? G4_PAD_3x3 : kh == 5 && kw == 5 ? G4_PAD_5x5 : kh == 7 && kw == 7 ? G4_PAD_7x7 : G4_PAD_ANY;
    const int small = hp * wp <= cap && (D < 0 || (5 * inside < 3 * outputs && hp * wp <= 2 * outputs));
    if (small) D = 0;
    if (D < 0) return 0;
    geom4 d;
    d.in = in;
    d.out = out;
    d.C = is.c, d.H = is.h, d.W = is.w, d.OH = os.h, d.OW = os.w, d.kh = kh, d.kw = kw;
    d.sh = p->stride_h, d.sw = p->stride_w, d.pt = p->pad_top, d.pl = p->pad_left;
    d.off2 = mcunas_dup16(p->input_offset);
    d.oxa = p->pad_left > 0 ? (p->pad_left + d.sw - 1) / d.sw : 0;
    d.oxb = is.w - kw + p->pad_left >= 0 ? (is.w - kw + p->pad_left) / d.sw + 1 : 0;
    if (d.oxb > os.w) d.oxb = os.w;
    if (d.oxa > d.oxb) d.oxa = d.oxb;
    d.hp = small ? hp : 0;
    d.wp = small ? wp : 0;
    d.p = p;
    const int32_t C4 = is.c & ~3;
    for (int32_t c = 0; c < C4; c += 4) {
        sink4 k = {scratch, D, 0, 0, out + c, is.c};
        if (kh == 3 && kw == 3) group4_run_3x3(&d, &k, c, weight, bias);
        else if (kh == 5 && kw == 5) group4_run_5x5(&d, &k, c, weight, bias);
        else if (kh == 7 && kw == 7) group4_run_7x7(&d, &k, c, weight, bias);
        else group4_run_any(&d, &k, c, weight, bias);
        flush4(&k);
    }
    return C4;
}
#endif

MCUNAS_INLINE void channel(const plane_view *v, const int8_t *wc, int32_t bias, int32_t c, int8_t *out, mcunas_shape os,
                           const mcunas_conv_params *p, int32_t kh, int32_t kw)
{
    int32_t wsum = 0, wabs = 0;
    for (int32_t i = 0; i < kh * kw; i++) {
        wsum += wc[i];
        wabs += wc[i] < 0 ? -wc[i] : wc[i];
    }
    channel_consts k;
    k.bias = bias;
    k.start = bias + wsum * p->input_offset;
    k.rq = mcunas_rq_make(p->multiplier[c], p->shift[c]);
    /* |acc| <= |bias| + sum |w| x (128 + |offset|), whichever taps are inside. */
    const int32_t off = p->input_offset < 0 ? -p->input_offset : p->input_offset;
    const uint32_t b = bias < 0 ? 0u - (uint32_t)bias : (uint32_t)bias;
    k.fast = b < 0x20000000u && mcunas_rq_fits(b + (uint32_t)wabs * (uint32_t)(128 + off), &k.rq);
    if (p->dilation_h != 1 || p->dilation_w != 1) {
        /* Dilated layers (rare in the models this tool makes): one clipped window per output. */
        for (int32_t oy = 0; oy < os.h; oy++)
            for (int32_t ox = 0; ox < os.w; ox++)
                out[(oy * os.w + ox) * os.c + c] =
                    finish(bias + window_dilated(v, wc, oy * p->stride_h - p->pad_top, ox * p->stride_w - p->pad_left, kh, kw, p), &k, p);
        return;
    }
    if (kh == 3 && kw == 3 && k.fast && !p->lut && channel_3x3(v, wc, bias, &k.rq, out, os, p, c)) return;
    /* Output columns whose window lies inside horizontally: ix >= 0 and ix + kw <= w. */
    const int32_t sw = p->stride_w;
    int32_t ox0 = p->pad_left > 0 ? (p->pad_left + sw - 1) / sw : 0;
    int32_t ox1 = v->w - kw + p->pad_left >= 0 ? (v->w - kw + p->pad_left) / sw + 1 : 0;
    if (ox1 > os.w) ox1 = os.w;
    if (ox0 > ox1) ox0 = ox1;
    const int32_t ostep = os.c;
    for (int32_t oy = 0; oy < os.h; oy++) {
        const int32_t iy = oy * p->stride_h - p->pad_top;
        int8_t *o = out + oy * os.w * ostep + c;
        const int rows_inside = iy >= 0 && iy + kh <= v->h;
        const int32_t a = rows_inside ? ox0 : os.w, e = rows_inside ? ox1 : os.w;
        for (int32_t ox = 0; ox < a; ox++)
            o[ox * ostep] = finish(bias + window_border(v, wc, iy, ox * sw - p->pad_left, kh, kw, p->input_offset), &k, p);
        row_inside(v, wc, iy, a, e, o, ostep, &k, p, kh, kw);
        for (int32_t ox = e; ox < os.w; ox++)
            o[ox * ostep] = finish(bias + window_border(v, wc, iy, ox * sw - p->pad_left, kh, kw, p->input_offset), &k, p);
    }
}

/* Channels [c0, C) one plane at a time (out of line: its frame is not stacked under the group path's). */
static MCUNAS_NOINLINE void depthwise_planes(const int8_t *in, mcunas_shape in_shape, const int8_t *weight, const int32_t *bias,
                                             int8_t *out, mcunas_shape out_shape, const mcunas_conv_params *p, int8_t *scratch, int32_t c0)
{
    const int32_t C = in_shape.c, kh = p->kernel_h, kw = p->kernel_w;
    const int32_t plane_size = in_shape.h * in_shape.w;
    const int in_place = (const int8_t *)out == in;
    for (int32_t c = c0; c < C; c++) {
        plane_view v = {in + c, C, in_shape.h, in_shape.w};
        if (in_place) {
            /* Save channel c before its outputs overwrite channel-c slots of the shared buffer. */
            for (int32_t i = 0; i < plane_size; i++) scratch[i] = in[i * C + c];
            v.plane = scratch;
            v.step = 1;
        }
        const int8_t *wc = weight + c * kh * kw;
        if (kh == 3 && kw == 3) channel(&v, wc, bias[c], c, out, out_shape, p, 3, 3);
        else if (kh == 5 && kw == 5) channel(&v, wc, bias[c], c, out, out_shape, p, 5, 5);
        else if (kh == 7 && kw == 7) channel(&v, wc, bias[c], c, out, out_shape, p, 7, 7);
        else channel(&v, wc, bias[c], c, out, out_shape, p, kh, kw);
    }
}

void mcunas_depthwise_s8(const int8_t *in, mcunas_shape in_shape, const int8_t *weight, const int32_t *bias,
                         int8_t *out, mcunas_shape out_shape, const mcunas_conv_params *p, int8_t *scratch)
{
    int32_t c = 0;
#if defined(MCUNAS_DSP)
    c = depthwise_groups(in, in_shape, weight, bias, out, out_shape, p, scratch);
#endif
    if (c < in_shape.c) depthwise_planes(in, in_shape, weight, bias, out, out_shape, p, scratch, c);
}
