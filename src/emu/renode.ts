// Running the board link on Renode's model of the chip, where Renode is installed (it is not
// packaged for Debian or npm; nothing in mcu-nas needs it). The project already holds firmware.resc
// and firmware.robot (templates/firmware.*.hbs); renode-test runs the robot file, which waits for
// "MCUNAS PASS" or "MCUNAS FAIL" on the board's UART.
import path from 'node:path';
import { execa } from 'execa';
import { InputError } from '../errors.ts';
import type { FirmwareProject } from './project.ts';
import { findRenodeTest } from './toolchain.ts';

/** The line the firmware prints on its console UART when every test set matched (firmware.robot waits for it). */
export const RENODE_PASS_LINE = 'MCUNAS PASS';

export interface RenodeRun {
  pass: boolean;
  exitCode: number | null;
  timedOut: boolean;
  log: string;
}

export async function runRenode(project: FirmwareProject, opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RenodeRun> {
  if (!project.renode) throw new InputError(`board ${project.board.name} has no Renode platform with a known UART`);
  const runner = findRenodeTest(opts.env);
  if (!runner) throw new InputError('renode-test not found on PATH; install Renode (https://renode.io) to use --emulator renode');
  const r = await execa(runner, [path.join(project.dir, project.renode.robot)], {
    cwd: project.dir,
    reject: false,
    all: true,
    timeout: opts.timeoutMs ?? 120_000,
    env: opts.env,
  });
  return { pass: r.exitCode === 0 && !r.timedOut, exitCode: r.exitCode ?? null, timedOut: Boolean(r.timedOut), log: String(r.all ?? '') };
}
