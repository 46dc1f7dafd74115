// A labelled image dataset, read one image at a time: get(i) decodes and preprocesses image i on demand,
// so 10,000 images never sit decoded in memory at once. Views (split, limit) are datasets too.

/** How the model wants its input: channel count, spatial size, and the memory layout of one image. */
export interface InputSpec {
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
  /** 'nchw' is ONNX's convention (and onnxruntime's), 'nhwc' the IR's (and the firmware's). */
  readonly layout: 'nchw' | 'nhwc';
}

export interface Sample {
  /** channels x height x width values in the spec's layout, already normalised. */
  readonly image: Float32Array;
  /** Index into `classes`. */
  readonly label: number;
  /** Where the image came from: a file path, or 'mnist#123' (index in the package's 10,000 digits). */
  readonly source: string;
}

export interface Dataset {
  /** For messages and reports, e.g. 'mnist' or 'photos (even indices)'. */
  readonly name: string;
  /** What the underlying data is ('mnist' or the folder's absolute path); views keep their base's id. */
  readonly id: string;
  readonly classes: readonly string[];
  readonly size: number;
  get(i: number): Sample;
  /** The label of image i without decoding it. */
  labelOf(i: number): number;
}

function checkIndex(ds: { name: string; size: number }, i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= ds.size) throw new RangeError(`${ds.name}: image index ${i} outside 0..${ds.size - 1}`);
}

/** A view of `base` holding the images at `indices` (in that order). */
export function subset(base: Dataset, indices: readonly number[], name: string): Dataset {
  for (const i of indices) checkIndex(base, i);
  return {
    name,
    id: base.id,
    classes: base.classes,
    size: indices.length,
    get(i) {
      checkIndex(this, i);
      return base.get(indices[i]);
    },
    labelOf(i) {
      checkIndex(this, i);
      return base.labelOf(indices[i]);
    },
  };
}

/**
 * The lab's split: even indices are the validation half, odd ones the calibration half, so the two never
 * share an image and (for a dataset sorted by class) both halves cover every class.
 */
export function splitHalf(ds: Dataset, half: 'validation' | 'calibration'): Dataset {
  const first = half === 'validation' ? 0 : 1;
  const indices: number[] = [];
  for (let i = first; i < ds.size; i += 2) indices.push(i);
  return subset(ds, indices, `${ds.name} (${half === 'validation' ? 'even' : 'odd'} indices)`);
}

/**
 * At most `count` images spread evenly over the dataset (image floor(k * size / count) for k < count), so a
 * limit on a dataset sorted by class still sees every class. The whole dataset when count >= size.
 */
export function spread(ds: Dataset, count: number): Dataset {
  if (count >= ds.size) return ds;
  const indices = Array.from({ length: count }, (_, k) => Math.floor((k * ds.size) / count));
  return subset(ds, indices, `${ds.name} (${count} of ${ds.size})`);
}

/** Images per class, by class index (labels only: nothing is decoded). */
export function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.classes.length).fill(0);
  for (let i = 0; i < ds.size; i++) counts[ds.labelOf(i)]++;
  return counts;
}

export { checkIndex };
