// The trainer's defaults, in a leaf module: the CLI's flag table reads them at start-up.
import { LAB_HIDDEN } from './mlp.ts';
import type { TrainOptions } from './train.ts';

export const SCHEDULES = ['constant', 'linear', 'cosine', 'step'] as const;
export type Schedule = (typeof SCHEDULES)[number];

export const TRAIN_DEFAULTS: TrainOptions = {
  epochs: 10,
  seed: 0,
  lr: 5e-3,
  batchSize: 128,
  schedule: 'linear',
  minLrFraction: 0,
  warmupEpochs: 0.5,
  targetScale: 100,
  hidden: LAB_HIDDEN,
  weightDecay: 0.5,
  emaDecay: 0.999,
  dropout: 0,
};
