// Float32 kernels of the reference interpreter (the accuracy reference and the calibration engine). Sums
// are taken in double and stored as float32.
import type { Activation, Padding, Shape } from '../ir/graph.ts';
import { broadcastShapes, convDilation } from '../ir/shapes.ts';
import { elementCount } from '../ir/tensors.ts';
import { applyUnary, type UnaryFn } from './lookup-tables.ts';

export function applyActivation(a: Activation, x: number): number {
  switch (a) {
    case 'none':
      return x;
    case 'relu':
      return applyUnary('relu', x);
    case 'relu6':
      return applyUnary('relu6', x);
    case 'hardsigmoid':
      return applyUnary('hard_sigmoid', x);
  }
}

export interface ConvGeometry {
  readonly inShape: Shape; // [1, H, W, C]
  readonly outShape: Shape; // [1, Ho, Wo, Co]
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: Padding;
  readonly groups: number;
  /** Spacing of the taps [H, W]; absent = [1, 1]. */
  readonly dilation?: readonly [number, number];
}

/** Convolution before its activation (the caller applies it, and calibration sees the value before). */
export function convF32(input: Float32Array, weight: Float32Array, bias: Float32Array | undefined, g: ConvGeometry): Float32Array {
  const [, H, W, C] = g.inShape;
  const [, Ho, Wo, Co] = g.outShape;
  const [KH, KW] = g.kernel;
  const [sh, sw] = g.stride;
  const [dh, dw] = convDilation(g);
  const cpg = C / g.groups;
  const opg = Co / g.groups;
  const out = new Float32Array(Ho * Wo * Co);
  const depthwise = cpg === 1 && opg === 1;
  // Depthwise: weights [C, KH, KW] read channel-contiguously per tap.
  const wt = depthwise ? new Float32Array(weight.length) : weight;
  if (depthwise) for (let c = 0; c < C; c++) for (let k = 0; k < KH * KW; k++) wt[k * C + c] = weight[c * KH * KW + k];
  const acc = new Float64Array(Co);
  for (let oy = 0; oy < Ho; oy++) {
    for (let ox = 0; ox < Wo; ox++) {
      const y0 = oy * sh - g.padding.top;
      const x0 = ox * sw - g.padding.left;
      if (bias) for (let o = 0; o < Co; o++) acc[o] = bias[o];
      else acc.fill(0);
      for (let ky = 0; ky < KH; ky++) {
        const iy = y0 + ky * dh;
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < KW; kx++) {
          const ix = x0 + kx * dw;
          if (ix < 0 || ix >= W) continue;
          const ib = (iy * W + ix) * C;
          if (depthwise) {
            const wb = (ky * KW + kx) * C;
            for (let c = 0; c < C; c++) acc[c] += wt[wb + c] * input[ib + c];
          } else {
            for (let o = 0; o < Co; o++) {
              const gb = ib + ((o / opg) | 0) * cpg;
              const wb = ((o * KH + ky) * KW + kx) * cpg;
              let s = 0;
              for (let i = 0; i < cpg; i++) s += weight[wb + i] * input[gb + i];
              acc[o] += s;
            }
          }
        }
      }
      out.set(acc, (oy * Wo + ox) * Co);
    }
  }
  return out;
}

/** Fully connected before its activation: rows of IN features to rows of OUT. */
export function fullyConnectedF32(input: Float32Array, batches: number, weight: Float32Array, bias: Float32Array | undefined, outFeatures: number): Float32Array {
  const inFeatures = input.length / batches;
  const out = new Float32Array(batches * outFeatures);
  for (let n = 0; n < batches; n++)
    for (let o = 0; o < outFeatures; o++) {
      let s = bias ? bias[o] : 0;
      for (let i = 0; i < inFeatures; i++) s += weight[o * inFeatures + i] * input[n * inFeatures + i];
      out[n * outFeatures + o] = s;
    }
  return out;
}

