/* Fully connected: a 1x1 convolution over `batches` one-pixel rows. */
#include "mcunas_kernels.h"

void mcunas_fully_connected_s8(const int8_t *in, int32_t batches, int32_t in_features, const int8_t *weight,
                               const int32_t *bias, int8_t *out, int32_t out_features,
                               const mcunas_conv_params *p)
{
    mcunas_conv_params q = *p;
    q.kernel_h = q.kernel_w = 1;
    q.stride_h = q.stride_w = 1;
    q.pad_top = q.pad_left = 0;
    const mcunas_shape in_shape = {batches, 1, in_features};
    const mcunas_shape out_shape = {batches, 1, out_features};
    mcunas_pointwise_s8(in, in_shape, weight, bias, out, out_shape, &q);
}
