// `mcu-nas run DIR` in library form: build the project if its outputs are stale, run the emulator
// link in QEMU, and put the measured figures beside each other.
import { InputError } from '../errors.ts';
import { buildFirmware, type BuildOptions, type Firmware } from './build.ts';
import type { Board } from '../board/schema.ts';
import { preparePluginRun, runTiming, timingBoard, type RunTiming } from './cycle-run.ts';
import { readFirmwareProject, type FirmwareProject } from './project.ts';
import { runQemu, type RunOptions, type RunResult } from './qemu.ts';

export interface ProjectRun {
  firmware: Firmware;
  run: RunResult;
  /** Static SRAM + measured stack (the arena is static: it is in .bss or a .sram_* section). */
  sramUsedBytes: number;
  flashUsedBytes: number;
  /** Cycles and milliseconds from the cycle model (instructions only when the plugin is missing). */
  timing: RunTiming;
}

export interface ProjectRunOptions extends BuildOptions, RunOptions {
  /** The full board, for the cycle model's memory timing (default: the built-in board of the project's name). */
  board?: Board;
}

export async function runProject(projectOrDir: FirmwareProject | string, opts: ProjectRunOptions = {}): Promise<ProjectRun> {
  const project = typeof projectOrDir === 'string' ? readFirmwareProject(projectOrDir) : projectOrDir;
  if (!project.qemu) throw new InputError(`board ${project.board.name} has no QEMU stand-in to run on`);
  const firmware = await buildFirmware(project, opts);
  const board = timingBoard(project.board.name, opts.board);
  const plugin = preparePluginRun(firmware.qemuElf!, board, opts.env);
  let run: RunResult;
  let timing: RunTiming;
  try {
    run = await runQemu(firmware.qemuElf!, project.qemu, { ...opts, plugin: plugin.argument ?? undefined });
    timing = runTiming(run, board, plugin, project.board.clockHz);
  } finally {
    plugin.cleanup();
  }
  // The figures of the board image (what is flashed: no test data, no semihosting), with the stack
  // measured in the emulator link, which runs the same model code.
  const size = firmware.size.board;
  return {
    firmware,
    run,
    sramUsedBytes: size.staticSramBytes + (run.stackBytes ?? size.stackReserveBytes),
    flashUsedBytes: size.flashBytes,
    timing,
  };
}
