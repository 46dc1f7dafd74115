// BatchNorm / per-channel affine folding, the arithmetic the arch lowering and the ONNX importer share.
import { describe, expect, it } from 'vitest';
import { batchNormAffine, foldAffine } from '../../../src/ir/passes/fold-batch-norm.ts';

const bn = { gamma: Float32Array.of(1.5, -0.5, 2), beta: Float32Array.of(0.25, 0, -1), mean: Float32Array.of(0.5, -2, 0), variance: Float32Array.of(3, 0.25, 1), eps: 1 };

describe('BatchNorm folding', () => {
  it('batchNormAffine: scale = gamma / sqrt(var + eps), shift = beta - mean * scale (worked by hand)', () => {
    const { scale, shift } = batchNormAffine(bn);
    // sqrt(3 + 1) = 2, sqrt(0.25 + 1) = sqrt(1.25), sqrt(1 + 1) = sqrt(2).
    expect(scale[0]).toBe(0.75);
    expect(scale[1]).toBe(-0.5 / Math.sqrt(1.25));
    expect(scale[2]).toBe(2 / Math.sqrt(2));
    expect(shift[0]).toBe(0.25 - 0.5 * 0.75);
    expect(shift[1]).toBe(0 + 2 * scale[1]);
    expect(shift[2]).toBe(-1);
  });

  it('a folded fully connected layer computes the layer followed by the BatchNorm', () => {
    // 3 outputs x 4 inputs, with a bias; the BatchNorm applied in double after it is the reference.
    const w = Float32Array.from({ length: 12 }, (_, i) => Math.fround(Math.sin(i + 1) * 0.7));
    const b = Float32Array.of(0.1, -0.2, 0.3);
    const x = [0.5, -1, 2, 0.25];
    const { scale, shift } = batchNormAffine(bn);
    const ref = [0, 1, 2].map((o) => {
      let y = b[o];
      for (let i = 0; i < 4; i++) y += w[o * 4 + i] * x[i];
      return y * scale[o] + shift[o];
    });
    const wf = Float32Array.from(w);
    const bf = Float32Array.from(b);
    foldAffine(wf, bf, scale, shift);
    for (let o = 0; o < 3; o++) {
      let y = bf[o];
      for (let i = 0; i < 4; i++) y += wf[o * 4 + i] * x[i];
      expect(Math.abs(y - ref[o])).toBeLessThan(1e-5);
      // Each stored value is the double product rounded once to float32.
      expect(wf[o * 4]).toBe(Math.fround(w[o * 4] * scale[o]));
      expect(bf[o]).toBe(Math.fround(b[o] * scale[o] + shift[o]));
    }
  });

  it('without a bias the folded bias is the shift; without a scale the weights stay', () => {
    const w = Float32Array.of(1, 2, 3);
    const bias = new Float32Array(3);
    foldAffine(w, bias, undefined, [0.5, -0.25, 1 / 3], false);
    expect([...w]).toEqual([1, 2, 3]);
    expect([...bias]).toEqual([0.5, -0.25, Math.fround(1 / 3)]);
  });
});
