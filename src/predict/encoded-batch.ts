// Many configs in the compact form the MLP consumes: the indices of the ones of each 128-dim encoding,
// concatenated (a config has at most 8 + 2 x 20 = 48 of them).
import type { ArchConfig } from '../space/config.ts';
import { encodeIndices } from '../space/encode.ts';

export interface EncodedBatch {
  /** Number of configs. */
  n: number;
  /** All one-indices, config after config. */
  idx: Int32Array;
  /** Config i's indices are idx[start[i] .. start[i+1]). Length n + 1. */
  start: Int32Array;
}

export function encodeBatch(configs: readonly ArchConfig[]): EncodedBatch {
  const n = configs.length;
  const start = new Int32Array(n + 1);
  const idx = new Int32Array(n * 48);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (const j of encodeIndices(configs[i])) idx[k++] = j;
    start[i + 1] = k;
  }
  return { n, idx: idx.subarray(0, k), start };
}

/** The configs at `rows` (in that order), as a new batch. */
export function selectRows(b: EncodedBatch, rows: ArrayLike<number>): EncodedBatch {
  const start = new Int32Array(rows.length + 1);
  let total = 0;
  for (let i = 0; i < rows.length; i++) total += b.start[rows[i] + 1] - b.start[rows[i]];
  const idx = new Int32Array(total);
  let k = 0;
  for (let i = 0; i < rows.length; i++) {
    idx.set(b.idx.subarray(b.start[rows[i]], b.start[rows[i] + 1]), k);
    k += b.start[rows[i] + 1] - b.start[rows[i]];
    start[i + 1] = k;
  }
  return { n: rows.length, idx, start };
}
