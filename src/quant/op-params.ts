// The one place where an int8 op's kernel parameters are built from quantizations. Each producer of a
// QuantGraph decides where the scales come from (quantize.ts: calibration; from-qdq.ts: an ONNX model's
// Q/DQ records; the TFLite importer: the file's own quantization) and hands them here; how a conv's
// multipliers, an add's rescaling, a clamp, a concat's parts or a MEAN step follow from scales is written
// once. The formulas are TFLite's Prepare functions (tensorflow/lite/kernels: kernel_util.cc
// PopulateConvolutionQuantizationParams and CalculateActivationRangeQuantized, fully_connected.cc, add.cc,
// mul.cc, quantize.cc, reduce.cc). Where two float scales are multiplied in float and where in double matters
// for the last bit of a multiplier, so the caller says which (`Product`) and each function documents it.
// Every function throws ScaleRangeError (fixed-point.ts) for a multiplier TFLite would reject; the caller
// names the op.
import type { Conv2dOp, FullyConnectedOp, Padding, Quantization, Shape } from '../ir/graph.ts';
import { convDilation, sameShape } from '../ir/shapes.ts';
import { elementCount } from '../ir/tensors.ts';
import { addRescale, quantizeMultiplier, roundHalfAway, ScaleRangeError } from './fixed-point.ts';
import { concatSplit } from './float-kernels.ts';
import type { AddKernelParams, ConcatPart, ConvKernelParams, ElementwiseLayout, MeanStep, MulKernelParams, PoolKernelParams, RequantParams, TensorQuant, WindowGeometry } from './quant-graph.ts';
import { QMAX, QMIN } from './scales.ts';

/** The clamps an int8 kernel applies after requantization (TFLite's fused activations that are clamps). */
export type Clamp = 'none' | 'relu' | 'relu6' | 'relu_n1_to_1';

export interface ClampRange {
  readonly actMin: number;
  readonly actMax: number;
}

/** No clamp beyond int8 itself. */
export const FULL_RANGE: ClampRange = { actMin: QMIN, actMax: QMAX };

/**
 * TFLite's CalculateActivationRangeQuantized: the int8 clamp of a fused activation in the output's
 * quantization, `zp + round(f / scale)` with the division in float32 (scales are float32 values already).
 */
export function activationClamp(act: Clamp, out: TensorQuant): ClampRange {
  const q = (f: number) => out.zeroPoint + roundHalfAway(Math.fround(f / Math.fround(out.scale)));
  switch (act) {
    case 'none':
      return FULL_RANGE;
    case 'relu':
      return { actMin: Math.max(QMIN, q(0)), actMax: QMAX };
    case 'relu6':
      return { actMin: Math.max(QMIN, q(0)), actMax: Math.min(QMAX, q(6)) };
    case 'relu_n1_to_1':
      return { actMin: Math.max(QMIN, q(-1)), actMax: Math.min(QMAX, q(1)) };
  }
}

/** The quantization record of symmetric int8 weights or an int32 bias: one scale per output channel (axis 0), or one for the tensor. */
export function channelQuant(scales: readonly number[], perChannel: boolean): Quantization {
  return perChannel ? { scale: scales.slice(), zeroPoint: scales.map(() => 0), axis: 0 } : { scale: [scales[0]], zeroPoint: [0] };
}

/** A window given by the IR's fields (a conv2d or pool op, or the same fields read from a file). */
export function windowGeometry(w: { readonly kernel: readonly [number, number]; readonly stride: readonly [number, number]; readonly padding: Padding }): WindowGeometry {
  return { kernelH: w.kernel[0], kernelW: w.kernel[1], strideH: w.stride[0], strideW: w.stride[1], padTop: w.padding.top, padLeft: w.padding.left };
}

/** A fully connected layer runs as a 1x1 convolution. */
export const POINT_GEOMETRY: WindowGeometry = { kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padTop: 0, padLeft: 0 };

/** A conv's window as the conv kernels take it: the window, and the dilation when it is not 1 (absent = 1). */
export type ConvWindow = WindowGeometry & Pick<ConvKernelParams, 'dilationH' | 'dilationW'>;

