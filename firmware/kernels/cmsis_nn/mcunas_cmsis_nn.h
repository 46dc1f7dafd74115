/*
 * mcunas_cmsis_nn.h: copied by mcu-nas from firmware/kernels/cmsis_nn/ into generated projects built with
 * --kernels cmsis-nn. The op templates of templates/model/cmsis-nn/ call these helpers with the same parameter records
 * as the own kernels (mcunas_kernels.h); each helper fills CMSIS-NN's structs and calls CMSIS-NN:
 *   input_offset  = minus the input zero point (our input_offset already is), output_offset = the output
 *   zero point, activation = [act_min, act_max], per-channel multiplier/shift arrays as they are in flash,
 *   dims NHWC with n = 1, the scratch buffer the planner placed for the op (cmsis_nn_context).
 * A fused table (SE's hard-sigmoid after a conv, add or mul) has no CMSIS-NN counterpart: it runs as the
 * own mcunas_lut_s8 over the bytes just written.
 *
 * The patch stage hands kernels the buffer region held for a patch and paddings that may be negative
 * (the window starts inside the held region). What each CMSIS-NN kernel does with that:
 *   depthwise (arm_depthwise_conv_3x3_s8, _s8_opt), pooling: signed paddings: called as they are.
 *   1x1 (arm_convolve_1x1_s8_fast / arm_convolve_1x1_s8): no padding argument: the input pointer starts
 *     at the window, rows keep the held region's width as their pitch.
 *   other convolutions (arm_convolve_s8 holds paddings in uint16_t): a negative top padding moves the
 *     input pointer down; a negative left padding moves it right when the window never reaches past the
 *     held region's right edge (the region's width then is only the row pitch). Otherwise (tiles at the
 *     tensor's right border that need right padding) the op runs the own mcunas_conv_s8 for that tile.
 * A CMSIS-NN call that does not return ARM_CMSIS_NN_SUCCESS, or a planned scratch buffer smaller than the
 * kernel's *_get_buffer_size, ends the firmware (MCUNAS_EXIT_MODEL_ERROR) with a line naming the function.
 */
#ifndef MCUNAS_CMSIS_NN_H
#define MCUNAS_CMSIS_NN_H

#include <stdint.h>
#include "arm_nnfunctions.h"
#include "mcunas_kernels.h"
#if defined(MCUNAS_FIRMWARE)
#include "mcunas_runtime.h"
#else
#include <stdio.h>
#include <stdlib.h>
#endif

/*
 * The helpers are not inlined: the op functions of model.c are, all into mcunas_model_run, and GCC then
 * keeps every op's CMSIS-NN structs in one stack frame (2 KB for a 31-op MobileNet, past the planned
 * stack). Out of line, one helper frame at a time is live.
 */
#define MCUNAS_CMSIS_HELPER static __attribute__((noinline, unused))

static inline void mcunas_cmsis_check(arm_cmsis_nn_status status, const char *what)
{
    if (status == ARM_CMSIS_NN_SUCCESS) return;
#if defined(MCUNAS_FIRMWARE)
    mcunas_print("MCUNAS CMSIS-NN ERROR ");
    mcunas_print(what);
    mcunas_print(" status -");
    mcunas_print_u32((uint32_t)(-(int32_t)status));
    mcunas_print("\n");
    mcunas_exit(MCUNAS_EXIT_MODEL_ERROR);
#else
    fprintf(stderr, "CMSIS-NN error %d in %s\n", (int)status, what);
    abort();
#endif
}

/* The planner's scratch for an op (src/schedule/scratch.ts) must hold what CMSIS-NN asks for: checked on every call. */
static inline void mcunas_cmsis_scratch(int32_t needed, int32_t planned)
{
    if (needed > planned) mcunas_cmsis_check(ARM_CMSIS_NN_ARG_ERROR, "scratch buffer smaller than CMSIS-NN's *_get_buffer_size");
}

static inline void mcunas_cmsis_lut(int8_t *out, int32_t size, const int8_t *lut)
{
    if (lut) mcunas_lut_s8(out, out, size, lut);
}

