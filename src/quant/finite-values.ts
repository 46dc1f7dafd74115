// Non-finite numbers in a float model: a NaN or infinite weight (a corrupt file, a flipped bit, a broken
// export) makes every later figure meaningless, and NaN even slips through min/max comparisons. The
// importers refuse such a model with the constant and the op that reads it; quantize() refuses it as a
// backstop for graphs made any other way.
import type { Graph } from '../ir/graph.ts';
import { show } from '../errors.ts';

/** The first element of `v` that is NaN or infinite, or -1. */
export function firstNonFinite(v: ArrayLike<number>): number {
  // x - x is 0 for every finite x and NaN for NaN and both infinities.
  for (let i = 0; i < v.length; i++) if (v[i] - v[i] !== 0) return i;
  return -1;
}

/** "NaN", "+Infinity" or "-Infinity", as a message shows it. */
export function nonFiniteText(x: number): string {
  return Number.isNaN(x) ? 'NaN' : x > 0 ? '+Infinity' : '-Infinity';
}

/** "NaN (2 of 18 values are not finite)", from the first such value at `first`. */
export function nonFiniteSummary(v: ArrayLike<number>, first: number): string {
  let n = 0;
  for (let i = first; i < v.length; i++) if (v[i] - v[i] !== 0) n++;
  return `${nonFiniteText(v[first])} (${n} of ${v.length} values ${n === 1 ? 'is' : 'are'} not finite)`;
}

/**
 * Why `g` cannot be computed in float: its first float constant holding a NaN or an infinity, named with the
 * first op that reads it (`constant "w" of op "Conv_3" (conv2d) holds NaN (1 of 18 values is not finite)`); undefined when
 * every float constant is finite.
 */
export function nonFiniteConstant(g: Graph): string | undefined {
  for (const t of g.tensors) {
    if (!(t.data instanceof Float32Array)) continue;
    const k = firstNonFinite(t.data);
    if (k < 0) continue;
    const op = g.ops.find((o) => o.inputs.includes(t.id));
    const reader = op ? ` of op ${show(op.name)} (${op.kind})` : '';
    return `constant ${show(t.name)}${reader} holds ${nonFiniteSummary(t.data, k)}; a model's weights must be finite numbers`;
  }
  return undefined;
}
