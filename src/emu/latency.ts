// From an instruction count to milliseconds on a board. QEMU counts instructions, not cycles, so the
// estimate is instructions x an assumed cycles-per-instruction figure for the core, at the board's
// clock, and it says so. The figures are assumptions for int8 kernel loops with the caches on and
// flash wait states hidden by the ART/cache, not measurements: Cortex-M0+ has a 2-stage pipeline with
// 2-cycle loads and no DSP; M3/M4/M33 mostly single-issue with 2-cycle loads; M7 dual-issues
// about half the pairs; M55 runs scalar code at about M7 speed (Helium is not used here).
export const CYCLES_PER_INSTRUCTION: Record<string, number> = {
  'cortex-m0plus': 1.5,
  'cortex-m3': 1.3,
  'cortex-m4': 1.25,
  'cortex-m33': 1.2,
  'cortex-m7': 0.8,
  'cortex-m55': 0.8,
};

export interface LatencyEstimate {
  ms: number;
  instructions: number;
  cyclesPerInstruction: number;
  clockHz: number;
  /** One sentence: how the figure was derived. */
  derivation: string;
}

export function estimateLatency(instructions: number, board: { name: string; core: string; clockHz: number }, cyclesPerInstruction?: number): LatencyEstimate {
  const cpi = cyclesPerInstruction ?? CYCLES_PER_INSTRUCTION[board.core] ?? 1.25;
  const ms = (instructions * cpi * 1000) / board.clockHz;
  const assumed = cyclesPerInstruction === undefined ? `assumed for ${board.core}` : 'given';
  return {
    ms,
    instructions,
    cyclesPerInstruction: cpi,
    clockHz: board.clockHz,
    derivation: `${instructions} instructions (QEMU -icount) x ${cpi} cycles/instruction (${assumed}, not measured) / ${board.clockHz / 1e6} MHz (${board.name}) = ${ms.toFixed(2)} ms`,
  };
}
