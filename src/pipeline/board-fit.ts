// The plan against the board ELF: generate the project of a prepared model, link the board image alone
// (what is flashed: no test data) and put the planned flash and SRAM beside what the ELF holds. Used by
// the tests that hold the planner to its figures and by tools/bench/fit.ts.
import type { Board } from '../board/schema.ts';
import { writePreparedProject } from './compile.ts';
import { buildFirmware } from '../emu/build.ts';
import type { FirmwareSize } from '../emu/firmware-size.ts';
import type { Prepared } from './prepare.ts';
import { errorPercent } from './report.ts';

export interface BoardFit {
  board: string;
  model: string;
  fits: boolean;
  flash: { planned: number; elf: number; errorPercent: number };
  /** Static SRAM: planned arena + runtime data, against the ELF's .data + .bss + arena sections. */
  staticSram: { planned: number; elf: number; errorPercent: number };
  /** Whole SRAM: static + the stack reserve (the plan's reserve is what the linker script reserves). */
  sram: { planned: number; elf: number; errorPercent: number };
  size: FirmwareSize;
  elf: string;
}

export async function measureBoardFit(p: Prepared, board: Board, dir: string, opts: { cmsisRoot?: string; env?: NodeJS.ProcessEnv } = {}): Promise<BoardFit> {
  const { project } = writePreparedProject(dir, p, board, opts.cmsisRoot);
  const fw = await buildFirmware(project, { boardOnly: true, env: opts.env });
  const size = fw.size.board;
  const plan = p.plan;
  const staticPlanned = plan.sram.arena + plan.sram.runtime;
  const sramElf = size.staticSramBytes + size.stackReserveBytes;
  return {
    board: board.name,
    model: plan.model,
    fits: plan.fits,
    flash: { planned: plan.flash.total, elf: size.flashBytes, errorPercent: errorPercent(plan.flash.total, size.flashBytes) },
    staticSram: { planned: staticPlanned, elf: size.staticSramBytes, errorPercent: errorPercent(staticPlanned, size.staticSramBytes) },
    sram: { planned: plan.sram.total, elf: sramElf, errorPercent: errorPercent(plan.sram.total, sramElf) },
    size,
    elf: fw.elf,
  };
}
