import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/search/rng.ts';

// Reference values printed by CPython 3.11: random.Random(20240611).random() twice, then choice([3,5,7]),
// then choices([1,2,3], k=5); and random.Random(2**40 + 5).random() (a two-word seed).
describe("Rng reproduces CPython's random.Random", () => {
  it('random(), choice() and choices() draw as CPython does', () => {
    const r = new Rng(20240611);
    expect(r.random()).toBe(0.6078350083451932);
    expect(r.random()).toBe(0.7709087084053835);
    expect(r.choice([3, 5, 7])).toBe(5);
    expect(r.choices([1, 2, 3], 5)).toEqual([3, 2, 3, 2, 1]);
  });

  it('seeds wider than 32 bits use every word', () => {
    expect(new Rng(2 ** 40 + 5).random()).toBe(0.5043802970418443);
  });

  it('randBelow stays in range', () => {
    const r = new Rng(9);
    for (let i = 0; i < 1000; i++) {
      const v = r.randBelow(13);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(13);
    }
  });
});
