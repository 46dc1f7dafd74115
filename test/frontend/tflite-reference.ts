// TFLite's int8 reference kernels for the two ops where src/quant's int8 interpreter computes something
// else, written from TFLite's formulas (reference_ops::Softmax with gemmlowp's fixed-point exp and
// reciprocal; reference_ops::Mean with equal input and output quantization), so tests can measure the
// difference on the real models. Test code: the int8 interpreter stays the one golden model.
import { roundingDivideByPOT, saturatingRoundingDoublingHighMul as srdhm, quantizeMultiplier, INT32_MAX, INT32_MIN } from '../../src/quant/fixed-point.ts';

const wrap = (x: number) => x | 0;

/** gemmlowp SaturatingRoundingMultiplyByPOT<e> for e > 0 (saturating left shift) on int32. */
function saturatingShiftLeft(x: number, e: number): number {
  const threshold = 2 ** (31 - e) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x * 2 ** e;
}

/** exp(a) for a in [-1/4, 0), Q0.31 in and out (gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl). */
function expOnQuarterInterval(a: number): number {
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

/** gemmlowp exp_on_negative_values for a Q5.26 input; Q0.31 result. */
function expOnNegativeValuesQ5(a: number): number {
  const quarter = 1 << 24;
  const aModQuarterMinusQuarter = wrap((a & (quarter - 1)) - quarter);
  let result = expOnQuarterInterval(saturatingShiftLeft(aModQuarterMinusQuarter, 5));
  const remainder = wrap(aModQuarterMinusQuarter - a);
  // exp(-2^e) in Q0.31 for e = -2 .. 4, applied for each set bit 26 + e of the remainder.
  const multipliers = [1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242];
  multipliers.forEach((m, k) => {
    if (remainder & (1 << (24 + k))) result = srdhm(result, m);
  });
  return a === 0 ? INT32_MAX : result;
}

/** gemmlowp one_over_one_plus_x_for_x_in_0_1, Q0.31 in and out (Newton-Raphson in Q2.29). */
function oneOverOnePlusX(a: number): number {
  const sum = a + INT32_MAX;
  const halfDenominator = Math.trunc((sum + (sum >= 0 ? 1 : -1)) / 2);
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

function countLeadingZeros(x: number): number {
  return Math.clz32(x >>> 0);
}

export interface SoftmaxParamsTflite {
  readonly inputMultiplier: number;
  readonly inputLeftShift: number;
  readonly diffMin: number;
}

/** PreprocessSoftmaxScaling and CalculateInputRadius for int8 input (5 integer bits of scaled difference). */
export function softmaxParamsTflite(inputScale: number, beta = 1): SoftmaxParamsTflite {
  const real = Math.min(beta * inputScale * 2 ** 26, 2 ** 31 - 1);
  const { multiplier, shift } = quantizeMultiplier(real);
  const radius = Math.floor((31 * 2 ** 26) / 2 ** shift);
  return { inputMultiplier: multiplier, inputLeftShift: shift, diffMin: -radius };
}

/** reference_ops::Softmax, int8 in and out (output scale 1/256, zero point -128), over rows of `depth`. */
export function softmaxS8Tflite(input: Int8Array, depth: number, p: SoftmaxParamsTflite): Int8Array {
  const out = new Int8Array(input.length);
  for (let r = 0; r < input.length / depth; r++) {
    const row = input.subarray(r * depth, (r + 1) * depth);
    let max = -128;
    for (const v of row) max = Math.max(max, v);
    const scaled = (v: number) => srdhm((v - max) * 2 ** p.inputLeftShift, p.inputMultiplier);
    let sum = 0; // Q12.19
    for (const v of row) if (v - max >= p.diffMin) sum = wrap(sum + roundingDivideByPOT(expOnNegativeValuesQ5(scaled(v)), 12));
    const headroomPlusOne = countLeadingZeros(sum);
    const bitsOverUnit = 12 - headroomPlusOne;
    const shiftedSumMinusOne = wrap(((sum >>> 0) * 2 ** headroomPlusOne - 2 ** 31) % 2 ** 32);
    const scale = oneOverOnePlusX(shiftedSumMinusOne);
    const exponent = bitsOverUnit + 31 - 8;
    row.forEach((v, c) => {
      if (v - max < p.diffMin) {
        out[r * depth + c] = -128;
        return;
      }
      const y = roundingDivideByPOT(srdhm(scale, expOnNegativeValuesQ5(scaled(v))), exponent) - 128;
      out[r * depth + c] = Math.max(-128, Math.min(127, y));
    });
  }
  return out;
}

/**
 * What TFLite's reference MEAN computes for MCUNet's pooling (TRANSPOSE to NCHW, MEAN over W, MEAN over H,
 * equal input and output quantization throughout): each MEAN sums the raw int8 values and divides by the
 * count in C integer division (truncation toward zero). Input NHWC [1, H, W, C]; output C values.
 */
export function twoStepMeanS8Tflite(input: Int8Array, h: number, w: number, c: number): Int8Array {
  const out = new Int8Array(c);
  for (let ch = 0; ch < c; ch++) {
    let sumOfRows = 0;
    for (let y = 0; y < h; y++) {
      let sum = 0;
      for (let x = 0; x < w; x++) sum += input[(y * w + x) * c + ch];
      sumOfRows += Math.trunc(sum / w);
    }
    out[ch] = Math.trunc(sumOfRows / h);
  }
  return out;
}
