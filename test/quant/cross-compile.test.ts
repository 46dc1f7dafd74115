// Every kernel builds for the targets: Cortex-M4 and M7 (DSP paths, ACLE intrinsics) and Cortex-M0+ (no
// DSP: plain C), with -Wall -Wextra -Werror. Running them on QEMU is the firmware tests' job.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { KERNELS_DIR, kernelSources, tempDir } from './kernel-cases.ts';

const run = promisify(execFile);
const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function hasArmGcc(): Promise<boolean> {
  try {
    await run('arm-none-eabi-gcc', ['--version']);
    return true;
  } catch {
    return false;
  }
}

const targets = [
  { cpu: 'cortex-m4', extra: ['-mfloat-abi=hard', '-mfpu=fpv4-sp-d16'], dsp: true },
  { cpu: 'cortex-m7', extra: ['-mfloat-abi=hard', '-mfpu=fpv5-d16'], dsp: true },
  { cpu: 'cortex-m0plus', extra: [], dsp: false },
];

describe.runIf(await hasArmGcc())('arm-none-eabi-gcc builds every kernel', () => {
  it.each(targets)('$cpu', async ({ cpu, extra, dsp }) => {
    for (const src of kernelSources()) {
      const obj = path.join(dir, `${cpu}-${path.basename(src)}.o`);
      await run('arm-none-eabi-gcc', ['-std=c99', '-mthumb', `-mcpu=${cpu}`, ...extra, '-O2', '-Wall', '-Wextra', '-Werror', '-I', KERNELS_DIR, '-c', src, '-o', obj]);
      expect(fs.statSync(obj).size).toBeGreaterThan(0);
    }
    // The DSP builds really use SMLAD; the M0+ build has none (it has no such instruction).
    const { stdout } = await run('arm-none-eabi-objdump', ['-d', path.join(dir, `${cpu}-pointwise.c.o`)]);
    expect(/\bsmlad\b/.test(stdout)).toBe(dsp);
  });
});
