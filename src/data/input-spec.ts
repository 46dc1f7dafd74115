// What a dataset can feed: one image (batch 1) of 1 or 3 channels. The model's declared input shape is
// checked here, once, so that a rank-2 input or a batch of 8 is refused with the model file named.
import { InputError } from '../errors.ts';
import type { InputSpec } from './dataset.ts';

/** Larger inputs than this are refused before anything is allocated (MCU models are far smaller). */
export const MAX_SIDE = 4096;

/** A dimension as models declare it: a number, or a name / -1 / 0 / null for a dynamic one. */
export type DeclaredDim = number | string | null | undefined;

const isDynamic = (d: DeclaredDim): boolean => typeof d !== 'number' || d <= 0;

/**
 * The input spec for a model input of the declared `shape` in `layout` ('nchw' for ONNX, 'nhwc' for the
 * IR). A dynamic batch is taken as 1; dynamic height, width or channels cannot be fed (the dataset would
 * not know what size to make). `source` names the model in messages.
 */
export function inputSpecFromShape(shape: readonly DeclaredDim[], layout: 'nchw' | 'nhwc', source: string, inputName = 'input'): InputSpec {
  const where = `${source}: input "${inputName}" [${shape.map((d) => (d === null || d === undefined ? '?' : String(d))).join(',')}]`;
  if (shape.length !== 4) throw new InputError(`${where}: an image dataset feeds rank-4 inputs (${layout.toUpperCase()}), this one has rank ${shape.length}`);
  const [n, a, b, c] = shape;
  const [ch, h, w] = layout === 'nchw' ? [a, b, c] : [c, a, b];
  if (!isDynamic(n) && n !== 1) throw new InputError(`${where}: batch ${n}; images are fed one at a time, so the batch must be 1 (or dynamic)`);
  for (const [what, d] of [['channels', ch], ['height', h], ['width', w]] as const)
    if (isDynamic(d)) throw new InputError(`${where}: ${what} is dynamic (${String(d)}); the dataset needs a fixed size to resize to`);
  if (ch !== 1 && ch !== 3) throw new InputError(`${where}: ${ch} channels; an image dataset feeds 1 (grayscale) or 3 (RGB) channels`);
  for (const d of [h, w] as number[])
    if (!Number.isInteger(d) || d > MAX_SIDE) throw new InputError(`${where}: image side ${d} is not an integer between 1 and ${MAX_SIDE}`);
  return { channels: ch as 1 | 3, height: h as number, width: w as number, layout };
}

/** The number of values in one image. */
export function imageLength(spec: InputSpec): number {
  return spec.channels * spec.height * spec.width;
}
