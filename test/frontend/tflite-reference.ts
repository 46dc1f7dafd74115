// TFLite's int8 reference kernels for the ops whose arithmetic is more than a requantization, written from
// TFLite's formulas (reference_ops::Softmax with gemmlowp's fixed-point exp and reciprocal; reference_ops::Mean,
// reference_integer_ops::Mean and QuantizedMeanOrSum; reference_integer_ops::Logistic; reference_ops::HardSwish),
// independently of src/quant's kernels and tables, so tests can check the import against them. Test code: the
// int8 interpreter stays the one golden model.
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

// ---- MEAN, LOGISTIC and HARD_SWISH as TFLite's reference kernels compute them (written from the kernels,
// independently of src/quant's tables and mean kernel) ----

/**
 * TFLite's int8 MEAN of an [N, H, W, C]-ordered (or any rank) tensor over `axes`, by the path reduce.cc picks
 * (TFLite Micro's reduce_common.cc is the same): keep_dims with rank 4 and axes [1, 2] -> reference_integer_ops::Mean;
 * equal quantizations -> reference_ops::Mean (integer division); otherwise QuantizedMeanOrSum in float32.
 * Returns the output in row-major order of the kept axes.
 */
export function meanS8Tflite(
  input: Int8Array,
  dims: readonly number[],
  axesRaw: readonly number[],
  keepDims: boolean,
  qIn: { scale: number; zeroPoint: number },
  qOut: { scale: number; zeroPoint: number },
): Int8Array {
  const rank = dims.length;
  const axes = new Set(axesRaw.map((a) => (a < 0 ? a + rank : a)));
  const outDims = dims.map((d, i) => (axes.has(i) ? 1 : d));
  const outSize = outDims.reduce((a, b) => a * b, 1);
  const n = dims.reduce((a, d, i) => (axes.has(i) ? a * d : a), 1);
  const sums = new Array<number>(outSize).fill(0);
  const offSums = new Array<number>(outSize).fill(0);
  const idx = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < input.length; flat++) {
    let o = 0;
    for (let i = 0; i < rank; i++) o = o * outDims[i] + (axes.has(i) ? 0 : idx[i]);
    sums[o] += input[flat];
    offSums[o] += input[flat] - qIn.zeroPoint;
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i] < dims[i]) break;
      idx[i] = 0;
    }
  }
  const f = Math.fround;
  const special = keepDims && rank === 4 && axesRaw.length === 2 && ((axesRaw[0] === 1 && axesRaw[1] === 2) || (axesRaw[0] === 2 && axesRaw[1] === 1));
  const same = qIn.scale === qOut.scale && qIn.zeroPoint === qOut.zeroPoint;
  const sat = (v: number) => Math.max(-128, Math.min(127, v));
  const out = new Int8Array(outSize);
  for (let o = 0; o < outSize; o++) {
    if (special) {
      const { multiplier, shift } = quantizeMultiplier(f(qIn.scale) / f(qOut.scale));
      let acc = offSums[o];
      // MultiplyByQuantizedMultiplier written out with BigInt: (acc << left) * m, rounded high half, rounding right shift.
      const left = Math.max(shift, 0);
      const right = Math.max(-shift, 0);
      const prod = BigInt(acc * 2 ** left) * BigInt(multiplier);
      const nudge = prod >= 0n ? 1n << 30n : 1n - (1n << 30n);
      let high = Number((prod + nudge) / (1n << 31n)); // C division truncates; BigInt division does too
      if (right > 0) {
        const mask = 2 ** right - 1;
        const rem = ((high % 2 ** right) + 2 ** right) % 2 ** right;
        const threshold = Math.floor(mask / 2) + (high < 0 ? 1 : 0);
        high = Math.floor(high / 2 ** right) + (rem > threshold ? 1 : 0);
      }
      acc = high;
      acc = acc > 0 ? Math.trunc((acc + Math.trunc(n / 2)) / n) : Math.trunc((acc - Math.trunc(n / 2)) / n);
      out[o] = sat(acc + qOut.zeroPoint);
    } else if (same) {
      out[o] = Math.trunc(sums[o] / n);
    } else {
      const scale = f(f(qIn.scale) / f(qOut.scale));
      const bias = f(f(-qIn.zeroPoint * scale) + 0.5);
      const mean = f(f(sums[o]) / f(n));
      const r = f(f(mean * scale) + bias);
      const rounded = r < 0 ? -Math.round(-r) : Math.round(r);
      out[o] = sat(f(rounded + qOut.zeroPoint));
    }
  }
  return out;
}

