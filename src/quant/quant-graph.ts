// The quantized graph: the same IR (int8 activations and weights, int32 biases, quantization on every
// tensor) plus one integer parameter record per op, precomputed so that code generation only places
// values into C and the int8 interpreter only reads them. Each kernel record mirrors a C struct of
// firmware/kernels/own/mcunas_kernels.h field for field (camelCase here, snake_case there).
import type { Graph, OpKind } from '../ir/graph.ts';
import type { ConvClass } from '../ir/passes/conv-class.ts';

/** Affine int8 quantization of one tensor: real = scale * (q - zeroPoint). */
export interface TensorQuant {
  readonly scale: number;
  readonly zeroPoint: number;
}

/** The window of a convolution or pool as the kernels take it. */
export interface WindowGeometry {
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  /** Bottom and right padding follow from the output shape. */
  readonly padTop: number;
  readonly padLeft: number;
}

/** mcunas_conv_params: every convolution and the fully connected layer. */
export interface ConvKernelParams extends WindowGeometry {
  /** Minus the input zero point. */
  readonly inputOffset: number;
  /** The output zero point (or the pre-activation zero point when `lut` is set). */
  readonly outputOffset: number;
  readonly actMin: number;
  readonly actMax: number;
  /** Per output channel: Q31 significand and power-of-two exponent (> 0 shifts left). */
  readonly multiplier: Int32Array;
  readonly shift: Int32Array;
  /** 256 entries applied after the clamp, out = lut[v + 128]: a fused hard-sigmoid. */
  readonly lut?: Int8Array;
  /** Spacing of the window's taps (TFLite dilation factors); absent = 1. Conv and depthwise only. */
  readonly dilationH?: number;
  readonly dilationW?: number;
  /** Minus the weight zero point (TFLite int8 weights have none: absent = 0). Fully connected only. */
  readonly weightOffset?: number;
}

/** mcunas_add_params: TFLite's int8 add (both inputs scaled to a common 2^20-finer scale, then requantized). */
export interface AddKernelParams {
  readonly input1Offset: number;
  readonly input2Offset: number;
  readonly leftShift: number;
  readonly input1Multiplier: number;
  readonly input1Shift: number;
  readonly input2Multiplier: number;
  readonly input2Shift: number;
  readonly outputMultiplier: number;
  readonly outputShift: number;
  readonly outputOffset: number;
  readonly actMin: number;
  readonly actMax: number;
  readonly lut?: Int8Array;
}

/** mcunas_mul_params: TFLite's int8 mul, out = zp + requant((a - zpA) * (b - zpB)). */
export interface MulKernelParams {
  readonly input1Offset: number;
  readonly input2Offset: number;
  readonly outputMultiplier: number;
  readonly outputShift: number;
  readonly outputOffset: number;
  readonly actMin: number;
  readonly actMax: number;
  readonly lut?: Int8Array;
}

/**
 * How an element-wise kernel walks its inputs: `pixels` rows of `channels` values; input k advances
 * `inNPixelStride` per row (0 for a per-channel vector broadcast over the map, SE's gate; `channels` for a
 * full map). Same-shape inputs are one row of all elements.
 */
export interface ElementwiseLayout {
  readonly pixels: number;
  readonly channels: number;
  readonly in1PixelStride: number;
  readonly in2PixelStride: number;
}

/** mcunas_pool_params. Input and output share their quantization (TFLite's AVERAGE_POOL_2D / MAX_POOL_2D rule). */
export interface PoolKernelParams extends WindowGeometry {
  readonly actMin: number;
  readonly actMax: number;
}

/**
 * mcunas_mean_step: one division of a global average pool. The kernel sums the stage's raw int8 inputs
 * (S, over `count` values) and then, by `rounding`:
 *   'nearest':  v = roundHalfAway(requantize(S + count * inputOffset, multiplier, shift) / count) + outputOffset
 *               (TFLite's reference_integer_ops::Mean, MEAN over H and W with keep_dims; with zero offsets and the
 *               identity multiplier 2^30, shift 1, TFLite's AVERAGE_POOL_2D rounding, src/quant's own scheme);
 *   'truncate': v = S / count truncated toward zero (TFLite's reference_ops::Mean: MEAN with equal input and
 *               output quantization);
 *   'float':    v = roundf(float(S) / float(count) * scale + bias) + outputOffset in float32 arithmetic
 *               (TFLite's reference_ops::QuantizedMeanOrSum: MEAN with different quantizations; scale =
 *               inputScale / outputScale and bias = -inputZeroPoint * scale + 0.5, both float32 as TFLite has them).
 * then saturates v to int8.
 */
