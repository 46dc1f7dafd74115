// Scratch bytes each kernel asks for while it runs (placed in the arena for that op only).
//
// cmsis-nn: the *_get_buffer_size rules of CMSIS-NN (ARM-software/CMSIS-NN, Source/ConvolutionFunctions/
// arm_convolve_get_buffer_sizes_s8.c, arm_depthwise_conv_get_buffer_sizes_s8.c, FullyConnectedFunctions/
// arm_fully_connected_get_buffer_sizes_s8.c, PoolingFunctions/arm_avgpool_get_buffer_sizes_s8.c) for a
// GCC build, in their three flavours: plain C (no DSP: Cortex-M0+/M3), DSP (ARMv7E-M: M4/M7/M33) and MVE
// (Helium, ARM_MATH_MVEI: Cortex-M55, the board's `mve`). Checked against ../shared/spec/toolchain.md
// (DSP): conv 3x3 on 3 channels 112 B, depthwise 3x3 0 B (576 B = 32 ch x 9 x 2 through the generic
// s8_opt path), avgpool C x 4 B; the MVE figures by test/schedule/scratch-mve.test.ts.
// own: the project's kernels: the first (dense) conv uses the same two-column int16 im2col as
// arm_convolve_s8 (DSP), so both backends cost the same there; in-place depthwise needs one input plane
// (inplace.ts); everything else keeps its state in registers.
import type { KernelBackend } from './inplace.ts';
import { dilationOf, type Step } from './steps.ts';

/** im2col of arm_convolve_s8 without MVE: two columns of KH*KW*Cin int16, the column length rounded up to 4. */
function im2colBytes(kh: number, kw: number, cin: number): number {
  const cols = kh * kw * cin;
  return 2 * (Math.ceil(cols / 4) * 4) * 2;
}

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

export interface ScratchContext {
  readonly backend: KernelBackend;
  /** The core has the DSP extension (ARMv7E-M); CMSIS-NN picks its SIMD paths then. */
  readonly dsp: boolean;
  /** The core has Helium (MVE, Cortex-M55): CMSIS-NN builds its ARM_MATH_MVEI paths, with their own buffer sizes. */
  readonly mve?: boolean;
}

/**
 * @param inH, inW spatial side of the input the kernel reads (a tile's read window in patch mode)
 * @param cin input channels
 */
export function scratchBytes(s: Step, inH: number, inW: number, cin: number, ctx: ScratchContext): number {
  const [kh, kw] = s.kernel;
  const [dh, dw] = dilationOf(s);
  if (ctx.backend === 'own') {
    if (s.kind === 'conv2d') return im2colBytes(kh, kw, cin);
    if (s.kind === 'depthwise') return inH * inW;
    return 0;
  }
  const mve = ctx.mve === true;
  switch (s.kind) {
    case 'conv2d': {
      if (!mve) return im2colBytes(kh, kw, cin);
      // arm_convolve_wrapper_s8_get_buffer_size_mve: a conv class op is never its 1x1 case (that has groups 1:
      // the pointwise class); its 1xN case is a one-row input and kernel, no horizontal dilation, one group
      // and stride_w x Cin a multiple of 4 (arm_nn_is_convolve_1_x_n).
      const groups1 = s.weights === s.biases * kh * kw * cin;
      if (inH === 1 && kh === 1 && dw === 1 && groups1 && (s.stride[1] * cin) % 4 === 0) {
        const keff = (kw - 1) * dw + 1;
        const outW = Math.floor((inW + s.padding.left + s.padding.right - keff) / s.stride[1]) + 1;
        return convolve1xNMveBytes(inW, cin, kw, s.stride[1], s.padding.left, outW);
      }
      return convolveMveBytes(kh, kw, cin);
    }
    case 'depthwise': {
      // arm_depthwise_conv_wrapper_s8_get_buffer_size: a dilated window goes to arm_depthwise_conv_s8 (no buffer);
      // without MVE the 3x3 kernel (pad <= 1) needs nothing and s8_opt needs C*KH*KW int16 with DSP; with MVE
      // s8_opt (every undilated window) takes 4 x CH_IN_BLOCK_MVE x KH*KW bytes whatever the channel count.
      if (dh !== 1 || dw !== 1) return 0;
      if (mve) return 4 * CH_IN_BLOCK_MVE * kw * kh;
      const p = s.padding;
      if (kh === 3 && kw === 3 && Math.max(p.top, p.bottom) <= 1 && Math.max(p.left, p.right) <= 1) return 0;
      return ctx.dsp ? cin * kh * kw * 2 : 0;
    }
    case 'fully_connected':
      // arm_fully_connected_s8_get_buffer_size_mve: one int32 kernel sum per output (filter_dims->c); none without MVE.
      return mve ? s.biases * 4 : 0;
    case 'avg_pool':
    case 'global_avg_pool':
      // arm_avgpool_s8_get_buffer_size: C int32 sums with DSP, none with MVE (its Helium loop keeps them in registers).
      return ctx.dsp && !mve ? cin * 4 : 0;
    default:
      // 1x1 convs (arm_convolve_1x1_s8_fast: 0 with GCC, also with MVE; arm_convolve_1x1_s8: 0), add, mul: none.
      return 0;
  }
}
