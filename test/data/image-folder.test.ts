import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classCounts, DEFAULT_PREPROCESS, listImageFolder, openDataset, openImageFolder, pilLuminance, resizePlanePil, type InputSpec, type Preprocess } from '../../src/data/index.ts';
import { jpegBytes, pngBytes, rgbPicture, tempDir, writeFile } from './make-images.ts';

// Two classes, written "zebra" first so that sorting (not creation order) must put "ant" at label 0.
// Each class: 12 PNG and 12 JPEG pictures of 8x8 (ant: dark, zebra: light), one solid PNG of a known
// colour, a README and a nested folder with one more PNG (ImageFolder searches recursively).
let root: string;
const SOLID: [number, number, number] = [51, 102, 204];
const GRADIENT = rgbPicture(8, 6, (x, y) => [x * 30, y * 40, (x * 7 + y * 11) % 256]);

beforeAll(() => {
  root = tempDir('image-folder-');
  for (const [cls, base] of [['zebra', 200], ['ant', 20]] as const) {
    for (let k = 0; k < 12; k++) {
      const pic = rgbPicture(8, 8, (x, y) => [base + ((x + k) % 4), base + ((y + k) % 4), base]);
      writeFile(path.join(root, cls, `p${String(k).padStart(2, '0')}.png`), pngBytes(8, 8, pic));
      writeFile(path.join(root, cls, `j${String(k).padStart(2, '0')}.JPG`), jpegBytes(8, 8, pic));
    }
    writeFile(path.join(root, cls, 'README.txt'), 'not an image');
    writeFile(path.join(root, cls, 'nested', 'deep.png'), pngBytes(8, 8, rgbPicture(8, 8, () => [base, base, base])));
  }
  writeFile(path.join(root, 'ant', 'solid.png'), pngBytes(8, 8, rgbPicture(8, 8, () => SOLID), 128));
  writeFile(path.join(root, 'ant', 'gradient.png'), pngBytes(8, 6, GRADIENT));
  fs.mkdirSync(path.join(root, '.hidden-class'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const spec = (channels: 1 | 3, side = 4, layout: 'nchw' | 'nhwc' = 'nchw'): InputSpec => ({ channels, height: side, width: side, layout });
const raw: Preprocess = { ...DEFAULT_PREPROCESS, scale: 255, mean: [0], std: [1] };
const indexOf = (files: string[], name: string) => files.findIndex((f) => f.endsWith(`${path.sep}${name}`));

describe('an ImageFolder tree of PNG and JPEG files', () => {
  it('lists classes sorted by name and every image in sorted order, recursively, skipping other files', () => {
    const l = listImageFolder(root);
    expect(l.classes).toEqual(['ant', 'zebra']);
    expect(l.files.length).toBe(2 * 25 + 2);
    const ant = l.files.filter((_, i) => l.labels[i] === 0).map((f) => path.relative(path.join(root, 'ant'), f));
    expect(ant.slice(0, 3)).toEqual(['gradient.png', 'j00.JPG', 'j01.JPG']);
    expect(ant).toContain(path.join('nested', 'deep.png'));
    expect(ant).not.toContain('README.txt');
  });

  it('reads as a dataset: size, labels, class counts and file sources', () => {
    const ds = openImageFolder(root, spec(3), DEFAULT_PREPROCESS);
    expect(ds.size).toBe(52);
    expect(ds.classes).toEqual(['ant', 'zebra']);
    expect(classCounts(ds)).toEqual([27, 25]);
    const s = ds.get(51);
    expect(s.label).toBe(1);
    expect(s.source).toBe(path.join(root, 'zebra', 'p11.png'));
    expect(s.image.length).toBe(3 * 4 * 4);
    expect(openDataset(root, spec(3), DEFAULT_PREPROCESS).size).toBe(52);
  });

  it("normalises a solid PNG by hand: (51, 102, 204) -> -0.6, -0.2, 0.6 (lab), alpha dropped", () => {
    const ds = openImageFolder(root, spec(3), DEFAULT_PREPROCESS);
    const s = ds.get(indexOf(listImageFolder(root).files, 'solid.png'));
    for (let p = 0; p < 16; p++) {
      expect(s.image[p]).toBeCloseTo(-0.6, 6);
      expect(s.image[16 + p]).toBeCloseTo(-0.2, 6);
      expect(s.image[32 + p]).toBeCloseTo(0.6, 6);
    }
  });

  it('gives a 1-channel model the luminance: (51, 102, 204) -> 98 -> (98/255 - 0.5) / 0.5', () => {
    const ds = openImageFolder(root, spec(1), DEFAULT_PREPROCESS);
    const s = ds.get(indexOf(listImageFolder(root).files, 'solid.png'));
    expect(s.image.length).toBe(16);
    for (const v of s.image) expect(v).toBeCloseTo((98 / 255 - 0.5) / 0.5, 6);
  });

  it("resizes a real picture to PIL's bytes (convert('L') + Resize((3, 4)))", () => {
    const ds = openImageFolder(root, { channels: 1, height: 3, width: 4, layout: 'nchw' }, raw);
    const s = ds.get(indexOf(listImageFolder(root).files, 'gradient.png'));
    const gray = Uint8Array.from({ length: 48 }, (_, i) => pilLuminance(GRADIENT[3 * i], GRADIENT[3 * i + 1], GRADIENT[3 * i + 2]));
    expect(Array.from(s.image)).toEqual(Array.from(resizePlanePil(gray, 8, 6, 4, 3)));
  });

  it('decodes JPEG close to what was encoded (quality 100), in NHWC when asked', () => {
    const ds = openImageFolder(root, spec(3, 8, 'nhwc'), raw);
    const files = listImageFolder(root).files;
    const s = ds.get(indexOf(files, 'j05.JPG'));
    const pic = rgbPicture(8, 8, (x, y) => [20 + ((x + 5) % 4), 20 + ((y + 5) % 4), 20]);
    let maxErr = 0;
    s.image.forEach((v, i) => (maxErr = Math.max(maxErr, Math.abs(v - pic[i]))));
    expect(maxErr).toBeLessThanOrEqual(3);
    // And the PNG twin is exact.
    expect(Array.from(ds.get(indexOf(files, 'p05.png')).image)).toEqual(Array.from(pic));
  });

  it('keeps classes apart: every ant pixel is dark and every zebra pixel light', () => {
    const ds = openImageFolder(root, spec(3), raw);
    for (let i = 0; i < ds.size; i++) {
      const s = ds.get(i);
      if (s.source.endsWith('solid.png') || s.source.endsWith('gradient.png')) continue;
      const mean = s.image.reduce((a, b) => a + b, 0) / s.image.length;
      expect(s.label === 0 ? mean < 40 : mean > 180).toBe(true);
    }
  });
});
