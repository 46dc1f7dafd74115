// From the plugin's instruction mix to core cycles: each class's count x its cost in the core's table
// (boards/cores/<core>.json), LDM/STM by register count, dual-issued pairs free on a dual-issue core,
// plus stall events (flash line misses, pipeline refills, mispredicts) x their cost, where the flash
// costs come from the board's memory timing. Per-op cycles per instruction come out of each op's own
// mix; nothing here is a single tuned CPI.
import type { Board } from '../board/schema.ts';
import { loadCoreTable, type BoardPenalty, type CoreTable } from './cycle-table.ts';
import { mixInstructions, type MixCounts } from './plugin.ts';

export interface ClassCycles {
  /** Instructions of the class, or events for a stall class. */
  count: number;
  cycles: number;
  /** Stalls count events, not instructions. */
  stall?: true;
  /** Instructions that issued second in a dual-issue pair (Cortex-M7), at no cycle of their own. */
  paired?: number;
}

export interface CycleModel {
  core: string;
  board: string;
  clockHz: number;
  /** Non-stall counts add up to the instructions; all cycles add up to the cycles. */
  classes: Record<string, ClassCycles>;
  /** Data accesses by region (flash, tcm, sram, other). */
  memory: Record<string, { loads: number; stores: number }>;
  /** Board-derived stall costs used. */
  penalties: Record<BoardPenalty, number>;
  source: string;
}

export interface CycleCount {
  instructions: number;
  cycles: number;
  classes: Record<string, ClassCycles>;
}

/** Stall costs that the board's memories decide (extra cycles over a zero-wait access). */
export function boardPenalties(board: Board): { penalties: Record<BoardPenalty, number>; note: string } {
  const t = board.memoryTiming;
  if (!t) return { penalties: { flashPenalty: 0, flashSequentialPenalty: 0, sramMissPenalty: 0 }, note: 'no memory timing in the board file: zero-wait memories' };
  const flashPenalty = t.flashWaitStates + (t.flashBusCycles ?? 0);
  const penalties = {
    flashPenalty,
    flashSequentialPenalty: t.instructionPath.prefetch ? 0 : flashPenalty,
    sramMissPenalty: t.dataPath.sramMissCycles ?? 0,
  };
  const path = (p: { kind: string; bytes?: number }) => (p.kind === 'none' ? 'no cache' : `${p.kind} ${p.bytes ? `${p.bytes / 1024} KB` : ''}`.trim());
  return {
    penalties,
    note: `${t.flashWaitStates} flash wait states${t.flashBusCycles ? ` + ${t.flashBusCycles} bus cycles a line read` : ''}, instruction path ${path(t.instructionPath)}${t.instructionPath.prefetch ? ' + prefetch' : ''}, data path ${path(t.dataPath)}`,
  };
}

/** Cycles of one window's mix on `table`. */
export function countCycles(mix: MixCounts, table: CoreTable, penalties: Record<BoardPenalty, number>): CycleCount {
  const classes: Record<string, ClassCycles> = {};
  let cycles = 0;
  for (const [name, count] of Object.entries(mix.classes)) {
    if (count === 0) continue;
    const cost = table.classes[name];
    if (!cost) throw new Error(`core table ${table.core}: no cost for instruction class "${name}"`);
    const paired = table.dualIssue ? (mix.paired[name] ?? 0) : 0;
    const which = name === 'load_multiple' ? 'ldm' : name === 'store_multiple' ? 'stm' : null;
    const regs = which ? (mix.aux[`${which}_regs`] ?? 0) : 0;
    const pairs = which ? (mix.aux[`${which}_pairs`] ?? 0) : 0;
    const c = (count - paired) * cost.cycles + regs * (cost.perRegister ?? 0) + pairs * (cost.perRegisterPair ?? 0);
    classes[name] = paired > 0 ? { count, cycles: c, paired } : { count, cycles: c };
    cycles += c;
  }
  for (const [name, count] of Object.entries(mix.stalls)) {
    if (count === 0) continue;
    const cost = table.stalls[name];
    if (!cost) throw new Error(`core table ${table.core}: no cost for stall "${name}"`);
    const each = typeof cost.cycles === 'number' ? cost.cycles : penalties[cost.cycles];
    const c = count * each;
    if (c === 0) continue; // an event that costs nothing on this core and board is no part of the sum
    classes[name] = { count, cycles: c, stall: true };
    cycles += c;
  }
  return { instructions: mixInstructions(mix), cycles, classes };
}

/** The cycle model of one inference (a test set's whole window) on `board`. */
export function cycleModel(mix: MixCounts, board: Board, table: CoreTable = loadCoreTable(board.core)): { model: CycleModel; count: CycleCount; note: string } {
  const { penalties, note } = boardPenalties(board);
  const count = countCycles(mix, table, penalties);
  return {
    model: {
      core: board.core,
      board: board.name,
      clockHz: board.clockHz,
      classes: count.classes,
      memory: mix.memory,
      penalties,
      source: `boards/cores/${board.core}.json (${table.source}); board memory timing: ${board.memoryTiming?.source ?? 'none given'}`,
    },
    count,
    note,
  };
}

/** One line: how the cycles and milliseconds were derived, with the classes that cost most. */
export function cycleDerivation(count: CycleCount, board: Board, note: string): string {
  const ms = (count.cycles * 1000) / board.clockHz;
  const top = Object.entries(count.classes)
    .sort((a, b) => b[1].cycles - a[1].cycles)
    .slice(0, 4)
    .map(([k, v]) => `${k} ${((100 * v.cycles) / Math.max(1, count.cycles)).toFixed(0)}%`)
    .join(', ');
  const cpi = count.instructions > 0 ? count.cycles / count.instructions : 0;
  return (
    `${count.cycles} cycles (cycle model: ${count.instructions} instructions by class x ${board.core} costs, ${cpi.toFixed(2)} cycles/instruction from the mix; ${note}) ` +
    `/ ${board.clockHz / 1e6} MHz (${board.name}) = ${ms.toFixed(2)} ms; most cycles in ${top}`
  );
}
