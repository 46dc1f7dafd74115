// The predictor shipped in predictors/ meets the quality bar on dataset rows it never trained on:
// its file records the split seed, so the held-out rows are recomputed here.
import { describe, expect, it } from 'vitest';
import { readAccDataset } from '../../src/predict/acc-dataset.ts';
import { encodeBatch } from '../../src/predict/encoded-batch.ts';
import { DEFAULT_PREDICTOR_FILE, loadPredictor } from '../../src/predict/load-model.ts';
import { fitMetrics } from '../../src/predict/metrics.ts';
import { loadPredictorFile } from '../../src/predict/predictor-file.ts';
import { splitRows } from '../../src/predict/train.ts';
import { sharedPath } from '../helpers/shared.ts';

describe('shipped predictor', () => {
  it('has MAE ≤ 0.0015 (0.15 accuracy points) on the held-out rows', () => {
    const training = loadPredictorFile(DEFAULT_PREDICTOR_FILE).training as { seed: number; trainRows: number; rows: number };
    const data = readAccDataset(sharedPath('data', 'mcunet-acc-dataset'));
    expect(data.configs.length).toBe(training.rows);
    const { valid } = splitRows(data.configs.length, training.seed, training.trainRows);
    const p = loadPredictor();
    const pred = p.predictEncoded(encodeBatch(Array.from(valid, (i) => data.configs[i])));
    const m = fitMetrics(pred, Float64Array.from(valid, (i) => data.accPercent[i] / 100));
    expect(m.rows).toBe(5000);
    expect(m.mae).toBeLessThanOrEqual(0.0015);
    expect(m.pearson).toBeGreaterThan(0.99);
  });
});
