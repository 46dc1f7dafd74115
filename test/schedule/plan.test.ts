// The planner on the MCUNet space: layer-by-layer arenas against their lower bound and the lab's
// peak-memory figure, patch-based inference on the lab's largest subnet, the fast path's figures
// against the full IR plan, and split SRAM on stm32h743.
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { lowerArch } from '../../src/frontend/arch-to-ir.ts';
import { GraphBuilder } from '../../src/ir/index.ts';
import { profileArch } from '../../src/predict/efficiency.ts';
import { checkPlacement } from '../../src/schedule/placement.ts';
import { axesInstructions, planInstructions } from '../../src/schedule/cost.ts';
import { stepsFromArch } from '../../src/schedule/from-arch.ts';
import { cutPoints, patchAxes, patchedMacsOf, patchGeometry } from '../../src/schedule/patch-plan.ts';
import { fitArch, planArch, planGraph, type Fit, type Plan } from '../../src/schedule/plan.ts';
import { IMAGE_SIZES } from '../../src/space/constants.ts';
import { largestArch, sampleArch } from '../../src/space/sample.ts';
import { Rng } from '../../src/search/rng.ts';
import type { ArchConfig } from '../../src/space/config.ts';

const f746 = loadBoard('stm32f746');
const h743 = loadBoard('stm32h743');
const KB = 1024;

function randomConfigs(seed: number, n: number): ArchConfig[] {
  const rng = new Rng(seed);
  // Every resolution equally often, the rest of the config as the lab's sampler draws it.
  return Array.from({ length: n }, (_, i) => ({ ...sampleArch(rng), image_size: IMAGE_SIZES[i % IMAGE_SIZES.length] }));
}

const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function figures(x: Fit | Plan) {
  const isPlan = 'sram' in x;
  return {
    arena: isPlan ? x.sram.arena : x.arena,
    lowerBound: isPlan ? x.sram.lowerBound : x.lowerBound,
    sramBytes: isPlan ? x.sram.total : x.sramBytes,
    flashBytes: isPlan ? x.flash.total : x.flashBytes,
    fits: x.fits,
    patch: x.patch ? `${x.patch.n}@${'splitLayer' in x.patch ? x.patch.splitLayer : x.patch.layer}` : null,
  };
}

describe('layer-by-layer plans over 200 random configs at all resolutions', () => {
  const configs = randomConfigs(2024, 200);
  const plans = configs.map((c) => planArch(c, f746, { patch: 'off' }));

  it('every placement is valid and never below its lower bound', () => {
    for (const p of plans) {
      expect(p.sram.arena).toBeGreaterThanOrEqual(p.sram.lowerBound);
      const buffers = p.buffers.map((b) => ({ id: b.id, size: b.size, firstUse: b.firstUse, lastUse: b.lastUse }));
      expect(checkPlacement(buffers, { strategy: p.sram.strategy, offsets: p.buffers.map((b) => b.offset), arena: p.sram.arena })).toBeUndefined();
    }
  });

  it('is within 5% of the lower bound in the median, and at most the lab peak for >= 95% of them', () => {
    const ratios = plans.map((p) => p.sram.arena / p.sram.lowerBound);
    const labRatios = plans.map((p, i) => p.sram.arena / profileArch(configs[i]).peakBytes);
    const atMostLab = labRatios.filter((r) => r <= 1).length;
    console.log(
      `200 configs: median arena/lowerBound ${median(ratios).toFixed(4)} (max ${Math.max(...ratios).toFixed(4)}); ` +
        `median arena/lab KBPeakMemory ${median(labRatios).toFixed(4)} (min ${Math.min(...labRatios).toFixed(4)}, max ${Math.max(...labRatios).toFixed(4)}); ` +
        `arena <= lab peak for ${atMostLab}/200`,
    );
    expect(median(ratios)).toBeLessThanOrEqual(1.05);
    expect(atMostLab).toBeGreaterThanOrEqual(190);
  });

  it('covers every resolution', () => {
    expect(new Set(configs.map((c) => c.image_size)).size).toBe(5);
  });
});

