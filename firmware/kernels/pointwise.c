/* 1x1 convolution (groups 1), and the fully connected layer, which is the same product on one pixel. */
#include "mcunas_kernels.h"
#include "requant.h"

/* Dot products of one input pixel with the weight rows of two output channels, (x + input_offset) per term. */
#if defined(MCUNAS_DSP)
MCUNAS_INLINE void dot2(const int8_t *x, const int8_t *w0, const int8_t *w1, int32_t n, int32_t offset, int32_t *acc0, int32_t *acc1)
{
    /* Both halfwords of off2 hold the offset; SXTAB16 adds it to sign-extended bytes 0/2 (and, rotated, 1/3). */
    const int32_t off2 = (int32_t)(((uint32_t)(uint16_t)offset << 16) | (uint16_t)offset);
    int32_t a0 = *acc0, a1 = *acc1;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const int32_t xv = mcunas_read4(x + i);
        const int32_t x02 = __sxtab16(off2, xv);
        const int32_t x13 = __sxtab16(off2, mcunas_ror8(xv));
        const int32_t v0 = mcunas_read4(w0 + i);
        const int32_t v1 = mcunas_read4(w1 + i);
        a0 = __smlad(x02, __sxtb16(v0), a0);
        a0 = __smlad(x13, __sxtb16(mcunas_ror8(v0)), a0);
        a1 = __smlad(x02, __sxtb16(v1), a1);
        a1 = __smlad(x13, __sxtb16(mcunas_ror8(v1)), a1);
    }
    for (; i < n; i++) {
        const int32_t xi = x[i] + offset;
        a0 += w0[i] * xi;
        a1 += w1[i] * xi;
    }
    *acc0 = a0;
    *acc1 = a1;
}
#else
MCUNAS_INLINE void dot2(const int8_t *x, const int8_t *w0, const int8_t *w1, int32_t n, int32_t offset, int32_t *acc0, int32_t *acc1)
{
    int32_t a0 = *acc0, a1 = *acc1;
    for (int32_t i = 0; i < n; i++) {
        const int32_t xi = x[i] + offset;
        a0 += w0[i] * xi;
        a1 += w1[i] * xi;
    }
    *acc0 = a0;
    *acc1 = a1;
}
#endif

void mcunas_pointwise_s8(const int8_t *in, mcunas_shape in_shape, const int8_t *weight, const int32_t *bias,
                         int8_t *out, mcunas_shape out_shape, const mcunas_conv_params *p)
{
    const int32_t cin = in_shape.c, cout = out_shape.c;
    for (int32_t oy = 0; oy < out_shape.h; oy++) {
        const int32_t iy = oy * p->stride_h - p->pad_top;
        for (int32_t ox = 0; ox < out_shape.w; ox++) {
            const int32_t ix = ox * p->stride_w - p->pad_left;
            /* A padded pixel (only with explicit padding) contributes nothing: bias only. */
            const int inside = iy >= 0 && iy < in_shape.h && ix >= 0 && ix < in_shape.w;
            const int8_t *x = in + (inside ? ((iy * in_shape.w + ix) * cin) : 0);
            const int32_t n = inside ? cin : 0;
            int8_t *o_px = out + (oy * out_shape.w + ox) * cout;
            int32_t o = 0;
            for (; o + 2 <= cout; o += 2) {
                int32_t acc0 = bias[o], acc1 = bias[o + 1];
                dot2(x, weight + o * cin, weight + (o + 1) * cin, n, p->input_offset, &acc0, &acc1);
                o_px[o] = mcunas_finish(mcunas_requantize(acc0, p->multiplier[o], p->shift[o]) + p->output_offset, p->act_min, p->act_max, p->lut);
                o_px[o + 1] = mcunas_finish(mcunas_requantize(acc1, p->multiplier[o + 1], p->shift[o + 1]) + p->output_offset, p->act_min, p->act_max, p->lut);
            }
            if (o < cout) {
                /* Odd channel count: the last row paired with itself. */
                int32_t acc0 = bias[o], acc1 = 0;
                dot2(x, weight + o * cin, weight + o * cin, n, p->input_offset, &acc0, &acc1);
                o_px[o] = mcunas_finish(mcunas_requantize(acc0, p->multiplier[o], p->shift[o]) + p->output_offset, p->act_min, p->act_max, p->lut);
            }
        }
    }
}
