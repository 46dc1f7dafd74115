// IR graph -> the planner's StepGraph. Weights may be real or elided (a shape-only lowering): only
// shapes are read.
import type { Graph, Op, Tensor } from '../ir/graph.ts';
import { convClass } from '../ir/passes/conv-class.ts';
import { elementCount, isConstant } from '../ir/tensors.ts';
import { opLabParams, opMacs } from '../ir/cost.ts';
import { NO_PADDING, type Step, type StepGraph, type StepKind, type StepTensor } from './steps.ts';

function stepKind(g: Graph, op: Op): StepKind {
  switch (op.kind) {
    case 'conv2d': {
      const c = convClass(g, op);
      return c === 'conv' ? 'conv2d' : c;
    }
    case 'relu':
    case 'relu6':
    case 'hard_sigmoid':
    case 'hard_swish':
    case 'sigmoid':
      return 'activation';
    default:
      return op.kind;
  }
}

function constants(g: Graph, op: Op): Tensor[] {
  return op.inputs.map((id) => g.tensors[id]).filter(isConstant);
}

export function stepsFromIr(g: Graph): StepGraph {
  // Activation tensors get dense indices 0..n-1 in order of first appearance.
  const index = new Int32Array(g.tensors.length).fill(-1);
  const tensors: StepTensor[] = [];
  const act = (id: number): number => {
    if (index[id] < 0) {
      const t = g.tensors[id];
      const n = elementCount(t.shape);
      index[id] = tensors.length;
      tensors.push({ name: t.name, shape: t.shape.slice(), bytes: n });
    }
    return index[id];
  };
  const inputs = g.inputs.map(act);
  const steps: Step[] = g.ops.map((op) => {
    const ins = op.inputs.filter((id) => !isConstant(g.tensors[id])).map(act);
    const out = act(op.outputs[0]);
    const outShape = g.tensors[op.outputs[0]].shape;
    const kind = stepKind(g, op);
    let kernel: [number, number] = [1, 1];
    let stride: [number, number] = [1, 1];
    let padding = NO_PADDING;
    let dilation: [number, number] | undefined;
    if (op.kind === 'conv2d' && op.dilation && (op.dilation[0] !== 1 || op.dilation[1] !== 1)) dilation = [op.dilation[0], op.dilation[1]];
    if (op.kind === 'conv2d' || op.kind === 'avg_pool' || op.kind === 'max_pool') {
      kernel = [op.kernel[0], op.kernel[1]];
      stride = [op.stride[0], op.stride[1]];
      padding = { ...op.padding };
    } else if (op.kind === 'pad') {
      padding = { ...op.padding };
    }
    let macs = 0;
    let weights = 0;
    let biases = 0;
    let quantChannels = 0;
    let params = 0;
    if (op.kind === 'conv2d' || op.kind === 'fully_connected') {
      const [w] = constants(g, op);
      const cout = w.shape[0];
      weights = elementCount(w.shape);
      biases = cout;
      quantChannels = cout;
      // The IR's counter: products, and parameters as the lab counts them (a folded BatchNorm: 2 per channel).
      macs = opMacs(g, op);
      params = opLabParams(g, op);
    }
    return { name: op.name, kind, op: op.kind, inputs: ins, output: out, kernel, stride, padding, ...(dilation ? { dilation } : {}), macs, weights, biases, quantChannels, params };
  });
  return { name: g.name, tensors, steps, inputs, outputs: g.outputs.map(act) };
}
