/* TFLite's int8 mul (reference_integer_ops::MulElementwise); SE's channel gate is a stride-0 second input. */
#include "mcunas_kernels.h"
#include "requant.h"

void mcunas_mul_s8(const int8_t *in1, const int8_t *in2, int8_t *out, int32_t pixels, int32_t channels,
                   int32_t in1_pixel_stride, int32_t in2_pixel_stride, const mcunas_mul_params *p)
{
    for (int32_t r = 0; r < pixels; r++) {
        const int8_t *a = in1 + r * in1_pixel_stride;
        const int8_t *b = in2 + r * in2_pixel_stride;
        int8_t *o = out + r * channels;
        for (int32_t c = 0; c < channels; c++) {
            const int32_t prod = (a[c] + p->input1_offset) * (b[c] + p->input2_offset);
            o[c] = mcunas_finish(mcunas_requantize(prod, p->output_multiplier, p->output_shift) + p->output_offset, p->act_min, p->act_max, p->lut);
        }
    }
}
