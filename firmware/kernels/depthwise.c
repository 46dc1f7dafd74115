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
        FETCH_CHECKED(k + i);
        THIRD(P, x0, x1, x2);
        STORE(P);
        P = Q;
        SECOND(P, x0, x1, x2);
        Q = start;
        FIRST(Q, x0, x1, x2);
    }
    const int32_t inner = w - k < n ? w - k : n;
    const int8_t *q = row + (k + i) * s;
    for (; i < inner; i++) {
        FETCH(q);
        THIRD(P, x0, x1, x2);
        STORE(P);
        P = Q;
        SECOND(P, x0, x1, x2);
        Q = start;
        FIRST(Q, x0, x1, x2);
    }
    for (; i < n; i++) {
        FETCH_CHECKED(k + i);
        THIRD(P, x0, x1, x2);
        STORE(P);
        P = Q;
        SECOND(P, x0, x1, x2);
        Q = start;
        FIRST(Q, x0, x1, x2);
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
        FETCH_CHECKED(k + 2 * i);
        P = Q;
        THIRD(P, x0, x1, x2);
        STORE(P);
        Q = start;
        FIRST(Q, x0, x1, x2);
        FETCH_CHECKED(k + 2 * i + 1);
        SECOND(Q, x0, x1, x2);
    }
    int32_t inner = (w - 1 - k) / 2;
    inner = inner < n ? inner : n;
    const int8_t *q = row + (k + 2 * i) * s;
    for (; i < inner; i++) {
        FETCH(q);
        P = Q;
        THIRD(P, x0, x1, x2);
        STORE(P);
        Q = start;
        FIRST(Q, x0, x1, x2);
        FETCH(q);
        SECOND(Q, x0, x1, x2);
    }
    for (; i < n; i++) {
        FETCH_CHECKED(k + 2 * i);
        P = Q;
        THIRD(P, x0, x1, x2);
        STORE(P);
        Q = start;
        FIRST(Q, x0, x1, x2);
        FETCH_CHECKED(k + 2 * i + 1);
        SECOND(Q, x0, x1, x2);
    }
}
#undef FIRST
#undef SECOND
#undef THIRD
#undef FETCH_CHECKED
#undef FETCH
#undef STORE
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

void mcunas_depthwise_s8(const int8_t *in, mcunas_shape in_shape, const int8_t *weight, const int32_t *bias,
                         int8_t *out, mcunas_shape out_shape, const mcunas_conv_params *p, int8_t *scratch)
{
    const int32_t C = in_shape.c, kh = p->kernel_h, kw = p->kernel_w;
    const int32_t plane_size = in_shape.h * in_shape.w;
    const int in_place = (const int8_t *)out == in;
    for (int32_t c = 0; c < C; c++) {
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
