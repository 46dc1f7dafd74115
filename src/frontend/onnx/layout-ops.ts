// Ops that only change how values are viewed: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, and
// getting any value into the NHWC form that spatial ops take. Most cost nothing at run time: the IR
// tensor stays, only its ONNX layout (layout.ts) changes; an IR reshape is emitted when the shape must.
import { elementCount, sameShape } from '../../ir/index.ts';
import { reshapeDims } from './const-ops.ts';
import type { ActValue, ImportContext, NodeView } from './context.ts';
import { NCHW_MAP, flattenOrder, identityMap, inMemoryOrder, isNchwMap, nhwcShape } from './layout.ts';

function describe(v: ActValue): string {
  return `[${v.dims.join(', ')}]`;
}

/** An IR reshape of `v`'s tensor (or the tensor itself when the shape already matches). */
function irReshape(ctx: ImportContext, n: NodeView, v: ActValue, shape: number[], outName: string): number {
  if (sameShape(ctx.draft.tensors[v.t].shape, shape)) return v.t;
  return ctx.emit(n, { kind: 'reshape', inputs: [v.t], shape }, outName);
}

/**
 * `v` as an NHWC IR tensor of its NCHW dims (for Conv, pools, Pad): as it is when it already is one;
 * through an IR reshape when the data order agrees (C == 1 or H == W == 1); else the model needs a
 * transpose that the IR does not have.
 */
export function spatial(ctx: ImportContext, n: NodeView, v: ActValue, what = 'input'): ActValue {
  if (v.dims.length !== 4) n.fail(`${what} ${describe(v)} must have rank 4 (NCHW)`);
  const irShape = ctx.draft.tensors[v.t].shape;
  if (!v.order && isNchwMap(v.map) && irShape.length === 4) return v;
  const [, c, h, w] = v.dims;
  if (inMemoryOrder(v) && (c === 1 || h * w === 1)) {
    const t = irReshape(ctx, n, v, nhwcShape(v.dims), `${n.irName}:nhwc`);
    return { kind: 'act', t, dims: v.dims, map: NCHW_MAP };
  }
  n.fail(`${what} ${describe(v)} is not laid out as NCHW here (it would need a transpose, which the IR does not have)`);
}

/**
 * A map of ONNX `dims` onto an IR tensor of `irShape` holding the same elements in the same order, when
 * their non-unit dimensions are the same sequence (e.g. [1, C] onto [1, 1, 1, C]); else undefined.
 */
function remapOnto(dims: readonly number[], irShape: readonly number[]): number[] | undefined {
  const map: number[] = [];
  let j = 0;
  for (const d of dims) {
    if (d === 1) {
      map.push(-1);
      continue;
    }
    while (j < irShape.length && irShape[j] === 1) j++;
    if (irShape[j] !== d) return undefined;
    map.push(j++);
  }
  while (j < irShape.length) if (irShape[j++] !== 1) return undefined;
  return map;
}

/** `v` viewed with ONNX dims `dims` (same element count); an IR reshape only where the IR shape must change. */
export function reshapeTo(ctx: ImportContext, n: NodeView, v: ActValue, dims: number[], outName: string): ActValue {
  if (sameShape(dims, v.dims)) return v;
  if (v.order) n.fail(`cannot reshape a flattened NCHW value ${describe(v)} again to [${dims.join(', ')}]`);
  const irShape = ctx.draft.tensors[v.t].shape;
  if (inMemoryOrder(v)) {
    if (dims.length === 4) {
      if (dims[1] !== 1 && dims[2] * dims[3] !== 1)
        n.fail(`reshape of ${describe(v)} to NCHW [${dims.join(', ')}] would need a transpose in NHWC, which the IR does not have`);
      return { kind: 'act', t: irReshape(ctx, n, v, nhwcShape(dims), outName), dims, map: NCHW_MAP };
    }
    const map = remapOnto(dims, irShape);
    if (map) return { kind: 'act', t: v.t, dims, map };
    return { kind: 'act', t: irReshape(ctx, n, v, dims, outName), dims, map: identityMap(dims.length) };
  }
  // An NCHW map with C > 1 and H*W > 1: only flattening to [N, C*H*W] works, by permuting the
  // consumer's weights (the `order`) rather than the data; the IR tensor stays as it is.
  if (dims.length === 2 && dims[0] === v.dims[0] && irShape[0] === dims[0]) {
    return { kind: 'act', t: v.t, dims, map: [0, 1], order: flattenOrder(v, irShape) };
  }
  n.fail(`reshape of ${describe(v)} to [${dims.join(', ')}] would need a transpose in NHWC, which the IR does not have`);
}

export function flattenDims(dims: readonly number[], axis: number): number[] {
  return [elementCount(dims.slice(0, axis)), elementCount(dims.slice(axis))];
}

export function reshapeTarget(n: NodeView, from: readonly number[], shape: readonly number[], allowZero: boolean): number[] {
  try {
    return reshapeDims(from, shape, allowZero);
  } catch (e) {
    n.fail((e as Error).message);
  }
}

export function squeezeAct(n: NodeView, v: ActValue, axes: number[] | undefined): ActValue {
  const drop = new Set(axes ?? v.dims.flatMap((d, i) => (d === 1 ? [i] : [])));
  for (const a of drop) if (v.dims[a] !== 1) n.fail(`cannot squeeze axis ${a} of size ${v.dims[a]}`);
  if (v.order && drop.size > 0) n.fail('cannot squeeze a flattened NCHW value');
  return { kind: 'act', t: v.t, dims: v.dims.filter((_, i) => !drop.has(i)), map: v.map.filter((_, i) => !drop.has(i)) };
}

export function unsqueezeAct(n: NodeView, v: ActValue, axes: number[]): ActValue {
  if (v.order) n.fail('cannot unsqueeze a flattened NCHW value');
  const rank = v.dims.length + axes.length;
  const set = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  if (set.size !== axes.length || [...set].some((a) => a < 0 || a >= rank)) n.fail(`axes [${axes.join(', ')}] are not valid for output rank ${rank}`);
  const dims: number[] = [];
  const map: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) {
    if (set.has(i)) {
      dims.push(1);
      map.push(-1);
    } else {
      dims.push(v.dims[k]);
      map.push(v.map[k++]);
    }
  }
  return { kind: 'act', t: v.t, dims, map };
}

export function transposeAct(n: NodeView, v: ActValue, perm: number[]): ActValue {
  const identity = perm.every((p, i) => p === i);
  if (perm.length !== v.dims.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i))
    n.fail(`perm [${perm.join(', ')}] is not a permutation of ${v.dims.length} axes`);
  if (identity) return v;
  if (v.order) n.fail('cannot transpose a flattened NCHW value');
  return { kind: 'act', t: v.t, dims: perm.map((p) => v.dims[p]), map: perm.map((p) => v.map[p]) };
}