/** The window of a conv2d (with its dilation) or fully connected op. */
export function convGeometry(op: Pick<Conv2dOp, 'kind' | 'kernel' | 'stride' | 'padding' | 'dilation'> | Pick<FullyConnectedOp, 'kind'>): ConvWindow {
  if (op.kind !== 'conv2d') return POINT_GEOMETRY;
  const c = op as Pick<Conv2dOp, 'kernel' | 'stride' | 'padding' | 'dilation'>;
  const [dh, dw] = convDilation(c);
  return { ...windowGeometry(c), ...(dh !== 1 || dw !== 1 ? { dilationH: dh, dilationW: dw } : {}) };
}

/**
 * How two float32 scales are multiplied before the division by the output scale:
 * 'double' as PopulateConvolutionQuantizationParams (CONV_2D, DEPTHWISE_CONV_2D, per-channel FULLY_CONNECTED)
 * and current mul.cc; 'float' as GetQuantizedConvolutionMultipler (per-tensor FULLY_CONNECTED) and the
 * mul.cc of TFLite 1.x/2.0 (`input1->params.scale * input2->params.scale`, float x float). src/quant's own
 * calibrated lowering uses 'float' for every conv and mul (the int32 bias scale is that float product too).
 */
export type Product = 'float' | 'double';

function product(a: number, b: number, how: Product): number {
  return how === 'float' ? Math.fround(a * b) : a * b;
}

/**
 * Per-output-channel requantization of a convolution or fully connected layer: input_scale x weight_scale[c]
 * (multiplied as `how` says), divided by the output scale in double. One weight scale serves every channel.
 */
export function convMultipliers(inputScale: number, weightScales: readonly number[], outputScale: number, channels: number, how: Product): { multiplier: Int32Array; shift: Int32Array } {
  const m = new Int32Array(channels);
  const s = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const ws = weightScales.length === 1 ? weightScales[0] : weightScales[c];
    const q = quantizeMultiplier(product(inputScale, ws, how) / outputScale);
    m[c] = q.multiplier;
    s[c] = q.shift;
  }
  return { multiplier: m, shift: s };
}

/** mcunas_conv_params of a conv or fully connected layer; `target` is what the requantization aims at (the output, or the value before a fused table). */
export function convParams(
  geometry: ConvWindow,
  input: TensorQuant,
  target: TensorQuant,
  clamp: ClampRange,
  m: { multiplier: Int32Array; shift: Int32Array },
  lut?: Int8Array,
): ConvKernelParams {
  return {
    ...geometry,
    inputOffset: -input.zeroPoint,
    outputOffset: target.zeroPoint,
    actMin: clamp.actMin,
    actMax: clamp.actMax,
    multiplier: m.multiplier,
    shift: m.shift,
    ...(lut ? { lut } : {}),
  };
}

/** mcunas_pool_params: input and output share their quantization, so only the window and the clamp. */
export function poolParams(geometry: WindowGeometry, clamp: ClampRange): PoolKernelParams {
  return { ...geometry, actMin: clamp.actMin, actMax: clamp.actMax };
}

/** add.cc Prepare (int8): left_shift 20, inputs rescaled to twice the larger input scale, all in double. */
export function addParams(a: TensorQuant, b: TensorQuant, out: TensorQuant, clamp: ClampRange, lut?: Int8Array): AddKernelParams {
  return {
    input1Offset: -a.zeroPoint,
    input2Offset: -b.zeroPoint,
    ...addRescale(a.scale, b.scale, out.scale),
    outputOffset: out.zeroPoint,
    actMin: clamp.actMin,
    actMax: clamp.actMax,
    ...(lut ? { lut } : {}),
  };
}

/**
 * mul.cc Prepare (int8): input1_scale x input2_scale / output_scale. 'double': the current mul.cc (both
 * casts to double). 'float': TFLite 1.x/2.0, where the whole expression is float arithmetic (product and
 * quotient rounded to float32).
 */
export function mulParams(a: TensorQuant, b: TensorQuant, out: TensorQuant, clamp: ClampRange, how: Product, lut?: Int8Array): MulKernelParams {
  const real = how === 'float' ? Math.fround(Math.fround(a.scale * b.scale) / out.scale) : (a.scale * b.scale) / out.scale;
  const m = quantizeMultiplier(real);
  return {
    input1Offset: -a.zeroPoint,
    input2Offset: -b.zeroPoint,
    outputMultiplier: m.multiplier,
    outputShift: m.shift,
    outputOffset: out.zeroPoint,
    actMin: clamp.actMin,
    actMax: clamp.actMax,
    ...(lut ? { lut } : {}),
  };
}

