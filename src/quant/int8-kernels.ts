// The int8 kernels of the golden model: one function per C kernel of firmware/kernels/own/, same arguments,
// same integer arithmetic, so each output byte equals the C's. Accumulations are exact in doubles (every
// partial sum stays far below 2^53) and wrap to int32 where the C's int32 would; requantization is the
// shared fixed-point code. Loop orders favour speed in JS and need not match the C: integer sums do not
// depend on order.
import { clamp, multiplyByQuantizedMultiplier as mbqm } from './fixed-point.ts';
import type { AddKernelParams, ConcatPart, ConvKernelParams, ElementwiseLayout, MeanParams, MeanStep, MulKernelParams, PoolKernelParams, RequantParams } from './quant-graph.ts';

/** mcunas_shape: one NHWC image (batch 1). */
export interface Hwc {
  readonly h: number;
  readonly w: number;
  readonly c: number;
}

/** Clamp, then the optional table (a fused hard-sigmoid). */
function finish(v: number, actMin: number, actMax: number, lut: Int8Array | undefined): number {
  const c = v < actMin ? actMin : v > actMax ? actMax : v;
  return lut ? lut[c + 128] : c;
}

/** mcunas_conv_s8: any convolution with `groups` groups; weight [Cout, KH, KW, Cin/groups]. */
export function convS8(input: Int8Array, inShape: Hwc, weight: Int8Array, bias: Int32Array, out: Int8Array, outShape: Hwc, groups: number, p: ConvKernelParams): void {
  const { h: H, w: W, c: C } = inShape;
  const { h: Ho, w: Wo, c: Co } = outShape;
  const cpg = C / groups;
  const opg = Co / groups;
  const { kernelH: KH, kernelW: KW, strideH, strideW, padTop, padLeft, inputOffset, outputOffset, actMin, actMax, multiplier, shift, lut } = p;
  const dh = p.dilationH ?? 1;
  const dw = p.dilationW ?? 1;
  for (let oy = 0; oy < Ho; oy++) {
    for (let ox = 0; ox < Wo; ox++) {
      const y0 = oy * strideH - padTop;
      const x0 = ox * strideW - padLeft;
      for (let o = 0; o < Co; o++) {
        const g = (o / opg) | 0;
        let acc = 0;
        for (let ky = 0; ky < KH; ky++) {
          const iy = y0 + ky * dh;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < KW; kx++) {
            const ix = x0 + kx * dw;
            if (ix < 0 || ix >= W) continue;
            const ib = (iy * W + ix) * C + g * cpg;
            const wb = ((o * KH + ky) * KW + kx) * cpg;
            for (let i = 0; i < cpg; i++) acc += weight[wb + i] * (input[ib + i] + inputOffset);
          }
        }
        acc = (acc + bias[o]) | 0;
        out[(oy * Wo + ox) * Co + o] = finish(mbqm(acc, multiplier[o], shift[o]) + outputOffset, actMin, actMax, lut);
      }
    }
  }
}

/** mcunas_pointwise_s8: 1x1 convolution, groups 1 (stride and padding allowed; a padded pixel gives bias only). */
export function pointwiseS8(input: Int8Array, inShape: Hwc, weight: Int8Array, bias: Int32Array, out: Int8Array, outShape: Hwc, p: ConvKernelParams): void {
  const { h: H, w: W, c: C } = inShape;
  const { h: Ho, w: Wo, c: Co } = outShape;
  const { strideH, strideW, padTop, padLeft, inputOffset, outputOffset, actMin, actMax, multiplier, shift, lut } = p;
  const x = new Int32Array(C); // the pixel with the input offset added, read Co times
  for (let oy = 0; oy < Ho; oy++) {
    for (let ox = 0; ox < Wo; ox++) {
      const iy = oy * strideH - padTop;
      const ix = ox * strideW - padLeft;
      const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
      if (inside) {
        const ib = (iy * W + ix) * C;
        for (let i = 0; i < C; i++) x[i] = input[ib + i] + inputOffset;
      }
      const ob = (oy * Wo + ox) * Co;
      const n = inside ? C : 0;
      let o = 0;
      // Four output channels per pass over the pixel: each x[i] load serves four products.
      for (; o + 4 <= Co; o += 4) {
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        const w0 = o * C;
        const w1 = w0 + C;
        const w2 = w1 + C;
        const w3 = w2 + C;
        for (let i = 0; i < n; i++) {
          const xi = x[i];
          a0 += weight[w0 + i] * xi;
          a1 += weight[w1 + i] * xi;
          a2 += weight[w2 + i] * xi;
          a3 += weight[w3 + i] * xi;
        }
        out[ob + o] = finish(mbqm((a0 + bias[o]) | 0, multiplier[o], shift[o]) + outputOffset, actMin, actMax, lut);
        out[ob + o + 1] = finish(mbqm((a1 + bias[o + 1]) | 0, multiplier[o + 1], shift[o + 1]) + outputOffset, actMin, actMax, lut);
        out[ob + o + 2] = finish(mbqm((a2 + bias[o + 2]) | 0, multiplier[o + 2], shift[o + 2]) + outputOffset, actMin, actMax, lut);
        out[ob + o + 3] = finish(mbqm((a3 + bias[o + 3]) | 0, multiplier[o + 3], shift[o + 3]) + outputOffset, actMin, actMax, lut);
      }
      for (; o < Co; o++) {
        let acc = 0;
        const wb = o * C;
        for (let i = 0; i < n; i++) acc += weight[wb + i] * x[i];
        out[ob + o] = finish(mbqm((acc + bias[o]) | 0, multiplier[o], shift[o]) + outputOffset, actMin, actMax, lut);
      }
    }
  }
}

