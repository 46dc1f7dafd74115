// One handler per ONNX op type. Nodes whose inputs are all constants are evaluated here (shape
// arithmetic, reshaped weights); the rest become IR ops through compute-ops.ts and layout-ops.ts.
import { applyActivation, clipKind, clipRange } from './activation-ops.ts';
import * as K from './const-ops.ts';
import { bare, type ImportContext, type NodeView, type Value } from './context.ts';
import { arithmetic, batchNorm, concat, conv, gemm, globalPool, pad, pool, reduceMean, softmax } from './compute-ops.ts';
import { flattenDims, reshapeTarget, reshapeTo, squeezeAct, transposeAct, unsqueezeAct } from './layout-ops.ts';
import { show } from '../../errors.ts';
import { onnx } from './proto.ts';
import { readTensorProto, type ConstTensor } from './tensor-proto.ts';

type Handler = (ctx: ImportContext, n: NodeView) => void;

/** Integer list from an attribute (older opsets) or a constant input (newer ones). */
function intsFrom(ctx: ImportContext, n: NodeView, attr: string, inputIndex: number, fromOpset: number): number[] | undefined {
  if (ctx.opset < fromOpset) return n.attrs.ints(attr);
  const v = ctx.optionalInput(n, inputIndex);
  if (!v) return undefined;
  if (v.kind !== 'const') n.fail(`${attr} (input ${inputIndex}) must be a constant`);
  if (v.c.data.length > 64) n.fail(`${attr} has ${v.c.data.length} values`);
  return Array.from(v.c.data);
}

function passThrough(ctx: ImportContext, n: NodeView): void {
  for (const o of n.outputs.slice(1)) if (o && (ctx.uses.get(o) ?? 0) > 0) n.fail(`output ${show(o)} (the mask) is not supported`);
  ctx.bind(n.outputs[0], ctx.input(n, 0));
}

function constantNode(ctx: ImportContext, n: NodeView): void {
  // ONNX's Constant has no inputs; one here is a mislabelled node whose real computation would be dropped.
  const given = n.inputs.filter((i) => i !== '');
  if (given.length > 0) n.fail(`Constant takes no inputs, this one reads ${given.length} (${given.slice(0, 3).map((i) => show(i)).join(', ')})`);
  const a = n.attrs;
  const where = `${n.where}: value`;
  let c: ConstTensor;
  const t = a.tensor('value');
  if (t) c = readTensorProto(t, where, ctx.budget);
  else if (a.has('value_float')) c = { dims: [], dtype: 'float', data: Float32Array.of(a.float('value_float', 0)) };
  else if (a.has('value_floats')) c = { dims: [a.floats('value_floats')!.length], dtype: 'float', data: Float32Array.from(a.floats('value_floats')!) };
  else if (a.has('value_int')) c = K.intConst([a.int('value_int', 0)], []);
  else if (a.has('value_ints')) c = K.intConst(a.ints('value_ints')!);
  else n.fail(`has no supported value attribute (${a.names().join(', ') || 'none'})`);
  ctx.bindConst(n.outputs[0], c);
}

function castConst(n: NodeView, c: ConstTensor): ConstTensor {
  const to = n.attrs.int('to', 0);
  const T = onnx.TensorProto.DataType;
  if (to === T.FLOAT || to === T.DOUBLE || to === T.FLOAT16) return { dims: c.dims, dtype: 'float', data: Float32Array.from(c.data) };
  if (to === T.BOOL) return { dims: c.dims, dtype: 'int', data: c.data.map((v) => (v ? 1 : 0)) as Float64Array };
  return { dims: c.dims, dtype: 'int', data: Float64Array.from(c.data, Math.trunc) };
}

