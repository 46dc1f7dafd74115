// Seeded random kernel arguments for the C-versus-TypeScript tests: shapes, offsets, clamps, requantization
// multipliers across the range real layers produce (and beyond, into left shifts), optional tables.
import { uniformStream } from '../../src/random/seeded-random.ts';
import { quantizeMultiplier } from '../../src/quant/fixed-point.ts';
import type { ConvKernelParams } from '../../src/quant/quant-graph.ts';

export class Draw {
  private readonly u: () => number;
  constructor(seed: number, name: string) {
    this.u = uniformStream(seed, name);
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.u() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.u() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)];
  }
  int8s(n: number, lo = -128, hi = 127): Int8Array {
    return Int8Array.from({ length: n }, () => this.int(lo, hi));
  }
  int32s(n: number, lo: number, hi: number): Int32Array {
    return Int32Array.from({ length: n }, () => this.int(lo, hi));
  }
  /** A requantization multiplier: real value log-uniform in [2^-16, 2^2]. */
  multiplier(): { multiplier: number; shift: number } {
    return quantizeMultiplier(2 ** (-16 + 18 * this.u()));
  }
  multipliers(n: number): { multiplier: Int32Array; shift: Int32Array } {
    const m = Array.from({ length: n }, () => this.multiplier());
    return { multiplier: Int32Array.from(m, (x) => x.multiplier), shift: Int32Array.from(m, (x) => x.shift) };
  }
  /** [actMin, actMax]: often the full range, else a random sub-range. */
  clamp(): { actMin: number; actMax: number } {
    if (this.chance(0.4)) return { actMin: -128, actMax: 127 };
    const a = this.int(-128, 127);
    const b = this.int(-128, 127);
    return { actMin: Math.min(a, b), actMax: Math.max(a, b) };
  }
  lut(): Int8Array | undefined {
    return this.chance(0.25) ? this.int8s(256) : undefined;
  }
}

/** Output side of a window (the IR's rule). */
export function windowOut(size: number, before: number, after: number, k: number, stride: number): number {
  return Math.floor((size + before + after - k) / stride) + 1;
}

export function convParams(d: Draw, channels: number, geometry: { kernelH: number; kernelW: number; strideH: number; strideW: number; padTop: number; padLeft: number }): ConvKernelParams {
  const lut = d.lut();
  return {
    ...geometry,
    inputOffset: d.int(-127, 128),
    outputOffset: d.int(-128, 127),
    ...d.clamp(),
    ...d.multipliers(channels),
    ...(lut ? { lut } : {}),
  };
}
