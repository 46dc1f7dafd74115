// Ops that compute: Conv, Gemm, MatMul, BatchNormalization, element-wise arithmetic, pools, ReduceMean,
// Pad, Concat, Softmax. Weights are transposed to the IR's layouts here, once. A per-channel constant
// (bias Add, scale Mul, BatchNorm) folds into the conv or fully connected layer before it when nothing
// else reads that layer's output; otherwise it becomes a depthwise 1x1 conv (rank 4).
import { elementCount, type OpSpec, type Padding } from '../../ir/index.ts';
import { batchNormAffine, foldAffine } from '../../ir/passes/fold-batch-norm.ts';
import { broadcastDims, broadcastTo, normAxis, transpose } from './const-ops.ts';
import { bare, type ActValue, type ImportContext, type NodeView } from './context.ts';
import { matchHardSigmoid, matchHardSwish } from './activation-ops.ts';
import { NCHW_MAP, irIndexOfOnnx } from './layout.ts';
import { spatial } from './layout-ops.ts';
import { MAX_DIM } from './limits.ts';
import type { ConstTensor } from './tensor-proto.ts';

const NO_PADDING: Padding = { top: 0, left: 0, bottom: 0, right: 0 };

function f32(data: ArrayLike<number>): Float32Array {
  return Float32Array.from(data);
}

function pair(n: NodeView, name: string, dflt?: [number, number]): [number, number] {
  const v = n.attrs.ints(name);
  if (!v) {
    if (!dflt) n.fail(`attribute ${name} is required`);
    return dflt;
  }
  if (v.length !== 2) n.fail(`attribute ${name} must have 2 values (2-D only), got [${v.join(', ')}]`);
  if (v.some((x) => x < 1 || x > MAX_DIM)) n.fail(`attribute ${name} [${v.join(', ')}] must hold positive sizes`);
  return [v[0], v[1]];
}

/** Pools: the IR's pooling windows are dense. */
function checkDilations(n: NodeView): void {
  const d = n.attrs.ints('dilations');
  if (d && d.some((x) => x !== 1)) n.fail(`dilations [${d.join(', ')}] are not supported on ${bare(n.op)} (only 1; Conv takes them)`);
}

/** Explicit padding from `pads` or `auto_pad` (SAME_UPPER puts the odd element at the end, as TF does). */
function windowPadding(n: NodeView, size: [number, number], k: [number, number], s: [number, number]): Padding {
  const auto = n.attrs.string('auto_pad', 'NOTSET');
  if (auto === 'NOTSET' || auto === '') {
    const p = n.attrs.ints('pads') ?? [0, 0, 0, 0];
    if (p.length !== 4) n.fail(`attribute pads must have 4 values, got [${p.join(', ')}]`);
    if (p.some((x) => x < 0 || x > MAX_DIM)) n.fail(`attribute pads [${p.join(', ')}] must be non-negative sizes`);
    return { top: p[0], left: p[1], bottom: p[2], right: p[3] };
  }
  if (auto === 'VALID') return NO_PADDING;
  if (auto !== 'SAME_UPPER' && auto !== 'SAME_LOWER') n.fail(`auto_pad "${bare(auto)}" is not supported`);
  const side = (i: 0 | 1): [number, number] => {
    const out = Math.ceil(size[i] / s[i]);
    const total = Math.max(0, (out - 1) * s[i] + k[i] - size[i]);
    const small = Math.floor(total / 2);
    return auto === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
  };
  const [top, bottom] = side(0);
  const [left, right] = side(1);
  return { top, left, bottom, right };
}

function bindNchw(ctx: ImportContext, name: string, t: number): void {
  const s = ctx.draft.tensors[t].shape;
  ctx.bind(name, { kind: 'act', t, dims: [s[0], s[3], s[1], s[2]], map: NCHW_MAP });
}

