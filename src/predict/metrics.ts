// How well predictions match the dataset: the figures `predictor eval` and training report.

export interface FitMetrics {
  rows: number;
  /** Mean absolute error, as a fraction (0.0014 = 0.14 accuracy points). */
  mae: number;
  maxAbsError: number;
  /** Pearson correlation of predictions and labels. */
  pearson: number;
}

export function fitMetrics(pred: ArrayLike<number>, label: ArrayLike<number>): FitMetrics {
  const n = pred.length;
  let sae = 0;
  let maxAbs = 0;
  let mp = 0;
  let ml = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.abs(pred[i] - label[i]);
    sae += e;
    if (e > maxAbs) maxAbs = e;
    mp += pred[i];
    ml += label[i];
  }
  mp /= n;
  ml /= n;
  let spl = 0;
  let spp = 0;
  let sll = 0;
  for (let i = 0; i < n; i++) {
    const a = pred[i] - mp;
    const b = label[i] - ml;
    spl += a * b;
    spp += a * a;
    sll += b * b;
  }
  return { rows: n, mae: n ? sae / n : NaN, maxAbsError: maxAbs, pearson: spp > 0 && sll > 0 ? spl / Math.sqrt(spp * sll) : NaN };
}

