// Training on a small slice of the lab's data learns far more than the constant (mean) predictor,
// a seed reproduces the same network, the learning-rate schedules have their shapes, and the target
// scale is folded back into the saved network.
import { describe, expect, it } from 'vitest';
import { readAccDataset, type AccDataset } from '../../src/predict/acc-dataset.ts';
import { encodeBatch } from '../../src/predict/encoded-batch.ts';
import { MlpInference } from '../../src/predict/mlp-inference.ts';
import { learningRate, splitRows, splitSizes, trainPredictor, TRAIN_DEFAULTS, type TrainOptions } from '../../src/predict/train.ts';
import { sharedPath } from '../helpers/shared.ts';

const full = readAccDataset(sharedPath('data', 'mcunet-acc-dataset'));
const subset: AccDataset = { configs: full.configs.slice(0, 3000), accPercent: full.accPercent.slice(0, 3000), files: [] };
const small: AccDataset = { ...subset, configs: subset.configs.slice(0, 600), accPercent: subset.accPercent.slice(0, 600) };

describe('splitRows', () => {
  it('is a seeded permutation: 40,000 / 5,000 for the 45,000 rows here', () => {
    expect(splitSizes(45_000)).toEqual({ train: 40_000, valid: 5_000 });
    expect(splitSizes(50_000)).toEqual({ train: 40_000, valid: 10_000 });
    const a = splitRows(1000, 4);
    expect(a.train.length + a.valid.length).toBe(1000);
    expect(new Set([...a.train, ...a.valid]).size).toBe(1000);
    expect(splitRows(1000, 4)).toEqual(a);
    expect(splitRows(1000, 5).valid).not.toEqual(a.valid);
  });
});

describe('learningRate', () => {
  const o = (schedule: TrainOptions['schedule'], minLrFraction = 0): TrainOptions => ({ ...TRAIN_DEFAULTS, lr: 1, schedule, minLrFraction });
  const curve = (opts: TrainOptions, total: number, warmup: number) => Array.from({ length: total }, (_, s) => learningRate(opts, s, total, warmup));

  it('warms up linearly to the peak, then follows the schedule to its end', () => {
    expect(curve(o('linear'), 9, 4)).toEqual([0.25, 0.5, 0.75, 1, 1, 0.75, 0.5, 0.25, 0]);
    curve(o('linear', 0.2), 5, 0).forEach((v, i) => expect(v).toBeCloseTo([1, 0.8, 0.6, 0.4, 0.2][i], 12));
    const cos = curve(o('cosine'), 5, 0);
    expect(cos[0]).toBe(1);
    expect(cos[2]).toBeCloseTo(0.5, 12);
    expect(cos[4]).toBeCloseTo(0, 12);
    expect(curve(o('constant'), 4, 2)).toEqual([0.5, 1, 1, 1]);
    expect(curve(o('step'), 9, 0)).toEqual([1, 1, 1, 1, 0.1, 0.1, 0.01, 0.01, 0.01]);
  });

  it('never hands Adam a zero or negative rate before the last step', () => {
    const lr = curve(TRAIN_DEFAULTS, 3130, 157);
    expect(lr.slice(0, -1).every((v) => v > 0)).toBe(true);
    expect(Math.max(...lr)).toBe(TRAIN_DEFAULTS.lr);
    expect(lr[lr.length - 1]).toBe(0);
  });
});

describe('trainPredictor', () => {
  it('beats the constant predictor by far in two epochs on 3,000 rows', () => {
    const r = trainPredictor(subset, { epochs: 2, batchSize: 64, lr: 3e-3, seed: 1 });
    const { valid } = splitRows(subset.configs.length, 1);
    let constantMae = 0;
    for (const i of valid) constantMae += Math.abs(subset.accPercent[i] / 100 - r.weights.baseAcc);
    constantMae /= valid.length;
    expect(r.validRows).toBe(valid.length);
    expect(r.history).toHaveLength(2);
    expect(r.validMae).toBeLessThan(0.5 * constantMae);
    expect(r.validPearson).toBeGreaterThan(0.8);
  });

  it('gives the same network for the same seed', () => {
    const opts = { epochs: 1, batchSize: 32, seed: 9, emaDecay: 0.99, dropout: 0.1 };
    const a = trainPredictor(small, opts);
    const b = trainPredictor(small, opts);
    expect(a.validMae).toBe(b.validMae);
    expect(a.weights.layers[2].weight).toEqual(b.weights.layers[2].weight);
  });

  it('folds the target scale into the last layer: the saved network predicts fractions', () => {
    for (const targetScale of [1, 100]) {
      const r = trainPredictor(small, { epochs: 2, batchSize: 32, seed: 3, targetScale });
      const { valid } = splitRows(small.configs.length, 3);
      const pred = new MlpInference(r.weights).run(encodeBatch(Array.from(valid, (i) => small.configs[i])));
      let mae = 0;
      valid.forEach((row, k) => (mae += Math.abs(pred[k] - small.accPercent[row] / 100)));
      expect(mae / valid.length).toBeCloseTo(r.validMae, 12);
      // The trainer's own evaluation (scaled output / scale + base_acc, float64) agrees with the saved network's.
      expect(r.history[1].validMae).toBeCloseTo(r.validMae, 7);
      expect(r.weights.layers[3].bias).toBeNull();
    }
  });

  it('splits by splitSeed when given, independently of the init seed', () => {
    const a = trainPredictor(small, { epochs: 1, batchSize: 32, seed: 4, splitSeed: 7 });
    const b = trainPredictor(small, { epochs: 1, batchSize: 32, seed: 5, splitSeed: 7 });
    const c = trainPredictor(small, { epochs: 1, batchSize: 32, seed: 7 });
    // The same training rows give the same base_acc (their mean label); different inits, different networks.
    expect(a.weights.baseAcc).toBe(b.weights.baseAcc);
    expect(a.weights.baseAcc).toBe(c.weights.baseAcc);
    expect(a.weights.layers[0].weight).not.toEqual(b.weights.layers[0].weight);
    expect(trainPredictor(small, { epochs: 1, batchSize: 32, seed: 4, splitSeed: 8 }).weights.baseAcc).not.toBe(a.weights.baseAcc);
  });
});
