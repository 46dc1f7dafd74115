// Which of the top K places a shard of `search --verify-top K --shard i/n` verifies (verify.ts runs them,
// shard.ts writes and merges the parts).

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** The places in the top K that shard i of n verifies: every n-th, starting at place i-1 (0-based places). */
export function shardPlaces(picks: number, shard?: Shard): number[] {
  const all = Array.from({ length: picks }, (_, k) => k);
  return shard ? all.filter((k) => k % shard.count === shard.index - 1) : all;
}
