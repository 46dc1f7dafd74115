// The graph IR: the one value every later stage (quantizer, planner, code generator) reads.
// Activations are NHWC with batch 1; weights are constant tensors. Ops reference tensors by id, and
// a tensor's id is its index in `Graph.tensors`, so look-ups are array reads (the planner runs inside
// the search loop). Producers and consumers are not stored: they follow from the ops (see index.ts's
// `graphIndex`), so there is no second copy to fall out of step.

export type DType = 'float32' | 'int8' | 'int32';
export type TensorData = Float32Array | Int8Array | Int32Array;
export type TensorId = number;
export type Shape = readonly number[];

/**
 * Affine quantization, real = scale * (q - zeroPoint). One entry for per-tensor; one per channel along
 * `axis` for per-channel (then `axis` is required).
 */
export interface Quantization {
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
  readonly axis?: number;
}

export interface Tensor {
  /** Equal to the tensor's index in Graph.tensors. */
  readonly id: TensorId;
  /** Unique within the graph; mirrors the source model's names (e.g. `blocks.3.depth_conv.weight`). */
  readonly name: string;
  /** Activations: [N, H, W, C] (N = 1), or [N, C] after a fully connected layer. */
  readonly shape: Shape;
  readonly dtype: DType;
  readonly quant?: Quantization;
  /** Present for constants (weights, biases); its element type matches `dtype`. */
  readonly data?: TensorData;
  /**
   * A constant whose values were left out: a shape-only graph, cheap enough to build inside the search
   * loop for planning. Such a graph cannot be run or quantized. Use `isConstant(t)` to ask either way.
   */
  readonly elided?: boolean;
}

/** Activations that an op may apply to its own output. hardsigmoid = relu6(x + 3) / 6. */
export type Activation = 'none' | 'relu' | 'relu6' | 'hardsigmoid';

/** Explicit spatial padding in elements; asymmetric padding is allowed (TF 'SAME' with stride 2). */
export interface Padding {
  readonly top: number;
  readonly left: number;
  readonly bottom: number;
  readonly right: number;
}

interface OpBase {
  /** Unique within the graph; mirrors the source model's module names (e.g. `blocks.3.depth_conv`). */
  readonly name: string;
  readonly inputs: readonly TensorId[];
  readonly outputs: readonly TensorId[];
}

/**
 * 2-D convolution. inputs: [x, weight, bias?]; weight is [Cout, KH, KW, Cin/groups]
 * (OHWI, one layout for every group count); bias is [Cout]. Depthwise = groups equal to Cin (and Cout
 * a multiple of it); pointwise = 1x1 kernel.
 */
export interface Conv2dOp extends OpBase {
  readonly kind: 'conv2d';
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: Padding;
  readonly groups: number;
  readonly activation: Activation;
  /**
   * Spacing of the window's taps [H, W] (TFLite's dilation factors, ONNX's `dilations`): output (y, x) reads
   * input row y * stride - pad_top + ky * dilation. Absent = [1, 1]; a dilated window spans (k - 1) * d + 1.
   */
  readonly dilation?: readonly [number, number];
  /**
   * True when a BatchNorm was folded into this conv's weight and bias. The bias then did not exist
   * in the source model; lab-style parameter counts need to know (2 parameters per BN channel).
   */
  readonly foldedBatchNorm?: boolean;
}

/** inputs: [x, weight, bias?]; x [N, ...] with IN elements per batch item, weight [OUT, IN], bias [OUT]; out [N, OUT]. */
export interface FullyConnectedOp extends OpBase {
  readonly kind: 'fully_connected';
  readonly activation: Activation;
}

/** Element-wise with numpy-style broadcasting (SE's [1,1,1,C] gate times [1,H,W,C]). inputs: [a, b]. */
export interface BinaryOp extends OpBase {
  readonly kind: 'add' | 'mul';
  readonly activation: Activation;
}

/** Mean over H and W; out [N, 1, 1, C]. (How an int8 model rounds it is the QuantOp's business.) */
export interface GlobalAvgPoolOp extends OpBase {
  readonly kind: 'global_avg_pool';
}

/** Windowed pooling. The average counts only elements inside the input (padding excluded, as TFLite). */
export interface PoolOp extends OpBase {
  readonly kind: 'avg_pool' | 'max_pool';
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: Padding;
}

/** Constant spatial padding of an NHWC tensor; `value` is in the real (float) domain. */
export interface PadOp extends OpBase {
  readonly kind: 'pad';
  readonly padding: Padding;
  readonly value: number;
}

/** Same data, new shape (flatten is a reshape to [N, rest]). */
export interface ReshapeOp extends OpBase {
  readonly kind: 'reshape';
  readonly shape: Shape;
}

/** Standalone activations; hard_swish = x * relu6(x + 3) / 6; sigmoid = 1 / (1 + exp(-x)) (the logistic function). */
export interface UnaryOp extends OpBase {
  readonly kind: 'relu' | 'relu6' | 'hard_sigmoid' | 'hard_swish' | 'sigmoid';
}

/** Softmax over the last axis. */
export interface SoftmaxOp extends OpBase {
  readonly kind: 'softmax';
}

export interface ConcatOp extends OpBase {
  readonly kind: 'concat';
  /** May be negative (counted from the end). */
  readonly axis: number;
}

export type Op =
  | Conv2dOp
  | FullyConnectedOp
  | BinaryOp
  | GlobalAvgPoolOp
  | PoolOp
  | PadOp
  | ReshapeOp
  | UnaryOp
  | SoftmaxOp
  | ConcatOp;

export type OpKind = Op['kind'];

export interface Graph {
  readonly name: string;
  /** tensors[i].id === i. */
  readonly tensors: readonly Tensor[];
  /** In execution order: every op's non-constant inputs are graph inputs or outputs of earlier ops. */
  readonly ops: readonly Op[];
  readonly inputs: readonly TensorId[];
  readonly outputs: readonly TensorId[];
}

/** A problem found in a graph. The IR imports nothing of ours, so callers map this to their own error type. */
export class IrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IrError';
  }
}
