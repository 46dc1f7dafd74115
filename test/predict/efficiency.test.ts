import { describe, expect, it } from 'vitest';
import { profileArch } from '../../src/predict/efficiency.ts';
import { largestArch, smallestArch } from '../../src/space/sample.ts';
import { labVectors } from '../helpers/shared.ts';

describe('lab-exact efficiency (thop 0.1.1 rules)', () => {
  const vectors = labVectors();

  it('has all 115 vectors', () => expect(vectors).toHaveLength(115));

  it.each(vectors.map((v, i) => [i, v.kind, v] as const))('vector %i (%s): MACs, peak, params exact', (_i, _k, v) => {
    const p = profileArch(v.config);
    expect(p.macs).toBe(v.macs);
    expect(p.peakBytes).toBe(v.peak_bytes);
    expect(p.params).toBe(v.params);
    expect(p.macsPure).toBe(v.macs_pure);
    expect(p.macsThopLegacy).toBe(v.macs_thop_legacy);
    expect(p.millionMACs).toBe(v.million_macs);
    expect(p.KBPeakMemory).toBe(v.kb_peak);
  });

  it("gives the lab's printed figures for smallest and largest at 96 px", () => {
    const s = profileArch(smallestArch(96));
    expect([s.millionMACs, s.KBPeakMemory]).toEqual([8.302128, 72.0]);
    const l = profileArch(largestArch(96));
    expect([l.millionMACs, l.KBPeakMemory]).toEqual([79.416432, 270.0]);
    // The true largest (wid 2) from spec §7.
    const t = profileArch(largestArch(96, true));
    expect([t.macs, t.peakBytes, t.params]).toEqual([106_619_904, 276_480, 4_067_018]);
  });
});
