/* TFLite's int8 add (reference_integer_ops::AddElementwise; CMSIS-NN arm_elementwise_add_s8 computes the same). */
#include "mcunas_kernels.h"
#include "requant.h"

void mcunas_add_s8(const int8_t *in1, const int8_t *in2, int8_t *out, int32_t pixels, int32_t channels,
                   int32_t in1_pixel_stride, int32_t in2_pixel_stride, const mcunas_add_params *p)
{
    /* Each requantization's constants prepared once (mcunas_rq_apply = mcunas_requantize for positive multipliers). */
    const mcunas_rq r1 = mcunas_rq_make(p->input1_multiplier, p->input1_shift);
    const mcunas_rq r2 = mcunas_rq_make(p->input2_multiplier, p->input2_shift);
    const mcunas_rq ro = mcunas_rq_make(p->output_multiplier, p->output_shift);
    const int32_t o1 = p->input1_offset, o2 = p->input2_offset, ls = p->left_shift;
    const int32_t offset = p->output_offset, lo = p->act_min, hi = p->act_max;
    const int8_t *const lut = p->lut;
    for (int32_t r = 0; r < pixels; r++) {
        const int8_t *a = in1 + r * in1_pixel_stride;
        const int8_t *b = in2 + r * in2_pixel_stride;
        int8_t *o = out + r * channels;
        for (int32_t c = 0; c < channels; c++) {
            /* (x + offset) is within [-255, 255], so shifting by left_shift = 20 cannot overflow. */
            const int32_t x = mcunas_rq_apply((int32_t)((uint32_t)(a[c] + o1) << ls), &r1);
            const int32_t y = mcunas_rq_apply((int32_t)((uint32_t)(b[c] + o2) << ls), &r2);
            o[c] = mcunas_finish(mcunas_rq_apply(x + y, &ro) + offset, lo, hi, lut);
        }
    }
}
