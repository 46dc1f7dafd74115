// Drawing configs that meet a budget, always bounded: the lab loops `while True`, which never ends when
// the budget is impossible or very tight. Here an impossible budget is refused up front (nothing in the
// space is smaller than the smallest subnet at 96 px), and a merely tight one gives up after maxTries.
import { CheckFailure } from '../errors.ts';
import type { ArchConfig } from '../space/config.ts';
import { smallestArch } from '../space/sample.ts';
import { CONSTRAINT_FLAGS, satisfies, violated, type Constraints, type Figures } from './constraints.ts';
import type { Measure, SearchStats } from './candidate.ts';

const UNITS: Record<Exclude<keyof Figures, 'fitsBoard'>, string> = {
  millionMACs: 'M MACs',
  KBPeakMemory: 'KB of peak activation',
  sramKB: 'KB of SRAM',
  flashKB: 'KB of flash',
  latencyMs: 'ms of predicted latency',
};

const fmt = (v: number) => String(Math.round(v * 1000) / 1000);

/**
 * Refuses a budget that no subnet can meet. The smallest subnet (wid 0, k 3, e 3, d 0) at 96 px is the
 * minimum of every figure in this space (each figure grows with width, expansion, depth and resolution).
 */
export function assertFeasible(measure: Measure, c: Constraints): void {
  const smallest = smallestArch(96);
  const f = measure(smallest);
  if (f.fitsBoard === false)
    throw new CheckFailure(
      `no subnet in this space fits the board: even the smallest subnet (wid 0, all k 3, e 3, d 0 at 96 px) needs ${fmt(f.sramKB ?? 0)} KB of SRAM and ${fmt(f.flashKB ?? 0)} KB of flash`,
      { smallestFigures: f },
    );
  const bad = violated(f, c);
  if (bad.length === 0) return;
  const why = bad
    .map((k) => `${CONSTRAINT_FLAGS[k]} ${fmt(c[k]!)} is below ${fmt(f[k]!)} ${UNITS[k]}`)
    .join('; ');
  throw new CheckFailure(
    `no subnet in this space meets the budget: ${why}, the figure of the smallest subnet (wid 0, all k 3, e 3, d 0 at 96 px), and nothing in the space needs less`,
    { smallestFigures: f, constraints: c },
  );
}

/** Calls draw() until measure() satisfies the budget; undefined after maxTries. */
export function drawValid(
  draw: () => ArchConfig,
  measure: Measure,
  c: Constraints,
  maxTries: number,
  stats: SearchStats,
): { arch: ArchConfig; figures: Figures } | undefined {
  for (let i = 0; i < maxTries; i++) {
    const arch = draw();
    const figures = measure(arch);
    stats.measured++;
    if (satisfies(figures, c)) return { arch, figures };
    stats.rejected++;
  }
  return undefined;
}

export function tooTight(what: string, tries: number, c: Constraints): CheckFailure {
  const budget = Object.entries(c)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${CONSTRAINT_FLAGS[k as keyof Constraints]} ${v}`)
    .join(' ');
  return new CheckFailure(
    `no ${what} met the budget (${budget}) in ${tries} random draws; the budget admits only a tiny corner of the space: relax it`,
    { tries, constraints: c },
  );
}
