// The fast inference path (one-hot rows + ReLU-sparse SIMD accumulation) computes the same network
// as the plain float64 definition, and batching does not change any single answer.
import { describe, expect, it } from 'vitest';
import { createPredictor } from '../../src/predict/accuracy-predictor.ts';
import { forwardReference, type MlpWeights } from '../../src/predict/mlp.ts';
import { below, between, xoshiro128ss } from '../../src/random/seeded-random.ts';
import { encode } from '../../src/space/encode.ts';
import { sampleArch } from '../../src/space/sample.ts';
import type { RandomSource } from '../../src/space/random-source.ts';

function randomSource(seed: number): RandomSource {
  const r = xoshiro128ss(seed);
  return {
    random: r,
    choice: (seq) => seq[below(r, seq.length)],
    choices: (pop, n) => Array.from({ length: n }, () => pop[below(r, pop.length)]),
  };
}

/** A random network of the lab's shape, with large enough weights that many ReLUs are off. */
function randomMlp(seed: number, activation: 'relu' | 'none'): MlpWeights {
  const r = xoshiro128ss(seed);
  const dims = [128, 400, 400, 400, 1];
  const layers = dims.slice(1).map((out, i) => {
    const inn = dims[i];
    const s = 1 / Math.sqrt(inn);
    return {
      out,
      in: inn,
      weight: Float32Array.from({ length: out * inn }, () => between(r, -s, s)),
      bias: i < 3 ? Float32Array.from({ length: out }, () => between(r, -s, s)) : null,
    };
  });
  return { activation, layers, baseAcc: 0.9 };
}

describe('MLP inference', () => {
  const rng = randomSource(7);
  const configs = Array.from({ length: 200 }, () => sampleArch(rng));

  for (const activation of ['relu', 'none'] as const) {
    it(`matches the float64 reference (${activation})`, () => {
      const w = randomMlp(3, activation);
      const p = createPredictor(w, 'random');
      const many = p.predictMany(configs);
      for (let i = 0; i < configs.length; i++) {
        expect(Math.abs(many[i] - forwardReference(w, encode(configs[i])))).toBeLessThan(2e-6);
      }
    });
  }

  it('batched equals one at a time, exactly', () => {
    const p = createPredictor(randomMlp(5, 'relu'), 'random');
    const many = p.predictMany(configs);
    configs.forEach((c, i) => expect(p.predict(c)).toBe(many[i]));
    expect(Array.from(p.predictMany(configs.slice(50, 60)))).toEqual(Array.from(many.subarray(50, 60)));
    expect(p.predictMany([])).toHaveLength(0);
  });
});
