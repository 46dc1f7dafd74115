// The project's seeded random numbers (all but the search's: search/rng.ts is CPython's MT19937, kept
// exact so a seed samples what the lab's Python code samples). It lives at the bottom of the flow and
// imports nothing, so every stage that needs reproducible draws (seeded weights, calibration and test
// inputs, predictor training) takes it from here.
//
// One API: a generator is a `Uniform`, a function giving the next double in [0, 1) (a 32-bit draw over
// 2^32). The helpers below (normal, between, below, shuffle) work on any of them. The named generators
// differ because outputs already depend on their streams (seeded weights, calibration ranges, the
// generated C that pins both): each says which stream it reproduces. None is for cryptography.

/** A seeded source of doubles in [0, 1), one 32-bit draw each. */
export type Uniform = () => number;

const TWO_32 = 0x100000000;

/** A Weyl sequence (adding the golden-ratio constant) through murmur3's 32-bit avalanche; yields u32. */
function splitmix32Words(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * splitmix32 from the state `seed`. Period 2^32. The stream of `--calibration random` images
 * (data/calibration.ts `randomImages`).
 */
export function splitmix32(seed: number): Uniform {
  const next = splitmix32Words(seed);
  return () => next() / TWO_32;
}

/** 32-bit FNV-1a of a string, its offset basis mixed with the seed. */
function hashName(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * splitmix32 from the state FNV-1a(seed, name): one independent stream per name, so a tensor's draws do
 * not depend on how many values other tensors drew before it (e.g. whether an earlier block was active).
 * The stream of seeded weights (frontend/arch-to-ir.ts) and of random calibration inputs
 * (quant/calibrate.ts).
 */
export function uniformStream(seed: number, name = ''): Uniform {
  return splitmix32(hashName(seed >>> 0, name));
}

/**
 * Numerical Recipes' 32-bit LCG (a = 1664525, c = 1013904223) from the state `seed`. Low bits are weak;
 * fine for shapes of test images. The stream of the synthetic images of models without test data
 * (pipeline/synthetic-images.ts, which starts it at seed ^ 0x5bd1e995).
 */
export function lcg32(seed: number): Uniform {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / TWO_32;
  };
}

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/**
 * xoshiro128** with its four state words from splitmix32 (over the seed's low word, mixed with its high
 * word): fast, period 2^128 - 1. `seed` is a non-negative safe integer. The predictor's stream (weight
 * initialisation, shuffling and dropout in predict/train.ts and predict/mlp-trainer.ts).
 */
export function xoshiro128ss(seed: number): Uniform {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  const words = splitmix32Words((seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_32), 0x9e3779b1));
  const s = Uint32Array.from({ length: 4 }, words);
  if (s.every((v) => v === 0)) s[0] = 1;
  return () => {
    const r = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r / TWO_32;
  };
}

/** A standard normal draw by the Box-Muller transform (one value per pair of uniforms; simple beats fast here). */
export function normal(u: Uniform): number {
  const a = 1 - u(); // in (0, 1], so the log is finite
  return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
}

/** Uniform in [lo, hi). */
export function between(u: Uniform, lo: number, hi: number): number {
  return lo + (hi - lo) * u();
}

/** Uniform integer in [0, n). */
export function below(u: Uniform, n: number): number {
  return Math.floor(u() * n);
}

/** Shuffles `a` in place (Fisher–Yates, from the last element down) and returns it. */
export function shuffle<T extends { length: number; [i: number]: number }>(u: Uniform, a: T): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = below(u, i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