/** gemmlowp exp_on_negative_values for `intBits` integer bits (1..5); Q0.31 result. */
function expOnNegativeValues(a: number, intBits: number): number {
  const fracBits = 31 - intBits;
  const quarter = 1 << (fracBits - 2);
  const aModQuarterMinusQuarter = wrap((a & (quarter - 1)) - quarter);
  let result = expOnQuarterInterval(saturatingShiftLeft(aModQuarterMinusQuarter, intBits));
  const remainder = wrap(aModQuarterMinusQuarter - a);
  const multipliers = [1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242];
  multipliers.forEach((m, k) => {
    if (intBits > k - 2 && remainder & (1 << (fracBits + k - 2))) result = srdhm(result, m);
  });
  return a === 0 ? INT32_MAX : result;
}

/** reference_integer_ops::Logistic (int8) with TFLite Micro's LogisticPrepare parameters. */
export function logisticS8Tflite(input: Int8Array, qIn: { scale: number; zeroPoint: number }): Int8Array {
  const real = Math.fround(qIn.scale) * 2 ** 27;
  let e = Math.floor(Math.log2(real)) + 1; // frexp exponent
  let q = real / 2 ** e;
  if (q >= 1) {
    q /= 2;
    e += 1;
  }
  if (q < 0.5) {
    q *= 2;
    e -= 1;
  }
  const multiplier = Math.round(q * 2 ** 31); // q > 0: TfLiteRound
  const radius = Math.floor((15 * 2 ** 27) / 2 ** e);
  return Int8Array.from(input, (v) => {
    const x = v - qIn.zeroPoint;
    if (x <= -radius) return -128;
    if (x >= radius) return 127;
    // MultiplyByQuantizedMultiplier(x, multiplier, e) with e >= 0 here (scales above 2^-27).
    const inQ4 = e >= 0 ? srdhm(x * 2 ** e, multiplier) : roundingDivideByPOT(srdhm(x, multiplier), -e);
    // gemmlowp logistic: 1 / (1 + exp(-|x|)), mirrored for negative x, one half at 0.
    let outQ0: number;
    if (inQ4 === 0) outQ0 = 1 << 30;
    else {
      const pos = oneOverOnePlusX(expOnNegativeValues(-Math.abs(inQ4), 4));
      outQ0 = inQ4 > 0 ? pos : wrap(INT32_MAX - pos);
    }
    return Math.max(-128, Math.min(127, roundingDivideByPOT(outQ0, 23) - 128));
  });
}

/** reference_ops::HardSwish<int8_t> with HardSwishPrepare's parameters (int16 arithmetic throughout). */
export function hardSwishS8Tflite(input: Int8Array, qIn: { scale: number; zeroPoint: number }, qOut: { scale: number; zeroPoint: number }): Int8Array {
  const f = Math.fround;
  const hires = f(f(1 / 128) * f(qIn.scale));
  const toInt16 = (m: number) => (m >= INT32_MAX - 32768 ? 32767 : (m + 32768) >> 16);
  const om = quantizeMultiplier(f(hires / f(qOut.scale)));
  const rm = quantizeMultiplier(f(hires / f(3 / 32768)));
  if (om.shift > 0) throw new Error('TFLite refuses this HARD_SWISH (output_multiplier_exponent > 0)');
  const [outM, outE, reluM, reluE] = [toInt16(om.multiplier), om.shift, toInt16(rm.multiplier), rm.shift];
  const s16 = (x: number) => (x << 16) >> 16;
  const sat16 = (x: number) => Math.max(-32768, Math.min(32767, x));
  const srdhm16 = (a: number, b: number) => (a === -32768 && b === -32768 ? 32767 : s16(Math.trunc((a * b + (a * b >= 0 ? 16384 : 1 - 16384)) / 32768)));
  const sdhm16 = (a: number, b: number) => (a === -32768 && b === -32768 ? 32767 : s16(Math.trunc((a * b) / 32768)));
  const rdbpot16 = (x: number, e: number) => {
    if (e === 0) return x;
    const mask = (1 << e) - 1;
    return s16((x >> e) + ((x & mask) > (mask >> 1) + (x < 0 ? 1 : 0) ? 1 : 0));
  };
  return Int8Array.from(input, (v) => {
    const x = s16(v - qIn.zeroPoint);
    const hiresX = s16(x * 128);
    const preOut = srdhm16(hiresX, outM);
    let r = hiresX;
    if (reluE > 0) r = sat16(r * 2 ** (reluE - 1));
    r = srdhm16(r, reluM);
    if (reluE > 0) r = sat16(r * 2);
    if (reluE < 0) r = rdbpot16(r, -reluE);
    r = s16((r + 32768) >> 1);
    const y = s16(rdbpot16(sdhm16(r, preOut), -outE) + qOut.zeroPoint);
    return Math.max(-128, Math.min(127, y));
  });
}
