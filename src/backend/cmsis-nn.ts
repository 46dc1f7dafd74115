// CMSIS-NN (a user's checkout, --cmsis-nn DIR or CMSIS_NN_ROOT) through the wrappers of
// templates/model/cmsis-nn/ and the C helpers of firmware/kernels/cmsis_nn/: its int8 functions where it has them, the own kernels for the rest (tables,
// softmax, concat, TFLite MEAN). Its scratch figures are the *_get_buffer_size rules of CMSIS-NN
// (ARM-software/CMSIS-NN, Source/ConvolutionFunctions/arm_convolve_get_buffer_sizes_s8.c,
// arm_depthwise_conv_get_buffer_sizes_s8.c, FullyConnectedFunctions/arm_fully_connected_get_buffer_sizes_s8.c,
// PoolingFunctions/arm_avgpool_get_buffer_sizes_s8.c) for a GCC build, in their three flavours: plain C
// (no DSP: Cortex-M0+/M3), DSP (ARMv7E-M: M4/M7/M33) and MVE (Helium, ARM_MATH_MVEI: Cortex-M55, the
// board's `mve`). Checked against ../shared/spec/toolchain.md (DSP): conv 3x3 on 3 channels 112 B,
// depthwise 3x3 0 B (576 B = 32 ch x 9 x 2 through the generic s8_opt path), avgpool C x 4 B; the MVE
// figures by test/schedule/scratch-mve.test.ts.
import { convDilation } from '../ir/shapes.ts';
import type { BackendDescription, KernelCall, CoreFeatures } from './backend.ts';
import { im2colBytes } from './im2col.ts';

/** arm_convolve_s8_get_buffer_size_mve: four im2col columns of KH*KW*Cin int8, each rounded up to 16 (one Q register). */
export function convolveMveBytes(kh: number, kw: number, cin: number): number {
  return 4 * Math.ceil((cin * kw * kh) / 16) * 16;
}

/**
 * arm_convolve_1_x_n_s8_get_buffer_size_mve (a 1-row input, 1-row kernel): its left/right padding
 * columns, or arm_convolve_s8's buffer when its column counts do not add up. `/` there is C's integer
 * division (truncating; every operand here is positive) and `%` keeps the sign as JavaScript's does.
 */
export function convolve1xNMveBytes(inW: number, cin: number, kw: number, strideW: number, padLeft: number, outW: number): number {
  const totalPad = (outW - 1) * strideW + kw - inW;
  const asymPad = totalPad % 2;
  const rightPadNum = padLeft + asymPad !== 0 ? Math.max(1, Math.trunc((padLeft + asymPad + strideW - 1) / strideW)) : 0;
  const leftPadNum = padLeft !== 0 ? Math.max(1, Math.trunc((padLeft + strideW - 1) / strideW)) : 0;
  const noPadNum = Math.max(outW - (rightPadNum + leftPadNum), 0);
  if (rightPadNum + noPadNum + leftPadNum !== outW) return convolveMveBytes(1, kw, cin);
  const padSizeLeft = padLeft * cin;
  const padSizeRight = asymPad ? rightPadNum * cin : padSizeLeft;
  const numElemLeft = kw * cin;
  const numElemRight = numElemLeft - cin;
  return Math.max(numElemLeft + padSizeLeft, numElemRight + padSizeRight);
}

/** arm_depthwise_conv_s8_opt_get_buffer_size_mve: 4 columns of CH_IN_BLOCK_MVE (124, arm_nnsupportfunctions.h) channels x KH*KW int8. */
export const CH_IN_BLOCK_MVE = 124;

