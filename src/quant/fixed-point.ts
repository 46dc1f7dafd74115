// TFLite/gemmlowp fixed-point arithmetic, exactly as the C kernels compute it (firmware/kernels/own/requant.h).
// Every function takes and returns int32 values held in JS numbers. The 64-bit product inside
// SaturatingRoundingDoublingHighMul is split into 16-bit halves so that every intermediate stays below
// 2^53 (exact in a double) without BigInt: the interpreter calls it once per output element.

export const INT32_MIN = -0x80000000;
export const INT32_MAX = 0x7fffffff;

/**
 * A scale or multiplier that int8 arithmetic cannot represent (a NaN, an infinity, a multiplier of 2^31 or
 * more): it comes from a model's scales or weights, so callers turn it into an InputError naming the op.
 */
export class ScaleRangeError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'ScaleRangeError';
  }
}

/** A number for a message: three significant digits (a multiplier's last bits mean nothing to a reader). */
export function approx(x: number): string {
  return Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(3)).toString() : String(x);
}

/** Round half away from zero (C's round / TfLiteRound); Math.round rounds halves toward +infinity. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) + 0 : Math.round(x); // + 0 turns -0 into 0
}

/**
 * C's frexp for a finite positive double: x = fraction * 2^exponent with fraction in [0.5, 1).
 * Read from the bits, so it is exact for every double (subnormals included).
 */
export function frexp(x: number): [fraction: number, exponent: number] {
  if (!(x > 0) || !Number.isFinite(x)) throw new ScaleRangeError(`frexp needs a finite positive number, got ${x}`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const biased = (view.getUint16(0) >>> 4) & 0x7ff;
  if (biased === 0) {
    // Subnormal: scale into the normal range first.
    const [f, e] = frexp(x * 2 ** 64);
    return [f, e - 64];
  }
  const exponent = biased - 1022;
  return [x / 2 ** exponent, exponent];
}

/**
 * TFLite's QuantizeMultiplier: real multiplier m >= 0 as a Q31 significand in [2^30, 2^31) and a power-of-two
 * exponent, m ~= multiplier * 2^(shift - 31). shift > 0 is a left shift. Multipliers below about 2^-31
 * flush to (0, 0) as TFLite does.
 */
export function quantizeMultiplier(real: number): { multiplier: number; shift: number } {
  if (!(real >= 0) || !Number.isFinite(real)) throw new ScaleRangeError(`requantization multiplier ${real} is not a finite number >= 0`);
  if (real === 0) return { multiplier: 0, shift: 0 };
  let [q, shift] = frexp(real);
  let qFixed = roundHalfAway(q * 2 ** 31);
  if (qFixed === 2 ** 31) {
    qFixed /= 2;
    shift += 1;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  // A left shift beyond 30 overflows any nonzero int32 input; no sane model needs it.
  if (shift > 30) throw new ScaleRangeError(`requantization multiplier ${approx(real)} is too large (int8 kernels need it below 2^30)`);
  return { multiplier: qFixed, shift };
}

/**
 * gemmlowp SaturatingRoundingDoublingHighMul: a * b / 2^31 rounded to nearest with halves toward +infinity
 * (-0.5 -> 0, 0.5 -> 1: TFLite's nudge 1 - 2^30 for negative products, then truncation, does exactly that),
 * saturating the one overflow (INT32_MIN * INT32_MIN). Computed as floor((a*b + 2^30) / 2^31), which is
 * equal for every other input (and is CMSIS-NN's arm_nn_doubling_high_mult_no_sat).
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const bLo = b & 0xffff; // [0, 65535]
  const bHi = b >> 16; // [-32768, 32767]
  const p1 = a * bHi; // |p1| <= 2^46, exact
  const p0 = a * bLo; // |p0| < 2^47, exact
  // a*b = p1 * 2^16 + p0 and p1 = q1 * 2^15 + r1 with r1 in [0, 2^15): a*b = q1 * 2^31 + (r1 * 2^16 + p0).
  const q1 = Math.floor(p1 / 32768);
  const r1 = p1 - q1 * 32768;
  return q1 + Math.floor((r1 * 65536 + p0 + 1073741824) / 2147483648);
}

/** gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, halves away from zero; exponent in [0, 31]. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = exponent === 31 ? INT32_MAX : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/**
 * TFLite MultiplyByQuantizedMultiplier (double rounding). A left shift wraps modulo 2^32 as the C does
 * (the C shifts as uint32 to avoid undefined behaviour); quantizers keep inputs small enough that it never wraps.
 */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(left > 0 ? x << left : x, multiplier), right);
}

/** Clamp to [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** The input and output rescaling of an int8 add. */
export interface AddRescale {
  leftShift: number;
  input1Multiplier: number;
  input1Shift: number;
  input2Multiplier: number;
  input2Shift: number;
  outputMultiplier: number;
  outputShift: number;
}

/** The TFLite int8 add's headroom: inputs are scaled to 2^20 finer than twice the larger input scale. */
export const ADD_LEFT_SHIFT = 20;

/** TFLite's int8 add (add.cc Prepare): left shift 20, inputs rescaled to twice the larger input scale, in double. */
export function addRescale(aScale: number, bScale: number, outScale: number): AddRescale {
  const leftShift = ADD_LEFT_SHIFT;
  const twiceMax = 2 * Math.max(aScale, bScale);
  const m1 = quantizeMultiplier(aScale / twiceMax);
  const m2 = quantizeMultiplier(bScale / twiceMax);
  const mo = quantizeMultiplier(twiceMax / (2 ** leftShift * outScale));
  return {
    leftShift,
    input1Multiplier: m1.multiplier,
    input1Shift: m1.shift,
    input2Multiplier: m2.multiplier,
    input2Shift: m2.shift,
    outputMultiplier: mo.multiplier,
    outputShift: mo.shift,
  };
}
