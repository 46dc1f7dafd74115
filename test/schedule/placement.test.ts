// Placement strategies, each on its own: no two buffers live at the same time ever share a byte, the
// arena is never below the lower bound, and hand-made cases with a known optimum reach it.
import { describe, expect, it } from 'vitest';
import {
  checkPlacement,
  firstFitByLifetime,
  greedyByLifetimeLength,
  greedyBySize,
  lowerBound,
  placeBest,
  STRATEGIES,
  type Buffer,
} from '../../src/schedule/placement.ts';
import { Rng } from '../../src/search/rng.ts';

const buf = (id: string, size: number, firstUse: number, lastUse: number): Buffer => ({ id, size, firstUse, lastUse });

function randomBuffers(rng: Rng, n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => {
    const first = rng.int(30);
    return buf(`b${i}`, 1 + rng.int(5000), first, first + rng.int(6));
  });
}

describe('lowerBound', () => {
  it('is the largest sum of sizes live at one time', () => {
    const bs = [buf('a', 100, 0, 1), buf('b', 50, 1, 2), buf('c', 100, 2, 3)];
    expect(lowerBound(bs, 1)).toBe(150);
    // Aligned sizes: 112 + 64 at time 1 and 2.
    expect(lowerBound(bs, 16)).toBe(176);
    expect(lowerBound([], 16)).toBe(0);
  });
});

describe.each(STRATEGIES.map((s) => [s(([] as Buffer[]), 1).strategy, s] as const))('%s', (_name, strategy) => {
  it('never overlaps live buffers and never goes below the lower bound (500 random instances)', () => {
    const rng = new Rng(7);
    for (let k = 0; k < 500; k++) {
      const bs = randomBuffers(rng, 1 + rng.int(40));
      const alignment = [1, 4, 16][k % 3];
      const p = strategy(bs, alignment);
      expect(checkPlacement(bs, p, alignment)).toBeUndefined();
      expect(p.arena).toBeGreaterThanOrEqual(lowerBound(bs, alignment));
    }
  });

  it('gives zero-sized buffers no space', () => {
    const bs = [buf('a', 0, 0, 5), buf('b', 64, 0, 5)];
    expect(strategy(bs, 16).arena).toBe(64);
  });
});

describe('strategies differ, placeBest keeps the better', () => {
  // x and w do not overlap in time; y overlaps x, z overlaps y and w. Optimum = lower bound = 160:
  // z under y's gap at 0, w above z. Size order puts x and w both at 0, then y at 100 and z at 160.
  const bs = [buf('x', 100, 0, 1), buf('y', 60, 1, 2), buf('z', 60, 2, 3), buf('w', 100, 3, 4)];

  it('greedy by size misses the optimum here', () => {
    expect(lowerBound(bs, 1)).toBe(160);
    expect(greedyBySize(bs, 1).arena).toBe(220);
  });

  it('first fit by lifetime reaches it', () => {
    const p = firstFitByLifetime(bs, 1);
    expect(checkPlacement(bs, p, 1)).toBeUndefined();
    expect(p.arena).toBe(160);
  });

  it('placeBest returns the optimum and names the strategy', () => {
    const p = placeBest(bs, 1);
    expect(p.arena).toBe(160);
    expect(p.strategy).toBe('first-fit-by-lifetime');
  });

  it('and the other way round: size order wins where lifetime order leaves a hole', () => {
    // a small early buffer s takes offset 0 in lifetime order; the big buffer b, live with s, must go
    // above it, and c (live with b and t) ends higher than if b sat at 0.
    const cs = [buf('s', 10, 0, 1), buf('b', 100, 1, 3), buf('t', 50, 2, 2), buf('c', 10, 3, 4)];
    expect(lowerBound(cs, 1)).toBe(150);
    expect(firstFitByLifetime(cs, 1).arena).toBeGreaterThan(150);
    expect(greedyBySize(cs, 1).arena).toBe(150);
    expect(placeBest(cs, 1).arena).toBe(150);
  });

  it('on a chain of ops (each output feeds the next) size order reaches the optimum, lifetime order does not', () => {
    // Lower bound 600 at time 1 (a + b). In lifetime order `in` takes 0 and `a` sits above it, so b
    // (live with a) cannot go under a: 900.
    const chain = [buf('in', 300, 0, 0), buf('a', 200, 0, 1), buf('b', 400, 1, 2), buf('c', 100, 2, 3), buf('out', 10, 3, 3)];
    expect(lowerBound(chain, 1)).toBe(600);
    expect(greedyBySize(chain, 1).arena).toBe(600);
    expect(firstFitByLifetime(chain, 1).arena).toBe(900);
    expect(placeBest(chain, 1)).toMatchObject({ arena: 600, strategy: 'greedy-by-size' });
  });

  it('placeBest is never worse than any single strategy (300 random instances)', () => {
    const rng = new Rng(11);
    for (let k = 0; k < 300; k++) {
      const r = randomBuffers(rng, 2 + rng.int(30));
      const best = placeBest(r, 16);
      expect(checkPlacement(r, best, 16)).toBeUndefined();
      for (const s of [greedyBySize, firstFitByLifetime, greedyByLifetimeLength]) expect(best.arena).toBeLessThanOrEqual(s(r, 16).arena);
    }
  });
});

describe('checkPlacement', () => {
  it('reports an overlap of live buffers and accepts a reuse of dead space', () => {
    const bs = [buf('a', 32, 0, 1), buf('b', 32, 1, 2), buf('c', 32, 2, 3)];
    expect(checkPlacement(bs, { strategy: 't', offsets: [0, 16, 0], arena: 64 }, 16)).toMatch(/a .* and b .* overlap/);
    expect(checkPlacement(bs, { strategy: 't', offsets: [0, 32, 0], arena: 64 }, 16)).toBeUndefined();
    expect(checkPlacement(bs, { strategy: 't', offsets: [0, 40, 0], arena: 80 }, 16)).toMatch(/aligned/);
  });
});