function cmsisScratchBytes(call: KernelCall, inH: number, inW: number, cin: number, core: CoreFeatures): number {
  const [kh, kw] = call.kernel;
  const [dh, dw] = convDilation(call);
  const mve = core.mve === true;
  switch (call.kind) {
    case 'conv2d': {
      if (!mve) return im2colBytes(kh, kw, cin);
      // arm_convolve_wrapper_s8_get_buffer_size_mve: a conv class op is never its 1x1 case (that has groups 1:
      // the pointwise class); its 1xN case is a one-row input and kernel, no horizontal dilation, one group
      // and stride_w x Cin a multiple of 4 (arm_nn_is_convolve_1_x_n).
      const groups1 = call.weights === call.biases * kh * kw * cin;
      if (inH === 1 && kh === 1 && dw === 1 && groups1 && (call.stride[1] * cin) % 4 === 0) {
        const keff = (kw - 1) * dw + 1;
        const outW = Math.floor((inW + call.padding.left + call.padding.right - keff) / call.stride[1]) + 1;
        return convolve1xNMveBytes(inW, cin, kw, call.stride[1], call.padding.left, outW);
      }
      return convolveMveBytes(kh, kw, cin);
    }
    case 'depthwise': {
      // arm_depthwise_conv_wrapper_s8_get_buffer_size: a dilated window goes to arm_depthwise_conv_s8 (no buffer);
      // without MVE the 3x3 kernel (pad <= 1) needs nothing and s8_opt needs C*KH*KW int16 with DSP; with MVE
      // s8_opt (every undilated window) takes 4 x CH_IN_BLOCK_MVE x KH*KW bytes whatever the channel count.
      if (dh !== 1 || dw !== 1) return 0;
      if (mve) return 4 * CH_IN_BLOCK_MVE * kw * kh;
      const p = call.padding;
      if (kh === 3 && kw === 3 && Math.max(p.top, p.bottom) <= 1 && Math.max(p.left, p.right) <= 1) return 0;
      return core.dsp ? cin * kh * kw * 2 : 0;
    }
    case 'fully_connected':
      // arm_fully_connected_s8_get_buffer_size_mve: one int32 kernel sum per output (filter_dims->c); none without MVE.
      return mve ? call.biases * 4 : 0;
    case 'avg_pool':
    case 'global_avg_pool':
      // arm_avgpool_s8_get_buffer_size: C int32 sums with DSP, none with MVE (its Helium loop keeps them in registers).
      return core.dsp && !mve ? cin * 4 : 0;
    default:
      // 1x1 convs (arm_convolve_1x1_s8_fast: 0 with GCC, also with MVE; arm_convolve_1x1_s8: 0), add, mul: none.
      return 0;
  }
}

/**
 * CMSIS-NN's Source/ files each cmsis-nn op template reaches (the s8 entry point, the variants its wrapper
 * dispatches to by shape, and their NNSupportFunctions), as found by linking calls to every entry point
 * against all int8 files of the checkout. Only these are compiled; the linker (--gc-sections) drops what
 * a model's shapes never reach.
 */
