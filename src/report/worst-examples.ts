// The worst-classified images of an evaluation, chosen while it runs (only the few kept are held, so a
// 10,000-image run keeps a dozen pictures, not 10,000). Images are ranked by score margins (the model's
// own output units: logits, or probabilities for a model ending in Softmax), because softmax saturates:
// onnx-mnist8 fed raw pixels gives logits hundreds apart, so nearly every probability prints as 1.000.
// Probabilities (softmax of logits, or the renormalised scores when the model already outputs a
// distribution; the first float vector decides for the whole run) are reported beside the scores.
//
// Three kinds, each ranked within itself (larger badness is worse):
//   flip      float and int8 predict different classes: how far float prefers its class over int8's plus
//             how far int8 prefers its class over float's;
//   mistake   both predict the same wrong class: how far int8 prefers it over the true class;
//   unsure    both are right: minus int8's margin of the true class over the next best.
// The selection takes flips for up to half the places, then mistakes, then more flips, then unsure ones,
// so a dozen pictures show both what quantization changed and what the model itself gets wrong.

export type ExampleKind = 'flip' | 'mistake' | 'unsure';

export interface ExampleScores {
  readonly predicted: number;
  /** The model's output for the predicted class, and for the true class (NaN when it has none). */
  readonly score: number;
  readonly labelScore: number;
  /** Probability of the predicted class. */
  readonly probability: number;
  /** Probability of the true class (0 when the model has no output for it). */
  readonly labelProbability: number;
}

export interface WorstExample<T> {
  readonly index: number;
  readonly label: number;
  readonly kind: ExampleKind;
  /** The ranking key within its kind (larger is worse). */
  readonly badness: number;
  readonly float: ExampleScores;
  readonly int8: ExampleScores;
  readonly payload: T;
}

const argmax = (x: ArrayLike<number>) => {
  let b = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[b]) b = i;
  return b;
};

/** True when the scores already are a probability distribution (a model ending in Softmax). */
export function looksLikeProbabilities(x: ArrayLike<number>): boolean {
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    if (!(x[i] >= -1e-6 && x[i] <= 1 + 1e-6)) return false;
    sum += x[i];
  }
  return x.length > 0 && Math.abs(sum - 1) < 1e-3;
}

/** Softmax (stable), or a renormalised distribution when `already` (int8 rounding moves its sum off 1). */
export function toProbabilities(x: ArrayLike<number>, already: boolean): Float64Array {
  const out = new Float64Array(x.length);
  if (already) {
    let sum = 0;
    for (let i = 0; i < x.length; i++) sum += out[i] = Math.max(0, x[i]);
    if (sum > 0) for (let i = 0; i < x.length; i++) out[i] /= sum;
    return out;
  }
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) max = Math.max(max, x[i]);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += out[i] = Math.exp(x[i] - max);
  for (let i = 0; i < x.length; i++) out[i] /= sum;
  return out;
}

/** Six significant digits: enough to read, short in JSON. */
const tidy = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(6)) : x);

export class WorstExamples<T> {
  private readonly buckets: Record<ExampleKind, WorstExample<T>[]> = { flip: [], mistake: [], unsure: [] };
  private probabilities: boolean | undefined;

  /** `probabilities`: how to read the scores, when known before the first image (a parallel run's merge). */
  constructor(
    readonly count: number,
    probabilities?: boolean,
  ) {
    this.probabilities = probabilities;
  }

  /** Every image still in the running, each kind's worst `count` (a worker's share, to merge in index order). */
  kept(): WorstExample<T>[] {
    return [...this.buckets.flip, ...this.buckets.mistake, ...this.buckets.unsure];
  }

  /**
   * One evaluated image: its label and both models' class scores. `payload` is called only when the
   * image is kept (so the caller can hand over its picture without copying every one).
   */
  offer(index: number, label: number, floatScores: ArrayLike<number>, int8Scores: ArrayLike<number>, payload: () => T): void {
    if (this.count <= 0) return;
    this.probabilities ??= looksLikeProbabilities(floatScores);
    const pf = toProbabilities(floatScores, this.probabilities);
    const pi = toProbabilities(int8Scores, this.probabilities);
    const scores = (x: ArrayLike<number>, p: Float64Array): ExampleScores => {
      const predicted = argmax(x);
      return { predicted, score: tidy(x[predicted]), labelScore: tidy(x[label] ?? NaN), probability: tidy(p[predicted] ?? 0), labelProbability: tidy(p[label] ?? 0) };
    };
    const f = scores(floatScores, pf);
    const q = scores(int8Scores, pi);
    const at = (x: ArrayLike<number>, k: number) => x[k] ?? -Infinity;
    let kind: ExampleKind;
    let badness: number;
    if (f.predicted !== q.predicted) {
      kind = 'flip';
      badness = at(floatScores, f.predicted) - at(floatScores, q.predicted) + (at(int8Scores, q.predicted) - at(int8Scores, f.predicted));
    } else if (q.predicted !== label) {
      kind = 'mistake';
      badness = at(int8Scores, q.predicted) - at(int8Scores, label);
    } else {
      let next = -Infinity;
      for (let k = 0; k < int8Scores.length; k++) if (k !== label) next = Math.max(next, int8Scores[k]);
      kind = 'unsure';
      badness = next - int8Scores[label];
    }
    if (Number.isNaN(badness)) badness = Infinity;
    const bucket = this.buckets[kind];
    // Kept sorted worst first; a tie keeps the earlier image.
    if (bucket.length >= this.count && badness <= bucket[bucket.length - 1].badness) return;
    let where = bucket.length;
    while (where > 0 && bucket[where - 1].badness < badness) where--;
    bucket.splice(where, 0, { index, label, kind, badness, float: f, int8: q, payload: payload() });
    if (bucket.length > this.count) bucket.pop();
  }

  /** The chosen images, flips first, then mistakes, then unsure ones (each worst first). */
  result(): WorstExample<T>[] {
    const { flip, mistake, unsure } = this.buckets;
    const n = this.count;
    const flips = flip.slice(0, Math.min(flip.length, Math.ceil(n / 2)));
    const mistakes = mistake.slice(0, n - flips.length);
    const moreFlips = flip.slice(flips.length, flips.length + n - flips.length - mistakes.length);
    const chosen = [...flips, ...moreFlips, ...mistakes];
    return [...chosen, ...unsure.slice(0, n - chosen.length)];
  }
}
