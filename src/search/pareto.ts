// The Pareto front of what a search evaluated: higher predicted accuracy, fewer MACs, less peak memory.

export interface ParetoPoint {
  accuracy: number;
  millionMACs: number;
  KBPeakMemory: number;
}

function dominates(a: ParetoPoint, b: ParetoPoint): boolean {
  const noWorse = a.accuracy >= b.accuracy && a.millionMACs <= b.millionMACs && a.KBPeakMemory <= b.KBPeakMemory;
  const better = a.accuracy > b.accuracy || a.millionMACs < b.millionMACs || a.KBPeakMemory < b.KBPeakMemory;
  return noWorse && better;
}

/**
 * Non-dominated points, sorted by MACs ascending (ties: accuracy descending). In this order (with peak
 * memory ascending as the last key) anything that dominates a point comes before it, and so does a front
 * point that dominates it: checking the front found so far is enough, O(n x front) rather than O(n^2).
 */
export function paretoFront<T extends ParetoPoint>(points: readonly T[]): T[] {
  const sorted = [...points].sort((a, b) => a.millionMACs - b.millionMACs || b.accuracy - a.accuracy || a.KBPeakMemory - b.KBPeakMemory);
  const front: T[] = [];
  for (const p of sorted) {
    if (front.some((q) => dominates(q, p))) continue;
    if (front.some((q) => q.accuracy === p.accuracy && q.millionMACs === p.millionMACs && q.KBPeakMemory === p.KBPeakMemory))
      continue;
    front.push(p);
  }
  return front;
}
