/*
 * Depthwise convolution, channel multiplier 1, one channel at a time. The channel's input plane is read
 * either straight from the NHWC input (stride C between pixels) or, in place, from a scratch copy
 * (stride 1): the planner's in-place contract (mcunas_kernels.h, src/schedule/inplace.ts). Windows fully
 * inside the input take a loop without bounds checks, with the input offset applied once through the
 * channel's weight sum; 3x3, 5x5 and 7x7 (MCUNet's kernel sizes) get loops with constant trip counts.
 */
#include "mcunas_kernels.h"
#include "requant.h"

typedef struct {
    const int8_t *plane; /* the channel's input plane */
    int32_t step;        /* bytes between horizontally adjacent pixels of the plane */
    int32_t h, w;
} plane_view;

/* sum over a window fully inside the plane; kh, kw constant after inlining where the caller passes literals. */
MCUNAS_INLINE int32_t window_inside(const plane_view *v, const int8_t *wc, int32_t iy, int32_t ix, int32_t kh, int32_t kw)
{
    int32_t acc = 0;
    for (int32_t ky = 0; ky < kh; ky++) {
        const int8_t *row = v->plane + ((iy + ky) * v->w + ix) * v->step;
        for (int32_t kx = 0; kx < kw; kx++) acc += wc[ky * kw + kx] * row[kx * v->step];
    }
    return acc;
}

/* sum over the window's part inside the plane, the offset added per term (border pixels). */
static int32_t window_border(const plane_view *v, const int8_t *wc, int32_t iy, int32_t ix, int32_t kh, int32_t kw, int32_t offset)
{
    int32_t acc = 0;
    for (int32_t ky = 0; ky < kh; ky++) {
        const int32_t y = iy + ky;
        if (y < 0 || y >= v->h) continue;
        for (int32_t kx = 0; kx < kw; kx++) {
            const int32_t x = ix + kx;
            if (x < 0 || x >= v->w) continue;
            acc += wc[ky * kw + kx] * (v->plane[(y * v->w + x) * v->step] + offset);
        }
    }
    return acc;
}

MCUNAS_INLINE void channel(const plane_view *v, const int8_t *wc, int32_t bias, int32_t c, int8_t *out, mcunas_shape os,
                           const mcunas_conv_params *p, int32_t kh, int32_t kw)
{
    int32_t wsum = 0;
    for (int32_t i = 0; i < kh * kw; i++) wsum += wc[i];
    const int32_t inner = bias + wsum * p->input_offset; /* bias plus the offset's share over a full window */
    const int32_t mult = p->multiplier[c], shift = p->shift[c];
    for (int32_t oy = 0; oy < os.h; oy++) {
        const int32_t iy = oy * p->stride_h - p->pad_top;
        const int rows_inside = iy >= 0 && iy + kh <= v->h;
        for (int32_t ox = 0; ox < os.w; ox++) {
            const int32_t ix = ox * p->stride_w - p->pad_left;
            int32_t acc;
            if (rows_inside && ix >= 0 && ix + kw <= v->w)
                acc = inner + window_inside(v, wc, iy, ix, kh, kw);
            else
                acc = bias + window_border(v, wc, iy, ix, kh, kw, p->input_offset);
            out[(oy * os.w + ox) * os.c + c] = mcunas_finish(mcunas_requantize(acc, mult, shift) + p->output_offset, p->act_min, p->act_max, p->lut);
        }
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
