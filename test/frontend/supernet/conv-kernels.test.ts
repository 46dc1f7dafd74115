// The calibration's fast float kernels compute what the reference interpreter's convF32 computes (sums
// in double either way; only the order of the terms may differ), on odd shapes, strides and paddings.
import { describe, expect, it } from 'vitest';
import { denseConvF32, depthwiseF32, pointwiseF32 } from '../../../src/frontend/supernet/conv-kernels.ts';
import { convF32 } from '../../../src/quant/float-kernels.ts';
import { lcg32 } from '../../../src/random/seeded-random.ts';
import { maxAbsDiff } from './reference.ts';

function values(n: number, seed: number): Float32Array {
  const u = lcg32(seed);
  return Float32Array.from({ length: n }, () => 2 * u() - 1);
}

const reference = (x: Float32Array, w: Float32Array, b: Float32Array | undefined, H: number, Cin: number, Cout: number, k: number, stride: number, groups: number) => {
  const Ho = Math.floor((H - 1) / stride) + 1;
  const p = k >> 1;
  return convF32(x, w, b, { inShape: [1, H, H, Cin], outShape: [1, Ho, Ho, Cout], kernel: [k, k], stride: [stride, stride], padding: { top: p, left: p, bottom: p, right: p }, groups });
};

describe('fast float kernels equal convF32', () => {
  it.each([
    { H: 7, C: 5, k: 3, stride: 1 },
    { H: 9, C: 12, k: 5, stride: 2 },
    { H: 6, C: 8, k: 7, stride: 1 },
    { H: 5, C: 19, k: 7, stride: 2 },
    { H: 1, C: 4, k: 3, stride: 1 },
  ])('depthwise H$H C$C k$k s$stride', ({ H, C, k, stride }) => {
    const x = values(H * H * C, 1);
    const w = values(C * k * k, 2);
    const b = values(C, 3);
    for (const bias of [b, undefined]) expect(maxAbsDiff(depthwiseF32(x, w, bias, C, { H, W: H, k, stride }), reference(x, w, bias, H, C, C, k, stride, C))).toBeLessThan(1e-6);
  });

  it.each([
    { H: 7, Cin: 3, Cout: 16, k: 3, stride: 2 },
    { H: 8, Cin: 5, Cout: 7, k: 5, stride: 1 },
  ])('dense H$H $Cin->$Cout k$k s$stride', ({ H, Cin, Cout, k, stride }) => {
    const x = values(H * H * Cin, 4);
    const w = values(Cout * k * k * Cin, 5);
    const b = values(Cout, 6);
    for (const bias of [b, undefined]) expect(maxAbsDiff(denseConvF32(x, w, bias, Cin, Cout, { H, W: H, k, stride }), reference(x, w, bias, H, Cin, Cout, k, stride, 1))).toBeLessThan(1e-6);
  });

  it.each([
    { H: 5, Cin: 8, Cout: 12 },
    { H: 3, Cin: 17, Cout: 3 },
    { H: 1, Cin: 4, Cout: 1 },
  ])('pointwise H$H $Cin->$Cout (pixel counts not a multiple of 4 included)', ({ H, Cin, Cout }) => {
    const x = values(H * H * Cin, 7);
    const w = values(Cout * Cin, 8);
    const b = values(Cout, 9);
    for (const bias of [b, undefined]) expect(maxAbsDiff(pointwiseF32(x, w, bias, H * H, Cin, Cout), reference(x, w, bias, H, Cin, Cout, 1, 1, 1))).toBeLessThan(1e-6);
  });
});
