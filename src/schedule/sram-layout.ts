// Where the arena, the stack and the runtime's static data go in a board's SRAM.
//
// Rule: the arena is one block in the largest contiguous run of arena-usable regions (stm32f746: DTCM +
// SRAM1 + SRAM2 = 320 KB from 0x20000000; stm32h743: AXI SRAM, 512 KB). The stack and the runtime go
// in another run if one can hold them (stm32h743: DTCM, the fastest RAM for a stack), else on top of the
// arena in the same run. Only when the arena is larger than the largest run are buffers spread over
// several runs ("split" mode): each buffer, biggest first, goes to the first run (largest first) where
// it fits beside the buffers already there that are live at the same time. A buffer never straddles two
// runs, so every kernel still sees one contiguous tensor.
import type { Board } from '../board/schema.ts';
import { arenaSpans, type ArenaSpan } from '../board/regions.ts';
import { alignUp, DEFAULT_ALIGNMENT, firstFitInOrder, type Buffer } from './placement.ts';

/**
 * Stack estimate: CMSIS-NN's kernels use under about 0.6 KB of stack (../shared/spec/toolchain.md) and
 * the project's kernels are of the same build; plus main, the semihosting/UART code and exception
 * frames. To be checked against the linked ELF (-fstack-usage) when code generation lands.
 */
export const STACK_BYTES = 2048;
/**
 * Static .data/.bss of the runtime outside the arena, as measured on the board ELFs (tools/bench/fit.ts):
 * main.c's per-op tick counts (4 B an op), the op start time (8 B), the counter's SysTick wrap count and
 * the vectors-filled flag (4 B each); on a board whose image sets up its clock (every board but the
 * emulation targets), the clock set-up's record `mcunas_clock` (5 words). The console keeps no static data.
 */
export const RUNTIME_FIXED_BYTES = 16;
export const RUNTIME_BYTES_PER_OP = 4;
export const RUNTIME_CLOCK_BYTES = 20;

/** The runtime's static SRAM for a network of `ops` ops (every op of the plan is one call in model.c). */
export function runtimeBytes(ops: number, clockSetup = false): number {
  return RUNTIME_FIXED_BYTES + RUNTIME_BYTES_PER_OP * ops + (clockSetup ? RUNTIME_CLOCK_BYTES : 0);
}

export interface SpanUse {
  readonly regions: readonly string[];
  readonly base: number;
  readonly size: number;
  /** Arena bytes placed in this run. */
  readonly arena: number;
  /** Stack + runtime bytes placed in this run. */
  readonly reserved: number;
}

export interface SramLayout {
  /** single: the arena in one run; split: buffers spread over runs; none: it does not fit the board. */
  readonly mode: 'single' | 'split' | 'none';
  readonly spans: readonly SpanUse[];
  /** split mode: per buffer, the index into `spans` and the offset inside that run. */
  readonly bufferSpan?: readonly number[];
  readonly bufferOffset?: readonly number[];
  /** Bytes the board offers to this network: the largest run (single) or all runs (split). */
  readonly capacity: number;
  /** One sentence for the report. */
  readonly description: string;
}

function hex(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;
}

function spanName(s: ArenaSpan): string {
  return `${s.regions.join('+')} (${Math.round(s.size / 1024)} KB @${hex(s.base)})`;
}

