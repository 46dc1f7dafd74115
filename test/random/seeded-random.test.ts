// The seeded generators reproduce the streams that outputs depend on (seeded weights, calibration and
// synthetic images, predictor training): their first words are pinned here, computed independently of
// this module where the arithmetic is short enough to do by hand (the LCG), and from the generators this
// module replaced otherwise (recorded when they were merged into it).
import { describe, expect, it } from 'vitest';
import { below, between, lcg32, normal, shuffle, splitmix32, uniformStream, xoshiro128ss, type Uniform } from '../../src/random/seeded-random.ts';

const words = (u: Uniform, n = 4) => Array.from({ length: n }, () => u() * 2 ** 32);

describe('seeded generators', () => {
  it('splitmix32: the --calibration random stream', () => {
    expect(words(splitmix32(42))).toEqual([939911724, 3948730756, 321366731, 3317318717]);
  });

  it('uniformStream: one splitmix32 stream per name (seeded weights), independent of other names', () => {
    expect(words(uniformStream(5, 'conv.w'))).toEqual([901842336, 3029928381, 4207265295, 806166420]);
    expect(words(uniformStream(5, 'conv.b'))).not.toEqual(words(uniformStream(5, 'conv.w')));
    expect(words(uniformStream(6, 'conv.w'))).not.toEqual(words(uniformStream(5, 'conv.w')));
  });

  it('lcg32: Numerical Recipes LCG, state by state', () => {
    const mine: number[] = [];
    let s = 42;
    for (let i = 0; i < 4; i++) mine.push((s = (s * 1664525 + 1013904223) % 2 ** 32)); // exact in float64 (< 2^53)
    expect(words(lcg32(42))).toEqual(mine);
    expect(mine[0]).toBe(1083814273);
  });

  it('xoshiro128ss: the predictor stream, seeds above 2^32 distinct, bad seeds refused', () => {
    expect(words(xoshiro128ss(42))).toEqual([2837322924, 544945897, 479756282, 3500138142]);
    expect(words(xoshiro128ss(2 ** 40 + 3))).toEqual([3417062142, 4202854872, 1590332075, 3530267677]);
    expect(words(xoshiro128ss(2 ** 32 + 42))).not.toEqual(words(xoshiro128ss(42)));
    expect(() => xoshiro128ss(-1)).toThrow(RangeError);
    expect(() => xoshiro128ss(1.5)).toThrow(RangeError);
  });

  it('draws on any generator: between, below, shuffle (a permutation), normal (mean 0, sd 1)', () => {
    const u = splitmix32(7);
    for (let i = 0; i < 1000; i++) {
      const x = between(u, -2, 3);
      expect(x >= -2 && x < 3).toBe(true);
      const k = below(u, 10);
      expect(Number.isInteger(k) && k >= 0 && k < 10).toBe(true);
    }
    const p = shuffle(xoshiro128ss(1), Int32Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    const v = uniformStream(3, 'n');
    const xs = Array.from({ length: 20000 }, () => normal(v));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });
});
