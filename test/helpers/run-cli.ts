// Runs the real command line (bin/mcu-nas.js) as a user would, capturing stdout, stderr and the exit code.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO } from './shared.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { input?: string; cwd?: string } = {}): CliRun {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin/mcu-nas.js'), ...args], {
    input: opts.input,
    cwd: opts.cwd ?? REPO,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
