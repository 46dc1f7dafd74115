// The lab's MCUNetArchEncoder (spec §5): 128 dims = image-size one-hot (5), width one-hot (3),
// then ALL 20 kernel one-hots, then ALL 20 expand one-hots. Inactive slots stay zero.
// (The lab's verbose printout interleaves k|e per block; the vector in memory does not.)
import { EXPAND_RATIOS, IMAGE_SIZES, KERNEL_SIZES, N_SLOTS, SLOT_POS, SLOT_STAGE } from './constants.ts';
import type { ArchConfig } from './config.ts';
import { activeInStage } from './active.ts';

export const ENCODING_DIM = 128;
const KERNEL_OFFSET = 8;
const EXPAND_OFFSET = 68;

/** Indices of the ones in the encoding, ascending; a config has 8 + 2 x (active blocks) of them. */
export function encodeIndices(c: ArchConfig): number[] {
  const idx = [IMAGE_SIZES.indexOf(c.image_size), 5 + c.wid];
  const ev: number[] = [];
  for (let b = 0; b < N_SLOTS; b++) {
    if (SLOT_POS[b] >= activeInStage(c.d, SLOT_STAGE[b])) continue;
    idx.push(KERNEL_OFFSET + 3 * b + KERNEL_SIZES.indexOf(c.ks[b]));
    ev.push(EXPAND_OFFSET + 3 * b + EXPAND_RATIOS.indexOf(c.e[b]));
  }
  return idx.concat(ev);
}

/** The dense 128-dim 0/1 encoding, written into `out` at `offset` if given. */
export function encode(c: ArchConfig, out = new Float32Array(ENCODING_DIM), offset = 0): Float32Array {
  out.fill(0, offset, offset + ENCODING_DIM);
  for (const i of encodeIndices(c)) out[offset + i] = 1;
  return out;
}
