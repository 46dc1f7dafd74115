// Arena placement: give every buffer an offset so that no two buffers that are live at the same time
// share a byte. The input is only a list of buffers with lifetimes (as TF Lite Micro's memory planner
// asks only AddBuffer(size, first, last)); strategies are plain functions over that list, so they can be
// swapped, compared and tested one by one.
//
// Time is the index of an op in the execution order. A buffer is live from `firstUse` to `lastUse`,
// both inclusive: an op's inputs and its output are live at that op's index, so they never overlap.

export interface Buffer {
  /** Any label that lets the caller map offsets back (tensor name, "scratch:<op>", ...). */
  readonly id: string;
  /** Bytes. Zero-sized buffers get offset 0 and take no space. */
  readonly size: number;
  readonly firstUse: number;
  readonly lastUse: number;
}

export interface Placement {
  /** Name of the strategy that produced it. */
  readonly strategy: string;
  /** offsets[i] is the offset of buffers[i] (same order as the input list). */
  readonly offsets: readonly number[];
  /** Arena bytes: the highest end of any buffer, rounded up to the alignment. */
  readonly arena: number;
}

export type PlacementStrategy = (buffers: readonly Buffer[], alignment?: number) => Placement;

/**
 * Default alignment of every offset, and of every buffer's size when it is packed next to another.
 * 16 bytes, as TF Lite Micro uses: it keeps word loads (the s8x4 reads of the DSP kernels, which fault
 * on Cortex-M0+ if unaligned), 64-bit LDRD and M55 MVE 128-bit vector loads legal at any buffer start,
 * and costs at most 15 bytes per buffer (well under 1% of an arena with ~100 buffers of kilobytes).
 */
export const DEFAULT_ALIGNMENT = 16;

export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

export function liveTogether(a: Buffer, b: Buffer): boolean {
  return a.firstUse <= b.lastUse && b.firstUse <= a.lastUse;
}

/**
 * The most bytes that must be live at once: max over time of the sum of the (aligned) sizes of the
 * live buffers. No placement can use a smaller arena, since buffers live at the same time cannot share
 * bytes and every offset is aligned.
 */
export function lowerBound(buffers: readonly Buffer[], alignment = DEFAULT_ALIGNMENT): number {
  if (buffers.length === 0) return 0;
  // Sweep: +size at firstUse, -size after lastUse.
  let tMax = 0;
  for (const b of buffers) if (b.lastUse > tMax) tMax = b.lastUse;
  const delta = new Float64Array(tMax + 2);
  for (const b of buffers) {
    const s = alignUp(b.size, alignment);
    delta[b.firstUse] += s;
    delta[b.lastUse + 1] -= s;
  }
  let live = 0;
  let best = 0;
  for (let t = 0; t <= tMax; t++) {
    live += delta[t];
    if (live > best) best = live;
  }
  return best;
}

/**
 * Places buffers one at a time in the given order, each at the lowest aligned offset where it does not
 * collide with an already placed buffer that is live at the same time (first fit). Returns the offsets
 * in the input order.
 */
export function firstFitInOrder(buffers: readonly Buffer[], order: readonly number[], alignment: number): number[] {
  const n = buffers.length;
  const offsets = new Array<number>(n).fill(0);
  // Placed buffers sorted by offset (as TF Lite Micro's greedy planner keeps its list), so the lowest
  // gap is found in one walk without sorting per buffer.
  const sorted = new Int32Array(n);
  let count = 0;
  for (const i of order) {
    const b = buffers[i];
    if (b.size <= 0) continue;
    const size = alignUp(b.size, alignment);
    let candidate = 0;
    for (let k = 0; k < count; k++) {
      const j = sorted[k];
      const p = buffers[j];
      if (p.firstUse > b.lastUse || b.firstUse > p.lastUse) continue;
      if (offsets[j] - candidate >= size) break;
      const end = offsets[j] + alignUp(p.size, alignment);
      if (end > candidate) candidate = end;
    }
    offsets[i] = candidate;
    // Insert keeping the list sorted by offset (after equal offsets: stable for ties).
    let k = count;
    while (k > 0 && offsets[sorted[k - 1]] > candidate) {
      sorted[k] = sorted[k - 1];
      k--;
    }
    sorted[k] = i;
    count++;
  }
  return offsets;
}