/** Evaluates a node whose inputs are all constants; false when the op is not one we evaluate. */
function foldConstant(ctx: ImportContext, n: NodeView, ins: (ConstTensor | undefined)[]): boolean {
  const need = (k: number, what = `input ${k}`): ConstTensor => ins[k] ?? n.fail(`${what} is missing`);
  const out = (c: ConstTensor) => {
    ctx.budget.take(c.data.length, n.where);
    ctx.bindConst(n.outputs[0], c);
    return true;
  };
  const x = () => need(0);
  return ctx.folding(n, () => {
    switch (n.op) {
      case 'Identity':
      case 'Dropout':
        return out(x());
      case 'Cast':
        return out(castConst(n, x()));
      case 'Neg':
        return out(K.unary(x(), (v) => -v));
      case 'Add':
        return out(K.binary(x(), need(1), (a, b) => a + b));
      case 'Sub':
        return out(K.binary(x(), need(1), (a, b) => a - b));
      case 'Mul':
        return out(K.binary(x(), need(1), (a, b) => a * b));
      case 'Div':
        return out(K.binary(x(), need(1), (a, b) => a / b, true));
      case 'Gather':
        return out(K.gather(x(), need(1), n.attrs.int('axis', 0)));
      case 'Concat':
        return out(K.concat(ins.map((c, k) => c ?? need(k)), n.attrs.int('axis', 0)));
      case 'Transpose': {
        const c = x();
        return out(K.transpose(c, n.attrs.ints('perm') ?? c.dims.map((_, i) => c.dims.length - 1 - i)));
      }
      case 'Reshape': {
        const c = x();
        const dims = reshapeTarget(n, c.dims, Array.from(need(1, 'shape').data), n.attrs.int('allowzero', 0) !== 0);
        return out({ ...c, dims });
      }
      case 'Flatten': {
        const c = x();
        return out({ ...c, dims: flattenDims(c.dims, K.normAxis(n.attrs.int('axis', 1), c.dims.length + 1)) });
      }
      case 'Squeeze': {
        const c = x();
        const axes = (intsFrom(ctx, n, 'axes', 1, 13) ?? c.dims.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => K.normAxis(a, c.dims.length));
        if (axes.some((a) => c.dims[a] !== 1)) n.fail(`cannot squeeze [${c.dims.join(', ')}] on axes [${axes.join(', ')}]`);
        return out({ ...c, dims: c.dims.filter((_, i) => !axes.includes(i)) });
      }
      case 'Unsqueeze': {
        const c = x();
        const axes = intsFrom(ctx, n, 'axes', 1, 13) ?? n.fail('axes are required');
        const rank = c.dims.length + axes.length;
        const set = new Set(axes.map((a) => K.normAxis(a, rank)));
        if (set.size !== axes.length) n.fail(`axes [${axes.join(', ')}] repeat`);
        const dims: number[] = [];
        for (let i = 0, k = 0; i < rank; i++) dims.push(set.has(i) ? 1 : c.dims[k++]);
        return out({ ...c, dims });
      }
      case 'Slice': {
        const c = x();
        if (ctx.opset < 10) return out(K.slice(c, n.attrs.ints('starts') ?? [], n.attrs.ints('ends') ?? [], n.attrs.ints('axes'), undefined));
        const list = (k: number) => (ins[k] ? Array.from(ins[k]!.data) : undefined);
        return out(K.slice(c, list(1) ?? n.fail('starts are required'), list(2) ?? n.fail('ends are required'), list(3), list(4)));
      }
      case 'ConstantOfShape': {
        const dims = Array.from(x().data);
        if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) n.fail(`shape [${dims.join(', ')}] is not valid`);
        if (K.count(dims) > 1 << 24) n.fail(`shape [${dims.join(', ')}] is too large`);
        const t = n.attrs.tensor('value');
        const v = t ? readTensorProto(t, `${n.where}: value`, ctx.budget) : { dims: [1], dtype: 'float' as const, data: Float32Array.of(0) };
        const data = v.dtype === 'float' ? new Float32Array(K.count(dims)) : new Float64Array(K.count(dims));
        data.fill(v.data[0] ?? 0);
        return out({ dims, dtype: v.dtype, data });
      }
      default:
        return false;
    }
  });
}

function shapeOf(ctx: ImportContext, n: NodeView): void {
  const v = ctx.input(n, 0);
  const dims = v.kind === 'const' ? v.c.dims : v.dims;
  const start = K.normAxis(Math.max(-dims.length, Math.min(n.attrs.int('start', 0), dims.length - 1)), Math.max(dims.length, 1));
  const endRaw = n.attrs.int('end', dims.length);
  const end = Math.max(0, Math.min(endRaw < 0 ? endRaw + dims.length : endRaw, dims.length));
  ctx.bindConst(n.outputs[0], K.intConst(dims.slice(start, end)));
}

function activation(kind: 'relu' | 'hard_swish' | 'sigmoid'): Handler {
  return (ctx, n) => applyActivation(ctx, n, ctx.actInput(n, 0), n.inputs[0], kind, n.outputs[0]);
}

