// The seeded random subnets the end-to-end tests compile: wid 0, 1, 2 in turn, kernels, expansions and
// depths as sampled, at small resolutions (so 40 builds stay within minutes), each kept only if its
// plan fits stm32f746's SRAM; every other one runs patch by patch (the planner's choice, or a forced
// split when auto finds none). Cortex-M7 runs use stm32f746 itself when the weights fit its 1 MB of
// flash with the estimate's 2% to spare, else the mps2-an500 board (no wid 2 subnet fits 1 MB: even the smallest needs 1.08 MB).
import { loadBoard } from '../../src/board/index.ts';
import { lowerArch } from '../../src/frontend/arch-to-ir.ts';
import { cutPoints, fitArch, stepsFromIr, type PatchRequest } from '../../src/schedule/index.ts';
import { Rng } from '../../src/search/rng.ts';
import { sampleArch } from '../../src/space/sample.ts';
import type { ArchConfig } from '../../src/space/config.ts';

export interface SubnetCase {
  label: string;
  arch: ArchConfig;
  patch: PatchRequest;
  /** The Cortex-M7 board: stm32f746 when the model fits it entirely, else mps2-an500. */
  m7: 'stm32f746' | 'mps2-an500';
}

const RESOLUTIONS = [96, 112, 128, 96, 112] as const;

export function subnetCases(count: number, seed = 2024): SubnetCase[] {
  const rng = new Rng(seed);
  const f746 = loadBoard('stm32f746');
  const cases: SubnetCase[] = [];
  while (cases.length < count) {
    const k = cases.length;
    const arch = { ...sampleArch(rng), image_size: RESOLUTIONS[k % RESOLUTIONS.length], wid: k % 3 } as ArchConfig;
    const patched = k % 2 === 1;
    let patch: PatchRequest = patched ? 'min-sram' : 'off';
    const fit = fitArch(arch, f746, { patch });
    if (!fit.fitsSram || fit.flashBytes > (arch.wid === 2 ? 1.5 : 1) * 1024 * 1024) continue;
    if (patched && !fit.patch) {
      // min-sram found no patch plan worth it: force one at a middle cut point, to test the loop anyway.
      const g = stepsFromIr(lowerArch(arch, { weights: 'elided' }));
      const cuts = cutPoints(g);
      const L = cuts[Math.floor(cuts.length / 2)];
      patch = { n: 2 + (k % 3), layer: g.steps[L].name };
      if (!fitArch(arch, f746, { patch }).fitsSram) continue;
    }
    const p = typeof patch === 'string' ? patch : `${patch.n}x${patch.n}@${patch.layer}`;
    // Within the flash estimate's 2% of the F746's 1 MB the plan cannot promise a link: such a model runs on mps2-an500.
    const m7 = fit.fitsFlash && fit.flashBytes <= 0.98 * f746.flash.size ? 'stm32f746' : 'mps2-an500';
    cases.push({ label: `#${k} wid ${arch.wid} r${arch.image_size} d[${arch.d.join('')}] patch ${p}`, arch, patch, m7 });
  }
  return cases;
}
