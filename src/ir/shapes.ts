// Shape inference per op. Each rule checks what the op needs of its inputs and throws IrError with a
// message about the op's own inputs; validate.ts adds which op (name, kind, position) it was.
import { IrError, type Op, type Padding, type Shape } from './graph.ts';
import { elementCount, shapeText } from './tensors.ts';

/** Input counts each kind accepts: [min, max]. */
const ARITY: Record<Op['kind'], readonly [number, number]> = {
  conv2d: [2, 3],
  fully_connected: [2, 3],
  add: [2, 2],
  mul: [2, 2],
  global_avg_pool: [1, 1],
  avg_pool: [1, 1],
  max_pool: [1, 1],
  pad: [1, 1],
  reshape: [1, 1],
  relu: [1, 1],
  relu6: [1, 1],
  hard_sigmoid: [1, 1],
  hard_swish: [1, 1],
  sigmoid: [1, 1],
  softmax: [1, 1],
  concat: [1, Infinity],
};

function fail(msg: string): never {
  throw new IrError(msg);
}

function isCount(v: number, min: number): boolean {
  return Number.isInteger(v) && v >= min;
}

function checkRank(what: string, s: Shape, rank: number): void {
  if (s.length !== rank) fail(`${what} must have rank ${rank}, got ${shapeText(s)}`);
}

function checkPadding(p: Padding): void {
  for (const k of ['top', 'left', 'bottom', 'right'] as const)
    if (!isCount(p[k], 0)) fail(`padding.${k} must be a non-negative integer, got ${p[k]}`);
}

/** Output side of a window of size k (taps `dilation` apart) with the given stride over `size + padding` elements. */
function windowOut(axis: string, size: number, before: number, after: number, k: number, stride: number, dilation = 1): number {
  if (!isCount(stride, 1)) fail(`stride must be a positive integer, got ${stride}`);
  if (!isCount(k, 1)) fail(`kernel must be a positive integer, got ${k}`);
  if (!isCount(dilation, 1)) fail(`dilation must be a positive integer, got ${dilation}`);
  const span = (k - 1) * dilation + 1;
  const padded = size + before + after;
  if (padded < span) fail(`${axis}: kernel ${k}${dilation === 1 ? '' : ` with dilation ${dilation} (spanning ${span})`} is larger than the padded input ${padded}`);
  return Math.floor((padded - span) / stride) + 1;
}

/** A conv's dilation [H, W] ([1, 1] when absent). */
export function convDilation(op: { readonly dilation?: readonly [number, number] }): readonly [number, number] {
  return op.dilation ?? [1, 1];
}

function checkBias(s: Shape | undefined, n: number): void {
  if (s && (s.length !== 1 || s[0] !== n)) fail(`bias must be [${n}], got ${shapeText(s)}`);
}

/** numpy broadcasting: align from the right; each pair of dims must be equal or one of them 1. */
export function broadcastShapes(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) fail(`shapes ${shapeText(a)} and ${shapeText(b)} do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** The output shapes of `op` given its input shapes (in op.inputs order). Throws IrError on a mismatch. */
export function inferOutputShapes(op: Op, inputs: readonly Shape[]): Shape[] {
  const [lo, hi] = ARITY[op.kind];
  if (inputs.length < lo || inputs.length > hi)
    fail(`takes ${lo === hi ? lo : `${lo} to ${hi === Infinity ? 'any number of' : hi}`} inputs, got ${inputs.length}`);
  if (op.outputs.length !== 1) fail(`must have exactly 1 output, got ${op.outputs.length}`);
  for (const s of inputs)
    if (!s.every((d) => isCount(d, 1))) fail(`input shape ${shapeText(s)} has a dimension that is not a positive integer`);
  const x = inputs[0];

  switch (op.kind) {
    case 'conv2d': {
      const w = inputs[1];
      checkRank('input', x, 4);
      checkRank('weight', w, 4);
      const [n, h, wd, c] = x;
      const [cout, kh, kw, cpg] = w;
      if (op.kernel[0] !== kh || op.kernel[1] !== kw)
        fail(`kernel ${op.kernel.join('x')} does not match weight ${shapeText(w)} (expected [Cout, KH, KW, Cin/groups])`);
      if (!isCount(op.groups, 1) || c % op.groups !== 0 || cout % op.groups !== 0)
        fail(`groups ${op.groups} must divide input channels ${c} and output channels ${cout}`);
      if (cpg !== c / op.groups)
        fail(`weight ${shapeText(w)} has ${cpg} input channels per group, expected ${c / op.groups} (input ${shapeText(x)}, groups ${op.groups})`);
      checkBias(inputs[2], cout);
      checkPadding(op.padding);
      const [dh, dw] = convDilation(op);
      const ho = windowOut('height', h, op.padding.top, op.padding.bottom, kh, op.stride[0], dh);
      const wo = windowOut('width', wd, op.padding.left, op.padding.right, kw, op.stride[1], dw);
      return [[n, ho, wo, cout]];
    }
    case 'fully_connected': {
      const w = inputs[1];
      checkRank('weight', w, 2);
      if (x.length < 2) fail(`input must have a batch and a feature dimension, got ${shapeText(x)}`);
      const perItem = elementCount(x) / x[0];
      if (perItem !== w[1]) fail(`input ${shapeText(x)} has ${perItem} features per item, weight ${shapeText(w)} expects ${w[1]}`);
      checkBias(inputs[2], w[0]);
      return [[x[0], w[0]]];
    }
    case 'add':
    case 'mul':
      return [broadcastShapes(x, inputs[1])];
    case 'global_avg_pool':
      checkRank('input', x, 4);
      return [[x[0], 1, 1, x[3]]];
    case 'avg_pool':
    case 'max_pool': {
      checkRank('input', x, 4);
      checkPadding(op.padding);
      const ho = windowOut('height', x[1], op.padding.top, op.padding.bottom, op.kernel[0], op.stride[0]);
      const wo = windowOut('width', x[2], op.padding.left, op.padding.right, op.kernel[1], op.stride[1]);
      return [[x[0], ho, wo, x[3]]];
    }
    case 'pad':
      checkRank('input', x, 4);
      checkPadding(op.padding);
      return [[x[0], x[1] + op.padding.top + op.padding.bottom, x[2] + op.padding.left + op.padding.right, x[3]]];
    case 'reshape':
      if (!op.shape.every((d) => isCount(d, 1))) fail(`target shape ${shapeText(op.shape)} must hold positive integers`);
      if (elementCount(op.shape) !== elementCount(x))
        fail(`cannot reshape ${shapeText(x)} (${elementCount(x)} elements) to ${shapeText(op.shape)} (${elementCount(op.shape)})`);
      return [op.shape.slice()];
    case 'relu':
    case 'relu6':
    case 'hard_sigmoid':
    case 'hard_swish':
    case 'sigmoid':
    case 'softmax':
      return [x.slice()];
    case 'concat': {
      const axis = op.axis < 0 ? op.axis + x.length : op.axis;
      if (!Number.isInteger(axis) || axis < 0 || axis >= x.length) fail(`axis ${op.axis} is out of range for rank ${x.length}`);
      const out = x.slice();
      for (const s of inputs.slice(1)) {
        if (s.length !== x.length || s.some((d, i) => i !== axis && d !== x[i]))
          fail(`input ${shapeText(s)} does not match ${shapeText(x)} outside axis ${axis}`);
        out[axis] += s[axis];
      }
      return [out];
    }
  }
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
