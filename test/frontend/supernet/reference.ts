// The shared reference data of ../shared/data/mcunet-supernet-seeded, read as its manifest.json says:
// configs, PyTorch's logits, the calibration images and the tensors.bin bundle (raw little-endian float32).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { sharedPath } from '../../helpers/shared.ts';
import { nchwToNhwc, readNpy } from './npy.ts';

export const DIR = sharedPath('data/mcunet-supernet-seeded');
export const PTH = `${DIR}/mcunet-supernet-seeded.pth`;

export interface ConfigRef {
  name: string;
  config: { wid: number; ks: number[]; e: number[]; d: number[] };
  image_size: number;
  active_supernet_blocks: number[];
  count_parameters: number;
  calib_normalized_float32_sha256: string;
  logits_before: number[][];
  logits_after: number[][];
  logits_after_b24: number[][];
  tensors_index: { key: string; what: string; shape: number[]; offset_floats: number }[];
}

export const MANIFEST = JSON.parse(fs.readFileSync(`${DIR}/manifest.json`, 'utf8')) as { configs: ConfigRef[] };
export const CONFIGS = MANIFEST.configs;

/** The entries of a config's tensors.bin with their values. */
export function configTensors(c: ConfigRef): { key: string; what: string; shape: number[]; data: Float32Array }[] {
  const bin = fs.readFileSync(`${DIR}/${c.name}.tensors.bin`);
  return c.tensors_index.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = bin.readFloatLE(4 * (t.offset_floats + i));
    return { ...t, data };
  });
}

/** The two test inputs of a config, NHWC for the IR. */
export function configInputs(c: ConfigRef): Float32Array[] {
  return [0, 1].map((j) => nchwToNhwc(readNpy(`${DIR}/${c.name}.input${j}.npy`))[0]);
}

/**
 * The 64 calibration images as the network sees them: (u8 / 255 - 0.5) / 0.5 in float32, in that order
 * (ToTensor then Normalize(0.5, 0.5)). Also returns the sha256 of the NCHW float32 tensor, which the
 * manifest records, so the reconstruction is checked.
 */
export function calibrationImages(c: ConfigRef): { images: Float32Array[]; sha256: string } {
  const u8 = readNpy(`${DIR}/${c.name}.calib-u8.npy`);
  const f = Math.fround;
  const norm = Float32Array.from(u8.data, (v) => f(f(f(v / 255) - 0.5) / 0.5));
  const sha256 = crypto.createHash('sha256').update(Buffer.from(norm.buffer)).digest('hex');
  return { images: nchwToNhwc({ shape: u8.shape, data: norm }), sha256 };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max |a - b| / max(1, |b|): absolute for values up to 1, relative above. */
export function maxScaledDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}
