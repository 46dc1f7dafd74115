// Sampling configs (spec §4.1, §4.2). Two samplers exist in the lab and they differ:
// - random_sample_arch (the encoder's, used by the searches): wid over {0,1,2}, image size drawn too;
// - sample_active_subnet (the super-net's): wid over {0,1} only, because it draws from
//   range(0, len(width_mult_list) - 1). So the lab's "largest" subnet (sample_function=max) is the
//   0.75x network, and its accuracy data set never holds wid 2.
import { DEPTHS, EXPAND_RATIOS, IMAGE_SIZES, KERNEL_SIZES, N_SLOTS, N_STAGES, type ImageSize } from './constants.ts';
import type { ArchConfig } from './config.ts';
import type { RandomSource } from './random-source.ts';

/** The lab's random_sample_arch: ks (20), e (20), d (6) by choices, then image_size, then wid by choice. */
export function sampleArch(rng: RandomSource): ArchConfig {
  const ks = rng.choices(KERNEL_SIZES, N_SLOTS);
  const e = rng.choices(EXPAND_RATIOS, N_SLOTS);
  const d = rng.choices(DEPTHS, N_STAGES);
  const image_size = rng.choice(IMAGE_SIZES);
  const wid = rng.choice([0, 1, 2] as const);
  return { wid, ks, e, d, image_size };
}

/** The super-net's sample_active_subnet with sample_function=min: wid 0, k 3, e 3, d 0. */
export function smallestArch(image_size: ImageSize): ArchConfig {
  return { wid: 0, ks: Array(N_SLOTS).fill(3), e: Array(N_SLOTS).fill(3), d: Array(N_STAGES).fill(0), image_size };
}

/**
 * The super-net's sample_active_subnet with sample_function=max: k 7, e 6, d 2 and wid 1 (0.75x),
 * the lab's "largest" (quirk above). Pass trueMax to get wid 2, the real largest network.
 */
export function largestArch(image_size: ImageSize, trueMax = false): ArchConfig {
  return {
    wid: trueMax ? 2 : 1,
    ks: Array(N_SLOTS).fill(7),
    e: Array(N_SLOTS).fill(6),
    d: Array(N_STAGES).fill(2),
    image_size,
  };
}
