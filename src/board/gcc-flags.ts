// A board's gccFlags reach a Makefile and gcc's command line, and a board file may come from a user's
// folder: only an allow-list of target options passes, and they must describe the board's own core
// and FPU (a -mcpu that disagrees with "core", or hard-float code for a chip without an FPU, would
// build a firmware for some other chip).
import { CORE_FACTS, type Core, type Fpu } from './cores.ts';

/**
 * GCC 12's -mfpu names for Cortex-M FPUs, the precision each gives and the cores that have it, the
 * FPU a core really has first (an M7 can also run FPv4 code, but its own FPU is FPv5).
 */
export const GCC_FPUS: Readonly<Record<string, { fpu: Exclude<Fpu, 'none'>; cores: readonly Core[] }>> = {
  'fpv5-sp-d16': { fpu: 'sp', cores: ['cortex-m7', 'cortex-m33'] },
  'fpv5-d16': { fpu: 'dp', cores: ['cortex-m7'] },
  'fpv4-sp-d16': { fpu: 'sp', cores: ['cortex-m4', 'cortex-m7'] },
};

export const FLOAT_ABIS = ['soft', 'softfp', 'hard'] as const;
export type FloatAbi = (typeof FLOAT_ABIS)[number];

/** What the flags ask gcc to build for. */
export interface TargetFlags {
  cpu: string;
  /** The -mfpu value, "auto" when absent (gcc's default). */
  fpuName: string;
  floatAbi: FloatAbi;
  /** The FPU the code uses: none under the soft float ABI. */
  fpu: Fpu;
}

/** One problem with one flag (index into gccFlags), or with the list as a whole (index undefined). */
export interface FlagProblem {
  index?: number;
  message: string;
}

const ALLOWED = '-mcpu=<core>, -mthumb, -mfpu=<fpu>, -mfloat-abi=soft|softfp|hard';

/** Reads the flags against the board's core and FPU; returns the target or the first problem. */
export function readGccFlags(flags: readonly string[], core: Core, boardFpu: Fpu): TargetFlags | FlagProblem {
  const seen = new Map<string, number>();
  let cpu: string | undefined;
  let fpuName = 'auto';
  let floatAbi: FloatAbi = 'soft'; // arm-none-eabi-gcc's default
  let thumb = false;
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i];
    const eq = flag.indexOf('=');
    const key = eq < 0 ? flag : flag.slice(0, eq + 1);
    const value = eq < 0 ? '' : flag.slice(eq + 1);
    if (seen.has(key)) return { index: i, message: `repeats gccFlags[${seen.get(key)}]` };
    seen.set(key, i);
    if (key === '-mthumb') thumb = true;
    else if (key === '-mcpu=') {
      if (value !== core) return { index: i, message: `does not match "core": "${core}" (use -mcpu=${core})` };
      cpu = value;
    } else if (key === '-mfpu=') {
      if (value !== 'auto') {
        const known = Object.hasOwn(GCC_FPUS, value) ? GCC_FPUS[value] : undefined;
        if (!known) return { index: i, message: `is not an FPU gcc knows for Cortex-M (${Object.keys(GCC_FPUS).join(', ')}, auto)` };
        if (!known.cores.includes(core)) return { index: i, message: `is not an FPU of ${core}` };
      }
      fpuName = value;
    } else if (key === '-mfloat-abi=') {
      if (!(FLOAT_ABIS as readonly string[]).includes(value)) return { index: i, message: `must be -mfloat-abi=soft, softfp or hard` };
      floatAbi = value as FloatAbi;
    } else return { index: i, message: `is not an allowed option (allowed: ${ALLOWED})` };
  }
  if (cpu === undefined) return { message: `needs -mcpu=${core}` };
  if (!thumb) return { message: 'needs -mthumb (Cortex-M cores run Thumb code only)' };
  const facts = CORE_FACTS[core];
  if (floatAbi === 'soft') return { cpu, fpuName, floatAbi, fpu: 'none' };
  const fpu = fpuName === 'auto' ? facts.gccDefaultFpu : GCC_FPUS[fpuName].fpu;
  const abiAt = seen.get('-mfloat-abi=');
  if (fpu === 'none') return { index: abiAt, message: `needs an FPU, and ${core} has none` };
  if (boardFpu === 'none') return { index: abiAt, message: 'builds for an FPU, but "fpu" is "none" (use -mfloat-abi=soft)' };
  if (fpu !== boardFpu) {
    const precision = `a ${fpu === 'dp' ? 'double' : 'single'}-precision FPU`;
    if (fpuName !== 'auto') return { index: seen.get('-mfpu='), message: `is ${precision}, but "fpu" is "${boardFpu}"` };
    const fits = Object.entries(GCC_FPUS).find(([, f]) => f.fpu === boardFpu && f.cores.includes(core));
    const hint = fits ? `: give -mfpu=${fits[0]}` : '';
    return { index: abiAt, message: `builds for ${precision} (gcc's -mfpu=auto on ${core}), but "fpu" is "${boardFpu}"${hint}` };
  }
  return { cpu, fpuName, floatAbi, fpu };
}

export function isFlagProblem(r: TargetFlags | FlagProblem): r is FlagProblem {
  return 'message' in r;
}