/** quantize.cc int8 -> int8 (Requantize): input_scale / output_scale in double. */
export function requantParams(input: TensorQuant, output: TensorQuant): RequantParams {
  const m = quantizeMultiplier(input.scale / output.scale);
  return { inputOffset: -input.zeroPoint, outputOffset: output.zeroPoint, multiplier: m.multiplier, shift: m.shift };
}

export function sameQuant(a: TensorQuant, b: TensorQuant): boolean {
  return a.scale === b.scale && a.zeroPoint === b.zeroPoint;
}

/** The parts of a concat along `axis` of inputs `shapes` in quantizations `inputs`; a part already in `output`'s quantization is a plain copy. */
export function concatParts(shapes: readonly Shape[], axis: number, inputs: readonly TensorQuant[], output: TensorQuant): ConcatPart[] {
  const { outer, inners, rowSize } = concatSplit(shapes, axis);
  let offset = 0;
  return inputs.map((q, k) => {
    const part: ConcatPart = { outer, inner: inners[k], outStride: rowSize, outOffset: offset, ...(sameQuant(q, output) ? {} : { requant: requantParams(q, output) }) };
    offset += inners[k];
    return part;
  });
}

/**
 * How an element-wise int8 kernel walks two inputs of the given shapes: same shape, or one side a vector
 * along the last axis (SE's [1,1,1,C] gate) or a single value broadcast over the other. Undefined otherwise.
 */
export function elementwiseLayout(a: Shape, b: Shape): ElementwiseLayout | undefined {
  const n = Math.max(elementCount(a), elementCount(b));
  if (sameShape(a, b)) return { pixels: 1, channels: n, in1PixelStride: 0, in2PixelStride: 0 };
  const vectorOf = (small: Shape, big: Shape): number | undefined => {
    const m = elementCount(small);
    if (m === 1) return 1;
    const last = small[small.length - 1];
    return m === last && last === big[big.length - 1] && elementCount(big) === n ? last : undefined;
  };
  const cb = vectorOf(b, a);
  if (cb !== undefined && elementCount(a) === n) return { pixels: n / cb, channels: cb, in1PixelStride: cb, in2PixelStride: 0 };
  const ca = vectorOf(a, b);
  if (ca !== undefined && elementCount(b) === n) return { pixels: n / ca, channels: ca, in1PixelStride: 0, in2PixelStride: ca };
  return undefined;
}

/**
 * One int8 MEAN as TFLite's reference kernels compute it (reduce.cc EvalMean; TFLite Micro's reduce_common.cc
 * takes the same three paths):
 *   keep_dims, rank 4, axes exactly [1, 2] or [2, 1]: reference_integer_ops::Mean, multiplier input_scale /
 *     output_scale (double) applied to the offset sum, then the division rounded to nearest ('nearest');
 *   otherwise equal input and output quantization: reference_ops::Mean, the raw sum divided by the count in
 *     integer division ('truncate');
 *   otherwise reference_ops::QuantizedMeanOrSum in float32: scale = input_scale / output_scale, bias =
 *     -input_zero_point * scale + 0.5 ('float').
 * (TensorFlow 2.14 and later route every int8 MEAN through an integer QuantizedMeanOrSum instead; this follows
 * TFLite Micro and the TFLite releases the MCU models here were made with.)
 */
export function meanStep(input: TensorQuant, output: TensorQuant, special4d: boolean): MeanStep {
  const f = Math.fround;
  const none = { scale: 0, bias: 0 };
  if (special4d) {
    const m = quantizeMultiplier(f(input.scale) / f(output.scale));
    return { rounding: 'nearest', inputOffset: -input.zeroPoint, outputOffset: output.zeroPoint, multiplier: m.multiplier, shift: m.shift, ...none };
  }
  if (input.scale === output.scale && input.zeroPoint === output.zeroPoint) return { rounding: 'truncate', inputOffset: 0, outputOffset: 0, multiplier: 1 << 30, shift: 1, ...none };
  const scale = f(f(input.scale) / f(output.scale));
  if (!(Number.isFinite(scale) && scale > 0)) throw new ScaleRangeError(`input scale / output scale = ${scale}`);
  const bias = f(f(-input.zeroPoint * scale) + 0.5);
  return { rounding: 'float', inputOffset: 0, outputOffset: output.zeroPoint, multiplier: 1 << 30, shift: 1, scale, bias };
}