static inline cmsis_nn_per_channel_quant_params mcunas_cmsis_quant(const mcunas_conv_params *p)
{
    cmsis_nn_per_channel_quant_params q = {(int32_t *)(uintptr_t)p->multiplier, (int32_t *)(uintptr_t)p->shift};
    return q;
}

/* Any convolution through arm_convolve_wrapper_s8 (weights OHWI, groups from the channel counts). */
MCUNAS_CMSIS_HELPER void mcunas_cmsis_conv_s8(const int8_t *in, mcunas_shape in_shape, const int8_t *weight,
                                        const int32_t *bias, int8_t *out, mcunas_shape out_shape,
                                        int32_t groups, const mcunas_conv_params *p, int8_t *scratch,
                                        int32_t scratch_bytes)
{
    int32_t pad_top = p->pad_top, pad_left = p->pad_left, in_h = in_shape.h;
    if (pad_top < 0) {
        in += (-pad_top) * in_shape.w * in_shape.c;
        in_h += pad_top;
        pad_top = 0;
    }
    if (pad_left < 0) {
        const int32_t last_col = (out_shape.w - 1) * p->stride_w + (p->kernel_w - 1) * p->dilation_w;
        if (last_col >= in_shape.w + pad_left) {
            /* Needs right padding: arm_convolve_s8 cannot take this tile (see above). */
            mcunas_conv_params own = *p;
            own.pad_top = pad_top;
            const mcunas_shape shape = {in_h, in_shape.w, in_shape.c};
            mcunas_conv_s8(in, shape, weight, bias, out, out_shape, groups, &own, (int16_t *)(void *)scratch);
            return;
        }
        in += (-pad_left) * in_shape.c;
        pad_left = 0;
    }
    const cmsis_nn_context ctx = {scratch, scratch_bytes};
    const cmsis_nn_conv_params cp = {
        .input_offset = p->input_offset,
        .output_offset = p->output_offset,
        .stride = {.w = p->stride_w, .h = p->stride_h},
        .padding = {.w = pad_left, .h = pad_top},
        .dilation = {.w = p->dilation_w, .h = p->dilation_h},
        .activation = {.min = p->act_min, .max = p->act_max},
    };
    const cmsis_nn_per_channel_quant_params q = mcunas_cmsis_quant(p);
    const cmsis_nn_dims in_dims = {1, in_h, in_shape.w, in_shape.c};
    const cmsis_nn_dims filter_dims = {out_shape.c, p->kernel_h, p->kernel_w, in_shape.c / groups};
    const cmsis_nn_dims bias_dims = {1, 1, 1, out_shape.c};
    const cmsis_nn_dims out_dims = {1, out_shape.h, out_shape.w, out_shape.c};
    mcunas_cmsis_scratch(arm_convolve_wrapper_s8_get_buffer_size(&cp, &in_dims, &filter_dims, &out_dims), scratch_bytes);
    mcunas_cmsis_check(arm_convolve_wrapper_s8(&ctx, &cp, &q, &in_dims, in, &filter_dims, weight, &bias_dims, bias, &out_dims, out),
                       "arm_convolve_wrapper_s8");
    mcunas_cmsis_lut(out, out_shape.h * out_shape.w * out_shape.c, p->lut);
}

/*
 * 1x1 convolution, groups 1, paddings <= 0: arm_convolve_1x1_s8_fast when the window's rows are contiguous
 * (stride 1, input rows as wide as the output's), else arm_convolve_1x1_s8 (row by row, any stride).
 */
