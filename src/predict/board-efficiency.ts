// Board-aware efficiency: the lab's analytic figures plus the SRAM and flash that the planner
// (src/schedule) gives a subnet on a board, for the search loop. SRAM counts the planned arena plus the
// stack and runtime reserve (STACK_BYTES + runtimeBytes(ops)); flash counts int8 weights, int32 biases,
// per-channel requantization parameters and the code-size estimate.
import type { Board } from '../board/index.ts';
import { fitArch, type PatchRequest } from '../schedule/index.ts';
import type { KernelBackend } from '../schedule/index.ts';
import { archKey, type ArchConfig } from '../space/config.ts';
import { profileArch } from './efficiency.ts';

export interface BoardFigures {
  millionMACs: number;
  KBPeakMemory: number;
  sramKB: number;
  flashKB: number;
  fitsBoard: boolean;
}

export interface BoardBudget {
  /** What the board offers the network (after the stack and runtime reserve), in KB. */
  sramKB: number;
  flashKB: number;
}

export function boardMeasure(
  board: Board,
  opts: { patch?: PatchRequest; kernels?: KernelBackend; sramLimitBytes?: number } = {},
): { measure: (c: ArchConfig) => BoardFigures; budget: BoardBudget } {
  // --patch auto looks for the fastest plan within the search's SRAM budget when it is tighter than the board.
  const planOpts = { patch: opts.patch ?? 'off', kernels: opts.kernels ?? 'own', sramLimit: opts.sramLimitBytes };
  const probe = fitArch({ wid: 0, ks: Array(20).fill(3), e: Array(20).fill(3), d: Array(6).fill(0), image_size: 96 }, board, planOpts);
  // The evolution draws the same subnet again and again (about half of its draws on stm32f746): planned once.
  const seen = new Map<string, BoardFigures>();
  return {
    measure: (c) => {
      const key = archKey(c);
      const known = seen.get(key);
      if (known) return { ...known };
      const p = profileArch(c);
      const f = fitArch(c, board, planOpts);
      const figures = { millionMACs: p.millionMACs, KBPeakMemory: p.KBPeakMemory, sramKB: f.sramBytes / 1024, flashKB: f.flashBytes / 1024, fitsBoard: f.fits };
      seen.set(key, figures);
      return { ...figures };
    },
    budget: { sramKB: probe.sramCapacity / 1024, flashKB: probe.flashCapacity / 1024 },
  };
}
