// A search measure with the board in it: the lab's analytic figures plus the planner's SRAM and flash
// (fitArch, the planner's fast path), so budgets in KB are budgets of the real board.
import type { Board } from '../board/schema.ts';
import { profileArch } from '../predict/efficiency.ts';
import { fitArch, type PatchRequest } from '../schedule/index.ts';
import type { Measure } from './candidate.ts';

export function boardMeasure(board: Board, patch: PatchRequest = 'auto'): Measure {
  return (c) => {
    const p = profileArch(c);
    const f = fitArch(c, board, { patch });
    return { millionMACs: p.millionMACs, KBPeakMemory: p.KBPeakMemory, sramKB: f.sramBytes / 1024, flashKB: f.flashBytes / 1024 };
  };
}
