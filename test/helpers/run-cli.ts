// Runs the real command line (bin/mcu-nas.js) as a user would, capturing stdout, stderr and the exit code.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO } from './shared.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Asynchronous on purpose: a long synchronous spawn starves vitest's worker RPC ("Timeout calling
 * onTaskUpdate").
 */
export function runCliAsync(args: string[], opts: { input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin/mcu-nas.js'), ...args], { cwd: opts.cwd ?? REPO });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
