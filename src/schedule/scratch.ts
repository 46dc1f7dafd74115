// Scratch bytes each kernel asks for while it runs (placed in the arena for that op only): each kernel
// backend's own rules (src/backend: the own kernels' im2col and in-place depthwise plane, CMSIS-NN's
// *_get_buffer_size functions with and without DSP or Helium).
import { backendOf, type KernelBackend } from '../backend/index.ts';
import type { Step } from './steps.ts';

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
  return backendOf(ctx.backend).scratchBytes(s, inH, inW, cin, ctx);
}
