// Random search (the lab's random_search): N valid random subnets, keep the best predicted.
import { sampleArch } from '../space/sample.ts';
import type { RandomSource } from '../space/random-source.ts';
import type { Constraints } from './constraints.ts';
import type { AccuracyModel, Candidate, Measure, SearchResult, SearchStats } from './candidate.ts';
import { assertFeasible, drawValid, tooTight } from './valid-sample.ts';

export interface RandomSearchOptions {
  samples: number;
  /** Draws allowed per valid sample before giving up (bounded rejection sampling). */
  maxTries?: number;
}

export function randomSearch(
  model: AccuracyModel,
  measure: Measure,
  constraints: Constraints,
  rng: RandomSource,
  opts: RandomSearchOptions,
): SearchResult {
  assertFeasible(measure, constraints);
  const maxTries = opts.maxTries ?? 10_000;
  const stats: SearchStats = { predictions: 0, measured: 0, rejected: 0 };
  const pool = [];
  for (let i = 0; i < opts.samples; i++) {
    const s = drawValid(() => sampleArch(rng), measure, constraints, maxTries, stats);
    if (!s) throw tooTight('random subnet', maxTries, constraints);
    pool.push(s);
  }
  const acc = model.predictMany(pool.map((s) => s.arch));
  stats.predictions += pool.length;
  const evaluated: Candidate[] = pool.map((s, i) => ({ arch: s.arch, figures: s.figures, accuracy: acc[i] }));
  let best = evaluated[0];
  for (const c of evaluated) if (c.accuracy > best.accuracy) best = c;
  return { best, evaluated, stats };
}
