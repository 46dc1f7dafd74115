/* Average and max pooling (TFLite AVERAGE_POOL_2D / MAX_POOL_2D int8: input and output share quantization). */
#include "mcunas_kernels.h"
#include "requant.h"

/* TFLite's rounding of an average: nearest, halves away from zero (C division truncates toward zero). */
MCUNAS_INLINE int32_t rounded_average(int32_t sum, int32_t count)
{
    return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

MCUNAS_INLINE int32_t clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/*
 * Per output pixel the window is clipped to the input once; then each channel runs over the window's rows
 * and columns with pointer steps only (a 2x2 window, the common case, as four loads).
 */
MCUNAS_INLINE void pool(const int8_t *in, mcunas_shape is, int8_t *out, mcunas_shape os, const mcunas_pool_params *p, int is_max)
{
    const int32_t C = is.c, rs = is.w * C, lo = p->act_min, hi = p->act_max;
    for (int32_t oy = 0; oy < os.h; oy++) {
        const int32_t y0 = oy * p->stride_h - p->pad_top;
        const int32_t ya = y0 < 0 ? 0 : y0;
        const int32_t yb = y0 + p->kernel_h > is.h ? is.h : y0 + p->kernel_h;
        for (int32_t ox = 0; ox < os.w; ox++) {
            const int32_t x0 = ox * p->stride_w - p->pad_left;
            const int32_t xa = x0 < 0 ? 0 : x0;
            const int32_t xb = x0 + p->kernel_w > is.w ? is.w : x0 + p->kernel_w;
            const int32_t rows = yb - ya, cols = xb - xa;
            const int32_t count = rows > 0 && cols > 0 ? rows * cols : 0;
            int8_t *o = out + (oy * os.w + ox) * C;
            const int8_t *base = in + (ya * is.w + xa) * C;
            if (count == 0) {
                for (int32_t c = 0; c < C; c++) o[c] = (int8_t)clamp(is_max ? -128 : 0, lo, hi);
            } else if (rows == 2 && cols == 2) {
                for (int32_t c = 0; c < C; c++) {
                    const int32_t a = base[c], b = base[c + C], d = base[c + rs], e = base[c + rs + C];
                    int32_t v;
                    if (is_max) {
                        const int32_t m1 = a > b ? a : b, m2 = d > e ? d : e;
                        v = m1 > m2 ? m1 : m2;
                    } else
                        v = rounded_average(a + b + d + e, 4);
                    o[c] = (int8_t)clamp(v, lo, hi);
                }
            } else {
                for (int32_t c = 0; c < C; c++) {
                    int32_t acc = is_max ? -128 : 0;
                    const int8_t *row = base + c;
                    for (int32_t y = 0; y < rows; y++, row += rs) {
                        const int8_t *x = row;
                        for (int32_t k = 0; k < cols; k++, x += C) {
                            const int32_t v = *x;
                            if (is_max) acc = v > acc ? v : acc;
                            else acc += v;
                        }
                    }
                    o[c] = (int8_t)clamp(is_max ? acc : rounded_average(acc, count), lo, hi);
                }
            }
        }
    }
}

void mcunas_avgpool_s8(const int8_t *in, mcunas_shape in_shape, int8_t *out, mcunas_shape out_shape,
                       const mcunas_pool_params *p)
{
    pool(in, in_shape, out, out_shape, p, 0);
}

void mcunas_maxpool_s8(const int8_t *in, mcunas_shape in_shape, int8_t *out, mcunas_shape out_shape,
                       const mcunas_pool_params *p)
{
    pool(in, in_shape, out, out_shape, p, 1);
}

/* The sum of n values `stride` bytes apart (one channel over pixels, or along one axis). */
MCUNAS_INLINE int32_t strided_sum(const int8_t *in, int32_t n, int32_t stride)
{
    int32_t sum = 0;
    for (int32_t i = 0; i < n; i++, in += stride) sum += *in;
    return sum;
}

/*
 * Sums of channels c .. c+3 over n pixels (stride C). DSP: four channels per word, two lanes each in the
 * halfwords of two accumulators (SXTAB16), folded into 32 bits every 256 pixels, before |sum| could pass
 * 2^15. Plain C: one channel at a time.
 */
MCUNAS_INLINE void channel_sums4(const int8_t *in, int32_t n, int32_t C, int32_t sums[4])
{
#if defined(MCUNAS_DSP)
    sums[0] = sums[1] = sums[2] = sums[3] = 0;
    for (int32_t done = 0; done < n;) {
        const int32_t run = n - done > 256 ? 256 : n - done;
        int32_t even = 0, odd = 0; /* halfwords: channels 0 and 2, 1 and 3 */
        const int8_t *x = in + done * C;
        for (int32_t i = 0; i < run; i++, x += C) {
            const int32_t w = mcunas_read4(x);
            even = __sxtab16(even, w);
            odd = mcunas_sxtab16_ror8(odd, w);
        }
        sums[0] += (int16_t)(uint16_t)(uint32_t)even;
        sums[1] += (int16_t)(uint16_t)(uint32_t)odd;
        sums[2] += (int16_t)(uint16_t)((uint32_t)even >> 16);
        sums[3] += (int16_t)(uint16_t)((uint32_t)odd >> 16);
        done += run;
    }
#else
    for (int32_t k = 0; k < 4; k++) sums[k] = strided_sum(in + k, n, C);
#endif
}

void mcunas_global_avgpool_s8(const int8_t *in, mcunas_shape in_shape, int8_t *out, int32_t act_min,
                              int32_t act_max)
{
    const int32_t n = in_shape.h * in_shape.w, C = in_shape.c;
    int32_t c = 0;
    for (; c + 4 <= C; c += 4) {
        int32_t s[4];
        channel_sums4(in + c, n, C, s);
        for (int32_t k = 0; k < 4; k++) out[c + k] = (int8_t)clamp(rounded_average(s[k], n), act_min, act_max);
    }
    for (; c < C; c++) out[c] = (int8_t)clamp(rounded_average(strided_sum(in + c, n, C), n), act_min, act_max);
}

/* round(x) half away from zero for |x| < 2^30, exactly (x - trunc(x) is exact in float). */
MCUNAS_INLINE int32_t round_half_away_f(float x)
{
    const int32_t t = (int32_t)x;
    const float frac = x - (float)t;
    return frac >= 0.5f ? t + 1 : frac <= -0.5f ? t - 1 : t;
}

static int32_t mean_step(int32_t sum, int32_t count, const mcunas_mean_step *s)
{
    int32_t v;
    if (s->rounding == MCUNAS_MEAN_TRUNCATE) {
        v = sum / count;
    } else if (s->rounding == MCUNAS_MEAN_NEAREST) {
        v = rounded_average(mcunas_requantize(sum + count * s->input_offset, s->multiplier, s->shift), count) + s->output_offset;
    } else {
        const float mean = (float)sum / (float)count;
        /* volatile: the product is rounded to float before the sum, as TFLite computes it (no fused multiply-add). */
        volatile float product = mean * s->scale;
        float r = product + s->bias;
        r = r > 1e6f ? 1e6f : r < -1e6f ? -1e6f : r;
        v = round_half_away_f(r) + s->output_offset;
    }
    return clamp(v, -128, 127);
}

void mcunas_mean_s8(const int8_t *in, mcunas_shape in_shape, int8_t *out, const mcunas_mean_params *p)
{
    const int32_t H = in_shape.h, W = in_shape.w, C = in_shape.c;
    int32_t c = 0;
    if (p->axes == MCUNAS_MEAN_HW) {
        for (; c + 4 <= C; c += 4) {
            int32_t s[4];
            channel_sums4(in + c, H * W, C, s);
            for (int32_t k = 0; k < 4; k++) out[c + k] = (int8_t)clamp(mean_step(s[k], H * W, &p->step[0]), p->act_min, p->act_max);
        }
    }
    for (; c < C; c++) {
        int32_t v;
        if (p->axes == MCUNAS_MEAN_HW) {
            v = mean_step(strided_sum(in + c, H * W, C), H * W, &p->step[0]);
        } else {
            const int w_first = p->axes == MCUNAS_MEAN_W_THEN_H;
            const int32_t outer = w_first ? H : W, inner = w_first ? W : H;
            const int32_t outer_stride = w_first ? W * C : C, inner_stride = w_first ? C : W * C;
            int32_t total = 0;
            for (int32_t a = 0; a < outer; a++) {
                total += mean_step(strided_sum(in + a * outer_stride + c, inner, inner_stride), inner, &p->step[0]);
            }
            v = mean_step(total, outer, &p->step[1]);
        }
        out[c] = (int8_t)clamp(v, p->act_min, p->act_max);
    }
}
