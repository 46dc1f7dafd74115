// Calibration images for int8 ranges, never the images that are evaluated. When calibration and
// evaluation draw on the same dataset (or --split asks for it), the lab's split separates them:
// evaluation on even indices, calibration on odd ones.
import { InputError } from '../errors.ts';
import { splitmix32 } from '../random/seeded-random.ts';
import { spread, splitHalf, type Dataset, type InputSpec } from './dataset.ts';
import { toModelInput, type Preprocess } from './preprocess.ts';

export interface SeparatedData {
  readonly evaluation: Dataset;
  readonly calibration: Dataset | 'random';
  /** True when the lab's even/odd split was applied to the evaluation dataset. */
  readonly split: boolean;
}

function nonEmpty(ds: Dataset, why: string): Dataset {
  if (ds.size === 0) throw new InputError(`${ds.id}: dataset has 0 images ${why}`);
  return ds;
}

/**
 * Evaluation and calibration images with no image in both. A calibration dataset other than the
 * evaluation one is used whole; the same one (same id) is split, as is the evaluation set under `split`.
 */
export function separateCalibration(evaluation: Dataset, calibration: Dataset | 'random', split: boolean): SeparatedData {
  const same = calibration !== 'random' && calibration.id === evaluation.id;
  if (!split && !same) return { evaluation, calibration, split: false };
  return {
    evaluation: nonEmpty(splitHalf(evaluation, 'validation'), 'in its validation half (even indices)'),
    calibration: same ? nonEmpty(splitHalf(calibration, 'calibration'), 'in its calibration half (odd indices)') : calibration,
    split: true,
  };
}

/** `count` images spread evenly over the dataset (all of them when it has fewer). */
export function calibrationImages(ds: Dataset, count: number): Float32Array[] {
  const chosen = spread(ds, count);
  return Array.from({ length: chosen.size }, (_, i) => chosen.get(i).image);
}

/**
 * `--calibration random`: images of uniform random pixels (0..255 in every channel, independently),
 * through the same normalisation as real images, so they span the input range the model is fed.
 */
export function randomImages(spec: InputSpec, preprocess: Preprocess, count: number, seed: number): Float32Array[] {
  const next = splitmix32(seed); // the same seed gives the same images
  const n = spec.height * spec.width * spec.channels;
  return Array.from({ length: count }, () => {
    const data = Float64Array.from({ length: n }, () => next() * 255);
    // Already at the model's size and channel count: only normalisation and layout apply.
    return toModelInput({ width: spec.width, height: spec.height, channels: spec.channels, data }, spec, { ...preprocess, resize: undefined, channelOrder: 'rgb' }, 'area');
  });
}
