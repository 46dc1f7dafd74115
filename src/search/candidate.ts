import type { ArchConfig } from '../space/config.ts';
import type { Figures } from './constraints.ts';

/** Predicts top-1 accuracy (a fraction, 0.9 = 90%) for many configs at once. */
export interface AccuracyModel {
  predictMany(cs: readonly ArchConfig[]): ArrayLike<number>;
}

/** Measures the efficiency figures the constraints are checked on. */
export type Measure = (c: ArchConfig) => Figures;

export interface Candidate {
  arch: ArchConfig;
  /** Predicted accuracy as a fraction. */
  accuracy: number;
  figures: Figures;
}

export interface SearchStats {
  /** Accuracy predictions made. */
  predictions: number;
  /** Configs measured (including rejected ones). */
  measured: number;
  /** Samples, mutants and crossovers that broke the budget and were drawn again. */
  rejected: number;
}

export interface SearchResult {
  best: Candidate;
  /** Every distinct config that was predicted, in evaluation order. */
  evaluated: Candidate[];
  stats: SearchStats;
  /** Best predicted accuracy after each generation (evolution only). */
  history?: number[];
}