const CMSIS_SOURCES: Record<string, string[]> = {
  conv: [
    'ConvolutionFunctions/arm_convolve_wrapper_s8.c',
    'ConvolutionFunctions/arm_convolve_s8.c',
    'ConvolutionFunctions/arm_convolve_1x1_s8.c',
    'ConvolutionFunctions/arm_convolve_1x1_s8_fast.c',
    'ConvolutionFunctions/arm_convolve_1_x_n_s8.c',
    'ConvolutionFunctions/arm_convolve_get_buffer_sizes_s8.c',
    'ConvolutionFunctions/arm_nn_mat_mult_kernel_s8_s16.c',
    'ConvolutionFunctions/arm_nn_mat_mult_kernel_row_offset_s8_s16.c',
    'NNSupportFunctions/arm_nn_mat_mult_nt_t_s8.c',
    'NNSupportFunctions/arm_s8_to_s16_unordered_with_offset.c',
    'NNSupportFunctions/arm_q7_to_q15_with_offset.c',
  ],
  pointwise: ['ConvolutionFunctions/arm_convolve_1x1_s8_fast.c', 'ConvolutionFunctions/arm_convolve_1x1_s8.c', 'NNSupportFunctions/arm_nn_mat_mult_nt_t_s8.c'],
  depthwise: [
    'ConvolutionFunctions/arm_depthwise_conv_wrapper_s8.c',
    'ConvolutionFunctions/arm_depthwise_conv_3x3_s8.c',
    'ConvolutionFunctions/arm_depthwise_conv_s8_opt.c',
    'ConvolutionFunctions/arm_depthwise_conv_s8.c',
    'ConvolutionFunctions/arm_depthwise_conv_get_buffer_sizes_s8.c',
    'NNSupportFunctions/arm_q7_to_q15_with_offset.c',
  ],
  fully_connected: [
    'FullyConnectedFunctions/arm_fully_connected_s8.c',
    'FullyConnectedFunctions/arm_fully_connected_per_channel_s8.c',
    'NNSupportFunctions/arm_nn_vec_mat_mult_t_s8.c',
    'NNSupportFunctions/arm_nn_vec_mat_mult_t_per_ch_s8.c',
  ],
  add: ['BasicMathFunctions/arm_elementwise_add_s8.c'],
  mul: ['BasicMathFunctions/arm_elementwise_mul_s8.c'],
  pool: ['PoolingFunctions/arm_avgpool_s8.c', 'PoolingFunctions/arm_avgpool_get_buffer_sizes_s8.c', 'PoolingFunctions/arm_max_pool_s8.c'],
  global_avg_pool: ['PoolingFunctions/arm_avgpool_s8.c', 'PoolingFunctions/arm_avgpool_get_buffer_sizes_s8.c'],
  pad: ['PadFunctions/arm_pad_s8.c'],
};

/**
 * Files that only a build with MVE (Cortex-M55) reaches: the depthwise wrapper's Helium paths (its
 * conversion of some depthwise layers to a conv, the nt_t depthwise product), the fully connected layer's
 * kernel sums and buffer size. Compiled when the checkout
 * has them (older checkouts have no TransposeFunctions); --gc-sections drops them on cores without MVE.
 */
const CMSIS_MVE_SOURCES: Record<string, string[]> = {
  depthwise: [...CMSIS_SOURCES.conv, 'NNSupportFunctions/arm_nn_depthwise_conv_nt_t_s8.c', 'TransposeFunctions/arm_transpose_s8.c'],
  // The kernel sums the Helium fully connected reads from its buffer (templates/model/cmsis-nn/fully_connected.hbs).
  fully_connected: ['FullyConnectedFunctions/arm_vector_sum_s8.c', 'FullyConnectedFunctions/arm_fully_connected_get_buffer_sizes_s8.c'],
};

/**
 * Own kernels the cmsis-nn templates still call: tables (standalone activations and the hard-sigmoid
 * fused into a conv, add or mul), softmax, concat, TFLite MEAN (imported models' global pooling), and the
 * dense conv for patch-stage tiles that arm_convolve_s8 cannot take (firmware/kernels/cmsis_nn/
 * mcunas_cmsis_nn.h says which).
 */
const CMSIS_OWN_SOURCES: Record<string, string[]> = {
  conv: ['conv.c'],
  global_avg_pool: ['pool.c'],
  lut: ['lut.c'],
  softmax: ['softmax.c'],
  concat: ['concat.c'],
};

export const CMSIS_NN: BackendDescription = {
  name: 'cmsis-nn',
  label: 'CMSIS-NN',
  templates: 'cmsis-nn',
  fcRows4: false,
  depthwiseLayout: 'hwc',
  // Its depthwise kernels read all channels of a window at once: the output gets its own buffer.
  inPlaceDepthwise: false,
  unsupported(call) {
    const p = call.padding;
    if (call.kind === 'pointwise' && (p.top > 0 || p.left > 0 || p.bottom > 0 || p.right > 0)) return 'a padded 1x1 convolution has no CMSIS-NN kernel; use --kernels own';
    return null;
  },
  scratchBytes: cmsisScratchBytes,
  ownSources: CMSIS_OWN_SOURCES,
  alwaysOwnSources: ['lut.c'],
  library: { sources: CMSIS_SOURCES, mveSources: CMSIS_MVE_SOURCES },
};