const HANDLERS: Record<string, Handler> = {
  Constant: constantNode,
  Identity: passThrough,
  Dropout: passThrough,
  Shape: shapeOf,
  Cast: (ctx, n) => {
    if (n.attrs.int('to', 0) !== onnx.TensorProto.DataType.FLOAT) n.fail('casting a computed value to a type other than float is not supported');
    ctx.bind(n.outputs[0], ctx.input(n, 0));
  },
  Conv: conv,
  Gemm: gemm,
  MatMul: gemm,
  BatchNormalization: batchNorm,
  Add: arithmetic,
  Sub: arithmetic,
  Mul: arithmetic,
  Div: arithmetic,
  Relu: activation('relu'),
  HardSwish: activation('hard_swish'),
  Sigmoid: activation('sigmoid'),
  Clip: (ctx, n) => {
    const kind = clipKind(ctx, n);
    if (!kind) {
      const r = clipRange(ctx, n);
      return n.fail(r ? `Clip(${r[0]}, ${r[1]}) is not supported (only (0, 6) and (0, inf))` : 'Clip bounds must be constants');
    }
    applyActivation(ctx, n, ctx.actInput(n, 0), n.inputs[0], kind, n.outputs[0]);
  },
  HardSigmoid: (ctx, n) => {
    const alpha = n.attrs.float('alpha', 0.2);
    const beta = n.attrs.float('beta', 0.5);
    if (Math.abs(alpha - 1 / 6) > 1e-6 || Math.abs(beta - 0.5) > 1e-6)
      n.fail(`HardSigmoid(alpha ${alpha}, beta ${beta}) is not supported (the IR's hard_sigmoid is alpha 1/6, beta 0.5)`);
    applyActivation(ctx, n, ctx.actInput(n, 0), n.inputs[0], 'hard_sigmoid', n.outputs[0]);
  },
  GlobalAveragePool: (ctx, n) => globalPool(ctx, n, 'avg'),
  GlobalMaxPool: (ctx, n) => globalPool(ctx, n, 'max'),
  AveragePool: (ctx, n) => pool(ctx, n, 'avg_pool'),
  MaxPool: (ctx, n) => pool(ctx, n, 'max_pool'),
  ReduceMean: (ctx, n) => reduceMean(ctx, n, intsFrom(ctx, n, 'axes', 1, 18)),
  Pad: pad,
  Concat: concat,
  Softmax: softmax,
  Flatten: (ctx, n) => {
    const x = ctx.actInput(n, 0);
    const axis = ctx.folding(n, () => K.normAxis(n.attrs.int('axis', 1), x.dims.length + 1));
    ctx.bind(n.outputs[0], reshapeTo(ctx, n, x, flattenDims(x.dims, axis), n.outputs[0]));
  },
  Reshape: (ctx, n) => {
    const x = ctx.actInput(n, 0);
    const shape = ctx.constInput(n, 1, 'the shape');
    if (shape.data.length > 8) n.fail(`shape has ${shape.data.length} values`);
    const dims = reshapeTarget(n, x.dims, Array.from(shape.data), n.attrs.int('allowzero', 0) !== 0);
    ctx.bind(n.outputs[0], reshapeTo(ctx, n, x, dims, n.outputs[0]));
  },
  Squeeze: (ctx, n) => {
    const x = ctx.actInput(n, 0);
    const axes = intsFrom(ctx, n, 'axes', 1, 13)?.map((a) => ctx.folding(n, () => K.normAxis(a, x.dims.length)));
    ctx.bind(n.outputs[0], squeezeAct(n, x, axes));
  },
  Unsqueeze: (ctx, n) => ctx.bind(n.outputs[0], unsqueezeAct(n, ctx.actInput(n, 0), intsFrom(ctx, n, 'axes', 1, 13) ?? n.fail('axes are required'))),
  Transpose: (ctx, n) => {
    const x = ctx.actInput(n, 0);
    ctx.bind(n.outputs[0], transposeAct(n, x, n.attrs.ints('perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i)));
  },
};

/** Why some common ops are refused, beyond "not supported". */
const REASONS: Record<string, string> = {
  QuantizeLinear: 'this is a QDQ (quantized) model, which the float import does not take (the QDQ import, importOnnxQdq, keeps its int8 scales)',
  DequantizeLinear: 'this is a QDQ (quantized) model, which the float import does not take (the QDQ import, importOnnxQdq, keeps its int8 scales)',
  QLinearConv: 'quantized ONNX operators are not supported; give the float model',
  LeakyRelu: 'the IR has no leaky relu',
  Tanh: 'the IR has no tanh',
};

function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export function convertNode(ctx: ImportContext, n: NodeView, domain: string): void {
  if (domain !== '' && domain !== 'ai.onnx') n.unsupported(`domain "${bare(domain)}" is not the standard one`);
  const ins: Value[] = [];
  let allConst = true;
  n.inputs.forEach((name, k) => {
    if (name === '') return;
    const v = ctx.input(n, k);
    ins[k] = v;
    if (v.kind !== 'const') allConst = false;
  });
  if (n.op !== 'Shape' && n.op !== 'Constant' && allConst && n.inputs.some((i) => i !== '')) {
    if (foldConstant(ctx, n, ins.map((v) => (v?.kind === 'const' ? v.c : undefined)))) return;
    if (own(HANDLERS, n.op)) n.fail('computes only from constants, which is not supported for this op');
  }
  // Op types come from the file: look them up as own keys only (never "constructor" or "__proto__").
  const h = own(HANDLERS, n.op);
  if (!h) n.unsupported(own(REASONS, n.op));
  h(ctx, n);
}
