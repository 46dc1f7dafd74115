// Building the row lists the SIMD kernel consumes (row-kernel.ts). Skipping zeros here is where the
// speed comes from: the input is one-hot (≤ 48 of 128 rows) and about half the ReLU outputs are zero.
import { ENTRY_BYTES } from './row-kernel.ts';

/**
 * Lists row `rowBase + i·rowBytes` with scale v[i] for each i < n where v = f32[src + i] is non-zero
 * (positive only, when `relu`: the value then stands for max(0, v)). `src` and `list` are float/int
 * indices (byte offset / 4). Returns the number of entries.
 */
export function listNonZero(
  f32: Float32Array,
  i32: Int32Array,
  src: number,
  n: number,
  relu: boolean,
  list: number,
  rowBase: number,
  rowBytes: number,
): number {
  let k = list;
  for (let i = 0; i < n; i++) {
    const v = f32[src + i];
    if (relu ? v > 0 : v !== 0) {
      i32[k] = rowBase + i * rowBytes;
      f32[k + 1] = v;
      k += ENTRY_BYTES / 4;
    }
  }
  return (k - list) / (ENTRY_BYTES / 4);
}

/** Lists rows `rowBase + idx[j]·rowBytes` with scale 1 for j in [from, to): a one-hot input. */
export function listOneHot(
  f32: Float32Array,
  i32: Int32Array,
  idx: Int32Array,
  from: number,
  to: number,
  list: number,
  rowBase: number,
  rowBytes: number,
): number {
  let k = list;
  for (let j = from; j < to; j++) {
    i32[k] = rowBase + idx[j] * rowBytes;
    f32[k + 1] = 1;
    k += ENTRY_BYTES / 4;
  }
  return to - from;
}