/** Depthwise weights [C, KH, KW, 1] transposed to [KH, KW, C] once, for channel-contiguous inner loops. */
const transposedCache = new WeakMap<Int8Array, Int8Array>();
function depthwiseHwc(weight: Int8Array, C: number, KH: number, KW: number): Int8Array {
  let t = transposedCache.get(weight);
  if (!t) {
    t = new Int8Array(weight.length);
    for (let c = 0; c < C; c++) for (let k = 0; k < KH * KW; k++) t[k * C + c] = weight[c * KH * KW + k];
    transposedCache.set(weight, t);
  }
  return t;
}

/**
 * mcunas_depthwise_s8: depthwise convolution with channel multiplier 1, weight [C, KH, KW, 1]. The C
 * kernel may run in place (see mcunas_kernels.h); the result is the same bytes.
 */
export function depthwiseS8(input: Int8Array, inShape: Hwc, weight: Int8Array, bias: Int32Array, out: Int8Array, outShape: Hwc, p: ConvKernelParams): void {
  const { h: H, w: W, c: C } = inShape;
  const { h: Ho, w: Wo } = outShape;
  const { kernelH: KH, kernelW: KW, strideH, strideW, padTop, padLeft, inputOffset, outputOffset, actMin, actMax, multiplier, shift, lut } = p;
  const dh = p.dilationH ?? 1;
  const dw = p.dilationW ?? 1;
  const wt = depthwiseHwc(weight, C, KH, KW);
  const acc = new Int32Array(C);
  for (let oy = 0; oy < Ho; oy++) {
    for (let ox = 0; ox < Wo; ox++) {
      acc.fill(0);
      const y0 = oy * strideH - padTop;
      const x0 = ox * strideW - padLeft;
      for (let ky = 0; ky < KH; ky++) {
        const iy = y0 + ky * dh;
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < KW; kx++) {
          const ix = x0 + kx * dw;
          if (ix < 0 || ix >= W) continue;
          const ib = (iy * W + ix) * C;
          const wb = (ky * KW + kx) * C;
          // int32 sums of at most 49 products of 255 x 127: far from overflow
          for (let c = 0; c < C; c++) acc[c] += wt[wb + c] * (input[ib + c] + inputOffset);
        }
      }
      const ob = (oy * Wo + ox) * C;
      for (let c = 0; c < C; c++) {
        const a = (acc[c] + bias[c]) | 0;
        out[ob + c] = finish(mbqm(a, multiplier[c], shift[c]) + outputOffset, actMin, actMax, lut);
      }
    }
  }
}

/** mcunas_fully_connected_s8: `batches` rows of `inFeatures` to rows of `outFeatures`; weight [OUT, IN]. */
export function fullyConnectedS8(input: Int8Array, batches: number, inFeatures: number, weight: Int8Array, bias: Int32Array, out: Int8Array, outFeatures: number, p: ConvKernelParams): void {
  const wo = p.weightOffset ?? 0;
  if (wo === 0) {
    pointwiseS8(input, { h: batches, w: 1, c: inFeatures }, weight, bias, out, { h: batches, w: 1, c: outFeatures }, p);
    return;
  }
  // A weight zero point: acc = bias + sum (w + wo)(x + io), each product as TFLite's reference forms it.
  const { inputOffset, outputOffset, actMin, actMax, multiplier, shift, lut } = p;
  for (let b = 0; b < batches; b++) {
    for (let o = 0; o < outFeatures; o++) {
      let acc = 0;
      for (let i = 0; i < inFeatures; i++) acc += (weight[o * inFeatures + i] + wo) * (input[b * inFeatures + i] + inputOffset);
      acc = (acc + bias[o]) | 0;
      out[b * outFeatures + o] = finish(mbqm(acc, multiplier[o], shift[o]) + outputOffset, actMin, actMax, lut);
    }
  }
}

