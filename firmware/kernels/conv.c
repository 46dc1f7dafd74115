/*
 * Any convolution (groups allowed): gathers each output pixel's window into an int16 column with the input
 * offset added (padding positions are 0, i.e. contribute nothing, as in TFLite), two pixels at a time so
 * each weight load serves two outputs. With DSP the column holds each group of 4 values in the order
 * (0, 2, 1, 3): SXTB16 on 4 weight bytes yields the pairs (w0, w2) and (w1, w3), which then meet their
 * inputs in one SMLAD each. The scratch layout is the planner's (src/schedule/scratch.ts: own conv2d).
 */
#include "mcunas_kernels.h"
#include "requant.h"

static int32_t round_up4(int32_t n) { return (n + 3) & ~3; }

int32_t mcunas_conv_s8_scratch_bytes(int32_t kernel_h, int32_t kernel_w, int32_t in_c)
{
    return 2 * round_up4(kernel_h * kernel_w * in_c) * (int32_t)sizeof(int16_t);
}

/* The window of output pixel (oy, ox) for one group, cpg channels per tap, into col[0..k). */
static void im2col(const int8_t *in, mcunas_shape s, int32_t oy, int32_t ox, int32_t c0, int32_t cpg,
                   const mcunas_conv_params *p, int16_t *col)
{
    int32_t k = 0;
    for (int32_t ky = 0; ky < p->kernel_h; ky++) {
        const int32_t iy = oy * p->stride_h - p->pad_top + ky;
        for (int32_t kx = 0; kx < p->kernel_w; kx++) {
            const int32_t ix = ox * p->stride_w - p->pad_left + kx;
            if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) {
                for (int32_t i = 0; i < cpg; i++) col[k++] = 0;
            } else {
                const int8_t *x = in + (iy * s.w + ix) * s.c + c0;
                for (int32_t i = 0; i < cpg; i++) col[k++] = (int16_t)(x[i] + p->input_offset);
            }
        }
    }
#if defined(MCUNAS_DSP)
    /* Reorder each full group of 4 to (0, 2, 1, 3) to meet SXTB16's weight pairs. */
    for (int32_t i = 0; i + 4 <= k; i += 4) {
        const int16_t t = col[i + 1];
        col[i + 1] = col[i + 2];
        col[i + 2] = t;
    }
#endif
}

/* acc0 += w . col0 and acc1 += w . col1 over k terms. */
MCUNAS_INLINE void dot_cols(const int8_t *w, const int16_t *col0, const int16_t *col1, int32_t k, int32_t *acc0, int32_t *acc1)
{
    int32_t a0 = *acc0, a1 = *acc1;
    int32_t i = 0;
#if defined(MCUNAS_DSP)
    for (; i + 4 <= k; i += 4) {
        const int32_t wv = mcunas_read4(w + i);
        const int32_t w02 = __sxtb16(wv);
        const int32_t w13 = __sxtb16(mcunas_ror8(wv));
        a0 = __smlad(w02, mcunas_read2x16(col0 + i), a0);
        a0 = __smlad(w13, mcunas_read2x16(col0 + i + 2), a0);
        a1 = __smlad(w02, mcunas_read2x16(col1 + i), a1);
        a1 = __smlad(w13, mcunas_read2x16(col1 + i + 2), a1);
    }
#endif
    for (; i < k; i++) {
        a0 += w[i] * col0[i];
        a1 += w[i] * col1[i];
    }
    *acc0 = a0;
    *acc1 = a1;
}

void mcunas_conv_s8(const int8_t *in, mcunas_shape in_shape, const int8_t *weight, const int32_t *bias,
                    int8_t *out, mcunas_shape out_shape, int32_t groups, const mcunas_conv_params *p,
                    int16_t *scratch)
{
    const int32_t cpg = in_shape.c / groups;
    const int32_t opg = out_shape.c / groups;
    const int32_t k = p->kernel_h * p->kernel_w * cpg;
    int16_t *col0 = scratch;
    int16_t *col1 = scratch + round_up4(p->kernel_h * p->kernel_w * in_shape.c);
    const int32_t pixels = out_shape.h * out_shape.w;
    for (int32_t g = 0; g < groups; g++) {
        for (int32_t px = 0; px < pixels; px += 2) {
            const int two = px + 1 < pixels;
            im2col(in, in_shape, px / out_shape.w, px % out_shape.w, g * cpg, cpg, p, col0);
            if (two) im2col(in, in_shape, (px + 1) / out_shape.w, (px + 1) % out_shape.w, g * cpg, cpg, p, col1);
            for (int32_t o = g * opg; o < (g + 1) * opg; o++) {
                int32_t acc0 = bias[o], acc1 = bias[o];
                dot_cols(weight + o * k, col0, two ? col1 : col0, k, &acc0, &acc1);
                out[px * out_shape.c + o] = mcunas_finish(mcunas_requantize(acc0, p->multiplier[o], p->shift[o]) + p->output_offset, p->act_min, p->act_max, p->lut);
                if (two) out[(px + 1) * out_shape.c + o] = mcunas_finish(mcunas_requantize(acc1, p->multiplier[o], p->shift[o]) + p->output_offset, p->act_min, p->act_max, p->lut);
            }
        }
    }
}
