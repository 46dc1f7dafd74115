// A model input as a picture: the normalised tensor the model was fed, mapped back to 0..255 pixels,
// enlarged by nearest neighbour (so a 28x28 digit is big enough to see) and encoded as a PNG data: URI
// for an <img> in the self-contained HTML report. The shape is plain numbers, so the report needs no
// dataset types: InputSpec and Normalisation from src/data fit it as they are.
import { PNG } from 'pngjs';

export interface InputPicture {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  /** How `data` is laid out: channel planes ('nchw') or interleaved ('nhwc'). */
  readonly layout: 'nchw' | 'nhwc';
  /** channels x height x width normalised values: v = (p * scale / 255 - mean[c]) / std[c]. */
  readonly data: ArrayLike<number>;
  readonly scale: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** The model's channel order; BGR is turned back into RGB for display. */
  readonly channelOrder: 'rgb' | 'bgr';
}

/** Pictures are enlarged to at least this many pixels on their longer side (when that takes a factor of 2 or more). */
export const PICTURE_MIN_SIDE = 112;
const MAX_FACTOR = 16;

/** The whole-number enlargement of a width x height picture: 28x28 -> 4 (112 px), 8x8 -> 14, 160x160 -> 1. */
export function pictureFactor(width: number, height: number): number {
  return Math.min(MAX_FACTOR, Math.max(1, Math.ceil(PICTURE_MIN_SIDE / Math.max(width, height, 1))));
}

/** The input's pixels on the 0..255 scale (rounded, clamped), RGBA, at the model's own size. */
export function pictureRgba(p: InputPicture): Uint8Array {
  const { width: w, height: h, channels } = p;
  const plane = w * h;
  if (p.data.length !== channels * plane) throw new RangeError(`picture: ${p.data.length} values for ${channels}x${h}x${w}`);
  const out = new Uint8Array(4 * plane);
  const back = 255 / p.scale;
  const pixel = (c: number, i: number) => {
    const v = p.data[p.layout === 'nchw' ? c * plane + i : i * channels + c];
    const mean = p.mean.length === 1 ? p.mean[0] : p.mean[c];
    const std = p.std.length === 1 ? p.std[0] : p.std[c];
    const x = Math.round((v * std + mean) * back);
    return Number.isFinite(x) ? Math.min(255, Math.max(0, x)) : 0;
  };
  for (let i = 0; i < plane; i++) {
    if (channels === 1) {
      const g = pixel(0, i);
      out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = g;
    } else {
      for (let c = 0; c < 3; c++) out[4 * i + (p.channelOrder === 'bgr' ? 2 - c : c)] = pixel(c, i);
    }
    out[4 * i + 3] = 255;
  }
  return out;
}

/** Nearest-neighbour enlargement of an RGBA picture by a whole factor. */
export function enlarge(rgba: Uint8Array, width: number, height: number, factor: number): Uint8Array {
  const W = width * factor;
  const out = new Uint8Array(4 * W * height * factor);
  for (let y = 0; y < height * factor; y++) {
    const sy = Math.floor(y / factor);
    for (let x = 0; x < W; x++) {
      const s = 4 * (sy * width + Math.floor(x / factor));
      out.set(rgba.subarray(s, s + 4), 4 * (y * W + x));
    }
  }
  return out;
}

export interface EncodedPicture {
  /** data:image/png;base64,... */
  readonly uri: string;
  /** The PNG's size (the model input's size times `factor`). */
  readonly width: number;
  readonly height: number;
  readonly factor: number;
}

export function pictureToPng(p: InputPicture): EncodedPicture {
  const factor = pictureFactor(p.width, p.height);
  const png = new PNG({ width: p.width * factor, height: p.height * factor });
  png.data = Buffer.from(enlarge(pictureRgba(p), p.width, p.height, factor));
  const bytes = PNG.sync.write(png);
  return { uri: `data:image/png;base64,${bytes.toString('base64')}`, width: png.width, height: png.height, factor };
}
