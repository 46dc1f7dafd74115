// The fast path's StepGraph (a shape walk of the config) is the IR path's StepGraph, value for value,
// so every figure the search gets from fitArch is the figure compile gets from the full IR.
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { lowerArch } from '../../src/frontend/arch-to-ir.ts';
import { stepsFromArch } from '../../src/schedule/from-arch.ts';
import { stepsFromIr } from '../../src/schedule/from-ir.ts';
import { stepMacs, stepParams } from '../../src/schedule/steps.ts';
import { sampleArch } from '../../src/space/sample.ts';
import { Rng } from '../../src/search/rng.ts';
import { labVectors } from '../helpers/shared.ts';

describe('stepsFromArch', () => {
  const vectors = labVectors();

  it('equals stepsFromIr of the shape-only lowering for every lab vector config', () => {
    for (const v of vectors) {
      const fast = stepsFromArch(v.config);
      const ir = stepsFromIr(lowerArch(v.config, { weights: 'elided' }));
      if (!isDeepStrictEqual(fast, ir)) expect(fast).toEqual(ir); // toEqual shows the difference
    }
  });

  it('equals stepsFromIr of the seeded (full-weight) lowering', () => {
    for (const v of vectors.slice(0, 6)) expect(isDeepStrictEqual(stepsFromArch(v.config), stepsFromIr(lowerArch(v.config, { seed: 1 })))).toBe(true);
  });

  it("gives the lab's macs_pure and params for every vector", () => {
    for (const v of vectors) {
      const g = stepsFromArch(v.config);
      expect([stepMacs(g), stepParams(g)]).toEqual([v.macs_pure, v.params]);
    }
  });

  it('equals stepsFromIr for 100 random configs', () => {
    const rng = new Rng(31);
    for (let i = 0; i < 100; i++) {
      const c = sampleArch(rng);
      expect(isDeepStrictEqual(stepsFromArch(c), stepsFromIr(lowerArch(c, { weights: 'elided' })))).toBe(true);
    }
  });
});
