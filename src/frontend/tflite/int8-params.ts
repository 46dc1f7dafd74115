// The integer parameters TFLite's int8 kernels derive from a model's scales, computed as TFLite's Prepare
// functions compute them (tensorflow/lite/kernels: kernel_util.cc PopulateConvolutionQuantizationParams and
// CalculateActivationRangeQuantized, fully_connected.cc, add.cc, mul.cc, quantize.cc). Where TFLite multiplies
// two float scales in float and where in double matters for the last bit of a multiplier, so each
// function says which it does. QuantizeMultiplier itself is src/quant's (the same frexp-and-round).
import { addRescale, quantizeMultiplier, roundHalfAway } from '../../quant/fixed-point.ts';
import type { AddKernelParams, MeanStep, MulKernelParams, RequantParams, TensorQuant } from '../../quant/quant-graph.ts';
import type { FusedActivation } from './schema.ts';

export const INT8_MIN = -128;
export const INT8_MAX = 127;

/** A requantization multiplier TFLite would reject or that overflows (absurd scales): the caller names the op. */
export class MultiplierError extends Error {}

function withMultiplierErrors<T>(compute: () => T): T {
  try {
    return compute();
  } catch (e) {
    if (e instanceof RangeError) throw new MultiplierError(e.message);
    throw e;
  }
}

function multiplier(real: number): { multiplier: number; shift: number } {
  return withMultiplierErrors(() => quantizeMultiplier(real));
}

/**
 * CalculateActivationRangeQuantized: the int8 clamp of a fused activation, `zp + round(f / scale)` with the
 * division in float32. TANH and SIGN_BIT are not clamps; the caller refuses them first.
 */
export function activationRange(act: FusedActivation, out: TensorQuant): { actMin: number; actMax: number } {
  const q = (f: number) => out.zeroPoint + roundHalfAway(Math.fround(f / Math.fround(out.scale)));
  switch (act) {
    case 'RELU':
      return { actMin: Math.max(INT8_MIN, q(0)), actMax: INT8_MAX };
    case 'RELU6':
      return { actMin: Math.max(INT8_MIN, q(0)), actMax: Math.min(INT8_MAX, q(6)) };
    case 'RELU_N1_TO_1':
      return { actMin: Math.max(INT8_MIN, q(-1)), actMax: Math.min(INT8_MAX, q(1)) };
    default:
      return { actMin: INT8_MIN, actMax: INT8_MAX };
  }
}

/**
 * Per-output-channel requantization of a convolution (CONV_2D, DEPTHWISE_CONV_2D, per-channel FULLY_CONNECTED):
 * PopulateConvolutionQuantizationParams takes input_scale x filter_scale / output_scale all in double.
 */
export function convMultipliers(inputScale: number, weightScales: readonly number[], outputScale: number, channels: number): { multiplier: Int32Array; shift: Int32Array } {
  const m = new Int32Array(channels);
  const s = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const ws = weightScales.length === 1 ? weightScales[0] : weightScales[c];
    const q = multiplier((inputScale * ws) / outputScale);
    m[c] = q.multiplier;
    s[c] = q.shift;
  }
  return { multiplier: m, shift: s };
}

/**
 * Per-tensor FULLY_CONNECTED: GetQuantizedConvolutionMultipler multiplies the two float scales in float
 * (`input->params.scale * filter->params.scale`), then divides by the output scale in double.
 */
export function fullyConnectedMultiplier(inputScale: number, weightScale: number, outputScale: number, channels: number): { multiplier: Int32Array; shift: Int32Array } {
  const q = multiplier(Math.fround(inputScale * weightScale) / outputScale);
  return { multiplier: new Int32Array(channels).fill(q.multiplier), shift: new Int32Array(channels).fill(q.shift) };
}