export function sramLayout(
  board: Board,
  arena: number,
  buffers: readonly Buffer[] | undefined,
  alignment = DEFAULT_ALIGNMENT,
  /** Stack + runtime static data (STACK_BYTES + runtimeBytes(ops)). */
  reserve: number,
): SramLayout {
  const spans = arenaSpans(board);
  const largest = spans[0];
  const use = (s: ArenaSpan, a: number, r: number): SpanUse => ({ regions: s.regions, base: s.base, size: s.size, arena: a, reserved: r });
  if (arena <= largest.size) {
    const other = spans
      .slice(1)
      .filter((s) => s.size >= reserve)
      .sort((a, b) => a.size - b.size)[0];
    if (other)
      return {
        mode: 'single',
        spans: [use(largest, arena, 0), use(other, 0, reserve)],
        capacity: largest.size,
        description: `arena in ${spanName(largest)}; stack and runtime in ${spanName(other)}`,
      };
    if (arena + reserve <= largest.size)
      return {
        mode: 'single',
        spans: [use(largest, arena, reserve)],
        capacity: largest.size,
        description: `arena, stack and runtime in ${spanName(largest)}`,
      };
  }
  const all = spans.reduce((n, s) => n + s.size, 0);
  const biggest = buffers ? buffers.reduce((m, b) => Math.max(m, b.size), 0) : 0;
  if (spans.length > 1 && buffers) {
    const split = splitAcross(spans, buffers, alignment, reserve);
    if (split) return { ...split, capacity: all };
  }
  return {
    mode: 'none',
    spans: [use(largest, arena, reserve)],
    capacity: spans.length > 1 && buffers ? all : largest.size,
    description:
      spans.length > 1
        ? `does not fit: arena ${arena} B + ${reserve} B stack/runtime exceed the largest run ${spanName(largest)}, and spreading buffers over all ${spans.length} runs fails too` +
          (biggest > largest.size ? ` (one buffer alone is ${biggest} B)` : '')
        : `does not fit: arena ${arena} B + ${reserve} B stack/runtime exceed ${spanName(largest)}`,
  };
}

/** Spreads buffers over several runs; undefined if some buffer finds no room. */
function splitAcross(
  spans: readonly ArenaSpan[],
  buffers: readonly Buffer[],
  alignment: number,
  reserve: number,
): Omit<SramLayout, 'capacity'> | undefined {
  // Stack and runtime in the smallest run that holds them, leaving the big runs to tensors.
  const byRise = spans.map((_, i) => i).sort((a, b) => spans[a].size - spans[b].size);
  const reserveIn = byRise.find((i) => spans[i].size >= reserve);
  if (reserveIn === undefined) return undefined;
  const cap = spans.map((s, i) => s.size - (i === reserveIn ? alignUp(reserve, alignment) : 0));
  const order = buffers.map((_, i) => i).sort((a, b) => buffers[b].size - buffers[a].size || a - b);
  const spanOf = new Array<number>(buffers.length).fill(0);
  const offsetOf = new Array<number>(buffers.length).fill(0);
  const members: number[][] = spans.map(() => []);
  for (const i of order) {
    if (buffers[i].size <= 0) continue;
    let placed = false;
    for (let s = 0; s < spans.length && !placed; s++) {
      const group = [...members[s], i];
      const sub = group.map((k) => buffers[k]);
      // First fit of the new buffer after the ones already in this run (their offsets stay).
      const offs = firstFitInOrder(sub, sub.map((_, k) => k), alignment);
      // firstFitInOrder recomputes the earlier ones in the same order, so they keep their offsets.
      const off = offs[offs.length - 1];
      if (off + buffers[i].size <= cap[s]) {
        members[s].push(i);
        spanOf[i] = s;
        offsetOf[i] = off;
        placed = true;
      }
    }
    if (!placed) return undefined;
  }
  const used = spans.map((_, s) => members[s].reduce((m, i) => Math.max(m, offsetOf[i] + buffers[i].size), 0));
  return {
    mode: 'split',
    spans: spans.map((s, i) => ({ regions: s.regions, base: s.base, size: s.size, arena: alignUp(used[i], alignment), reserved: i === reserveIn ? reserve : 0 })),
    bufferSpan: spanOf,
    bufferOffset: offsetOf,
    description: `arena larger than the largest run ${spanName(spans[0])}: buffers spread over ${spans
      .filter((_, i) => used[i] > 0)
      .map(spanName)
      .join(', ')}; stack and runtime in ${spanName(spans[reserveIn])}`,
  };
}
