// The one MAC/parameter counter (src/ir/cost.ts) in both its modes, on the IR: the lab mode gives
// data/mcunet-vectors.json's figures exactly, and the config fast path of the search (profileArch,
// which feeds the same counter from the config) agrees with the IR for every vector and random configs.
import { describe, expect, it } from 'vitest';
import { lowerArch } from '../../src/frontend/arch-to-ir.ts';
import { convsWithBatchNorm, graphMacs, graphParams, labCounts, labParams, opLabParams, opMacs } from '../../src/ir/cost.ts';
import { profileArch } from '../../src/predict/efficiency.ts';
import { Rng } from '../../src/search/rng.ts';
import { sampleArch } from '../../src/space/sample.ts';
import { labVectors } from '../helpers/shared.ts';

describe('ir/cost: lab mode and products from the IR', () => {
  const vectors = labVectors();

  it("labCounts of the lowered graph is the lab's thop 0.1.1 MACs, macs_pure, legacy thop and count_parameters for every vector", () => {
    for (const v of vectors) {
      const g = lowerArch(v.config, { weights: 'elided' });
      expect(labCounts(g)).toEqual({ macs: v.macs, macsPure: v.macs_pure, macsThopLegacy: v.macs_thop_legacy, params: v.params });
      expect(graphMacs(g)).toBe(v.macs_pure);
      expect(labParams(g)).toBe(v.params);
    }
  });

  it('per-op counts add up to the graph counts; deployed params = lab params minus one per BatchNorm channel', () => {
    for (const v of vectors.slice(0, 3)) {
      const g = lowerArch(v.config, { seed: 3 });
      expect(g.ops.reduce((n, op) => n + opMacs(g, op), 0)).toBe(graphMacs(g));
      expect(g.ops.reduce((n, op) => n + opLabParams(g, op), 0)).toBe(labParams(g));
      const bnChannels = g.ops.filter((op) => convsWithBatchNorm(g).includes(op.name)).reduce((n, op) => n + g.tensors[op.outputs[0]].shape[3], 0);
      expect(graphParams(g)).toBe(labParams(g) - bnChannels);
    }
  });

  it('smallest w0.5 r96: 8,302,128 lab MACs, 7,237,104 products, 304,538 lab params, 300,898 deployed', () => {
    const g = lowerArch(vectors[0].config, { seed: 0 });
    expect(vectors[0].kind).toBe('smallest');
    expect([labCounts(g).macs, graphMacs(g), labParams(g), graphParams(g)]).toEqual([8_302_128, 7_237_104, 304_538, 300_898]);
  });

  it('the search fast path (profileArch) counts what the IR counts, for 200 random configs', () => {
    const rng = new Rng(14);
    for (let i = 0; i < 200; i++) {
      const c = sampleArch(rng);
      const p = profileArch(c);
      expect({ macs: p.macs, macsPure: p.macsPure, macsThopLegacy: p.macsThopLegacy, params: p.params }).toEqual(labCounts(lowerArch(c, { weights: 'elided' })));
    }
  });
});
