// Producers and consumers, derived from the ops (the graph does not store them).
import type { Graph, Op, Tensor } from './graph.ts';
import { isConstant } from './tensors.ts';

export interface GraphIndex {
  /** producer[t] = index of the op that writes tensor t, or -1 (graph input or constant). */
  readonly producer: Int32Array;
  /** consumers[t] = indices of the ops that read tensor t, in execution order (repeats kept once). */
  readonly consumers: readonly (readonly number[])[];
}

export function graphIndex(g: Graph): GraphIndex {
  const producer = new Int32Array(g.tensors.length).fill(-1);
  const consumers: number[][] = g.tensors.map(() => []);
  g.ops.forEach((op, i) => {
    for (const t of op.outputs) if (t >= 0 && t < producer.length) producer[t] = i;
    for (const t of op.inputs) {
      const c = consumers[t];
      if (c && c[c.length - 1] !== i) c.push(i);
    }
  });
  return { producer, consumers };
}

/** The op's non-constant inputs (activations), in input order. */
export function activationInputs(g: Graph, op: Op): Tensor[] {
  return op.inputs.map((id) => g.tensors[id]).filter((t) => !isConstant(t));
}
