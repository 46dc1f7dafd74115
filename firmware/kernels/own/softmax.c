/*
 * int8 softmax with a compile-time exponent table (Q16). With rows of at most 16384 values the sum S stays
 * below 2^30 and t * 256 + S / 2 below 2^31, so int32 suffices.
 */
#include "mcunas_kernels.h"

void mcunas_softmax_s8(const int8_t *in, int8_t *out, int32_t rows, int32_t row_size, const int32_t *exp_table)
{
    for (int32_t r = 0; r < rows; r++) {
        const int8_t *x = in + r * row_size;
        int8_t *o = out + r * row_size;
        int32_t max = -128;
        for (int32_t i = 0; i < row_size; i++) max = x[i] > max ? x[i] : max;
        int32_t sum = 0;
        for (int32_t i = 0; i < row_size; i++) sum += exp_table[max - x[i]];
        const int32_t half = sum / 2;
        for (int32_t i = 0; i < row_size; i++) {
            const int32_t v = (exp_table[max - x[i]] * 256 + half) / sum - 128;
            o[i] = (int8_t)(v > 127 ? 127 : v);
        }
    }
}