/** Strides of a row-major shape, aligned to `rank` dims from the right, 0 where the dim broadcasts. */
function broadcastStrides(shape: Shape, out: Shape): number[] {
  const strides: number[] = new Array(out.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = out.length - shape.length + i;
    strides[j] = shape[i] === 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

/** numpy-broadcast binary op (before its activation). */
export function binaryF32(a: Float32Array, aShape: Shape, b: Float32Array, bShape: Shape, f: (x: number, y: number) => number): Float32Array {
  const outShape = broadcastShapes(aShape, bShape);
  const n = elementCount(outShape);
  const out = new Float32Array(n);
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const idx = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < outShape.length; d++) {
      ia += idx[d] * sa[d];
      ib += idx[d] * sb[d];
    }
    out[i] = f(a[ia], b[ib]);
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

export interface PoolGeometry {
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: Padding;
}

/** Average (padding excluded from the count) or max pooling. */
export function poolF32(input: Float32Array, g: PoolGeometry, isMax: boolean): Float32Array {
  const [, H, W, C] = g.inShape;
  const [, Ho, Wo] = g.outShape;
  const out = new Float32Array(Ho * Wo * C);
  for (let oy = 0; oy < Ho; oy++) {
    const ya = Math.max(0, oy * g.stride[0] - g.padding.top);
    const yb = Math.min(H, oy * g.stride[0] - g.padding.top + g.kernel[0]);
    for (let ox = 0; ox < Wo; ox++) {
      const xa = Math.max(0, ox * g.stride[1] - g.padding.left);
      const xb = Math.min(W, ox * g.stride[1] - g.padding.left + g.kernel[1]);
      for (let c = 0; c < C; c++) {
        let acc = isMax ? -Infinity : 0;
        for (let y = ya; y < yb; y++)
          for (let x = xa; x < xb; x++) {
            const v = input[(y * W + x) * C + c];
            acc = isMax ? Math.max(acc, v) : acc + v;
          }
        const count = (yb - ya) * (xb - xa);
        out[(oy * Wo + ox) * C + c] = isMax ? acc : count > 0 ? acc / count : 0;
      }
    }
  }
  return out;
}

export function globalAvgPoolF32(input: Float32Array, shape: Shape): Float32Array {
  const [, H, W, C] = shape;
  const sums = new Float64Array(C);
  for (let i = 0; i < H * W; i++) for (let c = 0; c < C; c++) sums[c] += input[i * C + c];
  return Float32Array.from(sums, (s) => s / (H * W));
}

export function padF32(input: Float32Array, inShape: Shape, outShape: Shape, padding: Padding, value: number): Float32Array {
  const [, H, W, C] = inShape;
  const out = new Float32Array(elementCount(outShape)).fill(value);
  for (let y = 0; y < H; y++) out.set(input.subarray(y * W * C, (y + 1) * W * C), ((y + padding.top) * outShape[2] + padding.left) * C);
  return out;
}

export function unaryF32(input: Float32Array, fn: UnaryFn): Float32Array {
  return input.map((x) => applyUnary(fn, x));
}

export function softmaxF32(input: Float32Array, rowSize: number): Float32Array {
  const out = new Float32Array(input.length);
  for (let b = 0; b < input.length; b += rowSize) {
    let max = -Infinity;
    for (let i = 0; i < rowSize; i++) max = Math.max(max, input[b + i]);
    let sum = 0;
    for (let i = 0; i < rowSize; i++) sum += Math.exp(input[b + i] - max);
    for (let i = 0; i < rowSize; i++) out[b + i] = Math.exp(input[b + i] - max) / sum;
  }
  return out;
}

/** The outer/inner split of a concat along `axis`: input k fills `inner_k` of every `outer` row. */
export function concatSplit(shapes: readonly Shape[], axis: number): { outer: number; inners: number[]; rowSize: number } {
  const outer = elementCount(shapes[0].slice(0, axis));
  const inners = shapes.map((s) => elementCount(s.slice(axis)));
  return { outer, inners, rowSize: inners.reduce((a, b) => a + b, 0) };
}

export function concatF32(inputs: readonly Float32Array[], shapes: readonly Shape[], axis: number): Float32Array {
  const { outer, inners, rowSize } = concatSplit(shapes, axis);
  const out = new Float32Array(outer * rowSize);
  let off = 0;
  inputs.forEach((x, k) => {
    for (let o = 0; o < outer; o++) out.set(x.subarray(o * inners[k], (o + 1) * inners[k]), o * rowSize + off);
    off += inners[k];
  });
  return out;
}