describe("the lab's largest subnet at 160 px (wid 1, k 7, e 6, d 2) on stm32f746", () => {
  const c = largestArch(160);
  const off = planArch(c, f746, { patch: 'off' });
  const auto = planArch(c, f746, { patch: 'min-sram' });

  it('needs far more than the 320 KB of SRAM layer by layer, and patch min-sram finds a plan whose SRAM fits', () => {
    console.log(
      `largest@160: layer by layer arena ${off.sram.arena} B (${(off.sram.arena / KB).toFixed(1)} KB, peak at ${off.peakLayer}), ` +
        `SRAM total ${off.sram.total} B; patch min-sram ${auto.patch?.n}x${auto.patch?.n} up to ${auto.patch?.splitLayer}: arena ${auto.sram.arena} B ` +
        `(${(auto.sram.arena / KB).toFixed(1)} KB), SRAM total ${auto.sram.total} B of ${auto.sram.capacity} B; extra MACs ${auto.patch?.extraMacs} ` +
        `(${auto.patch?.extraMacsPercent.toFixed(1)}% of ${auto.macs}); flash ${auto.flash.total} B of ${auto.flashCapacity} B`,
    );
    expect(off.sram.total).toBeGreaterThan(2 * 320 * KB);
    expect(off.fitsSram).toBe(false);
    expect(auto.patch).not.toBeNull();
    expect(auto.fitsSram).toBe(true);
    expect(auto.sram.total).toBeLessThanOrEqual(320 * KB);
    expect(auto.patch!.extraMacs).toBeGreaterThan(0);
  });

  it('does not fit the 1 MB of flash whatever the schedule: 2.48 M int8 weights; so patch auto keeps layer by layer', () => {
    expect(auto.fitsFlash).toBe(false);
    expect(auto.flash.weights).toBeGreaterThan(1024 * KB);
    const fastest = planArch(c, f746, { patch: 'auto' });
    expect(fastest.patch).toBeNull();
    expect(fastest.notes[0]).toMatch(/flash does not fit whatever the schedule/);
  });

  it('the patch stage ends before the first SE block', () => {
    const firstSe = auto.layers.findIndex((l) => l.name.includes('.se.'));
    const lastPatched = auto.layers.map((l) => l.patched).lastIndexOf(true);
    expect(lastPatched).toBeLessThan(firstSe);
  });
});

describe('patch min-sram', () => {
  it('is never worse than layer by layer, and strictly better whenever it picks patches (60 configs)', () => {
    let patched = 0;
    for (const c of randomConfigs(77, 60)) {
      const off = fitArch(c, f746, { patch: 'off' });
      const auto = fitArch(c, f746, { patch: 'min-sram' });
      expect(auto.arena).toBeLessThanOrEqual(off.arena);
      if (auto.patch) {
        patched++;
        expect(auto.arena).toBeLessThan(off.arena);
      } else expect(auto.arena).toBe(off.arena);
    }
    console.log(`patch min-sram chose patches for ${patched}/60 configs`);
  });

  it('returns no patch when nothing beats layer by layer: two same-size convs before a global pool', () => {
    // input 16x16x8 -> 3x3 conv -> 1x1 conv -> global pool -> classifier: every tensor is 2 KB, so the
    // layer-by-layer peak is two of them; a patch stage must hold the input (read by every patch) and
    // the assembled output at full size anyway, so patches can only add tiles.
    const b = new GraphBuilder('tiny');
    const x = b.input('x', [1, 16, 16, 8]);
    const pad0 = { top: 0, left: 0, bottom: 0, right: 0 };
    const pad1 = { top: 1, left: 1, bottom: 1, right: 1 };
    const h = b.op(
      { kind: 'conv2d', name: 'conv3', inputs: [x, b.elidedConstant('conv3.w', [8, 3, 3, 8], 'float32')], kernel: [3, 3], stride: [1, 1], padding: pad1, groups: 1, activation: 'relu' },
      'conv3',
    );
    const y = b.op(
      { kind: 'conv2d', name: 'conv', inputs: [h, b.elidedConstant('conv.w', [8, 1, 1, 8], 'float32')], kernel: [1, 1], stride: [1, 1], padding: pad0, groups: 1, activation: 'relu' },
      'conv',
    );
    const pooled = b.op({ kind: 'global_avg_pool', name: 'pool', inputs: [y] }, 'pool');
    const out = b.op({ kind: 'fully_connected', name: 'fc', inputs: [pooled, b.elidedConstant('fc.w', [2, 8], 'float32')], activation: 'none' }, 'fc');
    b.output(out);
    const g = b.build();
    const off = planGraph(g, f746, { patch: 'off' });
    const auto = planGraph(g, f746, { patch: 'min-sram' });
    expect(auto.patch).toBeNull();
    expect(auto.sram.arena).toBe(off.sram.arena);
    expect(auto.notes.join(' ')).toMatch(/no patch/);
    // Forcing one is allowed, and is worse, and the plan says so.
    const forced = planGraph(g, f746, { patch: { n: 2, layer: 'conv' } });
    expect(forced.sram.arena).toBeGreaterThan(off.sram.arena);
    expect(forced.notes.join(' ')).toMatch(/layer by layer needs/);
  });
});

