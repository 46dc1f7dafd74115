// Which kind of convolution a conv2d op is. The planner (schedule/from-ir.ts) and the int8 lowering
// (quant, which picks the C kernel by it) ask this one function, on any frontend's graph.
import type { Conv2dOp, Graph } from '../graph.ts';

/** depthwise: one filter per channel (groups = Cin = Cout); pointwise: 1x1 without groups; conv: the rest. */
export type ConvClass = 'conv' | 'pointwise' | 'depthwise';

/** The class of a conv with `cin` input and `cout` output channels (for a conv whose tensors are not in a graph yet). */
export function convClassOf(op: Pick<Conv2dOp, 'groups' | 'kernel'>, cin: number, cout: number): ConvClass {
  if (op.groups > 1 && op.groups === cin && cout === cin) return 'depthwise';
  if (op.groups === 1 && op.kernel[0] === 1 && op.kernel[1] === 1) return 'pointwise';
  return 'conv';
}

/** The class of conv `op` of graph `g` (channels are the NHWC inputs' and outputs' last axis). */
export function convClass(g: Graph, op: Conv2dOp): ConvClass {
  return convClassOf(op, g.tensors[op.inputs[0]].shape[3], g.tensors[op.outputs[0]].shape[3]);
}
