import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { centreCrop, pilLuminance, resizePlane, resizePlanePil } from '../../src/data/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const pil = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/pil-bilinear.json'), 'utf8'));

describe("PIL's 8-bit bilinear resize (the lab's Resize((r, r)) on PIL images)", () => {
  for (const c of pil.resize as { width: number; height: number; toWidth: number; toHeight: number; pixels: number[]; pil: number[] }[])
    it(`gives PIL's bytes exactly for ${c.width}x${c.height} -> ${c.toWidth}x${c.toHeight}`, () => {
      expect(Array.from(resizePlanePil(Uint8Array.from(c.pixels), c.width, c.height, c.toWidth, c.toHeight))).toEqual(c.pil);
    });

  it("gives PIL's bytes for convert('L') then resize", () => {
    const g = pil.rgbToGray;
    const n = g.width * g.height;
    const gray = Uint8Array.from({ length: n }, (_, i) => pilLuminance(g.rgb[3 * i], g.rgb[3 * i + 1], g.rgb[3 * i + 2]));
    expect(Array.from(resizePlanePil(gray, g.width, g.height, g.toWidth, g.toHeight))).toEqual(g.pil);
  });

  it('luminance of a gray pixel is that pixel, and of (51,102,204) is 98 (PIL says 98)', () => {
    for (const v of [0, 1, 127, 128, 254, 255]) expect(pilLuminance(v, v, v)).toBe(v);
    expect(pilLuminance(51, 102, 204)).toBe(98);
  });
});

describe('float resize', () => {
  const row = [0, 40, 80, 120];
  const plane = [...row, ...row, ...row, ...row];

  it('antialiased bilinear 4 -> 2 widens the triangle to weights 3/4, 3/4, 1/4 (edge renormalised)', () => {
    // Output 0: centre 1.0, support 2: taps at 0.5, 1.5, 2.5 weigh 0.75, 0.75, 0.25 -> (30 + 20) / 1.75.
    const out = resizePlane(plane, 4, 4, 2, 2, { interpolation: 'bilinear', antialias: true });
    expect(out[0]).toBeCloseTo(50 / 1.75, 12);
    expect(out[1]).toBeCloseTo((10 + 60 + 90) / 1.75, 12);
    expect(out[2]).toBeCloseTo(out[0], 12);
  });

  it('plain bilinear 4 -> 2 samples half way between pixel pairs (torch interpolate, align_corners=False)', () => {
    const out = resizePlane(plane, 4, 4, 2, 2, { interpolation: 'bilinear', antialias: false });
    expect(Array.from(out)).toEqual([20, 100, 20, 100]);
  });

  it('plain bilinear upscaling clamps at the border and interpolates inside', () => {
    const out = resizePlane([0, 100], 2, 1, 4, 1, { interpolation: 'bilinear', antialias: false });
    // Source positions -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
    expect(Array.from(out)).toEqual([0, 25, 75, 100]);
  });

  it('area with an integer factor is the exact k x k mean', () => {
    const src = Array.from({ length: 36 }, (_, i) => (i * 37) % 256);
    const out = resizePlane(src, 6, 6, 2, 3, { interpolation: 'area', antialias: true });
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 2; x++) {
        let sum = 0;
        for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 3; dx++) sum += src[(2 * y + dy) * 6 + 3 * x + dx];
        expect(out[y * 2 + x]).toBe(sum / 6);
      }
  });

  it('area with a fractional factor weights partly covered pixels by their coverage', () => {
    // 3 -> 2: output 0 covers [0, 1.5): pixel 0 whole, pixel 1 half.
    const out = resizePlane([0, 30, 90], 3, 1, 2, 1, { interpolation: 'area', antialias: true });
    expect(out[0]).toBeCloseTo((0 + 0.5 * 30) / 1.5, 12);
    expect(out[1]).toBeCloseTo((0.5 * 30 + 90) / 1.5, 12);
  });

  it('same size is an exact copy', () => {
    const src = [0.1, 2.5, 3.75, 255];
    expect(Array.from(resizePlane(src, 2, 2, 2, 2, { interpolation: 'bilinear', antialias: true }))).toEqual(src);
  });
});

describe('centre crop', () => {
  const grid = (w: number, h: number) => Float64Array.from({ length: w * h }, (_, i) => i);
  it('takes the middle, at torchvision offsets round((in - out) / 2), halves to even', () => {
    // 16 -> 14: offset 1; 17 -> 14: round(1.5) = 2; 15 -> 14: round(0.5) = 0.
    expect(centreCrop(grid(16, 16), 16, 16, 14, 14)[0]).toBe(1 * 16 + 1);
    expect(centreCrop(grid(17, 17), 17, 17, 14, 14)[0]).toBe(2 * 17 + 2);
    expect(centreCrop(grid(15, 15), 15, 15, 14, 14)[0]).toBe(0);
    expect(Array.from(centreCrop(grid(4, 3), 4, 3, 2, 1))).toEqual([5, 6]);
  });
});
