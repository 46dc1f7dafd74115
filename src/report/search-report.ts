// The search report (`mcu-nas search --report DIR`): predicted accuracy against MACs, SRAM (or the lab's
// peak activation without a board), flash and latency, each panel with its Pareto staircase, the budget as
// a line, the winner and the verified candidates marked; then the winner's architecture picture and the
// verified candidates' measured figures. templates/report/search.html.hbs places the values; this file
// computes them (coordinates in scatter.ts and arch-picture.ts).
import type { ArchConfig } from '../space/config.ts';
import { archKey } from '../space/config.ts';
import { addToOutputFolder } from '../io/output-folder.ts';
import { archView, layoutArch } from './arch-picture.ts';
import { renderArchSvg } from './arch-svg.ts';
import { reportTemplate, TEMPLATES_DIR } from './render-html.ts';
import { formatCount } from './scale.ts';
import { layoutScatter, scatterView, type ScatterPoint } from './scatter.ts';

export interface SearchReportCandidate {
  readonly arch: ArchConfig;
  /** Predicted top-1 accuracy, percent. */
  readonly accuracy: number;
  readonly millionMACs: number;
  readonly KBPeakMemory: number;
  readonly sramKB?: number;
  readonly flashKB?: number;
  /** Predicted latency (the latency table), when the search predicted it. */
  readonly latencyMs?: number;
}

export interface SearchReportVerified {
  readonly arch: ArchConfig;
  readonly predictedAccuracy: number;
  readonly ok: boolean;
  readonly dropped: string | null;
  readonly instructions: number | null;
  readonly latencyMs: number | null;
  readonly sramUsedBytes: number | null;
  readonly flashUsedBytes: number | null;
}

export interface SearchReportInput {
  readonly algo: string;
  readonly seed: number;
  readonly board?: string;
  /** What predicts the accuracy, in words (file, and the dataset it was trained on when known). */
  readonly predictor: string;
  readonly predictions: number;
  readonly constraints: { millionMACs?: number; KBPeakMemory?: number; sramKB?: number; flashKB?: number; latencyMs?: number };
  /** Every distinct config evaluated. */
  readonly candidates: readonly SearchReportCandidate[];
  readonly winner: SearchReportCandidate;
  readonly verified?: readonly SearchReportVerified[];
}

const kb = (v: number) => `${Number(v.toPrecision(4))} KB`;
const mmacs = (v: number) => `${Number(v.toPrecision(4))} M`;
const ms = (v: number) => `${Number(v.toPrecision(3))} ms`;
const pct = (v: number) => `${Number(v.toFixed(2))}%`;
const plain = (v: number) => Number(v.toPrecision(4)).toLocaleString('en-US');
const finite = (v: number | null | undefined): v is number => v !== undefined && v !== null && Number.isFinite(v);

interface Panel {
  key: string;
  title: string;
  axis: string;
  format: (v: number) => string;
  x: (c: SearchReportCandidate) => number | undefined;
  limit?: number;
  limitLabel: string;
}

/** The panels this search can draw, and a sentence for each it cannot. */
function panels(r: SearchReportInput): { drawn: Panel[]; missing: string[] } {
  const c = r.constraints;
  const all: Panel[] = [
    { key: 'macs', title: 'MACs', axis: 'MACs', format: (v) => formatCount(v * 1e6), x: (p) => p.millionMACs, limit: c.millionMACs, limitLabel: 'MAC budget' },
    r.board
      ? { key: 'sram', title: `SRAM on ${r.board}`, axis: 'planned SRAM, KB', format: plain, x: (p) => p.sramKB, limit: c.sramKB, limitLabel: 'SRAM budget' }
      : { key: 'peak', title: 'peak activation', axis: "peak activation, KB (the lab's KBPeakMemory)", format: plain, x: (p) => p.KBPeakMemory, limit: c.KBPeakMemory, limitLabel: 'peak budget' },
    { key: 'flash', title: `flash on ${r.board ?? 'the board'}`, axis: 'planned flash, KB', format: plain, x: (p) => p.flashKB, limit: c.flashKB, limitLabel: 'flash budget' },
    { key: 'latency', title: `latency on ${r.board ?? 'the board'}`, axis: 'latency, ms', format: plain, x: (p) => p.latencyMs, limit: c.latencyMs, limitLabel: 'latency budget' },
  ];
  const drawn: Panel[] = [];
  const missing: string[] = [];
  const verifiedLatency = (r.verified ?? []).some((v) => finite(v.latencyMs));
  for (const p of all) {
    const has = r.candidates.some((k) => finite(p.x(k))) || (p.key === 'latency' && verifiedLatency);
    if (has) drawn.push(p);
    else if (p.key === 'flash') missing.push('flash: planned for a board only (give --board)');
    else if (p.key === 'latency') missing.push(r.board ? 'latency: measured for verified candidates only (give --verify-top K), or predicted with --max-latency-ms' : 'latency: needs a board (give --board and --verify-top K)');
  }
  return { drawn, missing };
}

function describe(c: SearchReportCandidate): string {
  const parts = [`${pct(c.accuracy)} predicted`, `${mmacs(c.millionMACs)} MACs`, `peak ${kb(c.KBPeakMemory)}`];
  if (finite(c.sramKB)) parts.push(`SRAM ${kb(c.sramKB)}`);
  if (finite(c.flashKB)) parts.push(`flash ${kb(c.flashKB)}`);
  if (finite(c.latencyMs)) parts.push(`${ms(c.latencyMs)} predicted`);
  return `${parts.join(', ')}: ${JSON.stringify(c.arch)}`;
}

