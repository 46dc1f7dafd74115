import { profileArch } from '../predict/efficiency.ts';
import type { Measure } from './candidate.ts';

/** The lab's analytic figures only (no board). */
export const analyticMeasure: Measure = (c) => {
  const p = profileArch(c);
  return { millionMACs: p.millionMACs, KBPeakMemory: p.KBPeakMemory };
};
