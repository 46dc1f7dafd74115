// PAD folding: a zero-valued pad whose output only a convolution reads (as its input) becomes part of that
// convolution's padding. The kernels skip padded positions, which is exactly what a pad with real value 0
// contributes, so the result is the same and the padded copy never takes memory. Graph -> Graph; the
// input graph is not changed.
import type { Conv2dOp, Graph, Op, PadOp, Tensor, TensorId } from '../graph.ts';
import { graphIndex } from '../topology.ts';

/** A pad folded into a conv: op indices in the graph the pass was given. */
export interface FoldedPad {
  readonly pad: number;
  readonly conv: number;
}

/** foldPads, also saying which pad went into which conv (for callers that keep per-op records beside the graph). */
export function foldPadsTraced(g: Graph): { graph: Graph; folded: readonly FoldedPad[] } {
  const { consumers } = graphIndex(g);
  const outputs = new Set(g.outputs);
  const ops: (Op | undefined)[] = g.ops.slice();
  const dropped = new Uint8Array(g.tensors.length);
  const folded: FoldedPad[] = [];
  g.ops.forEach((op, i) => {
    if (op.kind !== 'pad' || op.value !== 0) return;
    const out = op.outputs[0];
    const readers = consumers[out];
    if (readers.length !== 1 || outputs.has(out)) return;
    const c = readers[0];
    const conv = ops[c];
    if (!conv || conv.kind !== 'conv2d' || conv.inputs[0] !== out || conv.inputs.slice(1).includes(out)) return;
    const p = (op as PadOp).padding;
    const q = conv.padding;
    ops[c] = { ...conv, inputs: [op.inputs[0], ...conv.inputs.slice(1)], padding: { top: p.top + q.top, bottom: p.bottom + q.bottom, left: p.left + q.left, right: p.right + q.right } } as Conv2dOp;
    ops[i] = undefined;
    dropped[out] = 1;
    folded.push({ pad: i, conv: c });
  });
  if (folded.length === 0) return { graph: g, folded };
  const newId = new Int32Array(g.tensors.length).fill(-1);
  const tensors: Tensor[] = [];
  g.tensors.forEach((t, i) => {
    if (dropped[i]) return;
    newId[i] = tensors.length;
    tensors.push(t.id === tensors.length ? t : { ...t, id: tensors.length });
  });
  const map = (t: TensorId): TensorId => newId[t];
  const kept = ops.filter((op): op is Op => op !== undefined).map((op) => ({ ...op, inputs: op.inputs.map(map), outputs: op.outputs.map(map) }) as Op);
  return { graph: { ...g, tensors, ops: kept, inputs: g.inputs.map(map), outputs: g.outputs.map(map) }, folded };
}

/** Folds every zero-valued pad read only by a convolution's input into that convolution's padding. */
export function foldPads(g: Graph): Graph {
  return foldPadsTraced(g).graph;
}
