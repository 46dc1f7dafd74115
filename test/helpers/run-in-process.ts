// Runs the command line in this process (src/cli/main.ts), capturing stdout and stderr: the fast way to
// try hundreds of command lines. Tests that need a real process (signals, start-up) use run-cli.ts.
import { main } from '../../src/cli/main.ts';
import type { CliRun } from './run-cli.ts';

export async function runInProcess(args: string[], opts: { cwd?: string } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const [ow, ew] = [process.stdout.write, process.stderr.write];
  const cwd = process.cwd();
  if (opts.cwd) process.chdir(opts.cwd);
  process.stdout.write = ((s: string) => ((stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = undefined;
    if (opts.cwd) process.chdir(cwd);
  }
}

/** The `error:` lines of a run's stderr. */
export const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error:'));
