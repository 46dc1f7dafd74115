// The unbounded-input reproductions through the real command line: each one answered with
// exit 2 and one `error:` line naming the file, at once, with no stack trace and nothing written.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, READ_LIMITS } from '../../src/io/read-input.ts';
import { runCliAsync as runCli, type CliRun } from '../helpers/run-cli.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-inputs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Exit 2, nothing on stdout, exactly one line on stderr, which starts `error: ` and carries no stack. */
function expectOneError(r: CliRun, line: string): void {
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr.trimEnd().split('\n') }).toEqual({ code: 2, stdout: '', stderr: [`error: ${line}`] });
}

describe('unbounded input on the command line', () => {
  it('profile deep.json (100,000 nested "[") exits 2, where it overflowed the stack before', async () => {
    const deep = path.join(tmp, 'deep.json');
    fs.writeFileSync(deep, `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expectOneError(await runCli(['profile', deep], { timeoutMs: 60_000 }), `${deep}: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('stdin ("-") has the same byte limit as a file', async () => {
    const r = await runCli(['profile', '-'], { input: ' '.repeat(READ_LIMITS.json + 1), timeoutMs: 60_000 });
    expectOneError(r, 'stdin: more than the 16 MiB limit for a JSON file');
  });

  it('profile on a FIFO named x.json answers at once instead of blocking forever', async () => {
    const fifo = path.join(tmp, 'x.json');
    execFileSync('mkfifo', [fifo], { timeout: 5000 });
    expectOneError(await runCli(['profile', fifo], { timeoutMs: 60_000 }), `${fifo}: not a regular file (a FIFO)`);
  });

  it('compile of a model that is a symlink to /dev/zero exits 2 and writes nothing', async () => {
    const model = path.join(tmp, 'zero.onnx');
    fs.symlinkSync('/dev/zero', model);
    const out = path.join(tmp, 'out');
    const r = await runCli(['compile', model, '--board', 'stm32f746', '--no-build', '--out', out], { timeoutMs: 60_000 });
    expectOneError(r, `${model}: not a regular file (it links to /dev/zero, a character device)`);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('out'))).toEqual([]);
  });
});
