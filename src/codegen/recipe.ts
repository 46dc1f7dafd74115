// The build recipe: compiler and linker flags for both links, computed once from the board and
// written both into the generated Makefile and into firmware.json, which src/emu's buildFirmware() follows.
// So a build by hand (make) and a build by mcu-nas run the same commands.
import type { Board } from '../board/schema.ts';
import { InputError, show } from '../errors.ts';
import { BOOT2_FILE } from './boot2.ts';
import { clockSetup } from './clock-config.ts';
import { consoleDefines, consoleFor } from './console.ts';

export interface LinkRecipe {
  script: string;
  /** C files of this link only (the emulator link's test vectors), after the shared ones. */
  sources: string[];
  defines: string[];
  elf: string;
  map: string;
}

export interface BuildRecipe {
  cpuFlags: string[];
  cflags: string[];
  includeDirs: string[];
  sources: string[];
  ldflags: string[];
  /** uf2: the UF2 file buildFirmware writes from the .bin (RP2040: what BOOTSEL mode and picotool take). */
  board: LinkRecipe & { bin: string; hex: string; uf2?: string };
  qemu: LinkRecipe | null;
}

export type Optimization = 'O3' | 'O2' | 'Os';

/** The emulator link's test-vector blob (test-vectors.ts); the board link has none. */
export const TEST_VECTORS_SOURCE = 'test_vectors.c';

/** The runtime's C files, copied from firmware/ into the project's runtime/ folder. */
export const RUNTIME_SOURCES = ['runtime/startup.c', 'runtime/console.c', 'runtime/counter.c', 'runtime/stack.c', 'runtime/fault.c'];

// A board file may come from a user's folder and its flags reach a Makefile (a shell): plain options only.
const SAFE_FLAG = /^-[A-Za-z0-9][A-Za-z0-9_=+.,-]*$/;
const SAFE_PATH = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;

export function checkedPath(p: string, what: string): string {
  if (!SAFE_PATH.test(p) || p.split('/').includes('..')) throw new InputError(`${what}: ${show(p)} must be a relative path of letters, digits, "_", "-", "." and "/"`);
  return p;
}

export function buildRecipe(board: Board, opts: { sources: string[]; includeDirs: string[]; optimize: Optimization; hasQemuLink: boolean }): BuildRecipe {
  board.gccFlags.forEach((f, i) => {
    if (!SAFE_FLAG.test(f)) throw new InputError(`board ${board.name}: field "gccFlags[${i}]": ${show(f)} is not a plain compiler option`);
  });
  const cpuFlags = [...board.gccFlags];
  // GCC 12 rejects +nodsp; undefining the feature macro keeps the kernels on their plain C paths.
  if (!board.dsp && ['cortex-m4', 'cortex-m7', 'cortex-m33', 'cortex-m55'].includes(board.core)) cpuFlags.push('-U__ARM_FEATURE_DSP');
  const common = ['-DMCUNAS_FIRMWARE=1'];
  const boardConsole = consoleFor(board, 'board');
  const boardDefines = [...common, '-DMCUNAS_LINK_QEMU=0', '-DMCUNAS_SEMIHOSTING=0', ...consoleDefines(boardConsole)];
  // The board's clock tree, set up before main (board link only: QEMU's machines have no clock controller).
  const clock = board.emulated ? null : clockSetup(board);
  const boardSources: string[] = [];
  if (clock) {
    boardSources.push(clock.source);
    boardDefines.push('-DMCUNAS_CLOCK_INIT=1');
    if (boardConsole.apb !== undefined) boardDefines.push(`-DMCUNAS_UART_APB=${boardConsole.apb}`);
  }
  // The RP2040 boots through its boot stage 2 (boot2.S, first in flash) and flashes from a UF2 file.
  const rp2040 = board.clock.chip === 'rp2040' && !board.emulated;
  if (rp2040) boardSources.unshift(BOOT2_FILE);
  const caches = board.clock.chip !== 'fixed' && 'coreCaches' in board.clock ? board.clock.coreCaches : undefined;
  if (board.core === 'cortex-m7' && !board.emulated && (caches?.instruction || caches?.data)) boardDefines.push('-DMCUNAS_ENABLE_CACHES=1');
  return {
    cpuFlags,
    cflags: [`-${opts.optimize}`, '-g', '-std=c99', '-Wall', '-Wextra', '-ffunction-sections', '-fdata-sections', '-fno-common'],
    includeDirs: ['.', 'runtime', ...opts.includeDirs.map((d) => checkedPath(d, 'include folder'))],
    sources: [...RUNTIME_SOURCES, 'main.c', ...opts.sources.map((s) => checkedPath(s, 'model source'))],
    ldflags: ['-nostartfiles', '--specs=nano.specs', '--specs=nosys.specs', '-Wl,--gc-sections'],
    board: { script: 'link-board.ld', sources: boardSources, defines: boardDefines, elf: 'firmware.elf', map: 'firmware.map', bin: 'firmware.bin', hex: 'firmware.hex', ...(rp2040 ? { uf2: 'firmware.uf2' } : {}) },
    qemu: opts.hasQemuLink
      ? { script: 'link-qemu.ld', sources: [TEST_VECTORS_SOURCE], defines: [...common, '-DMCUNAS_LINK_QEMU=1', '-DMCUNAS_SEMIHOSTING=1', ...consoleDefines(consoleFor(board, 'qemu'))], elf: 'firmware-qemu.elf', map: 'firmware-qemu.map' }
      : null,
  };
}
