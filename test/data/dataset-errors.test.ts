// Every way a user's dataset or model can be unfit gives an InputError whose message names the file.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { DEFAULT_PREPROCESS, inputSpecFromShape, openImageFolder, openMnist, separateCalibration, subset, type InputSpec } from '../../src/data/index.ts';
import { jpegBytes, pngBytes, rgbPicture, tempDir, writeFile } from './make-images.ts';

const spec: InputSpec = { channels: 3, height: 4, width: 4, layout: 'nchw' };
let root: string;
beforeAll(() => (root = tempDir('dataset-errors-')));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function inputError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

/** A folder with classes a (one good PNG) and b (the given file). */
function withBadFile(name: string, bytes: Uint8Array | string): { dir: string; file: string } {
  const dir = path.join(root, name.replace(/\W/g, '_'));
  writeFile(path.join(dir, 'a', 'good.png'), pngBytes(4, 4, rgbPicture(4, 4, () => [1, 2, 3])));
  return { dir, file: writeFile(path.join(dir, 'b', name), bytes) };
}

describe('image files', () => {
  const pic = rgbPicture(8, 8, (x, y) => [x * 30, y * 30, 9]);
  const cases: [string, Uint8Array | string][] = [
    ['text.png', 'this is not a picture'],
    ['empty.jpg', ''],
    ['truncated.png', pngBytes(8, 8, pic).subarray(0, 60)],
    ['truncated.jpg', jpegBytes(8, 8, pic).subarray(0, 200)],
    ['flipped.png', (() => { const b = Buffer.from(pngBytes(8, 8, pic)); b[b.length - 20] ^= 0xff; return b; })()],
  ];
  for (const [name, bytes] of cases)
    it(`a corrupt file (${name}) is refused when read, naming it`, () => {
      const { dir, file } = withBadFile(name, bytes);
      const ds = openImageFolder(dir, spec, DEFAULT_PREPROCESS);
      expect(ds.get(0).label).toBe(0);
      expect(inputError(() => ds.get(1))).toContain(file);
    });

  it('an image format that is not read (BMP) is refused by name at open, not skipped', () => {
    const { dir, file } = withBadFile('old.bmp', 'BM....');
    expect(inputError(() => openImageFolder(dir, spec, DEFAULT_PREPROCESS))).toContain(file);
  });

  it('a picture over the size bound is refused before it is decoded', () => {
    const png = Buffer.from(pngBytes(1, 1, Uint8Array.of(0, 0, 0)));
    png.writeUInt32BE(100_000, 16); // IHDR width
    png.writeUInt32BE(100_000, 20); // IHDR height
    const { dir, file } = withBadFile('huge.png', png);
    expect(inputError(() => openImageFolder(dir, spec, DEFAULT_PREPROCESS).get(1))).toMatch(new RegExp(`${file}.*megapixel`));
  });
});

describe('folder structure', () => {
  it('a folder that does not exist', () => {
    const dir = path.join(root, 'nowhere');
    expect(inputError(() => openImageFolder(dir, spec, DEFAULT_PREPROCESS))).toBe(`${dir}: no such folder`);
  });

  it('a file where a folder is expected', () => {
    const file = writeFile(path.join(root, 'plain.txt'), 'x');
    expect(inputError(() => openImageFolder(file, spec, DEFAULT_PREPROCESS))).toContain(`${file}: not a folder`);
  });

  it('an empty class folder names the class folder', () => {
    const dir = path.join(root, 'empty-class');
    writeFile(path.join(dir, 'cat', 'c.png'), pngBytes(2, 2, rgbPicture(2, 2, () => [0, 0, 0])));
    writeFile(path.join(dir, 'dog', 'notes.txt'), 'no pictures here');
    expect(inputError(() => openImageFolder(dir, spec, DEFAULT_PREPROCESS))).toBe(`${path.join(dir, 'dog')}: class folder "dog" has no PNG or JPEG images`);
  });

  it('a dataset with 0 images (no class folders) says so, and notices loose pictures', () => {
    const dir = path.join(root, 'flat');
    fs.mkdirSync(dir);
    expect(inputError(() => openImageFolder(dir, spec, DEFAULT_PREPROCESS))).toBe(`${dir}: dataset has 0 images: no class sub-folders`);
    writeFile(path.join(dir, 'x.png'), pngBytes(2, 2, rgbPicture(2, 2, () => [0, 0, 0])));
    expect(inputError(() => openImageFolder(dir, spec, DEFAULT_PREPROCESS))).toMatch(/0 images.*its 1 images must go in one sub-folder per class/);
  });

  it('a split that leaves no image says which dataset', () => {
    const dir = path.join(root, 'one-image');
    writeFile(path.join(dir, 'only', 'x.png'), pngBytes(2, 2, rgbPicture(2, 2, () => [0, 0, 0])));
    const ds = openImageFolder(dir, spec, DEFAULT_PREPROCESS);
    expect(inputError(() => separateCalibration(ds, ds, false))).toBe(`${path.resolve(dir)}: dataset has 0 images in its calibration half (odd indices)`);
    expect(inputError(() => separateCalibration(subset(ds, [], 'none'), 'random', true))).toMatch(/0 images in its validation half/);
  });
});

describe('model inputs a dataset cannot feed name the model file', () => {
  const m = 'models/net.onnx';
  it.each([
    [[1, 784], 'nchw', /rank 2/],
    [[8, 3, 32, 32], 'nchw', /batch 8/],
    [[1, 4, 32, 32], 'nchw', /4 channels/],
    [[1, 3, 'height', 32], 'nchw', /height is dynamic/],
    [[1, 32, 32, 2], 'nhwc', /2 channels/],
    [[1, 3, 5000, 5000], 'nchw', /image side 5000/],
  ] as const)('%j (%s)', (shape, layout, why) => {
    const msg = inputError(() => inputSpecFromShape(shape, layout, m, 'x'));
    expect(msg.startsWith(`${m}: input "x"`)).toBe(true);
    expect(msg).toMatch(why);
  });

  it('accepts batch 1 or a dynamic batch, 1 or 3 channels, in either layout', () => {
    expect(inputSpecFromShape([1, 1, 28, 28], 'nchw', m)).toEqual({ channels: 1, height: 28, width: 28, layout: 'nchw' });
    expect(inputSpecFromShape(['N', 3, 32, 48], 'nchw', m)).toEqual({ channels: 3, height: 32, width: 48, layout: 'nchw' });
    expect(inputSpecFromShape([-1, 96, 80, 3], 'nhwc', m)).toEqual({ channels: 3, height: 96, width: 80, layout: 'nhwc' });
  });

  it('mean/std that do not fit the model are refused when the dataset opens', () => {
    expect(inputError(() => openMnist({ ...spec, channels: 1 }, { ...DEFAULT_PREPROCESS, mean: [0.4, 0.5, 0.6] }))).toMatch(/--mean/);
  });
});
