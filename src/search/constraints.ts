// Budgets a searched subnet must meet. Keys follow the lab (millionMACs, KBPeakMemory) plus the
// board-aware figures measured by the planner (SRAM and flash in KB). A key left undefined is not checked,
// as the lab's notebook satisfy_constraint skips keys missing from the target.

export interface Figures {
  millionMACs: number;
  KBPeakMemory: number;
  /** Planned SRAM (arena + scratch + I/O + stack reserve), when a board is given. */
  sramKB?: number;
  /** Planned flash (weights + code estimate), when a board is given. */
  flashKB?: number;
  /** The planner's verdict on the board (false also when no buffer placement fits split SRAM). */
  fitsBoard?: boolean;
  /** Predicted latency of one inference on the board (src/predict/latency.ts), when a latency budget is given. */
  latencyMs?: number;
}

export interface Constraints {
  millionMACs?: number;
  KBPeakMemory?: number;
  sramKB?: number;
  flashKB?: number;
  latencyMs?: number;
}

export const CONSTRAINT_KEYS = ['millionMACs', 'KBPeakMemory', 'sramKB', 'flashKB', 'latencyMs'] as const;
export type ConstraintKey = (typeof CONSTRAINT_KEYS)[number];

/** Every figure present in the target must be <= it. */
export function satisfies(f: Figures, c: Constraints): boolean {
  if (f.fitsBoard === false) return false;
  for (const k of CONSTRAINT_KEYS) {
    const limit = c[k];
    if (limit === undefined) continue;
    const v = f[k];
    if (v === undefined || v > limit) return false;
  }
  return true;
}

/** The keys a figure set breaks, for messages. */
export function violated(f: Figures, c: Constraints): ConstraintKey[] {
  return CONSTRAINT_KEYS.filter((k) => c[k] !== undefined && (f[k] === undefined || (f[k] as number) > (c[k] as number)));
}

export const CONSTRAINT_FLAGS: Record<ConstraintKey, string> = {
  millionMACs: '--max-macs',
  KBPeakMemory: '--max-peak-kb',
  sramKB: '--max-sram-kb',
  flashKB: '--max-flash-kb',
  latencyMs: '--max-latency-ms',
};
