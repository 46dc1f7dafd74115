import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { checkPreprocess, DEFAULT_PREPROCESS, LAB_NORMALISATION, normalisationFromFlags, toModelInput, type InputSpec, type Preprocess, type Raster } from '../../src/data/index.ts';

const spec = (channels: 1 | 3, layout: 'nchw' | 'nhwc' = 'nchw', side = 2): InputSpec => ({ channels, height: side, width: side, layout });
/** A 2x2 RGB picture whose three channels all differ. */
const picture: Raster = { width: 2, height: 2, channels: 3, data: Uint8Array.from([30, 60, 90, 33, 60, 93, 30, 63, 93, 33, 63, 96]) };
const raw: Preprocess = { ...DEFAULT_PREPROCESS, scale: 255, mean: [0], std: [1] };

describe('normalisation flags', () => {
  it("default to the lab's: scale 1, mean 0.5, std 0.5", () => {
    expect(normalisationFromFlags({})).toEqual(LAB_NORMALISATION);
    expect(LAB_NORMALISATION).toEqual({ scale: 1, mean: [0.5], std: [0.5] });
  });
  it('once one is given, the others do nothing: --scale 255 alone is raw pixels', () => {
    expect(normalisationFromFlags({ scale: 255 })).toEqual({ scale: 255, mean: [0], std: [1] });
    expect(normalisationFromFlags({ mean: '0.485,0.456,0.406', std: '0.229,0.224,0.225' })).toEqual({ scale: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  });
  it('refuses what is not a number, a zero std and a non-positive scale, naming the flag', () => {
    expect(() => normalisationFromFlags({ mean: '0.5,x' })).toThrow(/--mean/);
    expect(() => normalisationFromFlags({ mean: '0.5,' })).toThrow(/--mean/);
    expect(() => normalisationFromFlags({ std: '0.5,0' })).toThrow(/--std/);
    expect(() => normalisationFromFlags({ scale: 0 })).toThrow(InputError);
    expect(() => normalisationFromFlags({ scale: Number.NaN })).toThrow(/--scale/);
  });
  it('mean and std must have 1 value or one per model channel', () => {
    expect(() => checkPreprocess({ ...DEFAULT_PREPROCESS, mean: [0.1, 0.2, 0.3] }, spec(1))).toThrow(/--mean: 3 values for a 1-channel/);
    expect(() => checkPreprocess({ ...DEFAULT_PREPROCESS, std: [0.1, 0.2] }, spec(3))).toThrow(/--std: 2 values/);
    expect(() => checkPreprocess({ ...DEFAULT_PREPROCESS, resize: 1 }, spec(3))).toThrow(/--resize/);
    checkPreprocess({ ...DEFAULT_PREPROCESS, mean: [0.1, 0.2, 0.3] }, spec(3));
  });
});

describe('toModelInput', () => {
  it("lab normalisation: (p / 255 - 0.5) / 0.5, NCHW planes in RGB order", () => {
    const x = toModelInput(picture, spec(3), DEFAULT_PREPROCESS, 'bilinear');
    const expected = [30, 33, 30, 33, 60, 60, 63, 63, 90, 93, 93, 96].map((p) => (p / 255 - 0.5) / 0.5);
    Array.from(x).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });
  it('--scale 255 feeds the raw pixels, exactly', () => {
    expect(Array.from(toModelInput(picture, spec(3), raw, 'bilinear'))).toEqual([30, 33, 30, 33, 60, 60, 63, 63, 90, 93, 93, 96]);
  });
  it('NHWC interleaves the same values; BGR reverses the channels', () => {
    expect(Array.from(toModelInput(picture, spec(3, 'nhwc'), raw, 'bilinear'))).toEqual([30, 60, 90, 33, 60, 93, 30, 63, 93, 33, 63, 96]);
    expect(Array.from(toModelInput(picture, spec(3, 'nhwc'), { ...raw, channelOrder: 'bgr' }, 'bilinear'))).toEqual([90, 60, 30, 93, 60, 33, 93, 63, 30, 96, 63, 33]);
  });
  it('per-channel mean and std apply in the model channel order', () => {
    const p: Preprocess = { ...DEFAULT_PREPROCESS, scale: 1, mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 0.125] };
    const x = toModelInput(picture, spec(3, 'nhwc'), p, 'bilinear');
    expect(x[0]).toBeCloseTo((30 / 255 - 0.1) / 0.5, 6);
    expect(x[1]).toBeCloseTo((60 / 255 - 0.2) / 0.25, 6);
    expect(x[2]).toBeCloseTo((90 / 255 - 0.3) / 0.125, 6);
  });
  it("a 1-channel model gets PIL's luminance of an RGB picture, rounded for 8-bit pictures", () => {
    const x = toModelInput(picture, spec(1), raw, 'bilinear');
    const lum = (r: number, g: number, b: number) => (19595 * r + 38470 * g + 7471 * b + 32768) >> 16;
    expect(Array.from(x)).toEqual([lum(30, 60, 90), lum(33, 60, 93), lum(30, 63, 93), lum(33, 63, 96)]);
    // Float pictures keep the unrounded value.
    const f = toModelInput({ ...picture, data: Float64Array.from(picture.data) }, spec(1), raw, 'bilinear');
    expect(f[0]).toBeCloseTo((19595 * 30 + 38470 * 60 + 7471 * 90) / 65536, 5);
  });
  it('a gray picture fed to a 3-channel model repeats in every channel', () => {
    const gray: Raster = { width: 2, height: 2, channels: 1, data: Float64Array.from([1, 2, 3, 4]) };
    expect(Array.from(toModelInput(gray, spec(3), raw, 'area'))).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
  });
  it('--resize n resizes to n x n and crops the centre to the model size', () => {
    // 4x4 -> (resize 4: identity) -> crop 2x2 at offset 1.
    const data = Float64Array.from({ length: 16 }, (_, i) => i);
    const x = toModelInput({ width: 4, height: 4, channels: 1, data }, spec(1), { ...raw, resize: 4 }, 'area');
    expect(Array.from(x)).toEqual([5, 6, 9, 10]);
    // 4x4 -> area 2x2 straight (no --resize).
    expect(Array.from(toModelInput({ width: 4, height: 4, channels: 1, data }, spec(1), raw, 'area'))).toEqual([2.5, 4.5, 10.5, 12.5]);
  });
});
