// The requantization helpers against hand-computed TFLite/gemmlowp values, and against a literal BigInt
// transcription of TFLite's reference code (the 64-bit arithmetic the fast version avoids).
import { describe, expect, it } from 'vitest';
import {
  frexp,
  INT32_MAX,
  INT32_MIN,
  multiplyByQuantizedMultiplier as mbqm,
  quantizeMultiplier,
  roundHalfAway,
  roundingDivideByPOT as rdbpot,
  saturatingRoundingDoublingHighMul as srdhm,
} from '../../src/quant/fixed-point.ts';
import { Draw } from './random-params.ts';

// TFLite reference (gemmlowp fixedpoint.h), transcribed with BigInt: nudge, then C's truncating division.
function srdhmRef(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, like C
}
function rdbpotRef(x: number, e: number): number {
  const mask = (1n << BigInt(e)) - 1n;
  const bx = BigInt(x);
  const rem = bx & mask;
  const threshold = (mask >> 1n) + (bx < 0n ? 1n : 0n);
  return Number((bx >> BigInt(e)) + (rem > threshold ? 1n : 0n));
}
function mbqmRef(x: number, m: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const shifted = Number(BigInt.asIntN(32, BigInt(x) << BigInt(left)));
  return rdbpotRef(srdhmRef(shifted, m), shift > 0 ? 0 : -shift);
}

describe('SaturatingRoundingDoublingHighMul', () => {
  it('hand-computed values', () => {
    expect(srdhm(1 << 30, 1 << 30)).toBe(1 << 29); // 0.5 * 0.5 = 0.25 of 2^31
    expect(srdhm(INT32_MAX, INT32_MAX)).toBe(INT32_MAX - 1); // (2^31-1)^2 / 2^31 = 2^31 - 2 + 2^-31
    expect(srdhm(100, 1 << 30)).toBe(50);
    expect(srdhm(-100, 1 << 30)).toBe(-50);
    expect(srdhm(0, INT32_MIN)).toBe(0);
  });

  it('rounds ties toward +infinity, as the nudge-and-truncate form does', () => {
    expect(srdhm(1, 1 << 30)).toBe(1); // 0.5 -> 1
    expect(srdhm(-1, 1 << 30)).toBe(0); // -0.5 -> 0
    expect(srdhm(3, 1 << 30)).toBe(2); // 1.5 -> 2
    expect(srdhm(-3, 1 << 30)).toBe(-1); // -1.5 -> -1
    expect(srdhm(-5, 1 << 30)).toBe(-2); // -2.5 -> -2
    expect(srdhm(-1, (1 << 30) + 1)).toBe(-1); // just past -0.5 -> -1
  });

  it('saturates INT32_MIN x INT32_MIN, the only overflow; INT32_MIN x others is exact', () => {
    expect(srdhm(INT32_MIN, INT32_MIN)).toBe(INT32_MAX);
    expect(srdhm(INT32_MIN, INT32_MAX)).toBe(-INT32_MAX); // -2^31 (2^31 - 1) / 2^31 = -(2^31 - 1)
    expect(srdhm(INT32_MIN, 1 << 30)).toBe(-(1 << 30));
    expect(srdhm(INT32_MIN, -1)).toBe(1); // 2^31 / 2^31
  });

  it('equals the BigInt TFLite reference on 200k random and extreme pairs', () => {
    const d = new Draw(1, 'srdhm');
    const extremes = [INT32_MIN, INT32_MIN + 1, -1, 0, 1, INT32_MAX, INT32_MAX - 1, 1 << 30, -(1 << 30), 65535, 65536, -65536, 32767, -32768];
    for (const a of extremes) for (const b of extremes) expect(srdhm(a, b)).toBe(srdhmRef(a, b));
    let mismatches = 0;
    for (let i = 0; i < 200_000; i++) {
      const a = d.chance(0.5) ? d.int(INT32_MIN, INT32_MAX) : d.int(-70000, 70000);
      const b = d.chance(0.8) ? d.int(1 << 30, INT32_MAX) : d.int(INT32_MIN, INT32_MAX);
      if (srdhm(a, b) !== srdhmRef(a, b)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});

describe('RoundingDivideByPOT', () => {
  it('rounds to nearest, ties away from zero', () => {
    expect(rdbpot(5, 1)).toBe(3); // 2.5
    expect(rdbpot(-5, 1)).toBe(-3); // -2.5
    expect(rdbpot(-3, 1)).toBe(-2); // -1.5
    expect(rdbpot(-1, 1)).toBe(-1); // -0.5
    expect(rdbpot(1, 1)).toBe(1); // 0.5
    expect(rdbpot(6, 2)).toBe(2); // 1.5
    expect(rdbpot(-6, 2)).toBe(-2); // -1.5
    expect(rdbpot(-7, 2)).toBe(-2); // -1.75
    expect(rdbpot(-5, 2)).toBe(-1); // -1.25
    expect(rdbpot(12345, 0)).toBe(12345);
    expect(rdbpot(INT32_MIN, 31)).toBe(-1);
    expect(rdbpot(INT32_MAX, 31)).toBe(1);
    expect(rdbpot(1 << 30, 31)).toBe(1); // 0.5 -> 1
    expect(rdbpot(-(1 << 30), 31)).toBe(-1); // -0.5 -> -1
  });

  it('equals the BigInt reference on random values and every exponent', () => {
    const d = new Draw(2, 'rdbpot');
    for (let e = 0; e <= 31; e++)
      for (let i = 0; i < 2000; i++) {
        const x = d.int(INT32_MIN, INT32_MAX);
        expect(rdbpot(x, e)).toBe(rdbpotRef(x, e));
      }
  });
});

describe('QuantizeMultiplier (frexp normalisation)', () => {
  it('hand-computed values', () => {
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 1 << 30, shift: 0 });
    expect(quantizeMultiplier(1)).toEqual({ multiplier: 1 << 30, shift: 1 });
    expect(quantizeMultiplier(0.75)).toEqual({ multiplier: 3 << 29, shift: 0 });
    expect(quantizeMultiplier(0.25)).toEqual({ multiplier: 1 << 30, shift: -1 });
    expect(quantizeMultiplier(3)).toEqual({ multiplier: 3 << 29, shift: 2 });
    // round(0.1 * 2^35) with 0.1 = 0.8 * 2^-3
    expect(quantizeMultiplier(0.1)).toEqual({ multiplier: Math.round(0.8 * 2 ** 31), shift: -3 });
    // q * 2^31 rounds up to 2^31: halve it and bump the exponent
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: 1 << 30, shift: 1 });
    // smallest kept and first flushed exponents
    expect(quantizeMultiplier(2 ** -32)).toEqual({ multiplier: 1 << 30, shift: -31 });
    expect(quantizeMultiplier(2 ** -33)).toEqual({ multiplier: 0, shift: 0 });
    expect(() => quantizeMultiplier(-1)).toThrow(RangeError);
    expect(() => quantizeMultiplier(2 ** 31)).toThrow(RangeError);
  });

  it('frexp is exact: fraction in [0.5, 1) and fraction * 2^exp reproduces x', () => {
    const d = new Draw(3, 'frexp');
    for (let i = 0; i < 5000; i++) {
      const x = 2 ** d.int(-1070, 1000) * (1 + d.int(0, 2 ** 30) / 2 ** 30);
      const [f, e] = frexp(x);
      expect(f >= 0.5 && f < 1).toBe(true);
      expect(f * 2 ** e).toBe(x);
    }
    expect(frexp(Number.MIN_VALUE)).toEqual([0.5, -1073]);
  });

  it('the multiplier reproduces the real value to 2^-31 relative', () => {
    const d = new Draw(4, 'qm');
    for (let i = 0; i < 5000; i++) {
      const real = 2 ** (-20 + 25 * (d.int(0, 1e9) / 1e9));
      const { multiplier, shift } = quantizeMultiplier(real);
      expect(multiplier).toBeGreaterThanOrEqual(1 << 30);
      expect(multiplier).toBeLessThanOrEqual(INT32_MAX);
      expect(Math.abs((multiplier * 2 ** (shift - 31)) / real - 1)).toBeLessThanOrEqual(2 ** -31);
    }
  });
});