function arenaOf(buffers: readonly Buffer[], offsets: readonly number[], alignment: number): number {
  let end = 0;
  for (let i = 0; i < buffers.length; i++) if (buffers[i].size > 0) end = Math.max(end, offsets[i] + buffers[i].size);
  return alignUp(end, alignment);
}

function byOrder(name: string, compare: (a: Buffer, b: Buffer) => number): PlacementStrategy {
  return (buffers, alignment = DEFAULT_ALIGNMENT) => {
    const order = buffers.map((_, i) => i).sort((i, j) => compare(buffers[i], buffers[j]) || i - j);
    const offsets = firstFitInOrder(buffers, order, alignment);
    return { strategy: name, offsets, arena: arenaOf(buffers, offsets, alignment) };
  };
}

/**
 * TF Lite Micro's greedy idea: the biggest buffers first, each at the lowest offset that is free during
 * its lifetime. Big buffers end up at the bottom and small short-lived ones fill the holes.
 */
export const greedyBySize: PlacementStrategy = byOrder(
  'greedy-by-size',
  (a, b) => b.size - a.size || a.firstUse - b.firstUse,
);

/**
 * In the order buffers come to life (as a linear allocator would see them), each at the lowest free
 * offset. Wins when sizes alternate along a chain, where size order leaves a hole the next buffer
 * cannot use.
 */
export const firstFitByLifetime: PlacementStrategy = byOrder(
  'first-fit-by-lifetime',
  (a, b) => a.firstUse - b.firstUse || b.size - a.size,
);

/**
 * Longest-lived first (ties: bigger first): the buffers that block space for longest go to the bottom,
 * which suits residual inputs that span a whole block.
 */
export const greedyByLifetimeLength: PlacementStrategy = byOrder(
  'greedy-by-lifetime-length',
  (a, b) => b.lastUse - b.firstUse - (a.lastUse - a.firstUse) || b.size - a.size,
);

export const STRATEGIES: readonly PlacementStrategy[] = [greedyBySize, firstFitByLifetime, greedyByLifetimeLength];

/**
 * Runs every strategy and keeps the smallest arena (the first one on a tie). Stops early when a
 * strategy reaches the lower bound, since nothing can beat it.
 */
export function placeBest(
  buffers: readonly Buffer[],
  alignment = DEFAULT_ALIGNMENT,
  strategies: readonly PlacementStrategy[] = STRATEGIES,
): Placement {
  const bound = lowerBound(buffers, alignment);
  let best: Placement | undefined;
  for (const s of strategies) {
    const p = s(buffers, alignment);
    if (!best || p.arena < best.arena) best = p;
    if (best.arena <= bound) break;
  }
  if (!best) throw new Error('placeBest needs at least one strategy');
  return best;
}

/** A violation of the placement rules, or undefined: used by tests and as a guard before code generation. */
export function checkPlacement(buffers: readonly Buffer[], p: Placement, alignment = DEFAULT_ALIGNMENT): string | undefined {
  for (let i = 0; i < buffers.length; i++) {
    const a = buffers[i];
    if (a.size <= 0) continue;
    const oa = p.offsets[i];
    if (oa % alignment !== 0) return `${a.id} at ${oa} is not ${alignment}-byte aligned`;
    if (oa < 0 || oa + a.size > p.arena) return `${a.id} [${oa}, ${oa + a.size}) lies outside the arena of ${p.arena}`;
    for (let j = i + 1; j < buffers.length; j++) {
      const b = buffers[j];
      if (b.size <= 0 || !liveTogether(a, b)) continue;
      const ob = p.offsets[j];
      if (oa < ob + b.size && ob < oa + a.size)
        return `${a.id} [${oa}, ${oa + a.size}) and ${b.id} [${ob}, ${ob + b.size}) overlap while both are live`;
    }
  }
  return undefined;
}