export function conv(ctx: ImportContext, n: NodeView): void {
  const x = spatial(ctx, n, ctx.actInput(n, 0));
  const w = ctx.constInput(n, 1, 'the weight');
  if (w.dims.length !== 4) n.fail(`only 2-D convolutions are supported (weight [${w.dims.join(', ')}])`);
  const [m, cpg, kh, kw] = w.dims;
  const ks = n.attrs.ints('kernel_shape');
  if (ks && (ks.length !== 2 || ks[0] !== kh || ks[1] !== kw)) n.fail(`kernel_shape [${ks.join(', ')}] does not match weight [${w.dims.join(', ')}]`);
  const dilation = pair(n, 'dilations', [1, 1]);
  if ((kh - 1) * dilation[0] + 1 > MAX_DIM || (kw - 1) * dilation[1] + 1 > MAX_DIM)
    n.fail(`dilations [${dilation.join(', ')}] spread the ${kh}x${kw} kernel over more than ${MAX_DIM} inputs`);
  const stride = pair(n, 'strides', [1, 1]);
  const groups = n.attrs.int('group', 1);
  const c = x.dims[1];
  if (groups < 1 || cpg * groups !== c || m % groups !== 0) n.fail(`group ${groups}, input channels ${c} and weight [${w.dims.join(', ')}] do not agree`);
  const dilated = dilation[0] !== 1 || dilation[1] !== 1;
  // onnxruntime refuses SAME_UPPER/SAME_LOWER with dilations (its ComputePad: "Dilation not supported"), and
  // the ONNX spec's SAME formula has read the kernel both dilated and not over the years: explicit pads only.
  const auto = n.attrs.string('auto_pad', 'NOTSET');
  if (dilated && (auto === 'SAME_UPPER' || auto === 'SAME_LOWER'))
    n.fail(`auto_pad ${auto} with dilations [${dilation.join(', ')}] is ambiguous (onnxruntime refuses it): give explicit pads`);
  const padding = windowPadding(n, [x.dims[2], x.dims[3]], [(kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1], stride);
  // OIHW -> OHWI, the one weight layout of the IR.
  const wt = ctx.draft.tensor(n.inputs[1], [m, kh, kw, cpg], f32(transpose(w, [0, 2, 3, 1]).data));
  const inputs = [x.t, wt];
  const b = ctx.optionalInput(n, 2);
  if (b) {
    if (b.kind !== 'const' || b.c.dims.length !== 1 || b.c.dims[0] !== m) n.fail(`the bias must be a constant [${m}]`);
    inputs.push(ctx.draft.tensor(n.inputs[2], [m], f32(b.c.data)));
  }
  const out = ctx.emit(n, { kind: 'conv2d', inputs, kernel: [kh, kw], stride, padding, groups, activation: 'none', ...(dilated ? { dilation } : {}) });
  bindNchw(ctx, n.outputs[0], out);
}

/** Per output channel o of a conv or fully connected op: w[o] *= scale[o]; b[o] = b[o] * scale[o] + shift[o]. */
function foldIntoProducer(ctx: ImportContext, opIndex: number, scale: ArrayLike<number> | undefined, shift: ArrayLike<number> | undefined, batchNorm: boolean): void {
  const op = ctx.draft.ops[opIndex];
  const spec = op.spec as OpSpec & { kind: 'conv2d' | 'fully_connected' };
  const w = ctx.draft.tensors[spec.inputs[1]];
  const cout = w.shape[0];
  let biasId = spec.inputs[2];
  if (biasId === undefined) biasId = ctx.draft.tensor(`${spec.name}.bias`, [cout], new Float32Array(cout));
  // A zero bias made here: its fold is 0 * scale + shift, as for a stored one.
  foldAffine(w.data as Float32Array, ctx.draft.tensors[biasId].data as Float32Array, scale, shift);
  const next = { ...spec, inputs: [spec.inputs[0], spec.inputs[1], biasId] } as OpSpec;
  if (batchNorm && next.kind === 'conv2d') (next as { foldedBatchNorm?: boolean }).foldedBatchNorm = true;
  ctx.draft.replace(op, next);
}

/**
 * y = x * scale + shift per channel (the IR's last axis): folded into the producing conv / fully
 * connected op when possible, else a depthwise 1x1 conv. Returns false when x is not rank 4 and
 * nothing could take it.
 */
function channelAffine(ctx: ImportContext, n: NodeView, x: ActValue, xName: string, scale: ArrayLike<number> | undefined, shift: ArrayLike<number> | undefined, batchNorm: boolean): boolean {
  const outName = n.outputs[0];
  const p = ctx.fusibleProducer(x, xName);
  if (p && (p.spec.kind === 'conv2d' || p.spec.kind === 'fully_connected') && p.spec.activation === 'none') {
    foldIntoProducer(ctx, ctx.draft.tensors[x.t].producer, scale, shift, batchNorm);
    ctx.draft.rename(p.out, outName);
    ctx.rebind(xName, outName, x);
    return true;
  }
  const shape = ctx.draft.tensors[x.t].shape;
  if (shape.length !== 4) return false;
  const c = shape[3];
  const w = ctx.draft.tensor(`${n.irName}.scale`, [c, 1, 1, 1], scale ? f32(scale) : new Float32Array(c).fill(1));
  const b = ctx.draft.tensor(`${n.irName}.shift`, [c], shift ? f32(shift) : new Float32Array(c));
  const t = ctx.emit(n, { kind: 'conv2d', inputs: [x.t, w, b], kernel: [1, 1], stride: [1, 1], padding: NO_PADDING, groups: c, activation: 'none', ...(batchNorm ? { foldedBatchNorm: true } : {}) }, outName);
  ctx.bind(outName, { ...x, t });
  return true;
}

export function batchNorm(ctx: ImportContext, n: NodeView): void {
  const x = ctx.actInput(n, 0);
  if (n.attrs.int('training_mode', 0) !== 0) n.fail('training mode is not supported');
  if (n.attrs.int('spatial', 1) !== 1) n.fail('spatial=0 is not supported');
  for (const o of n.outputs.slice(1)) if (o && (ctx.uses.get(o) ?? 0) > 0) n.fail('only the first output (Y) may be used');
  const c = x.dims[1];
  if (x.dims.length < 2) n.fail(`input [${x.dims.join(', ')}] has no channel axis`);
  const p = ['scale', 'B', 'mean', 'var'].map((what, k) => {
    const t = ctx.constInput(n, k + 1, what);
    if (t.data.length !== c) n.fail(`${what} has ${t.data.length} values for ${c} channels`);
    return t.data;
  });
  const eps = n.attrs.float('epsilon', 1e-5);
  const { scale, shift } = batchNormAffine({ gamma: p[0], beta: p[1], mean: p[2], variance: p[3], eps });
  // Channel axis 1 must be the IR's last axis (true for NCHW maps and [N, C]).
  if (x.map[1] !== ctx.draft.tensors[x.t].shape.length - 1 || x.order) n.fail(`input [${x.dims.join(', ')}] is not laid out with channels last in the IR`);
  if (!channelAffine(ctx, n, x, n.inputs[0], scale, shift, true)) n.fail(`BatchNormalization of a rank-${x.dims.length} value that no conv or Gemm precedes is not supported`);
}

/** A constant operand broadcast to x's ONNX dims (it may not enlarge x), in the IR tensor's element order. */
function irConstant(ctx: ImportContext, n: NodeView, x: ActValue, c: ConstTensor): Float32Array {
  const dims = ctx.folding(n, () => broadcastDims(x.dims, c.dims));
  if (dims.length !== x.dims.length || dims.some((d, i) => d !== x.dims[i])) n.fail(`the constant [${c.dims.join(', ')}] would enlarge [${x.dims.join(', ')}], which is not supported`);
  const full = ctx.folding(n, () => broadcastTo(c, x.dims)).data;
  const index = irIndexOfOnnx(x, ctx.draft.tensors[x.t].shape);
  const out = new Float32Array(full.length);
  for (let q = 0; q < index.length; q++) out[index[q]] = full[q];
  return out;
}

/** The row when every row of `data` (rows of `c` values) is the same: a per-channel constant. */
function rowVector(data: Float32Array, c: number): Float32Array | undefined {
  for (let i = c; i < data.length; i++) if (data[i] !== data[i % c]) return undefined;
  return data.subarray(0, c);
}

/** Add/Sub/Mul/Div of an activation and a constant. */
function withConstant(ctx: ImportContext, n: NodeView, x: ActValue, xName: string, kind: 'add' | 'mul', c: ConstTensor): void {
  if (kind === 'add' && n.op === 'Add' && matchHardSigmoid(ctx, n, x, xName, c)) return;
  const full = irConstant(ctx, n, x, c);
  const shape = ctx.draft.tensors[x.t].shape;
  const vec = rowVector(full, shape[shape.length - 1]);
  if (vec && channelAffine(ctx, n, x, xName, kind === 'mul' ? vec : undefined, kind === 'add' ? vec : undefined, false)) return;
  const k = ctx.draft.tensor(`${n.irName}.constant`, shape, full);
  const t = ctx.emit(n, { kind, inputs: [x.t, k], activation: 'none' });
  ctx.bind(n.outputs[0], { ...x, t });
}

export function arithmetic(ctx: ImportContext, n: NodeView): void {
  const a = ctx.input(n, 0);
  const b = ctx.input(n, 1);
  const op = n.op as 'Add' | 'Sub' | 'Mul' | 'Div';
  if (a.kind === 'act' && b.kind === 'const') {
    const c = b.c;
    if (op === 'Sub') return withConstant(ctx, n, a, n.inputs[0], 'add', { ...c, data: c.data.map((v) => -v) });
    if (op === 'Div') return withConstant(ctx, n, a, n.inputs[0], 'mul', { ...c, data: f32(Array.from(c.data, (v) => 1 / v)) });
    return withConstant(ctx, n, a, n.inputs[0], op === 'Add' ? 'add' : 'mul', c);
  }
  if (a.kind === 'const' && b.kind === 'act') {
    if (op === 'Sub' || op === 'Div') n.fail(`${op} of a constant by a computed value is not supported`);
    return withConstant(ctx, n, b, n.inputs[1], op === 'Add' ? 'add' : 'mul', a.c);
  }
  if (a.kind !== 'act' || b.kind !== 'act') throw new Error('bug: constant arithmetic reached the activation handler');
  if (op === 'Sub' || op === 'Div') n.fail(`${op} of two computed values is not supported`);
  if (op === 'Mul' && matchHardSwish(ctx, n, a, b)) return;
  // Both operands must sit in the IR the same way; broadcasting then works on the IR shapes too.
  const rank = Math.max(a.dims.length, b.dims.length);
  const lift = (v: ActValue) => [...new Array<number>(rank - v.map.length).fill(-1), ...v.map];
  const ma = lift(a);
  const mb = lift(b);
  const dims = ctx.folding(n, () => broadcastDims(a.dims, b.dims));
  const map = ma.map((x, i) => (x >= 0 ? x : mb[i]));
  const agree = ma.every((x, i) => x === mb[i] || x < 0 || mb[i] < 0) && !a.order && !b.order;
  const ra = ctx.draft.tensors[a.t].shape.length;
  if (!agree || ra !== ctx.draft.tensors[b.t].shape.length || map.some((x, i) => x < 0 && dims[i] !== 1))
    n.fail(`operands [${a.dims.join(', ')}] and [${b.dims.join(', ')}] are laid out differently in the IR`);
  const t = ctx.emit(n, { kind: op === 'Add' ? 'add' : 'mul', inputs: [a.t, b.t], activation: 'none' });
  ctx.bind(n.outputs[0], { kind: 'act', t, dims, map });
}

/** Gemm (and MatMul, with alpha = beta = 1, no C, B untransposed): a fully connected op. */
export function gemm(ctx: ImportContext, n: NodeView): void {
  const isGemm = n.op === 'Gemm';
  const a = ctx.actInput(n, 0);
  const bIn = ctx.input(n, 1);
  if (bIn.kind !== 'const') n.fail('the second operand must be a constant (weights); products of two computed values are not supported');
  if (a.dims.length !== 2) n.fail(`input [${a.dims.join(', ')}] must have rank 2 (flatten it first)`);
  if (isGemm && n.attrs.int('transA', 0) !== 0) n.fail('transA=1 is not supported');
  const transB = isGemm && n.attrs.int('transB', 0) !== 0;
  const alpha = isGemm ? n.attrs.float('alpha', 1) : 1;
  const beta = isGemm ? n.attrs.float('beta', 1) : 1;
  const B = bIn.c;
  if (B.dims.length !== 2) n.fail(`weight [${B.dims.join(', ')}] must have rank 2`);
  const w = transB ? B : transpose(B, [1, 0]); // [OUT, IN]
  const [out, k] = w.dims;
  if (k !== a.dims[1]) n.fail(`input [${a.dims.join(', ')}] and weight [${B.dims.join(', ')}] do not agree`);
  const irShape = ctx.draft.tensors[a.t].shape;
  if (irShape[0] !== a.dims[0] || elementCount(irShape) !== a.dims[0] * k) n.fail(`input [${a.dims.join(', ')}] is not laid out with the batch first in the IR`);
  // The IR reads features in its own memory order: the weight column of ONNX feature q goes to the
  // IR position of that feature (a permutation when a flattened NCHW map feeds this).
  const pos = a.order
    ? irIndexOfOnnx({ dims: [1, k], map: [0, 1], order: a.order }, [1, k])
    : irIndexOfOnnx({ dims: [1, ...a.dims.slice(1)], map: a.map }, [1, ...irShape.slice(1)]);
  const wd = new Float32Array(out * k);
  for (let o = 0; o < out; o++) for (let q = 0; q < k; q++) wd[o * k + pos[q]] = alpha * w.data[o * k + q];
  const inputs = [a.t, ctx.draft.tensor(n.inputs[1], [out, k], wd)];
  const c = isGemm ? ctx.optionalInput(n, 2) : undefined;
  if (c) {
    if (c.kind !== 'const') n.fail('C must be a constant');
    const bias = ctx.folding(n, () => broadcastTo(c.c, [1, out]));
    inputs.push(ctx.draft.tensor(n.inputs[2], [out], f32(Array.from(bias.data, (v) => beta * v))));
  }
  const t = ctx.emit(n, { kind: 'fully_connected', inputs, activation: 'none' });
  ctx.bind(n.outputs[0], { kind: 'act', t, dims: [a.dims[0], out], map: [0, 1] });
}

export function pool(ctx: ImportContext, n: NodeView, kind: 'avg_pool' | 'max_pool'): void {
  if (n.outputs[1] && (ctx.uses.get(n.outputs[1]) ?? 0) > 0) n.fail('the Indices output is not supported');
  const x = spatial(ctx, n, ctx.actInput(n, 0));
  const k = pair(n, 'kernel_shape');
  const s = pair(n, 'strides', [1, 1]);
  checkDilations(n);
  const size: [number, number] = [x.dims[2], x.dims[3]];
  const padding = { ...windowPadding(n, size, k, s) };
  let extra = false;
  if (n.attrs.int('ceil_mode', 0) !== 0) {
    // ceil_mode: one more window where it still starts inside the input; pad the end for it.
    const grow = (i: 0 | 1, before: number, after: number): number => {
      const span = size[i] + before + after - k[i];
      let out = Math.ceil(span / s[i]) + 1;
      if ((out - 1) * s[i] >= size[i] + before) out--;
      return Math.max(0, (out - 1) * s[i] + k[i] - (size[i] + before + after));
    };
    const eh = grow(0, padding.top, padding.bottom);
    const ew = grow(1, padding.left, padding.right);
    padding.bottom += eh;
    padding.right += ew;
    extra = eh + ew > 0;
  }
  let input = x.t;
  let pads: Padding = padding;
  const anyPad = padding.top + padding.left + padding.bottom + padding.right > 0;
  if (kind === 'avg_pool' && n.attrs.int('count_include_pad', 0) !== 0 && anyPad) {
    // The IR's average leaves padding out; counting it in is the same as padding with zeros first.
    if (extra) n.fail('count_include_pad=1 together with ceil_mode=1 is not supported');
    input = ctx.emit(n, { kind: 'pad', inputs: [x.t], padding, value: 0, name: `${n.irName}:pad` }, `${n.outputs[0]}:pad`);
    pads = NO_PADDING;
  }
  bindNchw(ctx, n.outputs[0], ctx.emit(n, { kind, inputs: [input], kernel: k, stride: s, padding: pads }));
}

export function globalPool(ctx: ImportContext, n: NodeView, kind: 'avg' | 'max'): void {
  const x = spatial(ctx, n, ctx.actInput(n, 0));
  const k: [number, number] = [x.dims[2], x.dims[3]];
  const t =
    kind === 'avg'
      ? ctx.emit(n, { kind: 'global_avg_pool', inputs: [x.t] })
      : ctx.emit(n, { kind: 'max_pool', inputs: [x.t], kernel: k, stride: [1, 1], padding: NO_PADDING });
  bindNchw(ctx, n.outputs[0], t);
}

/** ReduceMean over spatial axes: an average pool over H or W, or a global one (also when two reductions follow each other). */
export function reduceMean(ctx: ImportContext, n: NodeView, axesIn: number[] | undefined): void {
  const x = ctx.actInput(n, 0);
  const shape = ctx.draft.tensors[x.t].shape;
  if (!axesIn) n.fail('reducing over all axes is not supported (give axes)');
  const axes = new Set(ctx.folding(n, () => axesIn.map((a) => normAxis(a, x.dims.length))));
  const irAxes = new Set([...axes].filter((a) => x.dims[a] !== 1).map((a) => x.map[a]));
  if (x.order || shape.length !== 4 || [...irAxes].some((a) => a !== 1 && a !== 2))
    n.fail(`only means over the spatial axes (H, W) are supported; input [${x.dims.join(', ')}], axes [${axesIn.join(', ')}]`);
  const keep = n.attrs.int('keepdims', 1) !== 0;
  const dims = keep ? x.dims.map((d, i) => (axes.has(i) ? 1 : d)) : x.dims.filter((_, i) => !axes.has(i));
  const map = keep ? x.map.slice() : x.map.filter((_, i) => !axes.has(i));
  let t = x.t;
  if (irAxes.size === 2) t = ctx.emit(n, { kind: 'global_avg_pool', inputs: [x.t] });
  else if (irAxes.size === 1) {
    const overH = irAxes.has(1);
    const p = ctx.fusibleProducer(x, n.inputs[0]);
    const src = p && ctx.draft.tensors[p.spec.inputs[0]].shape;
    // A mean over W just before, read only here: together they are one global average pool.
    if (overH && p && p.spec.kind === 'avg_pool' && src && p.spec.kernel[0] === 1 && p.spec.kernel[1] === src[2] && p.spec.stride[0] === 1 && p.spec.padding.top + p.spec.padding.bottom + p.spec.padding.left + p.spec.padding.right === 0) {
      ctx.draft.replace(p, { kind: 'global_avg_pool', name: p.spec.name, inputs: [p.spec.inputs[0]] });
      ctx.draft.rename(p.out, n.outputs[0]);
      ctx.rebind(n.inputs[0], n.outputs[0], { kind: 'act', t, dims, map });
      return;
    } else {
      const kernel: [number, number] = overH ? [shape[1], 1] : [1, shape[2]];
      t = ctx.emit(n, { kind: 'avg_pool', inputs: [x.t], kernel, stride: [1, 1], padding: NO_PADDING });
    }
  }
  ctx.bind(n.outputs[0], { kind: 'act', t, dims, map });
}

export function pad(ctx: ImportContext, n: NodeView): void {
  const mode = n.attrs.string('mode', 'constant');
  if (mode !== 'constant') n.fail(`mode "${bare(mode)}" is not supported (only constant)`);
  let pads: number[];
  let value = 0;
  if (ctx.opset < 11) {
    pads = n.attrs.ints('pads') ?? n.attrs.ints('paddings') ?? n.fail('attribute pads is required');
    value = n.attrs.float('value', 0);
  } else {
    pads = Array.from(ctx.constInput(n, 1, 'pads').data);
    const v = ctx.optionalInput(n, 2);
    if (v) {
      if (v.kind !== 'const' || v.c.data.length !== 1) n.fail('constant_value must be a scalar constant');
      value = v.c.data[0];
    }
    if (ctx.optionalInput(n, 3)) n.fail('the axes input is not supported');
  }
  const x = spatial(ctx, n, ctx.actInput(n, 0));
  if (pads.length !== 8) n.fail(`pads must have 8 values for a rank-4 input, got ${pads.length}`);
  if (pads.some((p) => !Number.isSafeInteger(p) || p < 0 || p > MAX_DIM)) n.fail(`pads [${pads.join(', ')}] must be non-negative sizes (cropping is not supported)`);
  if (pads[0] || pads[1] || pads[4] || pads[5]) n.fail(`pads [${pads.join(', ')}] pad the batch or channel axis, which is not supported`);
  bindNchw(ctx, n.outputs[0], ctx.emit(n, { kind: 'pad', inputs: [x.t], padding: { top: pads[2], left: pads[3], bottom: pads[6], right: pads[7] }, value }));
}

export function concat(ctx: ImportContext, n: NodeView): void {
  const parts = n.inputs.map((_, k) => ctx.actInput(n, k));
  if (parts.length === 0) n.fail('no inputs');
  const first = parts[0];
  const axis = ctx.folding(n, () => normAxis(n.attrs.int('axis', first.dims.length === 4 ? 1 : 0), first.dims.length));
  for (const p of parts)
    if (p.order || p.dims.length !== first.dims.length || p.map.some((m, i) => m !== first.map[i]) || ctx.draft.tensors[p.t].shape.length !== ctx.draft.tensors[first.t].shape.length)
      n.fail(`inputs [${first.dims.join(', ')}] and [${p.dims.join(', ')}] are laid out differently in the IR`);
  const irAxis = first.map[axis];
  if (irAxis < 0) n.fail(`axis ${axis} has no IR counterpart`);
  const t = ctx.emit(n, { kind: 'concat', inputs: parts.map((p) => p.t), axis: irAxis });
  const dims = first.dims.slice();
  dims[axis] = parts.reduce((s, p) => s + p.dims[axis], 0);
  ctx.bind(n.outputs[0], { kind: 'act', t, dims, map: first.map });
}

/** Softmax: the IR's is over its last axis; the ONNX axes reduced must be exactly that one (others of size 1). */
export function softmax(ctx: ImportContext, n: NodeView): void {
  const x = ctx.actInput(n, 0);
  if (x.order) n.fail(`softmax of a flattened NCHW value [${x.dims.join(', ')}] is not supported`);
  const rank = x.dims.length;
  const axis = ctx.folding(n, () => normAxis(n.attrs.int('axis', ctx.opset >= 13 ? -1 : 1), rank));
  // Before opset 13 the input is flattened to 2-D at `axis`; from 13 on only `axis` is reduced.
  const reduced = ctx.opset >= 13 ? [axis] : Array.from({ length: rank - axis }, (_, i) => axis + i);
  const irLast = ctx.draft.tensors[x.t].shape.length - 1;
  const big = reduced.filter((a) => x.dims[a] !== 1);
  const lastSize = ctx.draft.tensors[x.t].shape[irLast];
  const ok = big.every((a) => x.map[a] === irLast) && (lastSize === 1 || reduced.some((a) => x.map[a] === irLast));
  if (!ok) n.fail(`softmax over axis ${axis} of [${x.dims.join(', ')}] is not over the IR's last axis, which is all the IR has`);
  const t = ctx.emit(n, { kind: 'softmax', inputs: [x.t] });
  ctx.bind(n.outputs[0], { ...x, t });
}

