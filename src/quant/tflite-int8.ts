// TFLite's integer algorithms for the int8 activations whose kernels are not plain requantizations,
// evaluated once per int8 input value at compile time into the 256-entry tables the LUT kernel indexes
// (firmware/kernels/own/lut.c). A table built this way gives, byte for byte, what TFLite's kernel computes:
//   LOGISTIC:   reference_integer_ops::Logistic (gemmlowp fixed-point logistic on a Q4.27 input), the int8
//               kernel of TFLite Micro. (The desktop interpreter's int8 LOGISTIC instead rounds the float
//               function into a table, which may differ from this one by 1 on a few entries.)
//   HARD_SWISH: reference_ops::HardSwish<int8_t> (16-bit fixed point with HardSwishPrepare's multipliers),
//               the same in the desktop interpreter and in TFLite Micro.
// Every function works on int32 (or int16) values held in JS numbers, wrapping where the C wraps.
import { INT32_MAX, INT32_MIN, frexp, quantizeMultiplier, roundHalfAway, roundingDivideByPOT, saturatingRoundingDoublingHighMul as srdhm, multiplyByQuantizedMultiplier as mbqm } from './fixed-point.ts';
import type { TensorQuant } from './quant-graph.ts';
import { QMAX, QMIN } from './scales.ts';

const wrap = (x: number) => x | 0;

/** gemmlowp SaturatingRoundingMultiplyByPOT<e> for e > 0 on int32: a left shift that saturates. */
export function saturatingShiftLeft(x: number, e: number): number {
  const threshold = 2 ** (31 - e) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x * 2 ** e;
}

/** gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl: Q0.31 in and out. */
export function expOnQuarterInterval(a: number): number {
  const constantTerm = 1895147668; // exp(-1/8) in Q0.31
  const oneThird = 715827883;
  const x = wrap(a + (1 << 28));
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = srdhm(x2, x2);
  const x4Over4 = roundingDivideByPOT(x4, 2);
  const poly = roundingDivideByPOT(wrap(srdhm(wrap(x4Over4 + x3), oneThird) + x2), 1);
  return wrap(constantTerm + srdhm(constantTerm, wrap(x + poly)));
}

/** exp(-2^e) in Q0.31 for e = -2, -1, ..., 4 (gemmlowp's barrel shifter constants). */
const EXP_BARREL = [1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242];

/**
 * gemmlowp exp_on_negative_values for a fixed-point input with `integerBits` integer bits (raw int32,
 * a <= 0); Q0.31 result. Valid for integerBits in [1, 5] (the clamp gemmlowp adds above 5 is not needed).
 */
export function expOnNegativeValues(a: number, integerBits: number): number {
  if (!(integerBits >= 1 && integerBits <= 5)) throw new RangeError(`expOnNegativeValues: ${integerBits} integer bits are not supported`);
  const fractionalBits = 31 - integerBits;
  const quarter = 1 << (fractionalBits - 2);
  const aModQuarterMinusQuarter = wrap((a & (quarter - 1)) - quarter);
  let result = expOnQuarterInterval(saturatingShiftLeft(aModQuarterMinusQuarter, integerBits));
  const remainder = wrap(aModQuarterMinusQuarter - a);
  for (let k = 0; k < EXP_BARREL.length; k++) {
    const exponent = k - 2;
    if (!(integerBits > exponent)) break;
    if (remainder & (1 << (fractionalBits + exponent))) result = srdhm(result, EXP_BARREL[k]);
  }
  return a === 0 ? INT32_MAX : result;
}