function panelView(r: SearchReportInput, p: Panel) {
  const points: ScatterPoint[] = [];
  const winnerKey = archKey(r.winner.arch);
  const byKey = new Map(r.candidates.map((c) => [archKey(c.arch), c]));
  for (const c of r.candidates) {
    const x = p.x(c);
    if (finite(x) && archKey(c.arch) !== winnerKey) points.push({ x, y: c.accuracy, kind: 'point', title: describe(c) });
  }
  for (const v of r.verified ?? []) {
    const key = archKey(v.arch);
    const cand = byKey.get(key);
    // Latency: the measured figure (the cycle model in QEMU); the other panels: the candidate's planned one.
    const x = p.key === 'latency' ? v.latencyMs : cand ? p.x(cand) : undefined;
    if (!finite(x) || key === winnerKey) continue;
    points.push({ x, y: v.predictedAccuracy, kind: v.ok ? 'verified' : 'dropped', title: `${v.ok ? 'verified' : `dropped (${v.dropped})`}: ${cand ? describe(cand) : JSON.stringify(v.arch)}` });
  }
  const winnerVerified = (r.verified ?? []).find((v) => v.ok && archKey(v.arch) === winnerKey);
  const wx = p.key === 'latency' && winnerVerified ? winnerVerified.latencyMs : p.x(r.winner);
  if (finite(wx)) points.push({ x: wx, y: r.winner.accuracy, kind: 'winner', title: `winner: ${describe(r.winner)}` });
  const layout = layoutScatter({
    width: 460,
    height: 330,
    x: { label: p.axis, log: 'auto', format: p.format },
    y: { label: 'predicted top-1 accuracy, %', format: (v) => `${Number(v.toPrecision(4))}` },
    points,
    front: p.key !== 'latency' || points.some((q) => q.kind === 'point'),
    xLimits: finite(p.limit) ? [{ value: p.limit, label: `${p.limitLabel} ${p.format(p.limit)}${p.key === 'macs' ? '' : p.key === 'latency' ? ' ms' : ' KB'}` }] : [],
  });
  return { title: p.title, svg: scatterView(layout), shown: layout.points.length, given: layout.given, merged: layout.merged };
}

function viewModel(r: SearchReportInput) {
  const { drawn, missing } = panels(r);
  const c = r.constraints;
  const budgets = [
    finite(c.millionMACs) ? `MACs ≤ ${mmacs(c.millionMACs)}` : '',
    finite(c.KBPeakMemory) ? `peak activation ≤ ${kb(c.KBPeakMemory)}` : '',
    finite(c.sramKB) ? `SRAM ≤ ${kb(c.sramKB)}` : '',
    finite(c.flashKB) ? `flash ≤ ${kb(c.flashKB)}` : '',
    finite(c.latencyMs) ? `latency ≤ ${ms(c.latencyMs)}` : '',
  ].filter(Boolean);
  const w = r.winner;
  const verified = r.verified ?? [];
  return {
    board: r.board ?? '',
    algo: r.algo,
    seed: r.seed,
    predictor: r.predictor,
    predictions: r.predictions.toLocaleString('en-US'),
    distinct: r.candidates.length.toLocaleString('en-US'),
    budgets: budgets.length ? budgets.join(', ') : 'none',
    winner: {
      accuracy: pct(w.accuracy),
      macs: mmacs(w.millionMACs),
      peak: kb(w.KBPeakMemory),
      sram: finite(w.sramKB) ? kb(w.sramKB) : '',
      flash: finite(w.flashKB) ? kb(w.flashKB) : '',
      latency: finite(w.latencyMs) ? ms(w.latencyMs) : '',
      arch: JSON.stringify(w.arch),
    },
    hasVerified: verified.length > 0,
    panels: drawn.map((p) => panelView(r, p)),
    missing,
    arch: archView(layoutArch(w.arch)),
    verified: verified.map((v, i) => ({
      rank: i + 1,
      accuracy: pct(v.predictedAccuracy),
      ok: v.ok,
      winner: archKey(v.arch) === archKey(w.arch),
      dropped: v.dropped ?? '',
      instructions: finite(v.instructions) ? v.instructions.toLocaleString('en-US') : '',
      latency: finite(v.latencyMs) ? ms(v.latencyMs) : '',
      sram: finite(v.sramUsedBytes) ? kb(v.sramUsedBytes / 1024) : '',
      flash: finite(v.flashUsedBytes) ? kb(v.flashUsedBytes / 1024) : '',
      arch: JSON.stringify(v.arch),
    })),
  };
}

/** The search report as one self-contained HTML page (inline SVG and CSS, no scripts). */
export function renderSearchHtml(r: SearchReportInput, templatesDir = TEMPLATES_DIR): string {
  return reportTemplate('report/search.html.hbs', templatesDir)(viewModel(r));
}

export const SEARCH_HTML = 'search.html';
export const SEARCH_JSON = 'search.json';
export const WINNER_SVG = 'winner.svg';

/**
 * Writes DIR/search.html, DIR/winner.svg (the winner's architecture) and DIR/search.json (`summary`, as
 * --json prints it) into an output folder claimed before the search (claimOutputFolder).
 */
export function writeSearchReport(dir: string, r: SearchReportInput, summary: unknown): { html: string; svg: string; json: string } {
  addToOutputFolder(
    dir,
    { [SEARCH_HTML]: renderSearchHtml(r), [WINNER_SVG]: renderArchSvg(r.winner.arch), [SEARCH_JSON]: `${JSON.stringify(summary, null, 1)}\n` },
    '--report',
  );
  const at = (f: string) => `${dir.replace(/\/$/, '')}/${f}`;
  return { html: at(SEARCH_HTML), svg: at(WINNER_SVG), json: at(SEARCH_JSON) };
}