describe('MultiplyByQuantizedMultiplier', () => {
  it('hand-computed values: right shift, left shift, double rounding', () => {
    expect(mbqm(100, 1 << 30, -1)).toBe(25); // 100 * 0.25
    expect(mbqm(-100, 1 << 30, -1)).toBe(-25);
    expect(mbqm(10, 1 << 30, 2)).toBe(20); // 10 * 2
    expect(mbqm(3, 1 << 30, 0)).toBe(2); // 1.5 -> 2 (the high-mul rounds)
    expect(mbqm(-3, 1 << 30, 0)).toBe(-1); // -1.5 -> -1
    expect(mbqm(6, 1 << 30, -1)).toBe(2); // 6 * 0.25 = 1.5: high-mul gives 3, then 3/2 = 1.5 -> 2 (away)
    expect(mbqm(-6, 1 << 30, -1)).toBe(-2); // -1.5 -> -2 (away from zero in the divide)
    // Double rounding, TFLite's known quirk: 1 * 0.25 -> high-mul 0.5 rounds to 1 -> 1 / 2 = 0.5 rounds to 1 (not 0)
    expect(mbqm(1, 1 << 30, -1)).toBe(1);
    expect(quantizeMultiplier(0.3)).toEqual({ multiplier: 1288490189, shift: -1 }); // round(0.6 * 2^31)
    expect(mbqm(5, 1288490189, -1)).toBe(2); // high-mul: 2.99999... -> 3; 3 / 2 = 1.5 -> 2
    // a left shift that overflows int32 wraps like the C's uint32 shift
    expect(mbqm(1 << 29, 1 << 30, 3)).toBe(mbqmRef(1 << 29, 1 << 30, 3));
  });

  it('equals the BigInt reference over realistic accumulators and multipliers', () => {
    const d = new Draw(5, 'mbqm');
    let mismatches = 0;
    for (let i = 0; i < 100_000; i++) {
      const acc = d.chance(0.3) ? d.int(INT32_MIN, INT32_MAX) : d.int(-(1 << 24), 1 << 24);
      const m = d.multiplier();
      if (mbqm(acc, m.multiplier, m.shift) !== mbqmRef(acc, m.multiplier, m.shift)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('roundHalfAway is C round()', () => {
    expect([2.5, -2.5, 0.5, -0.5, 1.4999, -1.5].map(roundHalfAway)).toEqual([3, -3, 1, -1, 1, -2]);
  });
});
