// Progress on stderr: one line per stage where stderr is not a terminal (a pipe, a CI log), a redrawn
// cli-progress bar on a terminal, nothing with --quiet; stdout carries only the result either way.
import { spawnSync } from 'node:child_process';
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../helpers/run-in-process.ts';
import { REPO } from '../helpers/shared.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-progress-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const SEARCH = ['search', '--max-macs', '60', '--max-peak-kb', '250', '--population', '10', '--generations', '3', '--seed', '1'];
const arch = path.join(tmp, 'arch.json');
fs.writeFileSync(arch, JSON.stringify({ wid: 0, ks: Array(20).fill(3), e: Array(20).fill(3), d: [0, 0, 0, 0, 0, 0], image_size: 96 }));

describe('stderr that is not a terminal', () => {
  process.env.MCU_NAS_PROGRESS = 'lines'; // as in a pipe, whatever vitest's own stderr is

  it('search: a start line and a closing line with the figures, no bar', async () => {
    const r = await runInProcess(SEARCH);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toEqual(['search: evolution, 10 x 3 generations ...', expect.stringMatching(/^search: 40 predictions in \d+ ms, 40 within the budget \(\d+ redrawn\), best predicted \d+\.\d\d %$/)]);
    expect(r.stderr).not.toMatch(/\u001b|\r/);
    expect(r.stdout).toMatch(/^best subnet/);
  });

  it('compile: one line per stage', async () => {
    const r = await runInProcess(['compile', arch, '--no-build', '--out', path.join(tmp, 'fw')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^quantizing .* \(8 calibration inputs, seed 0\) \.\.\.$/), 'generating C ...']);
  });

  it('--quiet: nothing on stderr, the same result on stdout', async () => {
    const loud = await runInProcess(SEARCH);
    const r = await runInProcess([...SEARCH, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(loud.stdout);
    const c = await runInProcess(['compile', arch, '--no-build', '--quiet', '--out', path.join(tmp, 'fw')]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toBe('');
  });

  it('--json: stdout is one JSON object and stderr stays empty', async () => {
    const r = await runInProcess([...SEARCH, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });
});

// A real terminal for the child: util-linux `script` gives it a pseudo-terminal.
const hasScript = spawnSync('sh', ['-c', 'command -v script'], { stdio: 'ignore' }).status === 0;
// Asynchronous on purpose: a child run synchronously blocks this worker's event loop for minutes, and
// vitest's worker RPC (60 s timeout) then reports an unhandled "Timeout calling onTaskUpdate".
async function inTerminal(cmd: string, timeout: number): Promise<{ status: number | undefined; stdout: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, COLUMNS: '160' };
  delete env.MCU_NAS_PROGRESS;
  const r = await execa('script', ['-qec', `${cmd} 2>&1 >/dev/null`, '/dev/null'], { env, extendEnv: false, timeout, reject: false, stdin: 'ignore' });
  return { status: r.exitCode, stdout: String(r.stdout) };
}
describe.skipIf(!hasScript)('stderr that is a terminal (util-linux script)', () => {
  it('search draws a cli-progress bar with the generation, best so far and feasible count', async () => {
    const cmd = [process.execPath, path.join(REPO, 'bin/mcu-nas.js'), 'search', '--max-macs', '60', '--max-peak-kb', '250', '--population', '50', '--generations', '40', '--seed', '1'].map((w) => `'${w}'`).join(' ');
    const r = await inTerminal(cmd, 60_000);
    expect(r.status, r.stdout).toBe(0);
    // The bar is redrawn in place (carriage return / cursor column 1) and names what it counts.
    expect(r.stdout).toMatch(/search: evolution, 50 x 40 generations \[[\u2588\u2591]+\] \d+\/40 {2}best \d+\.\d\d %, feasible \d+/);
    expect(r.stdout).toMatch(/\u001b\[1G|\r/);
    expect(r.stdout).toMatch(/search: 2050 predictions in \d+ ms/);
  }, 60_000);

  it('search --verify-top draws a bar counting the candidates built and run in QEMU, not one line each', async () => {
    const cmd = [process.execPath, path.join(REPO, 'bin/mcu-nas.js'), 'search', '--board', 'stm32f746', '--max-macs', '12', '--population', '8', '--generations', '1', '--seed', '3', '--verify-top', '2'].map((w) => `'${w}'`).join(' ');
    const r = await inTerminal(cmd, 240_000);
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/verify: 2 candidates built and run in QEMU on stm32f746 \[[\u2588\u2591]+\] 0\/2/);
    expect(r.stdout).toMatch(/verify: 2 candidates built and run in QEMU on stm32f746 \[\u2588+\] 2\/2/);
    expect(r.stdout).not.toMatch(/verify 1\/2: /);
  }, 240_000);
});
