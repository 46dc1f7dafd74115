// Writes small PNG and JPEG files for the dataset tests (pngjs and jpeg-js, the decoders' own encoders).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** RGB bytes, interleaved, of a width x height picture whose pixel (x, y) is f(x, y). */
export function rgbPicture(width: number, height: number, f: (x: number, y: number) => [number, number, number]): Uint8Array {
  const out = new Uint8Array(3 * width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.set(f(x, y), 3 * (y * width + x));
  return out;
}

function rgba(rgb: Uint8Array, alpha = 255): Buffer {
  const n = rgb.length / 3;
  const out = Buffer.alloc(4 * n);
  for (let i = 0; i < n; i++) {
    out[4 * i] = rgb[3 * i];
    out[4 * i + 1] = rgb[3 * i + 1];
    out[4 * i + 2] = rgb[3 * i + 2];
    out[4 * i + 3] = alpha;
  }
  return out;
}

export function pngBytes(width: number, height: number, rgb: Uint8Array, alpha = 255): Buffer {
  const png = new PNG({ width, height });
  png.data = rgba(rgb, alpha);
  return PNG.sync.write(png);
}

export function jpegBytes(width: number, height: number, rgb: Uint8Array, quality = 100): Buffer {
  return jpeg.encode({ width, height, data: rgba(rgb) }, quality).data;
}

export function writeFile(file: string, bytes: Uint8Array | string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
