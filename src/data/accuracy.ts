// Top-1 accuracy and confusion matrices of one or more classifiers over a dataset, in one pass (each
// image is decoded once and shown to every classifier). The classifiers are plain functions, so this
// module knows nothing of ONNX or int8.
import type { Dataset, Sample } from './dataset.ts';

export interface Classifier {
  readonly name: string;
  /** The predicted class index of one sample. */
  predict(sample: Sample, index: number): number | Promise<number>;
}

export interface Mistake {
  readonly index: number;
  readonly source: string;
  readonly label: number;
  readonly predicted: number;
}

export interface ClassifierScore {
  readonly name: string;
  readonly correct: number;
  /** correct / images. */
  readonly accuracy: number;
  /** confusion[true label][predicted label]. */
  readonly confusion: number[][];
  /** The first few misclassified images (for reports). */
  readonly mistakes: Mistake[];
}

export interface AccuracyResult {
  readonly images: number;
  readonly classes: readonly string[];
  readonly scores: ClassifierScore[];
  /** Images on which the first two classifiers predict different classes (float vs int8: the flips). */
  readonly disagreements: number;
}

export interface AccuracyOptions {
  /** Called after each image (for a progress bar). */
  onImage?: (done: number, total: number) => void;
  /** Mistakes kept per classifier (default 20). */
  keepMistakes?: number;
}

export async function measureAccuracy(ds: Dataset, classifiers: readonly Classifier[], opts: AccuracyOptions = {}): Promise<AccuracyResult> {
  const k = ds.classes.length;
  const keep = opts.keepMistakes ?? 20;
  const state = classifiers.map((c) => ({
    name: c.name,
    correct: 0,
    confusion: Array.from({ length: k }, () => new Array<number>(k).fill(0)),
    mistakes: [] as Mistake[],
  }));
  let disagreements = 0;
  for (let i = 0; i < ds.size; i++) {
    const sample = ds.get(i);
    const predictions: number[] = [];
    for (let c = 0; c < classifiers.length; c++) {
      const p = await classifiers[c].predict(sample, i);
      predictions.push(p);
      const s = state[c];
      // A prediction outside the class list (a 1000-way model on a 2-class folder) counts as wrong;
      // the confusion matrix has no column for it.
      if (p >= 0 && p < k) s.confusion[sample.label][p]++;
      if (p === sample.label) s.correct++;
      else if (s.mistakes.length < keep) s.mistakes.push({ index: i, source: sample.source, label: sample.label, predicted: p });
    }
    if (predictions.length >= 2 && predictions[0] !== predictions[1]) disagreements++;
    opts.onImage?.(i + 1, ds.size);
  }
  return {
    images: ds.size,
    classes: ds.classes,
    scores: state.map((s) => ({ ...s, accuracy: ds.size === 0 ? 0 : s.correct / ds.size })),
    disagreements,
  };
}
