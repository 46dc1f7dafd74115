// How an ONNX value's elements sit in the IR tensor that holds them. ONNX is NCHW, the IR NHWC; rather
// than insert transposes, the importer records for every value which IR axis each ONNX axis is
// (`map`, -1 for a size-1 ONNX axis the IR tensor does not have), so a Transpose or Squeeze costs
// nothing, and data crosses layouts only at the edges (graph inputs and outputs, weights).
import type { Shape } from '../../ir/index.ts';

export interface Layout {
  /** The value's shape in the ONNX model. */
  readonly dims: readonly number[];
  /** ONNX axis -> IR axis, or -1 for a size-1 axis with no IR counterpart. */
  readonly map: readonly number[];
  /**
   * Only for an [N, F] value made by flattening an NCHW map: IR position p within a batch item holds
   * ONNX feature order[p] (so a following Gemm permutes its weight columns instead of the data).
   */
  readonly order?: Int32Array;
}

/** How a graph input or output of the ONNX model corresponds to the IR graph's tensor. */
export interface Binding extends Layout {
  /** The ONNX value name. */
  readonly name: string;
  readonly irShape: Shape;
}

export const NCHW_MAP: readonly number[] = [0, 3, 1, 2];

export function identityMap(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i);
}

export function isNchwMap(map: readonly number[]): boolean {
  return map.length === 4 && map.every((a, i) => a === NCHW_MAP[i]);
}

/** NCHW dims to the NHWC shape that holds them. */
export function nhwcShape(dims: readonly number[]): number[] {
  return [dims[0], dims[2], dims[3], dims[1]];
}

/**
 * True when walking the IR tensor in memory order visits the elements in ONNX order: the non-unit
 * ONNX axes map to increasing IR axes. Then any reshape is a plain IR reshape.
 */
export function inMemoryOrder(l: Layout): boolean {
  if (l.order) return false;
  let last = -1;
  for (let i = 0; i < l.dims.length; i++) {
    if (l.dims[i] === 1) continue;
    if (l.map[i] <= last) return false;
    last = l.map[i];
  }
  return true;
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** For every ONNX flat index, the IR flat index holding that element. */
export function irIndexOfOnnx(l: Layout, irShape: Shape): Int32Array {
  let n = 1;
  for (const d of l.dims) n *= d;
  const out = new Int32Array(n);
  if (l.order) {
    const perItem = n / l.dims[0];
    const inv = new Int32Array(perItem);
    l.order.forEach((q, p) => (inv[q] = p));
    for (let q = 0; q < n; q++) out[q] = Math.floor(q / perItem) * perItem + inv[q % perItem];
    return out;
  }
  const irStrides = strides(irShape);
  const step = l.map.map((a) => (a < 0 ? 0 : irStrides[a]));
  const idx = new Array<number>(l.dims.length).fill(0);
  let p = 0;
  for (let q = 0; q < n; q++) {
    out[q] = p;
    // Odometer increment of the ONNX multi-index, tracking the IR offset alongside.
    for (let a = l.dims.length - 1; a >= 0; a--) {
      idx[a]++;
      p += step[a];
      if (idx[a] < l.dims[a]) break;
      p -= step[a] * idx[a];
      idx[a] = 0;
    }
  }
  return out;
}

/** Data in ONNX order (e.g. an input_K.pb) rearranged into the IR tensor's order. */
export function onnxToIr(data: Float32Array, b: Binding): Float32Array {
  const index = irIndexOfOnnx(b, b.irShape);
  const out = new Float32Array(data.length);
  for (let q = 0; q < index.length; q++) out[index[q]] = data[q];
  return out;
}

/** An IR tensor's data rearranged into the ONNX value's order (to compare with output_K.pb). */
export function irToOnnx(data: Float32Array, b: Binding): Float32Array {
  const index = irIndexOfOnnx(b, b.irShape);
  const out = new Float32Array(data.length);
  for (let q = 0; q < index.length; q++) out[q] = data[index[q]];
  return out;
}

/** The `order` of a rank-2 [N, F] flattening of a value laid out as `l` in an IR tensor of `irShape`. */
export function flattenOrder(l: Layout, irShape: Shape): Int32Array {
  const index = irIndexOfOnnx(l, irShape);
  const perItem = index.length / l.dims[0];
  const order = new Int32Array(perItem);
  for (let q = 0; q < perItem; q++) order[index[q]] = q;
  return order;
}
