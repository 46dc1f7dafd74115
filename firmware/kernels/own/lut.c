/* Standalone activations as 256-entry tables computed at compile time (src/quant/lookup-tables.ts). */
#include "mcunas_kernels.h"

void mcunas_lut_s8(const int8_t *in, int8_t *out, int32_t size, const int8_t *lut)
{
    for (int32_t i = 0; i < size; i++) out[i] = lut[in[i] + 128];
}