/** gemmlowp RoundingHalfSum on int32. */
function roundingHalfSum(a: number, b: number): number {
  const sum = a + b;
  return Math.trunc((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/** gemmlowp one_over_one_plus_x_for_x_in_0_1: Q0.31 in and out (Newton-Raphson in Q2.29). */
export function oneOverOnePlusX(a: number): number {
  const halfDenominator = roundingHalfSum(a, INT32_MAX);
  const c48over17 = 1515870810;
  const cNeg32over17 = -1010580540;
  const oneQ2 = 1 << 29;
  let x = wrap(c48over17 + srdhm(halfDenominator, cNeg32over17));
  for (let i = 0; i < 3; i++) {
    const hx = srdhm(halfDenominator, x);
    const oneMinus = wrap(oneQ2 - hx);
    x = wrap(x + saturatingShiftLeft(srdhm(x, oneMinus), 2));
  }
  return saturatingShiftLeft(x, 1);
}

/** gemmlowp logistic for a fixed-point input with `integerBits` integer bits; Q0.31 result. */
export function fixedPointLogistic(a: number, integerBits: number): number {
  if (a === 0) return 1 << 30; // one half
  const abs = a > 0 ? a : wrap(-a);
  const positive = oneOverOnePlusX(expOnNegativeValues(wrap(-abs), integerBits));
  return a > 0 ? positive : wrap(INT32_MAX - positive);
}

/** The int8 output quantization TFLite requires of LOGISTIC: scale 1/256, zero point -128. */
export const LOGISTIC_OUTPUT: TensorQuant = { scale: 1 / 256, zeroPoint: -128 };

/** TFLite's LOGISTIC preparation for int8 (TFLite Micro logistic_common.cc): Q4.27 input rescaling and radius. */
export function logisticParamsTflite(inputScale: number): { inputMultiplier: number; inputLeftShift: number; inputRangeRadius: number } {
  const inputIntegerBits = 4;
  const real = inputScale * 2 ** (31 - inputIntegerBits);
  const [q, e] = frexp(real);
  let multiplier = roundHalfAway(q * 2 ** 31);
  let shift = e;
  // TFLite would wrap a q that rounds up to 2^31; keep the same value as QuantizeMultiplier does.
  if (multiplier === 2 ** 31) {
    multiplier /= 2;
    shift += 1;
  }
  // CalculateInputRadius(4, shift, 31): floor(15 * 2^27 / 2^shift).
  const radius = Math.floor((((1 << inputIntegerBits) - 1) * 2 ** (31 - inputIntegerBits)) / 2 ** shift);
  return { inputMultiplier: multiplier, inputLeftShift: shift, inputRangeRadius: radius };
}

/** reference_integer_ops::Logistic on one int8 value. */
export function logisticS8Tflite(v: number, inputZeroPoint: number, p: ReturnType<typeof logisticParamsTflite>): number {
  const input = v - inputZeroPoint;
  if (input <= -p.inputRangeRadius) return -128;
  if (input >= p.inputRangeRadius) return 127;
  const inQ4 = mbqm(input, p.inputMultiplier, p.inputLeftShift);
  const outQ0 = fixedPointLogistic(inQ4, 4);
  const outQ23 = roundingDivideByPOT(outQ0, 31 - 8) - 128;
  return outQ23 < -128 ? -128 : outQ23 > 127 ? 127 : outQ23;
}

/** lut[v + 128]: TFLite's int8 LOGISTIC of v (output scale 1/256, zero point -128). */
export function logisticTableTflite(input: TensorQuant): Int8Array {
  const p = logisticParamsTflite(input.scale);
  const lut = new Int8Array(256);
  for (let v = -128; v <= 127; v++) lut[v + 128] = logisticS8Tflite(v, input.zeroPoint, p);
  return lut;
}

// ---- HARD_SWISH: 16-bit fixed point ----

const int16 = (x: number) => (x << 16) >> 16;
const clamp16 = (x: number) => (x < -32768 ? -32768 : x > 32767 ? 32767 : x);

/** gemmlowp SaturatingRoundingDoublingHighMul on int16. */
function srdhm16(a: number, b: number): number {
  if (a === -32768 && b === -32768) return 32767;
  const ab = a * b;
  const nudge = ab >= 0 ? 1 << 14 : 1 - (1 << 14);
  return int16(Math.trunc((ab + nudge) / 32768));
}

/** TFLite's SaturatingDoublingHighMul on int16: like SQDMULH, rounding toward zero. */
function sdhm16(a: number, b: number): number {
  if (a === -32768 && b === -32768) return 32767;
  return int16(Math.trunc((a * b) / 32768));
}

/** gemmlowp RoundingDivideByPOT on int16 (the mask is an int16, as in the template instantiation). */
function roundingDivideByPOT16(x: number, exponent: number): number {
  const mask = int16(Number((1n << BigInt(exponent)) - 1n) | 0);
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return int16((x >> Math.min(exponent, 31)) + (remainder > threshold ? 1 : 0));
}

/** TFLite's DownScaleInt32ToInt16Multiplier. */
function downScaleToInt16(m: number): number {
  if (m >= INT32_MAX - (1 << 15)) return 32767;
  return (m + (1 << 15)) >> 16;
}

export interface HardSwishParamsTflite {
  readonly inputZeroPoint: number;
  readonly outputZeroPoint: number;
  readonly reluishMultiplier: number;
  readonly reluishExponent: number;
  readonly outputMultiplier: number;
  readonly outputExponent: number;
}

/** HardSwishPrepare for int8 (float scales, then double), TFLite and TFLite Micro alike. Throws where TFLite refuses the op. */
export function hardSwishParamsTflite(input: TensorQuant, output: TensorQuant): HardSwishParamsTflite {
  const f = Math.fround;
  const hiresInputScale = f(f(1 / 128) * f(input.scale));
  const reluishScale = f(3 / 32768);
  const out = quantizeMultiplier(f(hiresInputScale / f(output.scale)));
  if (out.shift > 0) throw new RangeError(`int8 HARD_SWISH needs input scale / output scale < 128 (TFLite's output_multiplier_exponent <= 0), got ${input.scale} / ${output.scale}`);
  const reluish = quantizeMultiplier(f(hiresInputScale / reluishScale));
  return {
    inputZeroPoint: input.zeroPoint,
    outputZeroPoint: output.zeroPoint,
    reluishMultiplier: downScaleToInt16(reluish.multiplier),
    reluishExponent: reluish.shift,
    outputMultiplier: downScaleToInt16(out.multiplier),
    outputExponent: out.shift,
  };
}

/** reference_ops::HardSwish<int8_t> on one value. */
export function hardSwishS8Tflite(v: number, p: HardSwishParamsTflite): number {
  const inputValue = int16(v - p.inputZeroPoint);
  const hires = int16(inputValue * 128);
  const preshiftOutputScale = srdhm16(hires, p.outputMultiplier);
  let reluish = hires;
  if (p.reluishExponent > 0) reluish = clamp16(reluish * 2 ** (p.reluishExponent - 1));
  reluish = srdhm16(reluish, p.reluishMultiplier);
  if (p.reluishExponent > 0) reluish = clamp16(reluish * 2);
  if (p.reluishExponent < 0) reluish = roundingDivideByPOT16(reluish, -p.reluishExponent);
  reluish = int16((reluish + (1 << 15)) >> 1);
  const preshiftOutput = sdhm16(reluish, preshiftOutputScale);
  let out = roundingDivideByPOT16(preshiftOutput, -p.outputExponent);
  out = int16(out + p.outputZeroPoint);
  return out < -128 ? -128 : out > 127 ? 127 : out;
}

/** lut[v + 128]: TFLite's int8 HARD_SWISH of v. Throws where TFLite refuses the quantization pair. */
export function hardSwishTableTflite(input: TensorQuant, output: TensorQuant): Int8Array {
  const p = hardSwishParamsTflite(input, output);
  const lut = new Int8Array(256);
  for (let v = -128; v <= 127; v++) lut[v + 128] = hardSwishS8Tflite(v, p);
  return lut;
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
    out[i] = v < QMIN ? QMIN : v > QMAX ? QMAX : v;
  }
  return out;
}

/** DEQUANTIZE int8 -> float: scale x (q - zero point), stored as float32. */
export function dequantizeLikeTflite(y: Int8Array, q: TensorQuant): Float32Array {
  return Float32Array.from(y, (v) => q.scale * (v - q.zeroPoint));
}
