// The one per-op int8 parameter builder (src/quant/op-params.ts) that the calibrated, QDQ and TFLite
// lowerings share: values worked by hand, and the float/double product choice shown to matter.
import { describe, expect, it } from 'vitest';
import { quantizeMultiplier } from '../../src/quant/fixed-point.ts';
import { activationClamp, channelQuant, concatParts, convMultipliers, convParams, elementwiseLayout, meanStep, mulParams, POINT_GEOMETRY, requantParams } from '../../src/quant/op-params.ts';

/** Seeded float32 scales in [1e-4, 1e-1) (xorshift), for searching a case where the product's precision shows. */
function scales(n: number, seed: number): number[] {
  let x = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push(Math.fround(1e-4 * 10 ** (3 * ((x >>> 0) / 2 ** 32))));
  }
  return out;
}

describe('op-params', () => {
  it('activationClamp: zp + round(f / scale) per clamp kind, saturated to int8', () => {
    const q = { scale: 0.05, zeroPoint: -10 };
    expect(activationClamp('none', q)).toEqual({ actMin: -128, actMax: 127 });
    expect(activationClamp('relu', q)).toEqual({ actMin: -10, actMax: 127 });
    expect(activationClamp('relu6', q)).toEqual({ actMin: -10, actMax: 110 });
    expect(activationClamp('relu_n1_to_1', q)).toEqual({ actMin: -30, actMax: 10 });
    // 6 / scale beyond int8: the upper bound saturates at 127.
    expect(activationClamp('relu6', { scale: 0.01, zeroPoint: 0 })).toEqual({ actMin: 0, actMax: 127 });
  });

  it('convMultipliers: 0.5 x 0.25 / 1 = 0.125 = 2^30 / 2^31 x 2^-2, one weight scale serving every channel', () => {
    const m = convMultipliers(0.5, [0.25], 1, 3, 'double');
    expect([...m.multiplier]).toEqual([1 << 30, 1 << 30, 1 << 30]);
    expect([...m.shift]).toEqual([-2, -2, -2]);
    const p = convParams(POINT_GEOMETRY, { scale: 0.5, zeroPoint: 3 }, { scale: 1, zeroPoint: -7 }, { actMin: -7, actMax: 127 }, m);
    expect(p).toMatchObject({ kernelH: 1, strideW: 1, padTop: 0, inputOffset: -3, outputOffset: -7, actMin: -7, actMax: 127 });
    expect(p.lut).toBeUndefined();
  });

  it("the float and double products give different multipliers on some scales, and each path computes what it names", () => {
    const s = scales(3000, 7);
    let differ = 0;
    for (let k = 0; k + 2 < s.length; k += 3) {
      const [a, w, o] = [s[k], s[k + 1], s[k + 2] * 10];
      const f = convMultipliers(a, [w], o, 1, 'float');
      const d = convMultipliers(a, [w], o, 1, 'double');
      expect(f.multiplier[0]).toBe(quantizeMultiplier(Math.fround(a * w) / o).multiplier);
      expect(d.multiplier[0]).toBe(quantizeMultiplier((a * w) / o).multiplier);
      if (f.multiplier[0] !== d.multiplier[0]) differ++;
      const qa = { scale: a, zeroPoint: 0 };
      const qb = { scale: w, zeroPoint: 0 };
      const qo = { scale: o, zeroPoint: 0 };
      const full = { actMin: -128, actMax: 127 };
      expect(mulParams(qa, qb, qo, full, 'float').outputMultiplier).toBe(quantizeMultiplier(Math.fround(Math.fround(a * w) / o)).multiplier);
      expect(mulParams(qa, qb, qo, full, 'double').outputMultiplier).toBe(quantizeMultiplier((a * w) / o).multiplier);
    }
    // Measured: 995 of the 1000 triples differ (in the multiplier's low bits); the choice is not cosmetic.
    expect(differ).toBeGreaterThan(900);
  });

  it('concatParts: offsets along the axis, a plain copy where the quantization already matches', () => {
    const out = { scale: 0.1, zeroPoint: 0 };
    const parts = concatParts(
      [
        [1, 2, 2, 3],
        [1, 2, 2, 5],
      ],
      3,
      [out, { scale: 0.05, zeroPoint: 4 }],
      out,
    );
    expect(parts[0]).toEqual({ outer: 4, inner: 3, outStride: 8, outOffset: 0 });
    expect(parts[1]).toMatchObject({ outer: 4, inner: 5, outStride: 8, outOffset: 3 });
    // 0.05 / 0.1 = 0.5 = 2^30 / 2^31: multiplier 2^30, shift 0.
    expect(parts[1].requant).toEqual({ inputOffset: -4, outputOffset: 0, multiplier: 1 << 30, shift: 0 });
    expect(requantParams({ scale: 0.05, zeroPoint: 4 }, out)).toEqual(parts[1].requant);
  });

  it('elementwiseLayout: same shapes, a per-channel gate either side, a scalar, and a refusal', () => {
    expect(elementwiseLayout([1, 4, 4, 8], [1, 4, 4, 8])).toEqual({ pixels: 1, channels: 128, in1PixelStride: 0, in2PixelStride: 0 });
    expect(elementwiseLayout([1, 4, 4, 8], [1, 1, 1, 8])).toEqual({ pixels: 16, channels: 8, in1PixelStride: 8, in2PixelStride: 0 });
    expect(elementwiseLayout([1, 1, 1, 8], [1, 4, 4, 8])).toEqual({ pixels: 16, channels: 8, in1PixelStride: 0, in2PixelStride: 8 });
    expect(elementwiseLayout([1, 4, 4, 8], [1])).toEqual({ pixels: 128, channels: 1, in1PixelStride: 1, in2PixelStride: 0 });
    expect(elementwiseLayout([1, 4, 4, 8], [1, 4, 1, 8])).toBeUndefined();
  });

  it('meanStep: the three TFLite paths', () => {
    const a = { scale: 0.5, zeroPoint: 1 };
    expect(meanStep(a, a, false).rounding).toBe('truncate');
    expect(meanStep(a, { scale: 0.25, zeroPoint: 0 }, true)).toMatchObject({ rounding: 'nearest', inputOffset: -1, multiplier: 1 << 30, shift: 2 });
    const f = meanStep(a, { scale: 0.25, zeroPoint: 3 }, false);
    expect(f).toMatchObject({ rounding: 'float', outputOffset: 3, scale: 2, bias: -1.5 });
  });

  it('channelQuant: one scale per output channel on axis 0, or one for the tensor', () => {
    expect(channelQuant([0.5, 0.25], true)).toEqual({ scale: [0.5, 0.25], zeroPoint: [0, 0], axis: 0 });
    expect(channelQuant([0.5, 0.5], false)).toEqual({ scale: [0.5], zeroPoint: [0] });
  });
});
