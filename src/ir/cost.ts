// Arithmetic and parameter counts per op. MACs here are multiply-accumulate products only
// (what a kernel computes), i.e. the lab's `macs_pure`: conv = out_elems x Cin/groups x KH x KW,
// fully connected = N x IN x OUT. Element-wise ops, pools and activations count 0.
import type { Graph, Op } from './graph.ts';
import { elementCount, isConstant } from './tensors.ts';

export function opMacs(g: Graph, op: Op): number {
  if (op.kind === 'conv2d') {
    const w = g.tensors[op.inputs[1]].shape; // [Cout, KH, KW, Cin/groups]
    return elementCount(g.tensors[op.outputs[0]].shape) * w[1] * w[2] * w[3];
  }
  if (op.kind === 'fully_connected') {
    const w = g.tensors[op.inputs[1]].shape; // [OUT, IN]
    return g.tensors[op.outputs[0]].shape[0] * w[0] * w[1];
  }
  return 0;
}

export function graphMacs(g: Graph): number {
  let n = 0;
  for (const op of g.ops) n += opMacs(g, op);
  return n;
}

/** Elements of the op's constant inputs (weights and biases as they are in this graph). */
export function opParams(g: Graph, op: Op): number {
  let n = 0;
  for (const id of op.inputs) {
    const t = g.tensors[id];
    if (isConstant(t)) n += elementCount(t.shape);
  }
  return n;
}

/** Elements of every constant the ops read, each tensor counted once even if shared. */
export function graphParams(g: Graph): number {
  const seen = new Set<number>();
  let n = 0;
  for (const op of g.ops)
    for (const id of op.inputs) {
      const t = g.tensors[id];
      if (!isConstant(t) || seen.has(id)) continue;
      seen.add(id);
      n += elementCount(t.shape);
    }
  return n;
}
