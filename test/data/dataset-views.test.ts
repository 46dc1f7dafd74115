import { describe, expect, it } from 'vitest';
import { calibrationImages, DEFAULT_PREPROCESS, measureAccuracy, nchwToNhwc, nhwcToNchw, randomImages, separateCalibration, splitHalf, spread, subset, type Dataset, type InputSpec } from '../../src/data/index.ts';

/** A fake dataset: image i is [i], label i % 3. */
function counting(size: number, id = 'fake'): Dataset {
  return {
    name: id,
    id,
    classes: ['a', 'b', 'c'],
    size,
    get: (i) => ({ image: Float32Array.of(i), label: i % 3, source: `${id}#${i}` }),
    labelOf: (i) => i % 3,
  };
}
const ids = (ds: Dataset) => Array.from({ length: ds.size }, (_, i) => ds.get(i).image[0]);

describe("the lab's split", () => {
  it('puts even indices in validation and odd ones in calibration, together everything once', () => {
    const ds = counting(7);
    expect(ids(splitHalf(ds, 'validation'))).toEqual([0, 2, 4, 6]);
    expect(ids(splitHalf(ds, 'calibration'))).toEqual([1, 3, 5]);
  });

  it('applies whenever calibration and evaluation share a dataset, or --split asks', () => {
    const ds = counting(10);
    const same = separateCalibration(ds, counting(10), false);
    expect(same.split).toBe(true);
    expect(ids(same.evaluation)).toEqual([0, 2, 4, 6, 8]);
    expect(ids(same.calibration as Dataset)).toEqual([1, 3, 5, 7, 9]);

    const other = separateCalibration(ds, counting(4, 'other'), false);
    expect(other.split).toBe(false);
    expect(other.evaluation.size).toBe(10);
    expect((other.calibration as Dataset).size).toBe(4);

    const random = separateCalibration(ds, 'random', true);
    expect(ids(random.evaluation)).toEqual([0, 2, 4, 6, 8]);
    expect(random.calibration).toBe('random');
    expect(separateCalibration(ds, 'random', false).evaluation).toBe(ds);
  });
});

describe('--limit', () => {
  it('spreads N images evenly, so a dataset sorted by class keeps every class', () => {
    expect(ids(spread(counting(10), 4))).toEqual([0, 2, 5, 7]);
    expect(spread(counting(10), 10).size).toBe(10);
    expect(spread(counting(3), 99).size).toBe(3);
    const sorted: Dataset = { ...counting(300), labelOf: (i) => Math.floor(i / 100), get: (i) => ({ image: Float32Array.of(i), label: Math.floor(i / 100), source: '' }) };
    const l = spread(sorted, 9);
    expect(new Set(Array.from({ length: 9 }, (_, i) => l.labelOf(i)))).toEqual(new Set([0, 1, 2]));
  });

  it('views refuse indices outside them', () => {
    expect(() => subset(counting(3), [3], 'x')).toThrow(RangeError);
    expect(() => spread(counting(10), 2).get(2)).toThrow(RangeError);
  });
});

describe('calibration images', () => {
  const spec: InputSpec = { channels: 3, height: 2, width: 3, layout: 'nhwc' };
  it('takes N images spread over the dataset', () => {
    expect(calibrationImages(counting(100), 4).map((x) => x[0])).toEqual([0, 25, 50, 75]);
  });
  it('random images are seeded, span the normalised pixel range and differ between images', () => {
    const a = randomImages(spec, DEFAULT_PREPROCESS, 50, 1);
    const b = randomImages(spec, DEFAULT_PREPROCESS, 50, 1);
    expect(a).toEqual(b);
    expect(randomImages(spec, DEFAULT_PREPROCESS, 1, 2)[0]).not.toEqual(a[0]);
    const all = a.flatMap((x) => Array.from(x));
    expect(all.length).toBe(50 * 18);
    expect(Math.min(...all)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...all)).toBeLessThanOrEqual(1);
    expect(Math.min(...all)).toBeLessThan(-0.95);
    expect(Math.max(...all)).toBeGreaterThan(0.95);
    const raw = randomImages(spec, { ...DEFAULT_PREPROCESS, scale: 255, mean: [0], std: [1] }, 20, 3).flatMap((x) => Array.from(x));
    expect(Math.max(...raw)).toBeGreaterThan(240);
  });
});

describe('layouts', () => {
  it('NCHW <-> NHWC moves channel planes to interleaved pixels and back', () => {
    const nchw = Float32Array.from([1, 2, 3, 4, 10, 20, 30, 40]); // 2 channels of 2x2
    const nhwc = nchwToNhwc(nchw, 2, 2, 2);
    expect(Array.from(nhwc)).toEqual([1, 10, 2, 20, 3, 30, 4, 40]);
    expect(Array.from(nhwcToNchw(nhwc, 2, 2, 2))).toEqual(Array.from(nchw));
    expect(() => nchwToNhwc(nchw, 3, 2, 2)).toThrow(RangeError);
  });
});

describe('accuracy', () => {
  it('counts top-1 hits, the confusion matrix, flips between the first two classifiers, and mistakes', async () => {
    const ds = counting(9); // labels 0,1,2,0,1,2,0,1,2
    const seen: number[] = [];
    const r = await measureAccuracy(
      ds,
      [
        { name: 'perfect', predict: (s) => s.label },
        { name: 'always 0', predict: async () => 0 },
        { name: 'out of range', predict: () => 7 },
      ],
      { onImage: (done) => seen.push(done), keepMistakes: 2 },
    );
    expect(r.images).toBe(9);
    expect(r.scores.map((s) => s.accuracy)).toEqual([1, 3 / 9, 0]);
    expect(r.scores[1].confusion).toEqual([[3, 0, 0], [3, 0, 0], [3, 0, 0]]);
    expect(r.scores[0].confusion).toEqual([[3, 0, 0], [0, 3, 0], [0, 0, 3]]);
    expect(r.scores[2].confusion.flat().reduce((a, b) => a + b)).toBe(0);
    expect(r.disagreements).toBe(6);
    expect(r.scores[1].mistakes).toEqual([{ index: 1, source: 'fake#1', label: 1, predicted: 0 }, { index: 2, source: 'fake#2', label: 2, predicted: 0 }]);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
