// Scratch bytes each kernel asks for while it runs (placed in the arena for that op only).
//
// cmsis-nn: the *_get_buffer_size rules of CMSIS-NN (ARM-software/CMSIS-NN, Source/ConvolutionFunctions/
// arm_convolve_get_buffer_sizes_s8.c, arm_depthwise_conv_get_buffer_sizes_s8.c, PoolingFunctions/
// arm_avgpool_s8.c), for a GCC build without MVE (Cortex-M4/M7; M55's MVE sizes differ and are not
// modelled). Checked against ../shared/spec/toolchain.md: conv 3x3 on 3 channels 112 B, depthwise 3x3 0 B
// (576 B = 32 ch x 9 x 2 through the generic s8_opt path), avgpool C x 4 B.
// own: the project's kernels: the first (dense) conv uses the same two-column int16 im2col as
// arm_convolve_s8, so both backends cost the same there; in-place depthwise needs one input plane
// (inplace.ts); everything else keeps its state in registers.
import type { KernelBackend } from './inplace.ts';
import type { Step } from './steps.ts';

/** im2col of arm_convolve_s8: two columns of KH*KW*Cin int16, the column length rounded up to 4. */
function im2colBytes(kh: number, kw: number, cin: number): number {
  const cols = kh * kw * cin;
  return 2 * (Math.ceil(cols / 4) * 4) * 2;
}

export interface ScratchContext {
  readonly backend: KernelBackend;
  /** The core has the DSP extension (ARMv7E-M); CMSIS-NN picks its SIMD paths then. */
  readonly dsp: boolean;
}

/**
 * @param inH, inW spatial side of the input the kernel reads (a tile's read window in patch mode)
 * @param cin input channels
 */
export function scratchBytes(s: Step, inH: number, inW: number, cin: number, ctx: ScratchContext): number {
  const [kh, kw] = s.kernel;
  if (ctx.backend === 'own') {
    if (s.kind === 'conv2d') return im2colBytes(kh, kw, cin);
    if (s.kind === 'depthwise') return inH * inW;
    return 0;
  }
  switch (s.kind) {
    case 'conv2d':
      return im2colBytes(kh, kw, cin);
    case 'depthwise': {
      // arm_depthwise_conv_wrapper_s8: the 3x3 kernel (pad <= 1) needs nothing; s8_opt needs C*KH*KW int16 with DSP.
      const p = s.padding;
      if (kh === 3 && kw === 3 && Math.max(p.top, p.bottom) <= 1 && Math.max(p.left, p.right) <= 1) return 0;
      return ctx.dsp ? cin * kh * kw * 2 : 0;
    }
    case 'avg_pool':
    case 'global_avg_pool':
      return ctx.dsp ? cin * 4 : 0;
    default:
      // 1x1 convs (arm_convolve_1x1_s8_fast: 0 with GCC), fully connected (0 without MVE), add, mul: none.
      return 0;
  }
}
