// The lab's evolutionary search (evolution.py, spec §4.4), under a budget, driven by one seeded RNG.
// Each generation keeps the top round(parentRatio * population) by predicted accuracy, adds
// round(mutationRatio * population) mutants of random parents and population - mutants crossovers of
// random parent pairs (as the lab's loop does), each redrawn until it meets the budget.
// Differences from the lab, on purpose: redraws are bounded (a mutant that cannot meet the budget
// falls back to its parent), and the returned best is the best of everything evaluated, including the
// last generation's children, which the lab predicts but never looks at.
import { cloneArch, type ArchConfig } from '../space/config.ts';
import { crossover, mutate } from '../space/mutate.ts';
import { sampleArch } from '../space/sample.ts';
import type { RandomSource } from '../space/random-source.ts';
import type { Constraints, Figures } from './constraints.ts';
import type { AccuracyModel, Candidate, Measure, SearchResult, SearchStats } from './candidate.ts';
import { assertFeasible, drawValid, tooTight } from './valid-sample.ts';

export { LAB_EVOLUTION_DEFAULTS, type EvolutionOptions } from './evolution-defaults.ts';
import type { EvolutionOptions } from './evolution-defaults.ts';

/** Python's round() for the non-negative halves the ratios give: round half to even. */
function pyRound(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export function evolutionSearch(
  model: AccuracyModel,
  measure: Measure,
  constraints: Constraints,
  rng: RandomSource & { int(n: number): number },
  opts: EvolutionOptions,
): SearchResult {
  assertFeasible(measure, constraints);
  const maxTries = opts.maxTries ?? 10_000;
  const pop = opts.population;
  const nMutants = pyRound(opts.mutationRatio * pop);
  const nParents = Math.max(1, pyRound(opts.parentRatio * pop));
  const stats: SearchStats = { predictions: 0, measured: 0, rejected: 0 };
  const evaluated: Candidate[] = [];

  const score = (children: { arch: ArchConfig; figures: Figures }[]): Candidate[] => {
    const acc = model.predictMany(children.map((c) => c.arch));
    stats.predictions += children.length;
    const out = children.map((c, i) => ({ arch: c.arch, figures: c.figures, accuracy: acc[i] }));
    evaluated.push(...out);
    return out;
  };

  const first = [];
  for (let i = 0; i < pop; i++) {
    const s = drawValid(() => sampleArch(rng), measure, constraints, maxTries, stats);
    if (!s) throw tooTight('random subnet', maxTries, constraints);
    first.push(s);
  }
  let population = score(first);
  const history: number[] = [];
  let [bestSoFar, seen] = [-Infinity, 0]; // for onGeneration

  for (let g = 0; g < opts.generations; g++) {
    // Stable sort, best first: ties keep their order, so a seed gives one result.
    const parents = [...population].sort((a, b) => b.accuracy - a.accuracy).slice(0, nParents);
    history.push(parents[0].accuracy);
    const pickParent = () => parents[rng.int(parents.length)];
    const children = [];
    for (let i = 0; i < nMutants; i++) {
      const p = pickParent();
      const s = drawValid(
        () => mutate(p.arch, opts.archMutateProb, opts.resolutionMutateProb, rng),
        measure,
        constraints,
        maxTries,
        stats,
      );
      children.push(s ?? { arch: cloneArch(p.arch), figures: p.figures });
    }
    for (let i = 0; i < pop - nMutants; i++) {
      const a = pickParent();
      const b = pickParent();
      const s = drawValid(() => crossover(a.arch, b.arch, rng), measure, constraints, maxTries, stats);
      children.push(s ?? { arch: cloneArch(a.arch), figures: a.figures });
    }
    population = parents.concat(score(children));
    if (opts.onGeneration) {
      for (; seen < evaluated.length; seen++) bestSoFar = Math.max(bestSoFar, evaluated[seen].accuracy);
      opts.onGeneration(g + 1, bestSoFar, evaluated.length);
    }
  }

  let best = evaluated[0];
  for (const c of evaluated) if (c.accuracy > best.accuracy) best = c;
  history.push(Math.max(history.at(-1) ?? -Infinity, best.accuracy));
  return { best, evaluated, stats, history };
}
