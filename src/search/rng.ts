// One seeded RNG drives every random choice of a run, so --seed reproduces it byte for byte.
// It is CPython's `random.Random` (MT19937, seeded from an int by init_by_array), with random(),
// choice() and choices() drawing exactly as CPython does (spec §4.5), so a seed gives the same
// sample sequence as the lab's Python code would.

const N = 624;
const M = 397;

export class Rng {
  private mt = new Uint32Array(N);
  private mti = N + 1;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
    // CPython seeds an int through init_by_array over its 32-bit words, low word first.
    const key: number[] = [];
    let s = seed;
    do {
      key.push(s % 0x100000000);
      s = Math.floor(s / 0x100000000);
    } while (s > 0);
    this.initByArray(key);
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = N;
  }

  private initByArray(key: number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  /** The next 32-bit output of MT19937. */
  nextU32(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      let kk = 0;
      for (; kk < N - M; kk++) {
        const y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
        mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      for (; kk < N - 1; kk++) {
        const y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
        mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      const y = (mt[N - 1] & 0x80000000) | (mt[0] & 0x7fffffff);
      mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Python's random(): a double in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Python's _randbelow(n) for n < 2^32: top bits of one draw, rejecting values >= n. */
  randBelow(n: number): number {
    if (n <= 0) throw new RangeError('randBelow needs n > 0');
    const k = 32 - Math.clz32(n); // bit_length(n)
    for (;;) {
      const r = this.nextU32() >>> (32 - k);
      if (r < n) return r;
    }
  }

  /** Python's random.choice(seq). */
  choice<T>(seq: readonly T[]): T {
    return seq[this.randBelow(seq.length)];
  }

  /** Python's random.choices(pop, k=n) without weights: floor(random() * len) per item. */
  choices<T>(pop: readonly T[], n: number): T[] {
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = pop[Math.floor(this.random() * pop.length)];
    return out;
  }

  /** An integer in [0, n): used where the lab calls np.random.randint (its own stream; ours is this one). */
  int(n: number): number {
    return this.randBelow(n);
  }
}
