// Training on a small slice of the lab's data learns far more than the constant (mean) predictor,
// and a seed reproduces the same network.
import { describe, expect, it } from 'vitest';
import { readAccDataset, type AccDataset } from '../../src/predict/acc-dataset.ts';
import { splitRows, splitSizes, trainPredictor } from '../../src/predict/train.ts';
import { sharedPath } from '../helpers/shared.ts';

const full = readAccDataset(sharedPath('data', 'mcunet-acc-dataset'));
const subset: AccDataset = { configs: full.configs.slice(0, 3000), accPercent: full.accPercent.slice(0, 3000), files: [] };

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
    const small: AccDataset = { ...subset, configs: subset.configs.slice(0, 600), accPercent: subset.accPercent.slice(0, 600) };
    const opts = { epochs: 1, batchSize: 32, seed: 9, emaDecay: 0.99, dropout: 0.1 };
    const a = trainPredictor(small, opts);
    const b = trainPredictor(small, opts);
    expect(a.validMae).toBe(b.validMae);
    expect(a.weights.layers[2].weight).toEqual(b.weights.layers[2].weight);
  });
});
