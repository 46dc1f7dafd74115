// `mcu-nas run DIR` in library form: build the project if its outputs are stale, run the emulator
// link in QEMU, and put the measured figures beside each other.
import { InputError } from '../errors.ts';
import { buildFirmware, type BuildOptions, type Firmware } from './build.ts';
import { estimateLatency, type LatencyEstimate } from './latency.ts';
import { readFirmwareProject, type FirmwareProject } from './project.ts';
import { runQemu, type RunOptions, type RunResult } from './qemu.ts';

export interface ProjectRun {
  firmware: Firmware;
  run: RunResult;
  /** Static SRAM + measured stack (the arena is static: it is in .bss or a .sram_* section). */
  sramUsedBytes: number;
  flashUsedBytes: number;
  latency: LatencyEstimate;
}

export async function runProject(projectOrDir: FirmwareProject | string, opts: BuildOptions & RunOptions = {}): Promise<ProjectRun> {
  const project = typeof projectOrDir === 'string' ? readFirmwareProject(projectOrDir) : projectOrDir;
  if (!project.qemu) throw new InputError(`board ${project.board.name} has no QEMU stand-in to run on`);
  const firmware = await buildFirmware(project, opts);
  const run = await runQemu(firmware.qemuElf!, project.qemu, opts);
  const size = firmware.size.qemu!;
  return {
    firmware,
    run,
    sramUsedBytes: size.staticSramBytes + (run.stackBytes ?? size.stackReserveBytes),
    flashUsedBytes: size.flashBytes,
    latency: estimateLatency(run.instructions.total, project.board),
  };
}
