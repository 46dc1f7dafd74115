/* TFLite's int8 add (reference_integer_ops::AddElementwise; CMSIS-NN arm_elementwise_add_s8 computes the same). */
#include "mcunas_kernels.h"
#include "requant.h"

void mcunas_add_s8(const int8_t *in1, const int8_t *in2, int8_t *out, int32_t pixels, int32_t channels,
                   int32_t in1_pixel_stride, int32_t in2_pixel_stride, const mcunas_add_params *p)
{
    for (int32_t r = 0; r < pixels; r++) {
        const int8_t *a = in1 + r * in1_pixel_stride;
        const int8_t *b = in2 + r * in2_pixel_stride;
        int8_t *o = out + r * channels;
        for (int32_t c = 0; c < channels; c++) {
            /* (x + offset) is within [-255, 255], so shifting by left_shift = 20 cannot overflow. */
            const int32_t x = mcunas_requantize((int32_t)((uint32_t)(a[c] + p->input1_offset) << p->left_shift), p->input1_multiplier, p->input1_shift);
            const int32_t y = mcunas_requantize((int32_t)((uint32_t)(b[c] + p->input2_offset) << p->left_shift), p->input2_multiplier, p->input2_shift);
            o[c] = mcunas_finish(mcunas_requantize(x + y, p->output_multiplier, p->output_shift) + p->output_offset, p->act_min, p->act_max, p->lut);
        }
    }
}
