// What the planner needs to know of a network, and nothing more: the ops in execution order with their
// activation tensors (shapes, bytes), window geometry, arithmetic and constant sizes. Two producers make
// this value: from-ir.ts (any IR graph) and from-arch.ts (a shape walk of an arch config, for the search
// loop). Tests check that both give the same value for every arch config, so every figure of a fast plan
// is the figure of the full plan.
import type { OpKind } from '../backend/index.ts';
import type { Padding } from '../ir/graph.ts';
import { convDilation } from '../ir/shapes.ts';

export type { Padding };

/**
 * How the planner treats an op. `depthwise` = groups equal to input channels (a channel multiplier of
 * one is what the in-place kernel supports); `pointwise` = 1x1, groups 1; `conv2d` = any other conv.
 * `activation` covers the standalone relu/relu6/hard-sigmoid/hard-swish ops.
 */
/** The op kinds of a plan: one kernel call each (src/backend names them, as every backend has one C call per kind). */
export type StepKind = OpKind;

/** An activation tensor (weights and biases are not tensors here: they live in flash). */
export interface StepTensor {
  readonly name: string;
  /** NHWC ([1, H, W, C]) or [1, C]. */
  readonly shape: readonly number[];
  /** Bytes at run time: the network is deployed in int8, one byte per element whatever the IR's dtype. */
  readonly bytes: number;
}

export interface Step {
  /** The IR op's name (e.g. `blocks.3.depth_conv`). */
  readonly name: string;
  readonly kind: StepKind;
  /** The IR op kind it came from (`conv2d`, `relu6`, ...), for tables. */
  readonly op: string;
  /** Activation inputs, as indices into StepGraph.tensors, in the op's input order. */
  readonly inputs: readonly number[];
  readonly output: number;
  /** Window geometry; [1, 1], [1, 1] and zero padding for ops without a window. */
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: Padding;
  /** Spacing of a conv's taps [H, W]; absent = [1, 1] (the window spans (k - 1) x dilation + 1 inputs). */
  readonly dilation?: readonly [number, number];
  /** Multiply-accumulate products (conv: out elements x Cin/groups x KH x KW; fc: IN x OUT). */
  readonly macs: number;
  /** int8 weight elements. */
  readonly weights: number;
  /**
   * int32 bias elements after quantization: one per output channel of every conv and fully connected
   * layer (a folded BatchNorm or the zero-point correction lands there even if the float model had none).
   */
  readonly biases: number;
  /** Output channels with their own requantization multiplier and shift (per-channel quantization). */
  readonly quantChannels: number;
  /** Parameters as the lab counts them (weights + bias, or + 2 per channel for a folded BatchNorm). */
  readonly params: number;
}

export interface StepGraph {
  readonly name: string;
  readonly tensors: readonly StepTensor[];
  readonly steps: readonly Step[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

export const NO_PADDING: Padding = { top: 0, left: 0, bottom: 0, right: 0 };

/** Sum of the steps' MACs. */
export function stepMacs(g: StepGraph): number {
  let n = 0;
  for (const s of g.steps) n += s.macs;
  return n;
}

export function stepParams(g: StepGraph): number {
  let n = 0;
  for (const s of g.steps) n += s.params;
  return n;
}

/** Whether the op works on each output position from a bounded input window (so it can run on a tile). */
export function isSpatiallyLocal(s: Step): boolean {
  switch (s.kind) {
    case 'conv2d':
    case 'depthwise':
    case 'pointwise':
    case 'avg_pool':
    case 'max_pool':
    case 'pad':
    case 'activation':
      return true;
    case 'add':
    case 'mul':
      // Only same-shape element-wise ops: a broadcast operand (SE's gate) comes from a global pool.
      return true;
    default:
      return false;
  }
}

/** The input rows (axis 0) or columns (axis 1) one output of the step's window spans: (k - 1) x dilation + 1. */
export function receptiveField(s: Pick<Step, 'kernel' | 'dilation'>, axis: 0 | 1): number {
  return (s.kernel[axis] - 1) * convDilation(s)[axis] + 1;
}

/** Spatial side of an NHWC tensor, [H, W]; [1, 1] for a [N, C] tensor. */
export function spatial(t: StepTensor): [number, number] {
  return t.shape.length === 4 ? [t.shape[1], t.shape[2]] : [1, 1];
}

export function channels(t: StepTensor): number {
  return t.shape[t.shape.length - 1];
}
