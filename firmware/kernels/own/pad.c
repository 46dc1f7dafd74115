/* Constant padding of an NHWC image (the value already in the int8 domain). */
#include <string.h>
#include "mcunas_kernels.h"

void mcunas_pad_s8(const int8_t *in, mcunas_shape in_shape, int8_t *out, mcunas_shape out_shape,
                   int32_t pad_top, int32_t pad_left, int8_t value)
{
    memset(out, value, (size_t)(out_shape.h * out_shape.w * out_shape.c));
    const size_t row = (size_t)(in_shape.w * in_shape.c);
    for (int32_t y = 0; y < in_shape.h; y++)
        memcpy(out + ((y + pad_top) * out_shape.w + pad_left) * out_shape.c, in + y * in_shape.w * in_shape.c, row);
}