/** mcunas_add_s8: TFLite's int8 add over an element-wise layout. */
export function addS8(a: Int8Array, b: Int8Array, out: Int8Array, layout: ElementwiseLayout, p: AddKernelParams): void {
  const { pixels, channels, in1PixelStride, in2PixelStride } = layout;
  const ls = p.leftShift;
  for (let r = 0; r < pixels; r++) {
    const ab = r * in1PixelStride;
    const bb = r * in2PixelStride;
    const ob = r * channels;
    for (let c = 0; c < channels; c++) {
      const x = mbqm((a[ab + c] + p.input1Offset) << ls, p.input1Multiplier, p.input1Shift);
      const y = mbqm((b[bb + c] + p.input2Offset) << ls, p.input2Multiplier, p.input2Shift);
      out[ob + c] = finish(mbqm((x + y) | 0, p.outputMultiplier, p.outputShift) + p.outputOffset, p.actMin, p.actMax, p.lut);
    }
  }
}

/** mcunas_mul_s8: TFLite's int8 mul over an element-wise layout (SE: the gate is a per-channel vector). */
export function mulS8(a: Int8Array, b: Int8Array, out: Int8Array, layout: ElementwiseLayout, p: MulKernelParams): void {
  const { pixels, channels, in1PixelStride, in2PixelStride } = layout;
  for (let r = 0; r < pixels; r++) {
    const ab = r * in1PixelStride;
    const bb = r * in2PixelStride;
    const ob = r * channels;
    for (let c = 0; c < channels; c++) {
      const prod = (a[ab + c] + p.input1Offset) * (b[bb + c] + p.input2Offset);
      out[ob + c] = finish(mbqm(prod, p.outputMultiplier, p.outputShift) + p.outputOffset, p.actMin, p.actMax, p.lut);
    }
  }
}

/** TFLite's average rounding: nearest, halves away from zero, in C integer division (truncating). */
function roundedAverage(sum: number, count: number): number {
  const half = (count / 2) | 0;
  return sum > 0 ? ((sum + half) / count) | 0 : ((sum - half) / count) | 0;
}

/** mcunas_avgpool_s8: the average counts only elements inside the input (TFLite). */
export function avgPoolS8(input: Int8Array, inShape: Hwc, out: Int8Array, outShape: Hwc, p: PoolKernelParams): void {
  pool(input, inShape, out, outShape, p, false);
}

/** mcunas_maxpool_s8. */
export function maxPoolS8(input: Int8Array, inShape: Hwc, out: Int8Array, outShape: Hwc, p: PoolKernelParams): void {
  pool(input, inShape, out, outShape, p, true);
}

function pool(input: Int8Array, inShape: Hwc, out: Int8Array, outShape: Hwc, p: PoolKernelParams, isMax: boolean): void {
  const { h: H, w: W, c: C } = inShape;
  const { h: Ho, w: Wo } = outShape;
  for (let oy = 0; oy < Ho; oy++) {
    const ya = Math.max(0, oy * p.strideH - p.padTop);
    const yb = Math.min(H, oy * p.strideH - p.padTop + p.kernelH);
    for (let ox = 0; ox < Wo; ox++) {
      const xa = Math.max(0, ox * p.strideW - p.padLeft);
      const xb = Math.min(W, ox * p.strideW - p.padLeft + p.kernelW);
      const count = (yb - ya) * (xb - xa);
      for (let c = 0; c < C; c++) {
        let acc = isMax ? -128 : 0;
        for (let y = ya; y < yb; y++)
          for (let x = xa; x < xb; x++) {
            const v = input[(y * W + x) * C + c];
            if (isMax) {
              if (v > acc) acc = v;
            } else acc += v;
          }
        const r = isMax ? acc : count > 0 ? roundedAverage(acc, count) : 0;
        out[(oy * Wo + ox) * C + c] = clamp(r, p.actMin, p.actMax);
      }
    }
  }
}

/** mcunas_global_avgpool_s8: the average over H x W per channel, input and output sharing quantization. */
export function globalAvgPoolS8(input: Int8Array, inShape: Hwc, out: Int8Array, actMin: number, actMax: number): void {
  const { h: H, w: W, c: C } = inShape;
  const n = H * W;
  const sums = new Float64Array(C);
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) sums[c] += input[i * C + c];
  for (let c = 0; c < C; c++) out[c] = clamp(roundedAverage(sums[c], n), actMin, actMax);
}