describe('patch auto: the fastest plan that fits', () => {
  // wid 0, kernels 3/5/7 in turn, expansion 6 in the first 8 blocks, 160 px: 358,400 B of arena layer by
  // layer, more than the F746's 320 KB run, less than the H743's 512 KB AXI SRAM.
  const mixed: ArchConfig = {
    wid: 0,
    ks: Array.from({ length: 20 }, (_, i) => [3, 5, 7][i % 3]) as ArchConfig['ks'],
    e: Array.from({ length: 20 }, (_, i) => (i < 8 ? 6 : 4)) as ArchConfig['e'],
    d: [1, 1, 1, 1, 1, 1],
    image_size: 160,
  };

  it('never patches a network that fits layer by layer, and otherwise picks a plan that fits, never costlier than min-sram (60 configs on 3 boards)', () => {
    const counts = { layer: 0, patched: 0, none: 0 };
    for (const board of [f746, loadBoard('stm32f411'), loadBoard('rp2040')])
      for (const c of randomConfigs(78, 20)) {
        const off = planArch(c, board, { patch: 'off' });
        const auto = planArch(c, board, { patch: 'auto' });
        if (off.fits) {
          counts.layer++;
          expect(auto.patch).toBeNull();
          expect(auto.sram.total).toBe(off.sram.total);
          continue;
        }
        const small = planArch(c, board, { patch: 'min-sram' });
        if (auto.patch) {
          counts.patched++;
          expect(auto.fits).toBe(true);
          expect(auto.cost.estimatedInstructions).toBeGreaterThan(off.cost.estimatedInstructions);
          expect(auto.cost.estimatedInstructions).toBeLessThanOrEqual(small.cost.estimatedInstructions);
        } else {
          counts.none++;
          expect(auto.fits).toBe(false);
          // Nothing fits: not even the smallest patch plan (or flash fails whatever the schedule).
          expect(small.fits).toBe(false);
        }
      }
    console.log(`patch auto over 60 board x config pairs: ${counts.layer} layer by layer (fits), ${counts.patched} patched to fit, ${counts.none} fit no way`);
    expect(counts.patched).toBeGreaterThan(0);
  });

  it('a 160 px subnet: no patch on stm32h743 (fits), the cheapest fitting patch plan on stm32f746, far cheaper than min-sram', () => {
    const h = planArch(mixed, h743, { patch: 'auto' });
    expect(h.patch).toBeNull();
    expect(h.fits).toBe(true);
    const f = planArch(mixed, f746, { patch: 'auto' });
    const small = planArch(mixed, f746, { patch: 'min-sram' });
    console.log(
      `mixed@160: layer by layer ~${(h.cost.estimatedInstructions / 1e6).toFixed(1)} M instructions (estimated), arena ${h.sram.arena} B; ` +
        `auto on stm32f746 ${f.patch?.n}x${f.patch?.n} up to ${f.patch?.splitLayer}: ~${(f.cost.estimatedInstructions / 1e6).toFixed(1)} M, +${f.patch?.extraMacsPercent.toFixed(1)}% MACs, arena ${f.sram.arena} B; ` +
        `min-sram ${small.patch?.n}x${small.patch?.n} up to ${small.patch?.splitLayer}: ~${(small.cost.estimatedInstructions / 1e6).toFixed(1)} M, +${small.patch?.extraMacsPercent.toFixed(1)}% MACs, arena ${small.sram.arena} B`,
    );
    expect(f.patch).not.toBeNull();
    expect(f.fits).toBe(true);
    expect(f.cost.estimatedInstructions).toBeLessThan(small.cost.estimatedInstructions);
    expect(small.sram.arena).toBeLessThan(f.sram.arena);
    // An SRAM budget tighter than the board's (the search's --max-sram-kb) moves auto to a smaller plan.
    const tight = planArch(mixed, f746, { patch: 'auto', sramLimit: f.sram.total - 1 });
    expect(tight.patch).not.toBeNull();
    expect(tight.sram.total).toBeLessThan(f.sram.total);
    expect(tight.cost.estimatedInstructions).toBeGreaterThanOrEqual(f.cost.estimatedInstructions);
  });

  it('the instruction estimate from the axis walks equals the one from the per-patch geometry', () => {
    const g = stepsFromArch(mixed);
    for (const L of cutPoints(g))
      for (const n of [2, 3, 5, 7]) {
        const axes = patchAxes(g, L, n, true);
        const geo = patchGeometry(g, L, n, true, axes);
        expect(axesInstructions(g, axes)).toBeCloseTo(planInstructions(g, geo), 0);
        expect(patchedMacsOf(g, axes)).toBeCloseTo(geo.patchedMacs, 3);
      }
  });
});

