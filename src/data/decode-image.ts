// PNG and JPEG files to 8-bit RGB rasters. The format is told by the file's first bytes, not its name.
// Alpha is dropped, not composited (PIL's convert('RGB'), what torchvision's ImageFolder loader does);
// 16-bit PNGs are reduced to 8 bits by pngjs; gray and palette images come out as RGB. Truncated or
// damaged files are refused (JPEG decoding is strict), as PIL refuses truncated images by default.
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { InputError } from '../errors.ts';
import type { Raster } from './preprocess.ts';

/** Pictures larger than this are refused before decoding (a safety bound, not a model limit). */
export const MAX_MEGAPIXELS = 40;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v);
}

export function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

function checkSize(file: string, width: number, height: number): void {
  if (width < 1 || height < 1) throw new InputError(`${file}: image has no pixels (${width}x${height})`);
  if (width * height > MAX_MEGAPIXELS * 1e6) throw new InputError(`${file}: image is ${width}x${height}, over the ${MAX_MEGAPIXELS}-megapixel limit`);
}

function rgbaToRgb(rgba: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[3 * i] = rgba[4 * i];
    out[3 * i + 1] = rgba[4 * i + 1];
    out[3 * i + 2] = rgba[4 * i + 2];
  }
  return out;
}

function decodePng(bytes: Uint8Array, file: string): Raster {
  // The IHDR chunk comes first: width and height are bytes 16..23, read before pngjs allocates anything.
  if (bytes.length < 24) throw new InputError(`${file}: not a valid PNG (file is ${bytes.length} bytes, shorter than a PNG header)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkSize(file, view.getUint32(16), view.getUint32(20));
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    // pngjs reports a cut-off file as pending reads on a finished stream.
    const why = /read requests/.test((e as Error).message) ? 'the file is truncated' : (e as Error).message;
    throw new InputError(`${file}: not a valid PNG (${why})`);
  }
  return { width: png.width, height: png.height, channels: 3, data: rgbaToRgb(png.data, png.width * png.height) };
}

function decodeJpeg(bytes: Uint8Array, file: string): Raster {
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: 1024 });
  } catch (e) {
    throw new InputError(`${file}: not a valid JPEG (${(e as Error).message})`);
  }
  checkSize(file, img.width, img.height);
  if (img.data.length !== 3 * img.width * img.height) throw new InputError(`${file}: not a valid JPEG (decoded ${img.data.length} bytes for ${img.width}x${img.height})`);
  return { width: img.width, height: img.height, channels: 3, data: img.data };
}

/** Decodes the bytes of a PNG or JPEG file; `file` names it in messages. */
export function decodeImage(bytes: Uint8Array, file: string): Raster {
  if (isPng(bytes)) return decodePng(bytes, file);
  if (isJpeg(bytes)) return decodeJpeg(bytes, file);
  throw new InputError(`${file}: not a PNG or JPEG image (${bytes.length === 0 ? 'empty file' : 'unknown file signature'})`);
}
