// What each Cortex-M core can have, and what its code runs on. From the Arm Technical Reference
// Manuals (FPU and DSP options per core) and GCC 12's arm-none-eabi defaults: with no -mfpu (or
// -mfpu=auto) and -mfloat-abi=hard, -mcpu=cortex-m7 builds for the double-precision FPv5 and
// cortex-m33 for the single-precision one (checked with gcc -dM -E: __ARM_FP 14 vs 4).

export const CORES = ['cortex-m0plus', 'cortex-m3', 'cortex-m4', 'cortex-m7', 'cortex-m33', 'cortex-m55'] as const;
export type Core = (typeof CORES)[number];

export type Fpu = 'none' | 'sp' | 'dp';

export interface CoreFacts {
  /** The FPUs a chip with this core may have. */
  fpus: readonly Fpu[];
  /** The FPU gcc builds for under -mfpu=auto (the default). */
  gccDefaultFpu: Fpu;
  dsp: 'never' | 'always' | 'optional';
  mve: boolean;
  /**
   * Cores whose code this core executes (the emulator stand-in's CPU runs the board's code): the
   * instruction set only grows from v6-M to v7-M to v7E-M, and v8-M Mainline keeps v7-M.
   */
  runs: readonly Core[];
}

export const CORE_FACTS: Readonly<Record<Core, CoreFacts>> = {
  'cortex-m0plus': { fpus: ['none'], gccDefaultFpu: 'none', dsp: 'never', mve: false, runs: ['cortex-m0plus'] },
  'cortex-m3': { fpus: ['none'], gccDefaultFpu: 'none', dsp: 'never', mve: false, runs: ['cortex-m0plus', 'cortex-m3'] },
  'cortex-m4': { fpus: ['none', 'sp'], gccDefaultFpu: 'sp', dsp: 'always', mve: false, runs: ['cortex-m0plus', 'cortex-m3', 'cortex-m4'] },
  'cortex-m7': { fpus: ['none', 'sp', 'dp'], gccDefaultFpu: 'dp', dsp: 'always', mve: false, runs: ['cortex-m0plus', 'cortex-m3', 'cortex-m4', 'cortex-m7'] },
  'cortex-m33': { fpus: ['none', 'sp'], gccDefaultFpu: 'sp', dsp: 'optional', mve: false, runs: ['cortex-m0plus', 'cortex-m3', 'cortex-m33'] },
  'cortex-m55': { fpus: ['none', 'sp', 'dp'], gccDefaultFpu: 'dp', dsp: 'always', mve: true, runs: ['cortex-m0plus', 'cortex-m3', 'cortex-m33', 'cortex-m55'] },
};

/** The FPU QEMU's model of each CPU has (target/arm/cpu_tcg.c: the M7 and M55 models are double precision). */
export const QEMU_CPU_FPU: Readonly<Record<Core, Fpu>> = {
  'cortex-m0plus': 'none',
  'cortex-m3': 'none',
  'cortex-m4': 'sp',
  'cortex-m7': 'dp',
  'cortex-m33': 'sp',
  'cortex-m55': 'dp',
};

/** dp covers sp: a double-precision FPU runs single-precision code. */
export function fpuCovers(have: Fpu, need: Fpu): boolean {
  const rank: Record<Fpu, number> = { none: 0, sp: 1, dp: 2 };
  return rank[have] >= rank[need];
}
