// How quantization messages name things. Op and tensor names come from model files, so they are shown
// escaped and shortened (show); the model is named by its file when the caller knows it.
import { show } from '../errors.ts';
import type { Graph, Op } from '../ir/graph.ts';

/** `op #3 "Conv_3" (conv2d)`. */
export function opLabel(op: Op, index: number): string {
  return `op #${index} ${show(op.name)} (${op.kind})`;
}

/** The file when given, else `graph "<name>"`: the start of every message about this graph. */
export function modelLabel(g: Graph, source: string | undefined): string {
  return source ?? `graph ${show(g.name)}`;
}
