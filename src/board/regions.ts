// Views of a board's memory that the planner and the linker-script generator need.
import type { Board, SramRegion } from './schema.ts';

/** A run of arena-usable regions that follow each other in the address space. */
export interface ArenaSpan {
  regions: string[];
  base: number;
  size: number;
}

/** Arena-usable regions merged where they touch (stm32f746: DTCM+SRAM1+SRAM2 = 320K), largest first. */
export function arenaSpans(board: Board): ArenaSpan[] {
  const usable = board.sram.filter((r) => r.arena).sort((a, b) => a.base - b.base);
  const spans: ArenaSpan[] = [];
  for (const r of usable) {
    const last = spans[spans.length - 1];
    if (last && last.base + last.size === r.base) {
      last.regions.push(r.name);
      last.size += r.size;
    } else spans.push({ regions: [r.name], base: r.base, size: r.size });
  }
  return spans.sort((a, b) => b.size - a.size || a.base - b.base);
}

export function largestArenaSpan(board: Board): ArenaSpan {
  return arenaSpans(board)[0];
}

/** SRAM the firmware may use (regions marked arena), split or not: stm32h743 1 MB, stm32f746 320K. */
export function usableSram(board: Board): number {
  return board.sram.reduce((s, r) => s + (r.arena ? r.size : 0), 0);
}

export interface EmulatorLayout {
  machine: string;
  cpu: string;
  /** The board's flash size at the stand-in's code address. */
  flash: { base: number; size: number };
  /** Each arena-usable board region, its size kept, at an address inside the stand-in's RAM window. */
  sram: (SramRegion & { boardBase: number })[];
}

/**
 * The memory map for the emulator link ("two links, one source", DESIGN.md): the stand-in's addresses
 * with the board's sizes, so what runs in QEMU is what fits the board. Only the regions the firmware
 * uses (arena: true) are mapped. Regions that lie inside the stand-in's RAM window keep their board
 * addresses (all of stm32f746's on mps2-an500); the others are packed after them in address order, so
 * regions that touch on the board still touch (stm32h743's SRAM1..3). Returns undefined
 * without a QEMU stand-in; throws RangeError when the board is bigger than its stand-in.
 */
export function emulatorLayout(board: Board): EmulatorLayout | undefined {
  const q = board.emulator.qemu;
  if (!q) return undefined;
  if (board.flash.size > q.code.size)
    throw new RangeError(`flash ${board.flash.size} B does not fit the ${q.machine} code window of ${q.code.size} B`);
  const used = board.sram.filter((r) => r.arena).sort((a, b) => a.base - b.base);
  const end = q.ram.base + q.ram.size;
  const inside = (r: SramRegion) => r.base >= q.ram.base && r.base + r.size <= end;
  // Regions already inside the window keep their address; the rest follow the last of them, in order.
  let at = Math.max(q.ram.base, ...used.filter(inside).map((r) => r.base + r.size));
  const sram = used.map((r) => {
    if (inside(r)) return { ...r, boardBase: r.base };
    const placed = { ...r, boardBase: r.base, base: at };
    at += r.size;
    return placed;
  });
  if (at > end) throw new RangeError(`SRAM of ${at - q.ram.base} B does not fit the ${q.machine} RAM window of ${q.ram.size} B`);
  return { machine: q.machine, cpu: q.cpu, flash: { base: q.code.base, size: board.flash.size }, sram };
}
