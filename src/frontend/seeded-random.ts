// A small deterministic generator for seeded weights. Each tensor gets its own stream, derived from
// the seed and the tensor's name, so a layer's weights do not depend on how many values other layers
// drew before it (e.g. whether an earlier block was active).

/** A uniform source on [0, 1). */
export type Uniform = () => number;

/** 32-bit FNV-1a of a string, mixed with the seed. */
function hashName(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A splitmix-style 32-bit generator: a Weyl sequence (adding an odd constant) passed through an
 * avalanche mix. Period 2^32 per stream, plenty for one tensor; not for cryptography.
 */
export function uniformStream(seed: number, name = ''): Uniform {
  let state = hashName(seed >>> 0, name);
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 0x100000000;
  };
}

/** Standard normal draws by the Box-Muller transform (one value per pair of uniforms; simple beats fast here). */
export function normal(u: Uniform): number {
  const a = 1 - u(); // in (0, 1], so the log is finite
  return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
}
