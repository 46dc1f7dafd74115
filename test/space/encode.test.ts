import { describe, expect, it } from 'vitest';
import { encode, encodeIndices, ENCODING_DIM } from '../../src/space/encode.ts';
import { activeSlots } from '../../src/space/active.ts';
import { labVectors } from '../helpers/shared.ts';

describe('128-dim arch encoder', () => {
  it("reproduces the lab's encoding of all 115 vectors", () => {
    for (const v of labVectors()) expect(Array.from(encode(v.config))).toEqual(v.encoding);
  });

  it('puts all kernel one-hots before all expand one-hots and zeroes inactive slots', () => {
    const v = labVectors()[20].config;
    const x = encode(v);
    expect(x).toHaveLength(ENCODING_DIM);
    const active = activeSlots(v);
    for (let b = 0; b < 20; b++) {
      const k = x.slice(8 + 3 * b, 11 + 3 * b).reduce((a, c) => a + c, 0);
      const e = x.slice(68 + 3 * b, 71 + 3 * b).reduce((a, c) => a + c, 0);
      expect([k, e]).toEqual(active[b] ? [1, 1] : [0, 0]);
    }
    expect(encodeIndices(v)).toHaveLength(2 + 2 * active.filter(Boolean).length);
  });

  it('the last stage slot is always active, whatever d[5] says', () => {
    const v = { ...labVectors()[0].config, d: [0, 0, 0, 0, 0, 0] as (0 | 1 | 2)[] };
    expect(activeSlots(v)[19]).toBe(true);
    expect(activeSlots(v).filter(Boolean)).toHaveLength(10);
  });
});
