// Latency prediction for search: cycles of a subnet on a board from a per-op cost table
// (latency-table.json beside this file), without building or emulating anything. The table is fitted by
// tools/bench/latency-table.ts on runs of random subnets under the cycle model (QEMU plugin counts x the
// core's timing table x the board's memory timing); this file only reads it. An op's cycles are a
// non-negative linear function of its shape features, one function per op kind and geometry (kernel,
// stride) and kernel variant; the runtime between ops is a constant plus a cost per op.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Board } from '../board/schema.ts';
import { stepsFromArch } from '../schedule/from-arch.ts';
import type { Step, StepGraph, StepTensor } from '../schedule/steps.ts';
import type { ArchConfig } from '../space/config.ts';

// Found through the repository's src/ (../../ from this file in src/ or in the compiled dist/): one file.
export const LATENCY_TABLE_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/predict/latency-table.json');

/** The shape features an op's cycles are linear in (the order of the coefficients in the table). */
// channels: per-channel (or per channel group) set-up, e.g. the depthwise kernel's four-channel groups;
// borderElements: outputs whose window reaches the padding, which the kernels compute on a slower path.
export const LATENCY_FEATURES = ['one', 'macs', 'outElements', 'inElements', 'outPixels', 'channels', 'borderElements'] as const;

export interface OpCost {
  /** Coefficients over LATENCY_FEATURES (cycles per unit), all >= 0. */
  coef: number[];
  /** Ops the fit saw. */
  n: number;
}

export interface BoardLatencyTable {
  core: string;
  clockHz: number;
  kernels: string;
  /** Subnets measured for the fit. */
  subnets: number;
  /** Per op key (see opKey): specific ("depthwise k5 s2") and per kind ("depthwise *", the fallback). */
  ops: Record<string, OpCost>;
  /** Runtime between ops in the inference window: [cycles per inference, cycles per op]. */
  runtime: number[];
}

export interface LatencyTable {
  source: string;
  features: string[];
  boards: Record<string, BoardLatencyTable>;
}

let cached: LatencyTable | null | undefined;

export function loadLatencyTable(file = LATENCY_TABLE_FILE): LatencyTable | null {
  if (file !== LATENCY_TABLE_FILE) return JSON.parse(fs.readFileSync(file, 'utf8')) as LatencyTable;
  if (cached === undefined) cached = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as LatencyTable) : null;
  return cached;
}

/** The table's key of an op: kind, and kernel and stride where the kernel's code path depends on them. */
export function opKey(step: Step): string {
  if (step.kind === 'conv2d' || step.kind === 'depthwise') return `${step.kind} k${step.kernel[0]} s${step.stride[0]}`;
  return step.kind;
}

export const kindKey = (step: Step) => `${step.kind} *`;

const elements = (t: StepTensor) => t.shape.reduce((a, b) => a * b, 1);

/** The op's features, in LATENCY_FEATURES order. */
export function opFeatures(step: Step, tensors: readonly StepTensor[]): number[] {
  const out = tensors[step.output];
  const outEl = elements(out);
  const inEl = step.inputs.reduce((s, i) => s + elements(tensors[i]), 0);
  const spatial = out.shape.length === 4;
  const pixels = spatial ? out.shape[1] * out.shape[2] : 1;
  const channels = spatial ? out.shape[3] : out.shape[out.shape.length - 1];
  let border = 0;
  if (spatial && step.inputs.length > 0) {
    const input = tensors[step.inputs[0]];
    const inside = (outSize: number, inSize: number, k: number, s: number, padBegin: number) => {
      let n = 0;
      for (let o = 0; o < outSize; o++) if (o * s - padBegin >= 0 && o * s - padBegin + k <= inSize) n++;
      return n;
    };
    const h = inside(out.shape[1], input.shape[1], step.kernel[0], step.stride[0], step.padding.top);
    const w = inside(out.shape[2], input.shape[2], step.kernel[1], step.stride[1], step.padding.left);
    border = (pixels - h * w) * channels;
  }
  return [1, step.macs, outEl, inEl, pixels, channels, border];
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

export interface LatencyPrediction {
  cycles: number;
  ms: number;
  clockHz: number;
  perOp: { name: string; key: string; cycles: number }[];
  /** Ops priced by their kind's fallback entry (their geometry was not in the fit). */
  fallbacks: string[];
}

/** Why there is no prediction for a board (null when there is one). */
export function latencyTableProblem(board: Board, table = loadLatencyTable()): string | null {
  if (!table) return `no latency table (${path.relative(process.cwd(), LATENCY_TABLE_FILE)}); make one with: npx tsx tools/bench/latency-table.ts --write`;
  const t = table.boards[board.name];
  if (!t) return `the latency table has no entry for board ${board.name} (it has ${Object.keys(table.boards).join(', ')}); add one with: npx tsx tools/bench/latency-table.ts --boards ${board.name} --write`;
  if (t.core !== board.core) return `the latency table's ${board.name} entry is for ${t.core}, the board is a ${board.core}`;
  return null;
}

/** Predicted cycles and ms of one inference of `g` (layer by layer, own kernels) on `board`. */
export function predictLatency(g: StepGraph, board: Board, table = loadLatencyTable()): LatencyPrediction {
  const problem = latencyTableProblem(board, table);
  if (problem) throw new Error(problem);
  const t = table!.boards[board.name];
  const perOp: LatencyPrediction['perOp'] = [];
  const fallbacks: string[] = [];
  let cycles = t.runtime[0] ?? 0;
  for (const s of g.steps) {
    let key = opKey(s);
    let cost = t.ops[key];
    if (!cost) {
      key = kindKey(s);
      cost = t.ops[key];
      fallbacks.push(s.name);
    }
    if (!cost) throw new Error(`the latency table of ${board.name} has no cost for op kind ${s.kind} (${s.name})`);
    const c = dot(cost.coef, opFeatures(s, g.tensors)) + (t.runtime[1] ?? 0);
    perOp.push({ name: s.name, key, cycles: c });
    cycles += c;
  }
  // The clock is the board's: a table entry fitted at another clock still counts cycles.
  return { cycles, ms: (cycles * 1000) / board.clockHz, clockHz: board.clockHz, perOp, fallbacks };
}

/** The search loop's latency figure: predicted ms of an arch config on `board` (throws when the table has no entry). */
export function archLatency(board: Board, table = loadLatencyTable()): (c: ArchConfig) => number {
  const problem = latencyTableProblem(board, table);
  if (problem) throw new Error(problem);
  const t = table!.boards[board.name];
  // The search loop's fast path: predictLatency's sum without the per-op rows.
  return (c) => {
    const g = stepsFromArch(c);
    let cycles = t.runtime[0] ?? 0;
    for (const s of g.steps) {
      const cost = t.ops[opKey(s)] ?? t.ops[kindKey(s)];
      if (!cost) throw new Error(`the latency table of ${board.name} has no cost for op kind ${s.kind} (${s.name})`);
      cycles += dot(cost.coef, opFeatures(s, g.tensors)) + (t.runtime[1] ?? 0);
    }
    return Math.round(((cycles * 1000) / board.clockHz) * 1000) / 1000;
  };
}
