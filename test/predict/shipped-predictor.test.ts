// The predictor shipped in predictors/ meets the quality bar on dataset rows it never trained on:
// its file records the split seed, so the held-out rows are recomputed here (not read from the file),
// and the recomputed figures must be the ones the file claims.
import { describe, expect, it } from 'vitest';
import { readAccDataset } from '../../src/predict/acc-dataset.ts';
import { encodeBatch } from '../../src/predict/encoded-batch.ts';
import { DEFAULT_PREDICTOR_FILE, loadPredictor } from '../../src/predict/load-model.ts';
import { fitMetrics } from '../../src/predict/metrics.ts';
import { LAB_HIDDEN } from '../../src/predict/mlp.ts';
import { loadPredictorFile } from '../../src/predict/predictor-file.ts';
import { splitRows, TRAIN_DEFAULTS } from '../../src/predict/train.ts';
import { sharedPath } from '../helpers/shared.ts';

interface TrainingRecord {
  command: string;
  seed: number;
  splitSeed?: number;
  trainRows: number;
  rows: number;
  validMae: number;
  validPearson: number;
  epochs: number;
  weightDecay: number;
  targetScale: number;
}

const file = loadPredictorFile(DEFAULT_PREDICTOR_FILE);
const training = file.training as unknown as TrainingRecord;

describe('shipped predictor', () => {
  it('has MAE ≤ 0.0015 (0.15 accuracy points) on the held-out rows, as its file records', () => {
    const data = readAccDataset(sharedPath('data', 'mcunet-acc-dataset'));
    expect(data.configs.length).toBe(training.rows);
    const { train, valid } = splitRows(data.configs.length, training.splitSeed ?? training.seed, training.trainRows);
    expect(train.length).toBe(40_000);
    const p = loadPredictor();
    const pred = p.predictEncoded(encodeBatch(Array.from(valid, (i) => data.configs[i])));
    const m = fitMetrics(pred, Float64Array.from(valid, (i) => data.accPercent[i] / 100));
    expect(m.rows).toBe(5000);
    expect(m.mae).toBeLessThanOrEqual(0.0015);
    // What training measured is what the file predicts (the trainer scores the exported network).
    expect(m.mae).toBeCloseTo(training.validMae, 9);
    expect(m.pearson).toBeCloseTo(training.validPearson, 6);
    expect(m.pearson).toBeGreaterThan(0.99);
  });

  it('is the lab network, made by the default training command', () => {
    expect(file.activation).toBe('relu');
    expect(file.layers.map((l) => [l.out, l.in])).toEqual([[LAB_HIDDEN[0], 128], [LAB_HIDDEN[1], LAB_HIDDEN[0]], [LAB_HIDDEN[2], LAB_HIDDEN[1]], [1, LAB_HIDDEN[2]]]);
    expect(file.layers[3].bias).toBeNull();
    expect(training.command).toMatch(/^mcu-nas predictor train --data \S+ --out predictors\/mcunet-acc-mlp\.json /);
    // The recorded settings are today's defaults, so the plain command reproduces the file.
    expect(training).toMatchObject({ epochs: TRAIN_DEFAULTS.epochs, seed: TRAIN_DEFAULTS.seed, splitSeed: TRAIN_DEFAULTS.seed });
    expect(training).toMatchObject({ weightDecay: TRAIN_DEFAULTS.weightDecay, targetScale: TRAIN_DEFAULTS.targetScale });
  });
});