MCUNAS_CMSIS_HELPER void mcunas_cmsis_pointwise_s8(const int8_t *in, mcunas_shape in_shape, const int8_t *weight,
                                             const int32_t *bias, int8_t *out, mcunas_shape out_shape,
                                             const mcunas_conv_params *p)
{
    if (p->pad_top > 0 || p->pad_left > 0) mcunas_cmsis_check(ARM_CMSIS_NN_ARG_ERROR, "1x1 convolution with padding");
    in += ((-p->pad_top) * in_shape.w + (-p->pad_left)) * in_shape.c;
    const cmsis_nn_context ctx = {NULL, 0};
    const cmsis_nn_conv_params cp = {
        .input_offset = p->input_offset,
        .output_offset = p->output_offset,
        .stride = {.w = p->stride_w, .h = p->stride_h},
        .padding = {.w = 0, .h = 0},
        .dilation = {.w = 1, .h = 1},
        .activation = {.min = p->act_min, .max = p->act_max},
    };
    const cmsis_nn_per_channel_quant_params q = mcunas_cmsis_quant(p);
    const cmsis_nn_dims filter_dims = {out_shape.c, 1, 1, in_shape.c};
    const cmsis_nn_dims bias_dims = {1, 1, 1, out_shape.c};
    const cmsis_nn_dims out_dims = {1, out_shape.h, out_shape.w, out_shape.c};
    if (p->stride_h == 1 && p->stride_w == 1 && in_shape.w == out_shape.w) {
        const cmsis_nn_dims in_dims = {1, out_shape.h, out_shape.w, in_shape.c};
        mcunas_cmsis_check(arm_convolve_1x1_s8_fast(&ctx, &cp, &q, &in_dims, in, &filter_dims, weight, &bias_dims, bias, &out_dims, out),
                           "arm_convolve_1x1_s8_fast");
    } else {
        /* in_dims.w is the row pitch: the held region's width. */
        const cmsis_nn_dims in_dims = {1, in_shape.h, in_shape.w, in_shape.c};
        mcunas_cmsis_check(arm_convolve_1x1_s8(&ctx, &cp, &q, &in_dims, in, &filter_dims, weight, &bias_dims, bias, &out_dims, out),
                           "arm_convolve_1x1_s8");
    }
    mcunas_cmsis_lut(out, out_shape.h * out_shape.w * out_shape.c, p->lut);
}

/* Depthwise, channel multiplier 1, weights [KH][KW][C] (op-values.ts transposes them for this backend). */
MCUNAS_CMSIS_HELPER void mcunas_cmsis_depthwise_s8(const int8_t *in, mcunas_shape in_shape, const int8_t *weight,
                                             const int32_t *bias, int8_t *out, mcunas_shape out_shape,
                                             const mcunas_conv_params *p, int8_t *scratch, int32_t scratch_bytes)
{
    const cmsis_nn_context ctx = {scratch, scratch_bytes};
    const cmsis_nn_dw_conv_params dp = {
        .input_offset = p->input_offset,
        .output_offset = p->output_offset,
        .ch_mult = 1,
        .stride = {.w = p->stride_w, .h = p->stride_h},
        .padding = {.w = p->pad_left, .h = p->pad_top},
        .dilation = {.w = p->dilation_w, .h = p->dilation_h},
        .activation = {.min = p->act_min, .max = p->act_max},
    };
    const cmsis_nn_per_channel_quant_params q = mcunas_cmsis_quant(p);
    const cmsis_nn_dims in_dims = {1, in_shape.h, in_shape.w, in_shape.c};
    const cmsis_nn_dims filter_dims = {1, p->kernel_h, p->kernel_w, out_shape.c};
    const cmsis_nn_dims bias_dims = {1, 1, 1, out_shape.c};
    const cmsis_nn_dims out_dims = {1, out_shape.h, out_shape.w, out_shape.c};
    mcunas_cmsis_scratch(arm_depthwise_conv_wrapper_s8_get_buffer_size(&dp, &in_dims, &filter_dims, &out_dims), scratch_bytes);
    mcunas_cmsis_check(arm_depthwise_conv_wrapper_s8(&ctx, &dp, &q, &in_dims, in, &filter_dims, weight, &bias_dims, bias, &out_dims, out),
                       "arm_depthwise_conv_wrapper_s8");
    mcunas_cmsis_lut(out, out_shape.h * out_shape.w * out_shape.c, p->lut);
}

/*
 * Fully connected, weight [out][in]: arm_fully_connected_s8 when the layer has one multiplier/shift
 * (per_tensor), else arm_fully_connected_per_channel_s8. No buffer without MVE.
 */
