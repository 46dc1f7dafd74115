// The trainer's defaults, in a leaf module: the CLI's flag table reads them at start-up.
import { LAB_HIDDEN } from './mlp.ts';

export const SCHEDULES = ['constant', 'linear', 'cosine', 'step'] as const;
export type Schedule = (typeof SCHEDULES)[number];

/** The trainer's settings (src/predict/train.ts). */
export interface TrainOptions {
  epochs: number;
  seed: number;
  /** Peak learning rate. */
  lr: number;
  batchSize: number;
  /**
   * After `warmupEpochs` of linear warm-up from ~0: 'constant' keeps lr (the lab); 'linear' and 'cosine'
   * decay to lr·minLrFraction at the last step; 'step' divides lr by 10 at 50 % and again at 75 %.
   */
  schedule: Schedule;
  minLrFraction: number;
  /** Linear warm-up length in epochs (may be fractional; 0 = none). */
  warmupEpochs: number;
  /**
   * The network learns (label - baseAcc)·targetScale (100 = accuracy points); the scale is folded back
   * into the bias-free last layer, so the saved network is the lab's form. 1 = learn the fraction.
   */
  targetScale: number;
  /** Seeds the train/valid split; default: `seed`. Fixing it compares settings on the same held-out rows. */
  splitSeed?: number;
  /** Rows to train on; the rest validate. Default: splitSizes(). */
  trainRows?: number;
  hidden: readonly number[];
  /** Decoupled (AdamW) weight decay; 0 = the lab's plain Adam. */
  weightDecay: number;
  /** Exponential moving average of the weights (0 = off); the averaged network is the result. */
  emaDecay: number;
  /** Dropout on the hidden activations while training (0 = off, as in the lab). */
  dropout: number;
}

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
