// How close two real-valued outputs are: the figures `validate` reports (top-1, cosine, RMSE, max error).

export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/** Cosine similarity; 1 when both are all zero (identical), 0 when only one is. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  if (aa === 0 && bb === 0) return 1;
  if (aa === 0 || bb === 0) return 0;
  return ab / Math.sqrt(aa * bb);
}

export interface Agreement {
  readonly top1Match: boolean;
  readonly cosine: number;
  readonly rmse: number;
  readonly maxAbsErr: number;
}

export function agreement(reference: ArrayLike<number>, actual: ArrayLike<number>): Agreement {
  if (reference.length !== actual.length) throw new RangeError(`outputs differ in length: ${reference.length} vs ${actual.length}`);
  let se = 0;
  let maxAbsErr = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = Math.abs(reference[i] - actual[i]);
    se += d * d;
    maxAbsErr = Math.max(maxAbsErr, d);
  }
  return { top1Match: argmax(reference) === argmax(actual), cosine: cosine(reference, actual), rmse: Math.sqrt(se / Math.max(1, reference.length)), maxAbsErr };
}