/** One mean division (see MeanStep): the int8 value of the average of `count` values summing to `sum`. */
export function meanStep(sum: number, count: number, st: MeanStep): number {
  let v: number;
  if (st.rounding === 'truncate') v = Math.trunc(sum / count);
  else if (st.rounding === 'nearest') v = roundedAverage(mbqm((sum + count * st.inputOffset) | 0, st.multiplier, st.shift), count) + st.outputOffset;
  else {
    const f = Math.fround;
    const mean = f(f(sum) / f(count));
    // roundf: half away from zero; the product and the sum rounded to float32 separately (no fused multiply-add).
    const r = f(f(mean * st.scale) + st.bias);
    v = (r < 0 ? -Math.round(-r) : Math.round(r)) + st.outputOffset;
  }
  return v < -128 ? -128 : v > 127 ? 127 : v;
}

/**
 * mcunas_mean_s8: a global average pool with TFLite MEAN's arithmetic, in one division or two (W then H, or
 * H then W, each with its own int8 result), then clamped to [actMin, actMax].
 */
export function meanS8(input: Int8Array, inShape: Hwc, out: Int8Array, mean: MeanParams, actMin: number, actMax: number): void {
  const { h: H, w: W, c: C } = inShape;
  if (mean.axes === 'hw') {
    const sums = new Float64Array(C);
    for (let i = 0; i < H * W; i++) for (let c = 0; c < C; c++) sums[c] += input[i * C + c];
    for (let c = 0; c < C; c++) out[c] = clamp(meanStep(sums[c], H * W, mean.steps[0]), actMin, actMax);
    return;
  }
  const wFirst = mean.axes === 'w,h';
  const [outer, inner] = wFirst ? [H, W] : [W, H];
  for (let c = 0; c < C; c++) {
    let total = 0;
    for (let a = 0; a < outer; a++) {
      let s = 0;
      for (let b = 0; b < inner; b++) s += input[((wFirst ? a * W + b : b * W + a) * C) + c];
      total += meanStep(s, inner, mean.steps[0]);
    }
    out[c] = clamp(meanStep(total, outer, mean.steps[1]), actMin, actMax);
  }
}

/** mcunas_pad_s8: constant padding of an NHWC image with the int8 `value`. */
export function padS8(input: Int8Array, inShape: Hwc, out: Int8Array, outShape: Hwc, padTop: number, padLeft: number, value: number): void {
  out.fill(value);
  const { h: H, w: W, c: C } = inShape;
  for (let y = 0; y < H; y++) out.set(input.subarray(y * W * C, (y + 1) * W * C), ((y + padTop) * outShape.w + padLeft) * C);
}

/** mcunas_lut_s8: out[i] = lut[in[i] + 128]. */
export function lutS8(input: Int8Array, out: Int8Array, lut: Int8Array): void {
  for (let i = 0; i < input.length; i++) out[i] = lut[input[i] + 128];
}

/** mcunas_softmax_s8 over the last axis; output scale 1/256, zero point -128. */
export function softmaxS8(input: Int8Array, out: Int8Array, rows: number, rowSize: number, expTable: Int32Array): void {
  for (let r = 0; r < rows; r++) {
    const b = r * rowSize;
    let max = -128;
    for (let i = 0; i < rowSize; i++) if (input[b + i] > max) max = input[b + i];
    let sum = 0;
    for (let i = 0; i < rowSize; i++) sum += expTable[max - input[b + i]];
    const half = Math.floor(sum / 2);
    for (let i = 0; i < rowSize; i++) {
      const v = Math.floor((expTable[max - input[b + i]] * 256 + half) / sum) - 128;
      out[b + i] = v > 127 ? 127 : v;
    }
  }
}

/** mcunas_requant_copy_s8: one concat input into its place in the output. */
export function requantCopyS8(input: Int8Array, out: Int8Array, part: ConcatPart): void {
  const { outer, inner, outStride, outOffset, requant } = part;
  for (let o = 0; o < outer; o++) {
    const ib = o * inner;
    const ob = o * outStride + outOffset;
    if (!requant) out.set(input.subarray(ib, ib + inner), ob);
    else for (let i = 0; i < inner; i++) out[ob + i] = requantValue(input[ib + i], requant);
  }
}

export function requantValue(v: number, r: RequantParams): number {
  return clamp(mbqm(v + r.inputOffset, r.multiplier, r.shift) + r.outputOffset, -128, 127);
}
