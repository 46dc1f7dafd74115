// IR passes on a QuantGraph: the pass rewrites the graph (src/ir/passes/), and the per-op parameter
// records follow it here, so a rewrite is written once for float and int8 graphs.
import { foldPadsTraced, type FoldedPad } from '../ir/passes/fold-pads.ts';
import type { QuantGraph, QuantOp } from './quant-graph.ts';

/**
 * fold-pads.ts on an int8 graph: a folded pad's record goes, and its conv's kernel padding grows by the
 * pad's top and left (bottom and right follow from the shapes). An int8 pad fills with the zero point,
 * real value 0, which is what the conv kernels' skipped positions contribute.
 */
export function foldPadsInt8(q: QuantGraph): { graph: QuantGraph; folded: readonly FoldedPad[] } {
  const { graph, folded } = foldPadsTraced(q);
  if (folded.length === 0) return { graph: q, folded };
  const params: (QuantOp | undefined)[] = q.params.slice();
  for (const f of folded) {
    const pad = q.ops[f.pad];
    const conv = params[f.conv];
    if (pad.kind !== 'pad' || conv?.kind !== 'conv2d') throw new Error('bug: a folded pad must go into a conv2d');
    params[f.conv] = { ...conv, params: { ...conv.params, padTop: conv.params.padTop + pad.padding.top, padLeft: conv.params.padLeft + pad.padding.left } };
    params[f.pad] = undefined;
  }
  return { graph: { ...graph, params: params.filter((p): p is QuantOp => p !== undefined) }, folded };
}
