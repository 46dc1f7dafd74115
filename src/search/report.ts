// What a search returns to its caller: the winner with its figures, and (on request) the Pareto front.
// No wall-clock figures here, so one seed gives one report, byte for byte.
import { cloneArch, archKey, type ArchConfig } from '../space/config.ts';
import { profileArch } from '../predict/efficiency.ts';
import type { Constraints } from './constraints.ts';
import type { Candidate, SearchResult } from './candidate.ts';
import { paretoFront } from './pareto.ts';
import type { SearchReportCandidate, SearchReportInput } from '../report/search-report.ts';

export interface SearchSummary {
  arch: ArchConfig;
  /** Predicted top-1 accuracy in percent (as the lab prints it). */
  predictedAccuracy: number;
  millionMACs: number;
  KBPeakMemory: number;
  params: number;
  macs: number;
  peakBytes: number;
  /** Planned SRAM and flash on the board (DESIGN.md's contract names), when a board is given. */
  sramBytes?: number;
  flashBytes?: number;
  sramKB?: number;
  flashKB?: number;
  /** Predicted latency on the board (the latency table), when a latency budget was given. */
  predictedLatencyMs?: number;
  algo: 'evolution' | 'random';
  seed: number;
  board?: string;
  constraints: Constraints;
  predictions: number;
  measured: number;
  rejected: number;
  /** Distinct configs predicted. */
  distinct: number;
  history?: number[];
}

export interface ParetoEntry {
  arch: ArchConfig;
  predictedAccuracy: number;
  millionMACs: number;
  KBPeakMemory: number;
  sramKB?: number;
  flashKB?: number;
}

const pct = (fraction: number) => Math.round(fraction * 1e8) / 1e6;

function distinct(cands: readonly Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return cands.filter((c) => {
    const k = archKey(c.arch);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function summarize(
  r: SearchResult,
  meta: { algo: 'evolution' | 'random'; seed: number; board?: string; constraints: Constraints },
): SearchSummary {
  const b = r.best;
  const p = profileArch(b.arch);
  return {
    arch: cloneArch(b.arch),
    predictedAccuracy: pct(b.accuracy),
    millionMACs: p.millionMACs,
    KBPeakMemory: p.KBPeakMemory,
    params: p.params,
    macs: p.macs,
    peakBytes: p.peakBytes,
    ...(b.figures.sramKB !== undefined ? { sramBytes: Math.round(b.figures.sramKB * 1024), sramKB: b.figures.sramKB } : {}),
    ...(b.figures.flashKB !== undefined ? { flashBytes: Math.round(b.figures.flashKB * 1024), flashKB: b.figures.flashKB } : {}),
    ...(b.figures.latencyMs !== undefined ? { predictedLatencyMs: b.figures.latencyMs } : {}),
    ...meta,
    predictions: r.stats.predictions,
    measured: r.stats.measured,
    rejected: r.stats.rejected,
    distinct: distinct(r.evaluated).length,
    ...(r.history ? { history: r.history.map(pct) } : {}),
  };
}

/** The Pareto front (accuracy up, MACs down, peak memory down) of every distinct config evaluated. */
export function paretoOf(r: SearchResult): ParetoEntry[] {
  const pts = distinct(r.evaluated).map((c) => ({ ...c.figures, accuracy: c.accuracy, arch: c.arch }));
  return paretoFront(pts).map((p) => ({
    arch: cloneArch(p.arch),
    predictedAccuracy: pct(p.accuracy),
    millionMACs: p.millionMACs,
    KBPeakMemory: p.KBPeakMemory,
    ...(p.sramKB !== undefined ? { sramKB: p.sramKB } : {}),
    ...(p.flashKB !== undefined ? { flashKB: p.flashKB } : {}),
  }));
}

/** A search candidate (accuracy a fraction) as the report takes it (percent). */
export function reportCandidate(c: Candidate): SearchReportCandidate {
  const f = c.figures as Candidate['figures'] & { latencyMs?: number };
  return {
    arch: c.arch,
    accuracy: c.accuracy * 100,
    millionMACs: f.millionMACs,
    KBPeakMemory: f.KBPeakMemory,
    ...(f.sramKB !== undefined ? { sramKB: f.sramKB } : {}),
    ...(f.flashKB !== undefined ? { flashKB: f.flashKB } : {}),
    ...(f.latencyMs !== undefined ? { latencyMs: f.latencyMs } : {}),
  };
}

/** The report's input from a search's result (every distinct config once, the first evaluation of each). */
export function searchReportInput(
  result: SearchResult,
  meta: Omit<SearchReportInput, 'candidates' | 'winner' | 'predictions'>,
): SearchReportInput {
  const seen = new Set<string>();
  const candidates: SearchReportCandidate[] = [];
  for (const c of result.evaluated) {
    const k = archKey(c.arch);
    if (seen.has(k)) continue;
    seen.add(k);
    candidates.push(reportCandidate(c));
  }
  return { ...meta, predictions: result.stats.predictions, candidates, winner: reportCandidate(result.best) };
}