/** add.cc Prepare (int8): left_shift 20, inputs rescaled to twice the larger input scale, all in double. */
export function addParams(a: TensorQuant, b: TensorQuant, out: TensorQuant, act: FusedActivation): AddKernelParams {
  return {
    input1Offset: -a.zeroPoint,
    input2Offset: -b.zeroPoint,
    ...withMultiplierErrors(() => addRescale(a.scale, b.scale, out.scale)),
    outputOffset: out.zeroPoint,
    ...activationRange(act, out),
  };
}

/** mul.cc Prepare (int8): input1_scale x input2_scale / output_scale in double. */
export function mulParams(a: TensorQuant, b: TensorQuant, out: TensorQuant, act: FusedActivation): MulKernelParams {
  const m = multiplier((a.scale * b.scale) / out.scale);
  return { input1Offset: -a.zeroPoint, input2Offset: -b.zeroPoint, outputMultiplier: m.multiplier, outputShift: m.shift, outputOffset: out.zeroPoint, ...activationRange(act, out) };
}

/** quantize.cc int8 -> int8 (Requantize): input_scale / output_scale in double. */
export function requantParams(input: TensorQuant, output: TensorQuant): RequantParams {
  const m = multiplier(input.scale / output.scale);
  return { inputOffset: -input.zeroPoint, outputOffset: output.zeroPoint, multiplier: m.multiplier, shift: m.shift };
}

/**
 * One int8 MEAN as TFLite's reference kernels compute it (reduce.cc EvalMean; TFLite Micro's reduce_common.cc
 * takes the same three paths):
 *   keep_dims, rank 4, axes exactly [1, 2] or [2, 1]: reference_integer_ops::Mean, multiplier input_scale /
 *     output_scale (double) applied to the offset sum, then the division rounded to nearest ('nearest');
 *   otherwise equal input and output quantization: reference_ops::Mean, the raw sum divided by the count in
 *     integer division ('truncate');
 *   otherwise reference_ops::QuantizedMeanOrSum in float32: scale = input_scale / output_scale, bias =
 *     -input_zero_point * scale + 0.5 ('float').
 * (TensorFlow 2.14 and later route every int8 MEAN through an integer QuantizedMeanOrSum instead; this follows
 * TFLite Micro and the TFLite releases the MCU models here were made with.)
 */
export function meanStep(input: TensorQuant, output: TensorQuant, special4d: boolean): MeanStep {
  const f = Math.fround;
  const none = { scale: 0, bias: 0 };
  if (special4d) {
    const m = multiplier(f(input.scale) / f(output.scale));
    return { rounding: 'nearest', inputOffset: -input.zeroPoint, outputOffset: output.zeroPoint, multiplier: m.multiplier, shift: m.shift, ...none };
  }
  if (input.scale === output.scale && input.zeroPoint === output.zeroPoint) return { rounding: 'truncate', inputOffset: 0, outputOffset: 0, multiplier: 1 << 30, shift: 1, ...none };
  const scale = f(f(input.scale) / f(output.scale));
  if (!(Number.isFinite(scale) && scale > 0)) throw new MultiplierError(`input scale / output scale = ${scale}`);
  const bias = f(f(-input.zeroPoint * scale) + 0.5);
  return { rounding: 'float', inputOffset: 0, outputOffset: output.zeroPoint, multiplier: 1 << 30, shift: 1, scale, bias };
}

/**
 * QUANTIZE float -> int8 as TFLite's AffineQuantize: round(x / scale) with the division in float32, plus the
 * zero point, saturated. Use this (not a double division) to feed an int8 graph what TFLite would.
 */
export function quantizeLikeTflite(x: ArrayLike<number>, q: TensorQuant): Int8Array {
  const scale = Math.fround(q.scale);
  const out = new Int8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = q.zeroPoint + roundHalfAway(Math.fround(Math.fround(x[i]) / scale));
    out[i] = v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v;
  }
  return out;
}

/** DEQUANTIZE int8 -> float: scale x (q - zero point), stored as float32. */
export function dequantizeLikeTflite(y: Int8Array, q: TensorQuant): Float32Array {
  return Float32Array.from(y, (v) => q.scale * (v - q.zeroPoint));
}
