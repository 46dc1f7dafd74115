// Arithmetic on constants, for folding what exporters compute at run time but is fixed in fact: the
// shape subgraphs of PyTorch 1.x (Shape -> Gather -> Unsqueeze -> Concat -> Reshape), reshaped or
// transposed weights (CNTK), and constant operands. Every result size is bounded before allocation.
import { MAX_TENSOR_ELEMENTS } from './limits.ts';
import type { ConstTensor } from './tensor-proto.ts';

/** Thrown for a problem with the node being folded; the importer adds which node. */
export class FoldError extends Error {}

function fail(msg: string): never {
  throw new FoldError(msg);
}

export function count(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

function checkCount(dims: readonly number[]): number {
  const n = count(dims);
  if (!(n <= MAX_TENSOR_ELEMENTS)) fail(`result shape [${dims.join(', ')}] has more than ${MAX_TENSOR_ELEMENTS} elements`);
  return n;
}

export function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

function alloc(dtype: ConstTensor['dtype'], n: number): Float32Array | Float64Array {
  return dtype === 'float' ? new Float32Array(n) : new Float64Array(n);
}

export function intConst(values: readonly number[], dims: readonly number[] = [values.length]): ConstTensor {
  return { dims, dtype: 'int', data: Float64Array.from(values) };
}

/** An axis in [-rank, rank) made non-negative. */
export function normAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) fail(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

/** numpy broadcasting of two shapes. */
export function broadcastDims(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) fail(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** `c` expanded to `dims` (which it must broadcast to). */
export function broadcastTo(c: ConstTensor, dims: readonly number[]): ConstTensor {
  const out = broadcastDims(c.dims, dims);
  if (out.length !== dims.length || out.some((d, i) => d !== dims[i])) fail(`[${c.dims.join(', ')}] does not broadcast to [${dims.join(', ')}]`);
  const n = checkCount(dims);
  const src = strides(c.dims);
  const pad = dims.length - c.dims.length;
  const step = dims.map((_, i) => (i < pad || c.dims[i - pad] === 1 ? 0 : src[i - pad]));
  const data = alloc(c.dtype, n);
  const idx = new Array<number>(dims.length).fill(0);
  let p = 0;
  for (let q = 0; q < n; q++) {
    data[q] = c.data[p];
    for (let a = dims.length - 1; a >= 0; a--) {
      idx[a]++;
      p += step[a];
      if (idx[a] < dims[a]) break;
      p -= step[a] * idx[a];
      idx[a] = 0;
    }
  }
  return { dims: dims.slice(), dtype: c.dtype, data };
}

export function binary(a: ConstTensor, b: ConstTensor, f: (x: number, y: number) => number, intDivision = false): ConstTensor {
  const dims = broadcastDims(a.dims, b.dims);
  const x = broadcastTo(a, dims);
  const y = broadcastTo(b, dims);
  const dtype = a.dtype === 'float' || b.dtype === 'float' ? 'float' : 'int';
  const data = alloc(dtype, x.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = f(x.data[i], y.data[i]);
    data[i] = dtype === 'int' && intDivision ? Math.trunc(v) : v;
  }
  return { dims, dtype, data };
}

export function unary(a: ConstTensor, f: (x: number) => number): ConstTensor {
  return { dims: a.dims, dtype: a.dtype, data: a.data.map(f) };
}

export function transpose(c: ConstTensor, perm: readonly number[]): ConstTensor {
  if (perm.length !== c.dims.length || [...perm].sort((p, q) => p - q).some((p, i) => p !== i))
    fail(`perm [${perm.join(', ')}] is not a permutation of ${c.dims.length} axes`);
  const dims = perm.map((p) => c.dims[p]);
  const src = strides(c.dims);
  const step = perm.map((p) => src[p]);
  const data = alloc(c.dtype, c.data.length);
  const idx = new Array<number>(dims.length).fill(0);
  let p = 0;
  for (let q = 0; q < data.length; q++) {
    data[q] = c.data[p];
    for (let a = dims.length - 1; a >= 0; a--) {
      idx[a]++;
      p += step[a];
      if (idx[a] < dims[a]) break;
      p -= step[a] * idx[a];
      idx[a] = 0;
    }
  }
  return { dims, dtype: c.dtype, data };
}

export function gather(data: ConstTensor, indices: ConstTensor, axisIn: number): ConstTensor {
  const axis = normAxis(axisIn, data.dims.length);
  const outer = count(data.dims.slice(0, axis));
  const inner = count(data.dims.slice(axis + 1));
  const n = data.dims[axis];
  const dims = [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)];
  const out = alloc(data.dtype, checkCount(dims));
  let k = 0;
  for (let o = 0; o < outer; o++)
    for (const raw of indices.data) {
      const i = raw < 0 ? raw + n : raw;
      if (!Number.isInteger(i) || i < 0 || i >= n) fail(`index ${raw} is out of range for axis ${axis} of size ${n}`);
      for (let j = 0; j < inner; j++) out[k++] = data.data[(o * n + i) * inner + j];
    }
  return { dims, dtype: data.dtype, data: out };
}

export function concat(parts: readonly ConstTensor[], axisIn: number): ConstTensor {
  const first = parts[0];
  const axis = normAxis(axisIn, first.dims.length);
  const dims = first.dims.slice();
  for (const p of parts.slice(1)) {
    if (p.dims.length !== dims.length || p.dims.some((d, i) => i !== axis && d !== dims[i])) fail(`inputs [${first.dims.join(', ')}] and [${p.dims.join(', ')}] do not concatenate on axis ${axis}`);
    dims[axis] += p.dims[axis];
  }
  const dtype = parts.some((p) => p.dtype === 'float') ? 'float' : 'int';
  const out = alloc(dtype, checkCount(dims));
  const outer = count(dims.slice(0, axis));
  let k = 0;
  for (let o = 0; o < outer; o++)
    for (const p of parts) {
      const block = count(p.dims.slice(axis));
      out.set(p.data.subarray(o * block, (o + 1) * block), k);
      k += block;
    }
  return { dims, dtype, data: out };
}

/** ONNX Reshape's target: 0 copies the input dim (unless allowzero), one -1 takes what is left. */
export function reshapeDims(from: readonly number[], shape: readonly number[], allowZero: boolean): number[] {
  const total = count(from);
  let infer = -1;
  const dims = shape.map((d, i) => {
    if (d === -1) {
      if (infer >= 0) fail('shape has more than one -1');
      infer = i;
      return 1;
    }
    if (d === 0 && !allowZero) {
      if (i >= from.length) fail(`shape has 0 at axis ${i}, beyond the input's rank ${from.length}`);
      return from[i];
    }
    if (!Number.isSafeInteger(d) || d < 0) fail(`shape holds ${d}`);
    return d;
  });
  if (infer >= 0) {
    const rest = count(dims);
    if (rest === 0 || total % rest !== 0) fail(`cannot infer -1 reshaping [${from.join(', ')}] to [${shape.join(', ')}]`);
    dims[infer] = total / rest;
  }
  if (count(dims) !== total) fail(`cannot reshape [${from.join(', ')}] (${total} elements) to [${shape.join(', ')}]`);
  return dims;
}

/** Slice along `axes` with ONNX's clamping rules. */
export function slice(c: ConstTensor, starts: readonly number[], ends: readonly number[], axesIn: readonly number[] | undefined, steps: readonly number[] | undefined): ConstTensor {
  const rank = c.dims.length;
  const axes = (axesIn ?? starts.map((_, i) => i)).map((a) => normAxis(a, rank));
  if (ends.length !== starts.length || axes.length !== starts.length || (steps && steps.length !== starts.length)) fail('starts, ends, axes and steps differ in length');
  const begin = c.dims.map(() => 0);
  const step = c.dims.map(() => 1);
  const dims = c.dims.slice();
  axes.forEach((a, k) => {
    const n = c.dims[a];
    const s = steps ? steps[k] : 1;
    if (!Number.isSafeInteger(s) || s === 0) fail(`step ${s} is not allowed`);
    const clampIdx = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
    const b = s > 0 ? clampIdx(starts[k], 0, n) : clampIdx(starts[k], -1, n - 1);
    const e = s > 0 ? clampIdx(ends[k], 0, n) : clampIdx(ends[k], -1, n - 1);
    begin[a] = b;
    step[a] = s;
    dims[a] = Math.max(0, Math.ceil((e - b) / s));
  });
  const src = strides(c.dims);
  const out = alloc(c.dtype, checkCount(dims));
  const idx = new Array<number>(rank).fill(0);
  for (let q = 0; q < out.length; q++) {
    let p = 0;
    for (let a = 0; a < rank; a++) p += (begin[a] + idx[a] * step[a]) * src[a];
    out[q] = c.data[p];
    for (let a = rank - 1; a >= 0; a--) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
  return { dims, dtype: c.dtype, data: out };
}
