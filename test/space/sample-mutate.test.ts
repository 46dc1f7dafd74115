import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/search/rng.ts';
import { sampleArch, smallestArch, largestArch } from '../../src/space/sample.ts';
import { crossover, mutateArch, mutateResolution, mutateWidth } from '../../src/space/mutate.ts';
import { parseArchConfig } from '../../src/space/config.ts';

describe('sampling', () => {
  it('random_sample_arch draws valid configs with wid over {0,1,2} and every image size', () => {
    const rng = new Rng(7);
    const wids = new Set<number>();
    const sizes = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const c = sampleArch(rng);
      expect(() => parseArchConfig(c, 'sample')).not.toThrow();
      wids.add(c.wid);
      sizes.add(c.image_size);
    }
    expect([...wids].sort()).toEqual([0, 1, 2]);
    expect([...sizes].sort((a, b) => a - b)).toEqual([96, 112, 128, 144, 160]);
  });

  it('the same seed gives the same sequence, another seed another', () => {
    const a = new Rng(1);
    const b = new Rng(1);
    const c = new Rng(2);
    const sa = Array.from({ length: 5 }, () => sampleArch(a));
    expect(Array.from({ length: 5 }, () => sampleArch(b))).toEqual(sa);
    expect(Array.from({ length: 5 }, () => sampleArch(c))).not.toEqual(sa);
  });

  it("the super-net's largest is the lab's wid-1 network (the range(0, len-1) quirk)", () => {
    expect(largestArch(96).wid).toBe(1);
    expect(largestArch(96, true).wid).toBe(2);
    expect(smallestArch(160)).toMatchObject({ wid: 0, image_size: 160 });
  });
});

describe('mutation and crossover', () => {
  it('probability 0 changes nothing and draws no choices', () => {
    const rng = new Rng(3);
    const c = sampleArch(rng);
    expect(mutateArch(c, 0, rng)).toEqual(c);
    expect(mutateWidth(c, 0, rng)).toEqual(c);
    expect(mutateResolution(c, 0, rng)).toEqual(c);
  });

  it('probability 1 resamples every slot (kernel and expand together) and never mutates in place', () => {
    const rng = new Rng(4);
    const c = smallestArch(96);
    const copy = structuredClone(c);
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const m = mutateArch(c, 1, rng);
      m.ks.forEach((k, j) => seen.add(`k${j}:${k}`));
      m.d.forEach((d, j) => seen.add(`d${j}:${d}`));
      expect(() => parseArchConfig(m, 'mutant')).not.toThrow();
    }
    expect(c).toEqual(copy);
    expect(seen.size).toBe(20 * 3 + 6 * 3);
  });

  it('crossover takes every gene from one of the two parents, and both appear', () => {
    const rng = new Rng(5);
    const a = smallestArch(96);
    const b = largestArch(160, true);
    const child = crossover(a, b, rng);
    child.ks.forEach((k, i) => expect([a.ks[i], b.ks[i]]).toContain(k));
    child.e.forEach((e, i) => expect([a.e[i], b.e[i]]).toContain(e));
    expect([96, 160]).toContain(child.image_size);
    expect(new Set(child.ks).size).toBe(2);
  });
});
