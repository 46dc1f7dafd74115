// Fitting the latency table (latency.ts) from measured ops: per op key, non-negative least squares of
// the op's cycles on its shape features (each feature costs >= 0 cycles, so a fit never predicts fewer
// cycles for more work), by coordinate descent on scaled columns. Used by tools/bench/latency-table.ts.
import type { Step, StepTensor } from '../schedule/steps.ts';
import { LATENCY_FEATURES, kindKey, opFeatures, opKey, type BoardLatencyTable, type OpCost } from './latency.ts';

export interface MeasuredOp {
  step: Step;
  tensors: readonly StepTensor[];
  cycles: number;
}

/** Non-negative least squares min |Xb - y|^2, b >= 0 (coordinate descent; X is small: a few features). */
export function nnls(X: number[][], y: number[], iterations = 5000): number[] {
  const m = X[0]?.length ?? 0;
  const scale = Array.from({ length: m }, (_, j) => Math.sqrt(X.reduce((s, r) => s + r[j] * r[j], 0)) || 1);
  const Z = X.map((r) => r.map((v, j) => v / scale[j]));
  const b = new Array<number>(m).fill(0);
  const resid = y.slice();
  for (let it = 0; it < iterations; it++) {
    let moved = 0;
    for (let j = 0; j < m; j++) {
      let g = 0;
      for (let i = 0; i < Z.length; i++) g += Z[i][j] * resid[i];
      const next = Math.max(0, b[j] + g); // columns have unit norm
      const d = next - b[j];
      if (d === 0) continue;
      for (let i = 0; i < Z.length; i++) resid[i] -= d * Z[i][j];
      b[j] = next;
      moved = Math.max(moved, Math.abs(d));
    }
    if (moved < 1e-9) break;
  }
  return b.map((v, j) => v / scale[j]);
}

function fitGroup(ops: MeasuredOp[]): OpCost {
  const X = ops.map((o) => opFeatures(o.step, o.tensors));
  const coef = nnls(
    X,
    ops.map((o) => o.cycles),
  );
  return { coef: coef.map((c) => Number(c.toPrecision(6))), n: ops.length };
}

/** One board's table from its measured ops and, per subnet, the runtime cycles outside the ops. */
export function fitBoardTable(
  ops: MeasuredOp[],
  runtime: { ops: number; cycles: number }[],
  meta: { core: string; clockHz: number; kernels: string; subnets: number },
): BoardLatencyTable {
  const groups = new Map<string, MeasuredOp[]>();
  for (const o of ops)
    for (const key of [opKey(o.step), kindKey(o.step)]) {
      const g = groups.get(key) ?? [];
      g.push(o);
      groups.set(key, g);
    }
  const table: Record<string, OpCost> = {};
  for (const key of [...groups.keys()].sort()) table[key] = fitGroup(groups.get(key)!);
  const rt = nnls(
    runtime.map((r) => [1, r.ops]),
    runtime.map((r) => r.cycles),
  );
  if (LATENCY_FEATURES.length !== (table[Object.keys(table)[0]]?.coef.length ?? LATENCY_FEATURES.length)) throw new Error('feature count');
  return { ...meta, ops: table, runtime: rt.map((c) => Number(c.toPrecision(6))) };
}
