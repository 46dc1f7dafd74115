import { BASE_DEPTH, N_SLOTS, N_STAGES, SLOT_POS, SLOT_STAGE, STAGE_SLOTS } from './constants.ts';
import type { ArchConfig } from './config.ts';

/** Blocks that run in stage s: min(slots, d[s] + base) for stages 0..4; the last stage always runs one. */
export function activeInStage(d: readonly number[], stage: number): number {
  if (stage === N_STAGES - 1) return 1;
  return Math.min(STAGE_SLOTS[stage], d[stage] + BASE_DEPTH[stage]);
}

/** Whether each of the 20 slots is active in this config. */
export function activeSlots(c: Pick<ArchConfig, 'd'>): boolean[] {
  const out = new Array<boolean>(N_SLOTS);
  for (let b = 0; b < N_SLOTS; b++) out[b] = SLOT_POS[b] < activeInStage(c.d, SLOT_STAGE[b]);
  return out;
}