MCUNAS_CMSIS_HELPER void mcunas_cmsis_fully_connected_s8(const int8_t *in, int32_t batches, int32_t in_features,
                                                   const int8_t *weight, const int32_t *bias, int8_t *out,
                                                   int32_t out_features, const mcunas_conv_params *p, int per_tensor)
{
    const cmsis_nn_context ctx = {NULL, 0};
    const cmsis_nn_fc_params fp = {
        .input_offset = p->input_offset,
        .filter_offset = p->weight_offset,
        .output_offset = p->output_offset,
        .activation = {.min = p->act_min, .max = p->act_max},
    };
    const cmsis_nn_dims in_dims = {batches, 1, 1, in_features};
    const cmsis_nn_dims filter_dims = {in_features, 1, 1, out_features};
    const cmsis_nn_dims bias_dims = {1, 1, 1, out_features};
    const cmsis_nn_dims out_dims = {batches, 1, 1, out_features};
    if (per_tensor) {
        const cmsis_nn_per_tensor_quant_params q = {p->multiplier[0], p->shift[0]};
        mcunas_cmsis_check(arm_fully_connected_s8(&ctx, &fp, &q, &in_dims, in, &filter_dims, weight, &bias_dims, bias, &out_dims, out),
                           "arm_fully_connected_s8");
    } else {
        const cmsis_nn_per_channel_quant_params q = mcunas_cmsis_quant(p);
        mcunas_cmsis_check(arm_fully_connected_per_channel_s8(&ctx, &fp, &q, &in_dims, in, &filter_dims, weight, &bias_dims, bias, &out_dims, out),
                           "arm_fully_connected_per_channel_s8");
    }
    mcunas_cmsis_lut(out, batches * out_features, p->lut);
}

/*
 * Element-wise add / mul over `pixels` rows of `channels` (mcunas_kernels.h's layout). CMSIS-NN's
 * functions take two vectors of one length and cannot broadcast: one call when both inputs are full maps
 * (or one row), else one call per row (SE's [1,1,C] gate over an HxW map: H*W calls of C elements).
 */
/* How many CMSIS-NN calls of how many elements cover the rows: one when both inputs are contiguous maps. */
static inline int32_t mcunas_cmsis_rows(int32_t pixels, int32_t channels, int32_t stride1, int32_t stride2, int32_t *block)
{
    if (pixels == 1 || (stride1 == channels && stride2 == channels)) {
        *block = pixels * channels;
        return 1;
    }
    *block = channels;
    return pixels;
}

MCUNAS_CMSIS_HELPER void mcunas_cmsis_add_s8(const int8_t *in1, const int8_t *in2, int8_t *out, int32_t pixels,
                                       int32_t channels, int32_t stride1, int32_t stride2, const mcunas_add_params *p)
{
    int32_t block;
    const int32_t calls = mcunas_cmsis_rows(pixels, channels, stride1, stride2, &block);
    for (int32_t i = 0; i < calls; i++)
        mcunas_cmsis_check(arm_elementwise_add_s8(in1 + i * stride1, in2 + i * stride2, p->input1_offset, p->input1_multiplier,
                                                  p->input1_shift, p->input2_offset, p->input2_multiplier, p->input2_shift,
                                                  p->left_shift, out + i * channels, p->output_offset, p->output_multiplier,
                                                  p->output_shift, p->act_min, p->act_max, block),
                           "arm_elementwise_add_s8");
    mcunas_cmsis_lut(out, pixels * channels, p->lut);
}

MCUNAS_CMSIS_HELPER void mcunas_cmsis_mul_s8(const int8_t *in1, const int8_t *in2, int8_t *out, int32_t pixels,
                                       int32_t channels, int32_t stride1, int32_t stride2, const mcunas_mul_params *p)
{
    int32_t block;
    const int32_t calls = mcunas_cmsis_rows(pixels, channels, stride1, stride2, &block);
    for (int32_t i = 0; i < calls; i++)
        mcunas_cmsis_check(arm_elementwise_mul_s8(in1 + i * stride1, in2 + i * stride2, p->input1_offset, p->input2_offset,
                                                  out + i * channels, p->output_offset, p->output_multiplier, p->output_shift,
                                                  p->act_min, p->act_max, block),
                           "arm_elementwise_mul_s8");
    mcunas_cmsis_lut(out, pixels * channels, p->lut);
}

