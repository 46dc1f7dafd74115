// TFLite's SAME/VALID padding made explicit, as ComputePaddingHeightWidth computes it
// (tensorflow/lite/kernels/padding.h): SAME gives out = ceil(in / stride) and splits the total padding
// with the odd element at the bottom/right (so stride 2 on an even input pads 0 before, 1 after);
// VALID pads nothing.
import type { TflitePadding } from './schema.ts';

export interface AxisPadding {
  readonly before: number;
  readonly after: number;
  readonly out: number;
}

/** Padding of one spatial axis; `undefined` when the window does not fit (VALID with kernel > input). */
export function axisPadding(padding: TflitePadding, size: number, kernel: number, stride: number, dilation = 1): AxisPadding | undefined {
  const effective = (kernel - 1) * dilation + 1;
  const out = padding === 'SAME' ? Math.floor((size + stride - 1) / stride) : Math.floor((size + stride - effective) / stride);
  if (out < 1) return undefined;
  const total = Math.max(0, (out - 1) * stride + effective - size);
  const before = Math.floor(total / 2);
  return { before, after: total - before, out };
}
