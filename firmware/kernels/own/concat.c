/* One input of a concat, moved into its place in the output and, if its quantization differs, requantized. */
#include <string.h>
#include "mcunas_kernels.h"
#include "requant.h"

void mcunas_requant_copy_s8(const int8_t *in, int8_t *out, int32_t outer, int32_t inner, int32_t out_stride,
                            int32_t out_offset, const mcunas_requant_params *p)
{
    for (int32_t k = 0; k < outer; k++) {
        const int8_t *x = in + k * inner;
        int8_t *o = out + out_offset + k * out_stride;
        if (!p) {
            memcpy(o, x, (size_t)inner);
            continue;
        }
        for (int32_t i = 0; i < inner; i++) {
            int32_t v = mcunas_requantize(x[i] + p->input_offset, p->multiplier, p->shift) + p->output_offset;
            o[i] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
        }
    }
}
