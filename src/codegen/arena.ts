// Where every tensor and scratch buffer lives in the generated C: one static int8 arena per SRAM run the
// plan uses (one run for almost every board; several only when the plan spreads buffers, "split" mode),
// each in the linker section of its board region, at the planner's offsets. Nothing here chooses an
// offset: the plan's numbers are the C's numbers ("memory truth", DESIGN.md).
import type { Plan } from '../schedule/index.ts';
import { regionName } from './link-layout.ts';

export interface ArenaBlock {
  /** arena<index> in C. */
  index: number;
  bytes: number;
  /** Linker MEMORY name of the run, e.g. DTCM_SRAM1_SRAM2 (the buffer goes in section .sram.<name>). */
  region: string;
  /** The board regions it covers (for comments). */
  parts: string[];
}

export interface ArenaRef {
  /** Index of the arena block. */
  span: number;
  offset: number;
  bytes: number;
}

export interface ArenaMap {
  blocks: ArenaBlock[];
  /** Board regions of the run that holds the stack and static data (the linker script's runtime region). */
  runtimeRegions: string[];
  tensor(name: string): ArenaRef;
  /** The scratch buffer of an op, or null when it has none. */
  scratch(opName: string): ArenaRef | null;
}

export function arenaMap(plan: Plan): ArenaMap {
  const layout = plan.sram.layout;
  // A plan that does not fit ('none') is generated all the same, its arena in the largest run: the linker
  // then reports the overflow against the board's real region (memory truth: it fails at link time).
  // Block k is the k-th run of the layout; single mode puts everything in run 0.
  const blocks: ArenaBlock[] = [];
  const blockOfSpan = new Map<number, number>();
  layout.spans.forEach((s, i) => {
    if (s.arena <= 0) return;
    blockOfSpan.set(i, blocks.length);
    blocks.push({ index: blocks.length, bytes: s.arena, region: regionName(s.regions), parts: [...s.regions] });
  });
  const reserved = layout.spans.find((s) => s.reserved > 0) ?? layout.spans[0];
  const byName = new Map(plan.tensors.map((t) => [t.name, t]));
  const scratchByOp = new Map(plan.buffers.filter((b) => b.id.startsWith('scratch:')).map((b) => [b.id.slice('scratch:'.length), b]));
  const ref = (span: number, offset: number, bytes: number, what: string): ArenaRef => {
    const block = blockOfSpan.get(span);
    if (block === undefined || offset + bytes > blocks[block].bytes) throw new Error(`bug: ${what} at ${offset}+${bytes} lies outside arena run ${span}`);
    return { span: block, offset, bytes };
  };
  return {
    blocks,
    runtimeRegions: [...reserved.regions],
    tensor(name) {
      const t = byName.get(name);
      if (!t) throw new Error(`bug: the plan has no tensor "${name}"`);
      return ref(t.span, t.offset, t.bytes, `tensor "${name}"`);
    },
    scratch(opName) {
      const b = scratchByOp.get(opName);
      return b && b.size > 0 ? ref(b.span, b.offset, b.size, `scratch of "${opName}"`) : null;
    },
  };
}