static inline cmsis_nn_pool_params mcunas_cmsis_pool(const mcunas_pool_params *p)
{
    const cmsis_nn_pool_params pp = {
        .stride = {.w = p->stride_w, .h = p->stride_h},
        .padding = {.w = p->pad_left, .h = p->pad_top},
        .activation = {.min = p->act_min, .max = p->act_max},
    };
    return pp;
}

/* Average pool (counts only the window's elements inside the input, rounds half away from zero). */
MCUNAS_CMSIS_HELPER void mcunas_cmsis_avgpool_s8(const int8_t *in, mcunas_shape in_shape, int8_t *out, mcunas_shape out_shape,
                                           const mcunas_pool_params *p, int8_t *scratch, int32_t scratch_bytes)
{
    const cmsis_nn_context ctx = {scratch, scratch_bytes};
    const cmsis_nn_pool_params pp = mcunas_cmsis_pool(p);
    const cmsis_nn_dims in_dims = {1, in_shape.h, in_shape.w, in_shape.c};
    const cmsis_nn_dims filter_dims = {1, p->kernel_h, p->kernel_w, 1};
    const cmsis_nn_dims out_dims = {1, out_shape.h, out_shape.w, out_shape.c};
    mcunas_cmsis_scratch(arm_avgpool_s8_get_buffer_size(out_shape.w, in_shape.c), scratch_bytes);
    mcunas_cmsis_check(arm_avgpool_s8(&ctx, &pp, &in_dims, in, &filter_dims, &out_dims, out), "arm_avgpool_s8");
}

MCUNAS_CMSIS_HELPER void mcunas_cmsis_maxpool_s8(const int8_t *in, mcunas_shape in_shape, int8_t *out, mcunas_shape out_shape,
                                           const mcunas_pool_params *p, int8_t *scratch, int32_t scratch_bytes)
{
    const cmsis_nn_context ctx = {scratch, scratch_bytes};
    const cmsis_nn_pool_params pp = mcunas_cmsis_pool(p);
    const cmsis_nn_dims in_dims = {1, in_shape.h, in_shape.w, in_shape.c};
    const cmsis_nn_dims filter_dims = {1, p->kernel_h, p->kernel_w, 1};
    const cmsis_nn_dims out_dims = {1, out_shape.h, out_shape.w, out_shape.c};
    mcunas_cmsis_check(arm_max_pool_s8(&ctx, &pp, &in_dims, in, &filter_dims, &out_dims, out), "arm_max_pool_s8");
}

/* Global average pool: arm_avgpool_s8 with the whole map as its window. */
MCUNAS_CMSIS_HELPER void mcunas_cmsis_global_avgpool_s8(const int8_t *in, mcunas_shape in_shape, int8_t *out, int32_t act_min,
                                                  int32_t act_max, int8_t *scratch, int32_t scratch_bytes)
{
    const mcunas_pool_params p = {in_shape.h, in_shape.w, 1, 1, 0, 0, act_min, act_max};
    const mcunas_shape out_shape = {1, 1, in_shape.c};
    mcunas_cmsis_avgpool_s8(in, in_shape, out, out_shape, &p, scratch, scratch_bytes);
}

/* Constant padding of H and W (channels unchanged) through arm_pad_s8. */
MCUNAS_CMSIS_HELPER void mcunas_cmsis_pad_s8(const int8_t *in, mcunas_shape in_shape, int8_t *out, mcunas_shape out_shape,
                                       int32_t pad_top, int32_t pad_left, int8_t value)
{
    const cmsis_nn_dims in_dims = {1, in_shape.h, in_shape.w, in_shape.c};
    const cmsis_nn_dims pre = {0, pad_top, pad_left, 0};
    const cmsis_nn_dims post = {0, out_shape.h - in_shape.h - pad_top, out_shape.w - in_shape.w - pad_left, out_shape.c - in_shape.c};
    mcunas_cmsis_check(arm_pad_s8(in, out, value, &in_dims, &pre, &post), "arm_pad_s8");
}

#endif /* MCUNAS_CMSIS_NN_H */
