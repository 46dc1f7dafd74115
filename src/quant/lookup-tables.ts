// Tables computed at compile time. A function of one int8 value has only 256 inputs, so the int8 form
// of an activation (hard-sigmoid in SE, hard-swish, relu/relu6 between different quantizations) is a
// 256-byte table: the real function evaluated once per input value in double precision and rounded into
// the output quantization. The kernels only index it, so C and TypeScript agree by construction, and the
// table is the best int8 answer (one rounding, no fixed-point approximation of the curve).
import { roundHalfAway } from './fixed-point.ts';
import type { TensorQuant } from './quant-graph.ts';
import { quantizeValue } from './scales.ts';

export type UnaryFn = 'relu' | 'relu6' | 'hard_sigmoid' | 'hard_swish' | 'sigmoid';

/** The real activation functions, shared with the float interpreter. hard_sigmoid = relu6(x + 3) / 6. */
export function applyUnary(fn: UnaryFn, x: number): number {
  switch (fn) {
    case 'relu':
      return x > 0 ? x : 0;
    case 'relu6':
      return x < 0 ? 0 : x > 6 ? 6 : x;
    case 'hard_sigmoid':
      return (x < -3 ? 0 : x > 3 ? 6 : x + 3) / 6;
    case 'hard_swish':
      return (x * (x < -3 ? 0 : x > 3 ? 6 : x + 3)) / 6;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
  }
}

/**
 * lut[v + 128] = quantize(fn(dequantize(v))) for every int8 v. (quantize.ts and the TFLite importer build
 * hard_swish and sigmoid tables from TFLite's integer algorithms instead: tflite-int8.ts.)
 */
export function unaryTable(fn: UnaryFn, input: TensorQuant, output: TensorQuant): Int8Array {
  const lut = new Int8Array(256);
  for (let v = -128; v <= 127; v++) lut[v + 128] = quantizeValue(applyUnary(fn, input.scale * (v - input.zeroPoint)), output);
  return lut;
}

/** Fixed-point one of the softmax exponent table (Q16). */
export const SOFTMAX_EXP_ONE = 1 << 16;
/** The int8 softmax output quantization TFLite requires: scale 1/256, zero point -128. */
export const SOFTMAX_OUTPUT: TensorQuant = { scale: 1 / 256, zeroPoint: -128 };
/** Longest softmax row the C's int32 arithmetic allows: the sum stays below 2^30, t * 256 + sum / 2 below 2^31 (softmax.c). */
export const SOFTMAX_MAX_ROW = 16384;

/**
 * Softmax exponent table: t[d] = round(2^16 exp(-scale d)) for d = max - v in [0, 255] (beta 1). The kernel
 * sums the row's entries S and writes (t * 256 + S / 2) / S - 128, saturated: softmax rounded to 1/256.
 */
export function softmaxExpTable(inputScale: number): Int32Array {
  const t = new Int32Array(256);
  for (let d = 0; d < 256; d++) t[d] = roundHalfAway(SOFTMAX_EXP_ONE * Math.exp(-inputScale * d));
  return t;
}
