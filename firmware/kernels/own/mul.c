/* TFLite's int8 mul (reference_integer_ops::MulElementwise); SE's channel gate is a stride-0 second input. */
#include "mcunas_kernels.h"
#include "requant.h"

/* One row of `channels` products, requantized by the general form (any multiplier, shift, table). */
static void mul_row_general(const int8_t *a, const int8_t *b, int8_t *o, int32_t channels, const mcunas_mul_params *p)
{
    for (int32_t c = 0; c < channels; c++) {
        const int32_t prod = (a[c] + p->input1_offset) * (b[c] + p->input2_offset);
        o[c] = mcunas_finish(mcunas_requantize(prod, p->output_multiplier, p->output_shift) + p->output_offset, p->act_min, p->act_max, p->lut);
    }
}

void mcunas_mul_s8(const int8_t *in1, const int8_t *in2, int8_t *out, int32_t pixels, int32_t channels,
                   int32_t in1_pixel_stride, int32_t in2_pixel_stride, const mcunas_mul_params *p)
{
    const mcunas_rq rq = mcunas_rq_make(p->output_multiplier, p->output_shift);
    /* (a + offset1) * (b + offset2): each factor within [-255, 255], so |product| < 2^16 and the
       requantization may take its short form (equal to the general one below that bound). */
    const int fast = !p->lut && p->output_multiplier != INT32_MIN && mcunas_rq_fits(65536u, &rq);
    const int32_t off1 = p->input1_offset, off2 = p->input2_offset, out_off = p->output_offset;
    const int32_t lo = p->act_min, hi = p->act_max;
    for (int32_t r = 0; r < pixels; r++) {
        const int8_t *a = in1 + r * in1_pixel_stride;
        const int8_t *b = in2 + r * in2_pixel_stride;
        int8_t *o = out + r * channels;
        if (!fast) {
            mul_row_general(a, b, o, channels, p);
            continue;
        }
        for (int32_t c = 0; c < channels; c++) {
            int32_t v = mcunas_rq_fast((a[c] + off1) * (b[c] + off2), &rq) + out_off;
            v = v < lo ? lo : v;
            o[c] = (int8_t)(v > hi ? hi : v);
        }
    }
}
