import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/search/rng.ts';
import { evolutionSearch, LAB_EVOLUTION_DEFAULTS } from '../../src/search/evolution.ts';
import { randomSearch } from '../../src/search/random-search.ts';
import { analyticMeasure } from '../../src/search/measure.ts';
import { satisfies } from '../../src/search/constraints.ts';
import { paretoFront } from '../../src/search/pareto.ts';
import { profileArch } from '../../src/predict/efficiency.ts';
import { CheckFailure } from '../../src/errors.ts';
import type { AccuracyModel } from '../../src/search/candidate.ts';
import type { ArchConfig } from '../../src/space/config.ts';

// A stand-in accuracy model for the search mechanics: bigger networks score higher, so the best under a
// budget is pushed against the budget. (The real predictor is tested in test/predict and test/cli.)
const sizeModel: AccuracyModel = {
  predictMany: (cs: readonly ArchConfig[]) => cs.map((c) => Math.log(profileArch(c).macs) / 20),
};

const evo = (seed: number, constraints = { millionMACs: 60, KBPeakMemory: 250 }) =>
  evolutionSearch(sizeModel, analyticMeasure, constraints, new Rng(seed), {
    ...LAB_EVOLUTION_DEFAULTS,
    population: 50,
    generations: 20,
  });

describe('evolutionary search', () => {
  it('returns only configs within budget and improves over the first generation', () => {
    const r = evo(1);
    for (const c of r.evaluated) expect(satisfies(analyticMeasure(c.arch), { millionMACs: 60, KBPeakMemory: 250 })).toBe(true);
    expect(r.best.figures.millionMACs).toBeLessThanOrEqual(60);
    expect(r.history!.at(-1)!).toBeGreaterThan(r.history![0]);
    // With a size-loving model the winner presses against the MAC budget.
    expect(r.best.figures.millionMACs).toBeGreaterThan(50);
    // The lab's loop: 50 initial + 20 generations x 50 children.
    expect(r.stats.predictions).toBe(50 + 20 * 50);
  });

  it('is reproducible for a seed and differs across seeds', () => {
    expect(JSON.stringify(evo(3).best)).toBe(JSON.stringify(evo(3).best));
    expect(JSON.stringify(evo(3).evaluated)).not.toBe(JSON.stringify(evo(4).evaluated));
  });

  it('refuses a peak budget below the smallest subnet (72 KB) with a CheckFailure that says why', () => {
    expect(() => evo(1, { millionMACs: 60, KBPeakMemory: 71 })).toThrow(CheckFailure);
    expect(() => evo(1, { millionMACs: 60, KBPeakMemory: 71 })).toThrow(/below 72 KB of peak activation.*smallest subnet/);
    expect(() => evo(1, { millionMACs: 8, KBPeakMemory: 500 })).toThrow(/--max-macs 8 is below 8.302 M MACs/);
  });

  it('a feasible but very tight budget ends, bounded, instead of looping forever', () => {
    // Only configs at 96 px with almost everything minimal meet 8.4 M MACs.
    const run = () =>
      evolutionSearch(sizeModel, analyticMeasure, { millionMACs: 8.31 }, new Rng(1), {
        ...LAB_EVOLUTION_DEFAULTS,
        population: 4,
        generations: 1,
        maxTries: 200,
      });
    expect(run).toThrow(/in 200 random draws/);
  });
});

describe('random search', () => {
  it('samples N valid subnets and keeps the best predicted', () => {
    const r = randomSearch(sizeModel, analyticMeasure, { millionMACs: 30, KBPeakMemory: 200 }, new Rng(2), { samples: 300 });
    expect(r.evaluated).toHaveLength(300);
    expect(r.stats.predictions).toBe(300);
    const best = Math.max(...r.evaluated.map((c) => c.accuracy));
    expect(r.best.accuracy).toBe(best);
    for (const c of r.evaluated) expect(c.figures.millionMACs).toBeLessThanOrEqual(30);
  });
});

describe('Pareto front', () => {
  it('keeps exactly the non-dominated points', () => {
    const pts = [
      { accuracy: 0.9, millionMACs: 10, KBPeakMemory: 100 },
      { accuracy: 0.91, millionMACs: 20, KBPeakMemory: 100 },
      { accuracy: 0.89, millionMACs: 20, KBPeakMemory: 150 }, // dominated by the first
      { accuracy: 0.92, millionMACs: 30, KBPeakMemory: 90 }, // more MACs than the second: both stay
      { accuracy: 0.85, millionMACs: 5, KBPeakMemory: 200 },
    ];
    expect(paretoFront(pts)).toEqual([pts[4], pts[0], pts[1], pts[3]]);
    expect(paretoFront([...pts, { accuracy: 0.93, millionMACs: 20, KBPeakMemory: 90 }])).not.toContain(pts[1]);
  });
});
