// Patch geometry: tiles partition the split output, halos follow the receptive field backwards, border
// padding appears only at image borders, the patch stage never crosses an SE block.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/index.ts';
import { stepsFromArch } from '../../src/schedule/from-arch.ts';
import { stepsFromIr } from '../../src/schedule/from-ir.ts';
import { cutPoints, findSplitStep, patchGeometry, type Region } from '../../src/schedule/patch-plan.ts';
import { largestArch, sampleArch } from '../../src/space/sample.ts';
import { Rng } from '../../src/search/rng.ts';

/** input 8x8x4 -> `layers` 3x3 stride-1 convs (pad 1) -> global pool. */
function convChain(layers: number, k = 3, stride = 1) {
  const b = new GraphBuilder('chain');
  let x = b.input('x', [1, 8, 8, 4]);
  const p = k >> 1;
  for (let i = 0; i < layers; i++)
    x = b.op(
      {
        kind: 'conv2d',
        name: `c${i}`,
        inputs: [x, b.elidedConstant(`c${i}.w`, [4, k, k, 4], 'float32')],
        kernel: [k, k],
        stride: [i === 0 ? stride : 1, i === 0 ? stride : 1],
        padding: { top: p, left: p, bottom: p, right: p },
        groups: 1,
        activation: 'relu6',
      },
      `c${i}`,
    );
  b.output(b.op({ kind: 'global_avg_pool', name: 'pool', inputs: [x] }, 'pool'));
  return stepsFromIr(b.build());
}

const R = (y0: number, y1: number, x0: number, x1: number): Region => ({ y0, y1, x0, x1 });

describe('patchGeometry', () => {
  it('one 3x3 conv, 2x2 patches: a one-pixel halo inside, zero padding at the image border', () => {
    const g = convChain(1);
    const geo = patchGeometry(g, 0, 2);
    expect(geo.patches).toEqual([R(0, 4, 0, 4), R(0, 4, 4, 8), R(4, 8, 0, 4), R(4, 8, 4, 8)]);
    const [t0, , , t3] = geo.stage[0].tiles;
    expect(t0.inputs[0]).toMatchObject({ read: R(0, 5, 0, 5), pad: { top: 1, left: 1, bottom: 0, right: 0 } });
    expect(t3.inputs[0]).toMatchObject({ read: R(3, 8, 3, 8), pad: { top: 0, left: 0, bottom: 1, right: 1 } });
    // The input is the network input: stored whole.
    expect(t0.inputs[0].stored).toEqual(R(0, 8, 0, 8));
    // A single conv computes each output pixel once: no extra MACs.
    expect(geo.patchedMacs).toBe(geo.stageMacs);
  });

  it('two stacked 3x3 convs: the first is computed on 5x5 tiles (halo), the recomputed MACs are counted', () => {
    const g = convChain(2);
    const geo = patchGeometry(g, 1, 2);
    expect(geo.stage[0].tiles[0].out).toEqual(R(0, 5, 0, 5));
    expect(geo.stage[0].maxTile).toEqual([5, 5, 4]);
    // The second conv reads the first's tile, which is stored exactly as computed.
    expect(geo.stage[1].tiles[0].inputs[0]).toMatchObject({ stored: R(0, 5, 0, 5), read: R(0, 5, 0, 5), pad: { top: 1, left: 1, bottom: 0, right: 0 } });
    const perPixel = 4 * 9 * 4; // cout x k x k x cin
    expect(geo.patchedMacs - geo.stageMacs).toBe((4 * 25 - 64) * perPixel);
  });

  it('stride 2: the halo of a 3x3 stride-2 conv over an 8x8 input', () => {
    const g = convChain(1, 3, 2); // 8x8 -> 4x4
    const geo = patchGeometry(g, 0, 2);
    // output rows [0,2) need input rows [-1, 4) -> read [0,4) with 1 row of top padding
    expect(geo.stage[0].tiles[0].inputs[0]).toMatchObject({ read: R(0, 4, 0, 4), pad: { top: 1, left: 1, bottom: 0, right: 0 } });
    // output rows [2,4) need [3, 8): inside the image, no padding (PyTorch's symmetric k//2 padding leaves the last row unread)
    expect(geo.stage[0].tiles[3].inputs[0]).toMatchObject({ read: R(3, 8, 3, 8), pad: { top: 0, left: 0, bottom: 0, right: 0 } });
  });

  it('tiles partition the split output, and every read lies inside what is stored (random configs, n = 2..8)', () => {
    const rng = new Rng(4);
    for (let k = 0; k < 12; k++) {
      const g = stepsFromArch(sampleArch(rng));
      const cuts = cutPoints(g);
      const L = cuts[k % cuts.length];
      const [, h, w] = g.tensors[g.steps[L].output].shape;
      const n = 2 + (k % 7);
      if (n > h || n > w) continue;
      const geo = patchGeometry(g, L, n);
      const hits = new Uint8Array(h * w);
      for (const p of geo.patches) for (let y = p.y0; y < p.y1; y++) for (let x = p.x0; x < p.x1; x++) hits[y * w + x]++;
      expect(hits.every((v) => v === 1)).toBe(true);
      for (const op of geo.stage)
        for (const t of op.tiles)
          for (const i of t.inputs) {
            expect(i.read.y0).toBeGreaterThanOrEqual(i.stored.y0);
            expect(i.read.y1).toBeLessThanOrEqual(i.stored.y1);
            expect(i.read.x0).toBeGreaterThanOrEqual(i.stored.x0);
            expect(i.read.x1).toBeLessThanOrEqual(i.stored.x1);
          }
      expect(geo.patchedMacs).toBeGreaterThanOrEqual(geo.stageMacs);
    }
  });
});

describe('cutPoints', () => {
  it('stop before the first SE block: stage 0 and the first block of stage 1 only (spec §1)', () => {
    const g = stepsFromArch(largestArch(160));
    const names = cutPoints(g).map((i) => g.steps[i].name);
    const firstSe = g.steps.findIndex((s) => s.name.includes('.se.'));
    expect(Math.max(...cutPoints(g))).toBeLessThan(firstSe);
    // blocks.4 is stage 1 slot 0 with d[0] = 2 (blocks 1..3 are stage 0); its output is the last cut.
    expect(names[names.length - 1]).toBe('blocks.4.point_linear');
    // A residual block's inside is no cut: its input is still needed by the add.
    expect(names).not.toContain('blocks.2.inverted_bottleneck');
    expect(names).toContain('blocks.2.add');
  });

  it('findSplitStep takes an op name or a block prefix', () => {
    const g = stepsFromArch(largestArch(96));
    expect(g.steps[findSplitStep(g, 'blocks.3')].name).toBe('blocks.3.add');
    expect(g.steps[findSplitStep(g, 'blocks.1.depth_conv')].name).toBe('blocks.1.depth_conv');
    expect(findSplitStep(g, 'nope')).toBe(-1);
  });
});
