// The float32 reference interpreter: runs an IR graph on real-valued inputs. It is the accuracy reference
// for the int8 model and, with `observe`, the engine of calibration.
import type { Graph, Op, Shape, Tensor } from '../ir/graph.ts';
import { elementCount, isConstant, shapeText } from '../ir/tensors.ts';
import { InputError, show } from '../errors.ts';
import { applyActivation, binaryF32, concatF32, convF32, fullyConnectedF32, globalAvgPoolF32, padF32, poolF32, softmaxF32, unaryF32 } from './float-kernels.ts';

export interface FloatObserver {
  /** Every activation tensor as it is computed (graph inputs included). */
  tensor?(id: number, value: Float32Array): void;
  /** The value before a fused activation, for ops that have one (calibration of a fused hard-sigmoid). */
  preActivation?(opIndex: number, value: Float32Array): void;
}

export interface FloatRunOptions {
  /** Return every activation tensor (by tensor id), for debugging. */
  keep?: boolean;
  observe?: FloatObserver;
}

export interface FloatRun {
  readonly outputs: Float32Array[];
  /** By tensor id; only with `keep`. Constants are left undefined. */
  readonly tensors?: (Float32Array | undefined)[];
}

function constantF32(g: Graph, op: Op, t: Tensor): Float32Array {
  if (!(t.data instanceof Float32Array)) {
    const why = t.elided ? 'its values were left out (a shape-only graph)' : `it holds ${t.dtype}, not float32`;
    throw new InputError(`graph ${show(g.name)}: op ${show(op.name)}: cannot run with constant ${show(t.name)}: ${why}`);
  }
  return t.data;
}

/** Checks the inputs against the graph's input tensors; one Float32Array per graph input. */
export function checkInputs<T extends { length: number }>(g: Graph, inputs: readonly T[]): void {
  if (inputs.length !== g.inputs.length) throw new InputError(`graph ${show(g.name)} takes ${g.inputs.length} inputs, got ${inputs.length}`);
  inputs.forEach((x, k) => {
    const t = g.tensors[g.inputs[k]];
    if (x.length !== elementCount(t.shape)) throw new InputError(`graph ${show(g.name)}: input ${show(t.name)} ${shapeText(t.shape)} needs ${elementCount(t.shape)} values, got ${x.length}`);
  });
}

/** The index of the last op reading each tensor (graph outputs: past the end; unread: -1), to free values early. */
export function lastUses(g: Graph): Int32Array {
  const lastUse = new Int32Array(g.tensors.length).fill(-1);
  g.ops.forEach((op, i) => op.inputs.forEach((t) => (lastUse[t] = i)));
  for (const t of g.outputs) lastUse[t] = g.ops.length;
  return lastUse;
}

export function runFloat(g: Graph, input: Float32Array | readonly Float32Array[], opts: FloatRunOptions = {}): FloatRun {
  const inputs = input instanceof Float32Array ? [input] : input;
  checkInputs(g, inputs);
  const values: (Float32Array | undefined)[] = new Array(g.tensors.length);
  const lastUse = lastUses(g);
  g.inputs.forEach((id, k) => {
    values[id] = inputs[k];
    opts.observe?.tensor?.(id, inputs[k]);
  });

  g.ops.forEach((op, i) => {
    const shape = (id: number): Shape => g.tensors[id].shape;
    const act = (id: number): Float32Array => {
      const v = values[id];
      if (!v) throw new Error(`bug: tensor ${g.tensors[id].name} read by ${op.name} before it was computed`);
      return v;
    };
    const x = act(op.inputs[0]);
    const outId = op.outputs[0];
    let y: Float32Array;
    // Ops with a fused activation compute the value before it first.
    const fused = (pre: Float32Array, a: Op & { activation: import('../ir/graph.ts').Activation }): Float32Array => {
      if (a.activation === 'none') return pre;
      opts.observe?.preActivation?.(i, pre);
      return pre.map((v) => applyActivation(a.activation, v));
    };
    switch (op.kind) {
      case 'conv2d': {
        const w = constantF32(g, op, g.tensors[op.inputs[1]]);
        const b = op.inputs[2] !== undefined ? constantF32(g, op, g.tensors[op.inputs[2]]) : undefined;
        y = fused(convF32(x, w, b, { inShape: shape(op.inputs[0]), outShape: shape(outId), kernel: op.kernel, stride: op.stride, padding: op.padding, groups: op.groups, ...(op.dilation ? { dilation: op.dilation } : {}) }), op);
        break;
      }
      case 'fully_connected': {
        const w = constantF32(g, op, g.tensors[op.inputs[1]]);
        const b = op.inputs[2] !== undefined ? constantF32(g, op, g.tensors[op.inputs[2]]) : undefined;
        y = fused(fullyConnectedF32(x, shape(op.inputs[0])[0], w, b, shape(outId)[1]), op);
        break;
      }
      case 'add':
      case 'mul': {
        const f = op.kind === 'add' ? (p: number, q: number) => p + q : (p: number, q: number) => p * q;
        y = fused(binaryF32(x, shape(op.inputs[0]), act(op.inputs[1]), shape(op.inputs[1]), f), op);
        break;
      }
      case 'global_avg_pool':
        y = globalAvgPoolF32(x, shape(op.inputs[0]));
        break;
      case 'avg_pool':
      case 'max_pool':
        y = poolF32(x, { inShape: shape(op.inputs[0]), outShape: shape(outId), kernel: op.kernel, stride: op.stride, padding: op.padding }, op.kind === 'max_pool');
        break;
      case 'pad':
        y = padF32(x, shape(op.inputs[0]), shape(outId), op.padding, op.value);
        break;
      case 'reshape':
        y = x;
        break;
      case 'relu':
      case 'relu6':
      case 'hard_sigmoid':
      case 'hard_swish':
      case 'sigmoid':
        y = unaryF32(x, op.kind);
        break;
      case 'softmax': {
        const s = shape(op.inputs[0]);
        y = softmaxF32(x, s[s.length - 1]);
        break;
      }
      case 'concat': {
        const axis = op.axis < 0 ? op.axis + shape(op.inputs[0]).length : op.axis;
        y = concatF32(op.inputs.map((t) => (isConstant(g.tensors[t]) ? constantF32(g, op, g.tensors[t]) : act(t))), op.inputs.map(shape), axis);
        break;
      }
    }
    values[outId] = y;
    opts.observe?.tensor?.(outId, y);
    // Free what no later op reads, unless the caller wants everything.
    if (!opts.keep) for (const t of op.inputs) if (lastUse[t] === i && !isConstant(g.tensors[t])) values[t] = undefined;
  });

  const outputs = g.outputs.map((id) => values[id] as Float32Array);
  return opts.keep ? { outputs, tensors: values } : { outputs };
}
