// The lab's mutation and crossover operators (spec §4.3, §4.4). Each returns a new config; the
// RNG draws happen in the lab's order so a seed reproduces the lab's sequence of choices.
import { DEPTHS, EXPAND_RATIOS, IMAGE_SIZES, KERNEL_SIZES, N_SLOTS, N_STAGES } from './constants.ts';
import { cloneArch, type ArchConfig } from './config.ts';
import type { RandomSource } from './random-source.ts';

const WIDTH_INDICES = [0, 1, 2] as const;

/** With probability p, resample image_size uniformly (it may pick the same one). */
export function mutateResolution(c: ArchConfig, p: number, rng: RandomSource): ArchConfig {
  const out = cloneArch(c);
  if (rng.random() < p) out.image_size = rng.choice(IMAGE_SIZES);
  return out;
}

/** With probability p, resample wid uniformly from {0, 1, 2}. */
export function mutateWidth(c: ArchConfig, p: number, rng: RandomSource): ArchConfig {
  const out = cloneArch(c);
  if (rng.random() < p) out.wid = rng.choice(WIDTH_INDICES);
  return out;
}

/** Per slot, with probability p resample both ks and e (one draw gates the pair); then per stage, d. */
export function mutateArch(c: ArchConfig, p: number, rng: RandomSource): ArchConfig {
  const out = cloneArch(c);
  for (let i = 0; i < N_SLOTS; i++) {
    if (rng.random() < p) {
      out.ks[i] = rng.choice(KERNEL_SIZES);
      out.e[i] = rng.choice(EXPAND_RATIOS);
    }
  }
  for (let i = 0; i < N_STAGES; i++) if (rng.random() < p) out.d[i] = rng.choice(DEPTHS);
  return out;
}

/** The evolution's mutation of a parent: resolution with pRes, then width and arch with pArch. */
export function mutate(c: ArchConfig, pArch: number, pRes: number, rng: RandomSource): ArchConfig {
  return mutateArch(mutateWidth(mutateResolution(c, pRes, rng), pArch, rng), pArch, rng);
}

/**
 * Per key, scalars by choice of the two parents' values, lists element-wise the same. Keys are visited
 * in the order random_sample_arch builds its dict (ks, e, d, image_size, wid), as the lab's loop does.
 */
export function crossover(a: ArchConfig, b: ArchConfig, rng: RandomSource): ArchConfig {
  const pick = <T>(x: T, y: T): T => rng.choice([x, y]);
  const ks = a.ks.map((k, i) => pick(k, b.ks[i]));
  const e = a.e.map((v, i) => pick(v, b.e[i]));
  const d = a.d.map((v, i) => pick(v, b.d[i]));
  const image_size = pick(a.image_size, b.image_size);
  const wid = pick(a.wid, b.wid);
  return { wid, ks, e, d, image_size };
}
