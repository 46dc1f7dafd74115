// Choosing scales and zero points (TFLite's int8 scheme). Scales are rounded to float32 because TFLite
// stores them as float and computes its multipliers from float scales; a QuantGraph written out as a
// .tflite or QDQ ONNX model keeps exactly these values.
import { clamp, roundHalfAway, ScaleRangeError } from './fixed-point.ts';
import type { Quantization } from '../ir/graph.ts';
import type { TensorQuant } from './quant-graph.ts';

export const QMIN = -128;
export const QMAX = 127;

/** A real-valued range seen in calibration. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/**
 * Per-tensor asymmetric int8 for a real range, as gemmlowp/TFLite's ChooseQuantizationParams: the range is
 * widened to hold 0, scale = range / 255, and the zero point is the nudged integer that makes 0 exact
 * (taken from whichever end gives the smaller rounding error, then clamped to [-128, 127]).
 */
export function chooseActivationQuant(range: Range): TensorQuant {
  let lo = Math.min(range.min, 0);
  let hi = Math.max(range.max, 0);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new ScaleRangeError(`range [${range.min}, ${range.max}] is not finite`);
  // A constant-zero tensor: any scale represents it; keep [0, 1] so the arithmetic stays ordinary.
  if (hi - lo === 0) hi = 1;
  const scale = Math.fround((hi - lo) / (QMAX - QMIN));
  const zpFromMin = QMIN - lo / scale;
  const zpFromMax = QMAX - hi / scale;
  const errMin = Math.abs(QMIN) + Math.abs(lo / scale);
  const errMax = Math.abs(QMAX) + Math.abs(hi / scale);
  const zp = errMin < errMax ? zpFromMin : zpFromMax;
  const zeroPoint = zp < QMIN ? QMIN : zp > QMAX ? QMAX : roundHalfAway(zp);
  return { scale, zeroPoint };
}

/** The IR's record of a per-tensor quantization. */
export function tensorQuantization(q: TensorQuant): Quantization {
  return { scale: [q.scale], zeroPoint: [q.zeroPoint] };
}

/** The range of a constant's values, widened to hold 0 (NaN when a value is NaN, infinite when one is). */
export function valueRange(data: ArrayLike<number>): Range {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < data.length; i++) {
    lo = Math.min(lo, data[i]);
    hi = Math.max(hi, data[i]);
  }
  return { min: lo, max: hi };
}

/** int8 value of a real number in quantization `q`, saturated. */
export function quantizeValue(x: number, q: TensorQuant): number {
  return clamp(q.zeroPoint + roundHalfAway(x / q.scale), QMIN, QMAX);
}

export function dequantizeValue(v: number, q: TensorQuant): number {
  return q.scale * (v - q.zeroPoint);
}

/**
 * Per-channel symmetric int8 weights along axis 0 (output channels; depthwise weights [C, KH, KW, 1]
 * are per channel too): scale[c] = max|w_c| / 127, values rounded and held in [-127, 127]. An all-zero
 * channel gets scale 1 (its values are 0 whatever the scale).
 */
export function quantizeWeightsPerChannel(w: Float32Array, channels: number): { data: Int8Array; scales: number[] } {
  const per = w.length / channels;
  const data = new Int8Array(w.length);
  const scales: number[] = [];
  for (let c = 0; c < channels; c++) {
    let m = 0;
    for (let i = c * per; i < (c + 1) * per; i++) m = Math.max(m, Math.abs(w[i]));
    const scale = m > 0 ? Math.fround(m / 127) : 1;
    scales.push(scale);
    for (let i = c * per; i < (c + 1) * per; i++) data[i] = clamp(roundHalfAway(w[i] / scale), -127, 127);
  }
  return { data, scales };
}

/** One symmetric scale for the whole tensor (TFLite's default for fully connected weights). */
export function quantizeWeightsPerTensor(w: Float32Array, channels: number): { data: Int8Array; scales: number[] } {
  let m = 0;
  for (let i = 0; i < w.length; i++) m = Math.max(m, Math.abs(w[i]));
  const scale = m > 0 ? Math.fround(m / 127) : 1;
  const data = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) data[i] = clamp(roundHalfAway(w[i] / scale), -127, 127);
  return { data, scales: new Array<number>(channels).fill(scale) };
}

/** The int32 bias scales the int8 kernels need: input scale x weight scale[c], the product in float32 as TFLite stores it. */
export function biasScales(inputScale: number, weightScales: readonly number[]): number[] {
  return weightScales.map((s) => Math.fround(inputScale * s));
}

/** int32 bias with scale inputScale x weightScale[c] (the product in float32, as TFLite), saturated to int32. */
export function quantizeBias(b: Float32Array | undefined, channels: number, inputScale: number, weightScales: readonly number[]): { data: Int32Array; scales: number[] } {
  const data = new Int32Array(channels);
  const scales = biasScales(inputScale, weightScales);
  if (b) for (let c = 0; c < channels; c++) data[c] = clamp(roundHalfAway(b[c] / scales[c]), -0x80000000, 0x7fffffff);
  return { data, scales };
}