export interface MeanStep {
  readonly rounding: 'nearest' | 'truncate' | 'float';
  readonly inputOffset: number;
  readonly outputOffset: number;
  readonly multiplier: number;
  readonly shift: number;
  /** float32 values ('float' only; 0 otherwise). */
  readonly scale: number;
  readonly bias: number;
}

/**
 * mcunas_mean_params: a global average pool computed as TFLite computes MEAN. `axes` 'hw' divides once
 * (steps[0]); 'w,h' first averages each row over W (steps[0], an int8 intermediate), then those H values
 * (steps[1]), as TFLite runs a MEAN over W followed by a MEAN over H (MCUNet's TRANSPOSE + MEAN + MEAN);
 * 'h,w' the other way round. The final value is clamped to [actMin, actMax].
 */
export interface MeanParams {
  readonly axes: 'hw' | 'w,h' | 'h,w';
  readonly steps: readonly MeanStep[];
}

/** The identity requantization (multiplier 2^30, shift 1 multiplies by exactly one). */
export const IDENTITY_MULTIPLIER = { multiplier: 1 << 30, shift: 1 } as const;

/** src/quant's own mean (and TFLite AVERAGE_POOL_2D's): one division, rounded to nearest, no offsets. */
export const NEAREST_MEAN_STEP: MeanStep = { rounding: 'nearest', inputOffset: 0, outputOffset: 0, ...IDENTITY_MULTIPLIER, scale: 0, bias: 0 };

/** mcunas_requant_params: moving a value from one int8 quantization to another (concat). */
export interface RequantParams {
  readonly inputOffset: number;
  readonly outputOffset: number;
  readonly multiplier: number;
  readonly shift: number;
}

/** One input of a concat: `outer` blocks of `inner` bytes, written `outStride` apart starting at `outOffset`. */
export interface ConcatPart {
  readonly outer: number;
  readonly inner: number;
  readonly outStride: number;
  readonly outOffset: number;
  /** Absent when the input already has the output's quantization (a plain copy). */
  readonly requant?: RequantParams;
}

/** The IR's conv classification (src/ir/passes/conv-class.ts, the planner's too), which also picks the kernel. */
export type ConvVariant = ConvClass;

export type QuantOp =
  | {
      readonly kind: 'conv2d';
      readonly variant: ConvVariant;
      readonly groups: number;
      readonly params: ConvKernelParams;
      /** Quantization of the value before a fused hard-sigmoid (what the requantization targets). */
      readonly preActivation?: TensorQuant;
    }
  | { readonly kind: 'fully_connected'; readonly params: ConvKernelParams; readonly preActivation?: TensorQuant }
  | { readonly kind: 'add'; readonly layout: ElementwiseLayout; readonly params: AddKernelParams; readonly preActivation?: TensorQuant }
  | { readonly kind: 'mul'; readonly layout: ElementwiseLayout; readonly params: MulKernelParams; readonly preActivation?: TensorQuant }
  | { readonly kind: 'avg_pool' | 'max_pool'; readonly params: PoolKernelParams }
  | {
      readonly kind: 'global_avg_pool';
      readonly actMin: number;
      readonly actMax: number;
      /** Absent: one division rounded to nearest (mcunas_global_avgpool_s8). Present: TFLite's MEAN arithmetic (mcunas_mean_s8). */
      readonly mean?: MeanParams;
    }
  | { readonly kind: 'pad'; readonly padTop: number; readonly padLeft: number; readonly value: number }
  | { readonly kind: 'reshape' }
  | { readonly kind: 'relu' | 'relu6' | 'hard_sigmoid' | 'hard_swish' | 'sigmoid'; readonly lut: Int8Array }
  | {
      readonly kind: 'softmax';
      /** expTable[d] = round(2^16 * exp(-inputScale * d)), d = row max - value, in [0, 255]. */
      readonly expTable: Int32Array;
    }
  | { readonly kind: 'concat'; readonly parts: readonly ConcatPart[] };

/** Parameter record of an op kind. */
export type QuantOpOf<K extends OpKind> = Extract<QuantOp, { kind: K }>;

/**
 * A graph after quantization. It is a Graph (the planner and the IR tools read it as they read the
 * float one) whose activations are int8 with per-tensor quantization, whose weights are int8 with
 * per-output-channel symmetric quantization (axis 0) and whose biases are int32 (scale = input scale x
 * weight scale, zero point 0; every conv and fully connected op has one). `params[i]` belongs to `ops[i]`.
 */
export interface QuantGraph extends Graph {
  readonly params: readonly QuantOp[];
}