describe('fast path (fitArch) against the full plan of the lowered IR', () => {
  it('gives identical figures, with and without patches, on both kernel backends (25 configs)', () => {
    const configs = randomConfigs(5, 25);
    configs.forEach((c, i) => {
      const opts = { patch: i % 2 ? ('auto' as const) : ('off' as const), kernels: i % 3 ? ('own' as const) : ('cmsis-nn' as const) };
      const fast = fitArch(c, f746, opts);
      const full = planGraph(lowerArch(c, { seed: i }), f746, opts);
      expect(figures(fast)).toEqual(figures(full));
    });
  });
});

describe('split SRAM (stm32h743)', () => {
  it('puts an arena that fits the 512 KB AXI SRAM there, with the stack in another region', () => {
    const p = planArch(largestArch(96), h743, { patch: 'off' });
    expect(p.sram.layout.mode).toBe('single');
    expect(p.sram.layout.spans[0].regions).toEqual(['AXI_SRAM']);
    // The stack goes to the smallest other region that holds it, leaving the big ones free.
    expect(p.sram.layout.spans[1].regions).toEqual(['SRAM4']);
    expect(p.sram.layout.spans[1].reserved).toBe(p.sram.stack + p.sram.runtime);
  });

  it('spreads buffers over regions when the arena exceeds the largest one, never splitting a buffer', () => {
    const p = planArch(largestArch(144), h743, { patch: 'off' });
    expect(p.sram.arena).toBeGreaterThan(512 * KB);
    expect(p.sram.layout.mode).toBe('split');
    expect(p.fitsSram).toBe(true);
    const spans = p.sram.layout.spans;
    // Per region: the buffers placed there never overlap while live, and stay inside the region.
    spans.forEach((s, k) => {
      const mine = p.buffers.filter((b) => b.span === k && b.size > 0);
      for (const b of mine) expect(b.offset + b.size).toBeLessThanOrEqual(s.size - (s.reserved ? s.reserved : 0));
      const bufs = mine.map((b) => ({ id: b.id, size: b.size, firstUse: b.firstUse, lastUse: b.lastUse }));
      expect(checkPlacement(bufs, { strategy: 'split', offsets: mine.map((b) => b.offset), arena: s.size }, 1)).toBeUndefined();
    });
    console.log(`largest@144 on stm32h743 layer by layer (arena ${p.sram.arena} B): ${p.sram.layout.description}`);
  });

  it('does not fit when one buffer alone is larger than every region (largest@160: a 600 KB expansion output)', () => {
    const p = planArch(largestArch(160), h743, { patch: 'off' });
    expect(p.fitsSram).toBe(false);
    expect(p.sram.layout.description).toMatch(/one buffer alone is 614400 B/);
    expect(planArch(largestArch(160), h743, { patch: 'min-sram' }).fitsSram).toBe(true);
  });
});
