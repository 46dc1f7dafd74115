// The int8 interpreter: the golden model. It runs a QuantGraph with the kernels of int8-kernels.ts, which
// compute what firmware/kernels/own/ computes, byte for byte.
import type { Graph, Op, Shape } from '../ir/graph.ts';
import { elementCount, isConstant } from '../ir/tensors.ts';
import { InputError, show } from '../errors.ts';
import { checkInputs, lastUses } from './float-interpreter.ts';
import { addS8, avgPoolS8, convS8, depthwiseS8, fullyConnectedS8, globalAvgPoolS8, lutS8, maxPoolS8, meanS8, mulS8, padS8, pointwiseS8, requantCopyS8, softmaxS8, type Hwc } from './int8-kernels.ts';
import type { QuantGraph, QuantOp } from './quant-graph.ts';
import { activationQuant } from './quantize.ts';
import { dequantizeValue, quantizeValue } from './scales.ts';

export interface Int8RunOptions {
  /** Return every activation tensor (by tensor id), for finding the first op where two runs differ. */
  keep?: boolean;
}

export interface Int8Run {
  readonly outputs: Int8Array[];
  /** By tensor id; only with `keep`. */
  readonly tensors?: (Int8Array | undefined)[];
}

export function hwc(shape: Shape): Hwc {
  return { h: shape[1], w: shape[2], c: shape[3] };
}

function constant<T extends Int8Array | Int32Array>(q: Graph, op: Op, id: number | undefined, type: new (n: number) => T): T {
  const t = id === undefined ? undefined : q.tensors[id];
  if (!t || !(t.data instanceof type)) throw new InputError(`graph ${show(q.name)}: op ${show(op.name)}: constant ${t ? show(t.name) : '(missing)'} is not ${type.name} (was the graph quantized?)`);
  return t.data as T;
}

/** Runs one op of a QuantGraph: reads its activation inputs from `read`, returns its output. */
export function runInt8Op(q: QuantGraph, index: number, read: (id: number) => Int8Array): Int8Array {
  const op = q.ops[index];
  const p: QuantOp = q.params[index];
  const shape = (id: number) => q.tensors[id].shape;
  const outShape = shape(op.outputs[0]);
  const out = new Int8Array(elementCount(outShape));
  const x = read(op.inputs[0]);
  if (p.kind !== op.kind) throw new Error(`bug: op ${op.name} is ${op.kind} but its parameters are for ${p.kind}`);
  switch (p.kind) {
    case 'conv2d': {
      const w = constant(q, op, op.inputs[1], Int8Array);
      const b = constant(q, op, op.inputs[2], Int32Array);
      const [i, o] = [hwc(shape(op.inputs[0])), hwc(outShape)];
      if (p.variant === 'depthwise') depthwiseS8(x, i, w, b, out, o, p.params);
      else if (p.variant === 'pointwise') pointwiseS8(x, i, w, b, out, o, p.params);
      else convS8(x, i, w, b, out, o, p.groups, p.params);
      break;
    }
    case 'fully_connected': {
      const w = constant(q, op, op.inputs[1], Int8Array);
      const b = constant(q, op, op.inputs[2], Int32Array);
      const batches = shape(op.inputs[0])[0];
      fullyConnectedS8(x, batches, x.length / batches, w, b, out, outShape[1], p.params);
      break;
    }
    case 'add':
      addS8(x, read(op.inputs[1]), out, p.layout, p.params);
      break;
    case 'mul':
      mulS8(x, read(op.inputs[1]), out, p.layout, p.params);
      break;
    case 'global_avg_pool':
      if (p.mean) meanS8(x, hwc(shape(op.inputs[0])), out, p.mean, p.actMin, p.actMax);
      else globalAvgPoolS8(x, hwc(shape(op.inputs[0])), out, p.actMin, p.actMax);
      break;
    case 'avg_pool':
      avgPoolS8(x, hwc(shape(op.inputs[0])), out, hwc(outShape), p.params);
      break;
    case 'max_pool':
      maxPoolS8(x, hwc(shape(op.inputs[0])), out, hwc(outShape), p.params);
      break;
    case 'pad':
      padS8(x, hwc(shape(op.inputs[0])), out, hwc(outShape), p.padTop, p.padLeft, p.value);
      break;
    case 'reshape':
      out.set(x);
      break;
    case 'relu':
    case 'relu6':
    case 'hard_sigmoid':
    case 'hard_swish':
    case 'sigmoid':
      lutS8(x, out, p.lut);
      break;
    case 'softmax': {
      const row = outShape[outShape.length - 1];
      softmaxS8(x, out, out.length / row, row, p.expTable);
      break;
    }
    case 'concat':
      op.inputs.forEach((id, k) => requantCopyS8(read(id), out, p.parts[k]));
      break;
  }
  return out;
}

export function runInt8(q: QuantGraph, input: Int8Array | readonly Int8Array[], opts: Int8RunOptions = {}): Int8Run {
  const inputs = input instanceof Int8Array ? [input] : input;
  checkInputs(q, inputs);
  const values: (Int8Array | undefined)[] = new Array(q.tensors.length);
  const lastUse = lastUses(q);
  q.inputs.forEach((id, k) => (values[id] = inputs[k]));
  const read = (id: number): Int8Array => {
    const v = values[id];
    if (v) return v;
    const t = q.tensors[id];
    if (isConstant(t) && t.data instanceof Int8Array) return t.data;
    throw new Error(`bug: tensor "${t.name}" read before it was computed`);
  };
  q.ops.forEach((op, i) => {
    values[op.outputs[0]] = runInt8Op(q, i, read);
    if (!opts.keep) for (const t of op.inputs) if (lastUse[t] === i) values[t] = undefined;
  });
  const outputs = q.outputs.map((id) => values[id] as Int8Array);
  return opts.keep ? { outputs, tensors: values } : { outputs };
}

/** Real input -> int8 in the graph input's quantization (input k). */
export function quantizeInput(q: QuantGraph, x: Float32Array, k = 0): Int8Array {
  const qt = activationQuant(q, q.inputs[k]);
  return Int8Array.from(x, (v) => quantizeValue(v, qt));
}

/** int8 output k -> real values. */
export function dequantizeOutput(q: QuantGraph, y: Int8Array, k = 0): Float32Array {
  const qt = activationQuant(q, q.outputs[k]);
  return Float32Array.from(y, (v) => dequantizeValue(v, qt));
}

/** Any int8 activation tensor -> real values (debugging intermediate tensors). */
export function dequantizeTensor(q: QuantGraph, id: number, y: Int8Array): Float32Array {
  const qt = activationQuant(q, id);
  return Float32Array.from(y, (v) => dequantizeValue(v, qt));
}
