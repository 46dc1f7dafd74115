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
  /** Only images start..end-1 (a worker's share); indices stay the dataset's. Default: all. */
  range?: { start: number; end: number };
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
  const { start, end } = opts.range ?? { start: 0, end: ds.size };
  for (let i = start; i < end; i++) {
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
    opts.onImage?.(i + 1 - start, end - start);
  }
  const images = end - start;
  return {
    images,
    classes: ds.classes,
    scores: state.map((s) => ({ ...s, accuracy: images === 0 ? 0 : s.correct / images })),
    disagreements,
  };
}

/**
 * The result of consecutive ranges (in dataset order) as one pass over all of them gives it: counts and
 * confusion matrices added, each classifier's first `keepMistakes` mistakes.
 */
export function mergeAccuracy(parts: readonly AccuracyResult[], keepMistakes = 20): AccuracyResult {
  if (parts.length === 0) throw new Error('bug: nothing to merge');
  const images = parts.reduce((n, p) => n + p.images, 0);
  const scores = parts[0].scores.map((first, c) => {
    const correct = parts.reduce((n, p) => n + p.scores[c].correct, 0);
    const confusion = first.confusion.map((row, t) => row.map((_, q) => parts.reduce((n, p) => n + p.scores[c].confusion[t][q], 0)));
    const mistakes = parts.flatMap((p) => p.scores[c].mistakes).slice(0, keepMistakes);
    return { name: first.name, correct, accuracy: images === 0 ? 0 : correct / images, confusion, mistakes };
  });
  return { images, classes: parts[0].classes, scores, disagreements: parts.reduce((n, p) => n + p.disagreements, 0) };
}
