// Checks across a board's fields, run once its fields each parse: the compiler flags describe the
// core and FPU, the QEMU stand-in is a machine this tool runs and its CPU executes the board's code,
// the clocks are rates a microcontroller has, and the memory map is inside the 32-bit address space
// without overlaps. Each problem names the field it is found at.
import { clockProblems } from './clock.ts';
import { CORE_FACTS, fpuCovers, QEMU_CPU_FPU } from './cores.ts';
import { isFlagProblem, readGccFlags } from './gcc-flags.ts';
import { QEMU_MACHINES, qemuMachine } from './qemu-machines.ts';
import type { BoardFields as Board } from './fields.ts';

export interface BoardProblem {
  path: (string | number)[];
  message: string;
}

/** Core clocks of real Cortex-M parts run from a few MHz (M0+) to 1 GHz (the fastest M7/M55 today). */
export const CLOCK_HZ = { min: 1_000_000, max: 1_000_000_000 };

const ADDRESS_SPACE = 2 ** 32;

function regionProblems(b: Board): BoardProblem[] {
  const problems: BoardProblem[] = [];
  const inside = (path: (string | number)[], base: number, size: number) => {
    if (base + size > ADDRESS_SPACE) problems.push({ path: [...path, 'size'], message: 'runs past the 4 GiB address space' });
  };
  inside(['flash'], b.flash.base, b.flash.size);
  const q = b.emulator.qemu;
  if (q) {
    inside(['emulator', 'qemu', 'code'], q.code.base, q.code.size);
    inside(['emulator', 'qemu', 'ram'], q.ram.base, q.ram.size);
  }
  b.sram.forEach((r, i) => {
    if (r.base < b.flash.base + b.flash.size && b.flash.base < r.base + r.size)
      problems.push({ path: ['sram', i, 'base'], message: `overlaps the flash at 0x${b.flash.base.toString(16)}` });
  });
  return problems;
}

function coreProblems(b: Board): BoardProblem[] {
  const facts = CORE_FACTS[b.core];
  const problems: BoardProblem[] = [];
  if (!facts.fpus.includes(b.fpu)) problems.push({ path: ['fpu'], message: `is not an FPU ${b.core} can have (${facts.fpus.join(', ')})` });
  if (b.dsp && facts.dsp === 'never') problems.push({ path: ['dsp'], message: `but ${b.core} has no DSP extension` });
  if (b.mve && !facts.mve) problems.push({ path: ['mve'], message: `but ${b.core} has no Helium (MVE)` });
  if (b.clockHz < CLOCK_HZ.min || b.clockHz > CLOCK_HZ.max) problems.push({ path: ['clockHz'], message: 'must be between 1 MHz (1000000) and 1 GHz (1000000000)' });
  const flags = readGccFlags(b.gccFlags, b.core, b.fpu);
  if (isFlagProblem(flags)) problems.push({ path: flags.index === undefined ? ['gccFlags'] : ['gccFlags', flags.index], message: flags.message });
  return problems;
}

function emulatorProblems(b: Board): BoardProblem[] {
  const q = b.emulator.qemu;
  if (!q) return [];
  const at = (field: string) => ['emulator', 'qemu', field];
  const machine = qemuMachine(q.machine);
  if (!machine) return [{ path: at('machine'), message: `is not a QEMU machine mcu-nas runs (${Object.keys(QEMU_MACHINES).join(', ')})` }];
  const problems: BoardProblem[] = [];
  if (q.cpu !== machine.cpu) problems.push({ path: at('cpu'), message: `is not the CPU of ${q.machine} (${machine.cpu})` });
  else if (!CORE_FACTS[machine.cpu].runs.includes(b.core)) problems.push({ path: at('machine'), message: `has a ${machine.cpu}, which cannot run ${b.core} code` });
  else {
    const flags = readGccFlags(b.gccFlags, b.core, b.fpu);
    if (!isFlagProblem(flags) && !fpuCovers(QEMU_CPU_FPU[machine.cpu], flags.fpu))
      problems.push({ path: at('machine'), message: `has a ${machine.cpu} without the FPU that gccFlags build for` });
  }
  if (q.systickHz !== undefined && q.systickHz !== machine.tickHz)
    problems.push({ path: at('systickHz'), message: `is not the SysTick clock of ${q.machine} under QEMU (${machine.tickHz})` });
  if (q.uart && q.uart.kind !== machine.uart) problems.push({ path: [...at('uart'), 'kind'], message: `is not the UART of ${q.machine} (${machine.uart})` });
  return problems;
}

/** Every cross-field problem of a board whose fields each parsed, in the order of the file. */
export function boardProblems(b: Board): BoardProblem[] {
  return [...coreProblems(b), ...regionProblems(b), ...emulatorProblems(b), ...clockProblems(b)];
}
