// From a decoded picture to the model's input tensor, one fixed pipeline (as the lab's torchvision
// transforms, in this order):
//   1. channels: RGB -> 1 channel is luminance L = (19595 R + 38470 G + 7471 B) / 65536 (ITU-R 601-2, the
//      weights of PIL's convert('L')); gray -> 3 channels repeats it; RGB -> BGR reorders.
//   2. resize: to `resize` x `resize` when given, then centre crop to the model's H x W (torchvision
//      Resize(n) + CenterCrop); otherwise straight to H x W (the lab's Resize((r, r))). See resize.ts.
//   3. normalise: x = (p * scale / 255 - mean[c]) / std[c], where p is the pixel on the 0..255 scale.
//      scale 1 is torchvision's ToTensor (p / 255 in [0, 1]); scale 255 feeds raw 0..255 values.
//      mean and std are in the model's channel order, one value (every channel) or one per channel.
// 8-bit pictures (decoded files) under antialiased bilinear take PIL's integer path for steps 1-2
// (resize-pil.ts), so they become the same bytes as in the lab; float pictures (MNIST) stay float.
import { InputError } from '../errors.ts';
import type { InputSpec } from './dataset.ts';
import { centreCrop, resizePlane, type Interpolation } from './resize.ts';
import { pilLuminance, resizePlanePil } from './resize-pil.ts';

export interface Normalisation {
  readonly scale: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export interface Preprocess extends Normalisation {
  /** For 3-channel models: the order the model wants its channels in. */
  readonly channelOrder: 'rgb' | 'bgr';
  /** Square size to resize to before a centre crop to the model's input; undefined: no crop. */
  readonly resize?: number;
  /** Undefined: the dataset's own choice (bilinear for image folders, area for MNIST). */
  readonly interpolation?: Interpolation;
  readonly antialias: boolean;
}

/** The lab's preprocessing: ToTensor then Normalize(mean 0.5, std 0.5), so pixels land in [-1, 1]. */
export const LAB_NORMALISATION: Normalisation = { scale: 1, mean: [0.5], std: [0.5] };

export const DEFAULT_PREPROCESS: Preprocess = { ...LAB_NORMALISATION, channelOrder: 'rgb', antialias: true };

/** A decoded picture: 8-bit or float pixels on the 0..255 scale, interleaved (HWC). */
export interface Raster {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: ArrayLike<number>;
}

export interface NormalisationFlags {
  mean?: string;
  std?: string;
  scale?: number;
}

function parseList(flag: string, text: string): number[] {
  const values = text.split(',').map((s) => s.trim());
  const out = values.map(Number);
  if (values.some((s) => s === '') || out.some((v) => !Number.isFinite(v)))
    throw new InputError(`--${flag}: expected one number or comma-separated numbers, got "${text}"`);
  return out;
}

/**
 * The normalisation that --mean, --std and --scale ask for. None given: the lab's (scale 1, mean 0.5,
 * std 0.5). Any of them given: the others default to doing nothing (scale 1, mean 0, std 1), so
 * `--scale 255` alone feeds raw 0..255 pixels and `--scale 1` alone feeds [0, 1].
 */
export function normalisationFromFlags(f: NormalisationFlags): Normalisation {
  if (f.mean === undefined && f.std === undefined && f.scale === undefined) return LAB_NORMALISATION;
  const scale = f.scale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0) throw new InputError(`--scale: expected a positive number, got ${f.scale}`);
  const mean = f.mean === undefined ? [0] : parseList('mean', f.mean);
  const std = f.std === undefined ? [1] : parseList('std', f.std);
  if (std.some((s) => s === 0)) throw new InputError(`--std: a standard deviation of 0 divides by zero ("${f.std}")`);
  return { scale, mean, std };
}

/** Checks mean/std/resize against the model input; the message names the flag at fault. */
export function checkPreprocess(p: Preprocess, spec: InputSpec): void {
  for (const [flag, v] of [['mean', p.mean], ['std', p.std]] as const)
    if (v.length !== 1 && v.length !== spec.channels)
      throw new InputError(`--${flag}: ${v.length} values for a ${spec.channels}-channel model input; give 1${spec.channels > 1 ? ` or ${spec.channels}` : ''}`);
  if (p.resize !== undefined && (!Number.isInteger(p.resize) || p.resize < Math.max(spec.height, spec.width) || p.resize > 4 * 4096))
    throw new InputError(`--resize: ${p.resize} must be an integer at least the model's input side (${spec.height}x${spec.width}), so the centre crop fits`);
}

/** Step 1: the raster's pixels as the model's channel planes; 8-bit stays 8-bit (rounded as PIL does). */
function channelPlanes(r: Raster, channels: 1 | 3, order: 'rgb' | 'bgr', eightBit: boolean): (Uint8Array | Float64Array)[] {
  const n = r.width * r.height;
  const d = r.data;
  const make = () => (eightBit ? new Uint8Array(n) : new Float64Array(n));
  if (channels === 1) {
    const plane = make();
    if (r.channels === 1) for (let i = 0; i < n; i++) plane[i] = d[i];
    else if (eightBit) for (let i = 0; i < n; i++) plane[i] = pilLuminance(d[3 * i], d[3 * i + 1], d[3 * i + 2]);
    else for (let i = 0; i < n; i++) plane[i] = (19595 * d[3 * i] + 38470 * d[3 * i + 1] + 7471 * d[3 * i + 2]) / 65536;
    return [plane];
  }
  const planes = [make(), make(), make()];
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++) planes[c][i] = r.channels === 1 ? d[i] : d[3 * i + c];
  return order === 'bgr' ? planes.reverse() : planes;
}

/** Runs the whole pipeline: a raster in, one normalised image in the spec's layout out. */
export function toModelInput(r: Raster, spec: InputSpec, p: Preprocess, defaultInterpolation: Interpolation): Float32Array {
  const { height: h, width: w, channels } = spec;
  const resizeOpts = { interpolation: p.interpolation ?? defaultInterpolation, antialias: p.antialias };
  const pil = r.data instanceof Uint8Array && resizeOpts.interpolation === 'bilinear' && resizeOpts.antialias;
  const [rw, rh] = p.resize === undefined ? [w, h] : [p.resize, p.resize];
  const planes = channelPlanes(r, channels, p.channelOrder, pil).map((plane) => {
    const resized = plane instanceof Uint8Array ? Float64Array.from(resizePlanePil(plane, r.width, r.height, rw, rh)) : resizePlane(plane, r.width, r.height, rw, rh, resizeOpts);
    return p.resize === undefined ? resized : centreCrop(resized, rw, rh, w, h);
  });
  // scale / 255 is exactly 1 for scale 255, so raw pixels pass through unchanged.
  const k = p.scale / 255;
  const out = new Float32Array(channels * h * w);
  const plane = h * w;
  for (let c = 0; c < channels; c++) {
    const mean = p.mean.length === 1 ? p.mean[0] : p.mean[c];
    const std = p.std.length === 1 ? p.std[0] : p.std[c];
    const src = planes[c];
    for (let i = 0; i < plane; i++) {
      const v = (src[i] * k - mean) / std;
      if (spec.layout === 'nchw') out[c * plane + i] = v;
      else out[i * channels + c] = v;
    }
  }
  return out;
}
