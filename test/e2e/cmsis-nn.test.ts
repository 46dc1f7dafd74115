// --kernels cmsis-nn against a user's CMSIS-NN checkout (CMSIS_NN_ROOT): the same model, built with the
// CMSIS-NN calls, gives the same bytes as the own kernels and the golden model. Skipped (and reported as
// skipped, never as passed) without a checkout: CMSIS-NN is in no registry reachable here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haveBuildAndQemu } from '../../src/emu/index.ts';
import { smallestArch } from '../../src/space/sample.ts';
import { runCli } from '../helpers/run-cli.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-cmsis-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!process.env.CMSIS_NN_ROOT || !haveBuildAndQemu())('--kernels cmsis-nn (CMSIS_NN_ROOT set)', () => {
  it('builds, runs bit-exact in QEMU, and prints the same output bytes as the own kernels', () => {
    const arch = path.join(tmp, 'small.json');
    fs.writeFileSync(arch, JSON.stringify(smallestArch(96)));
    const outputs: string[] = [];
    for (const kernels of ['own', 'cmsis-nn']) {
      const out = path.join(tmp, kernels);
      const c = runCli(['compile', arch, '--board', 'stm32f746', '--kernels', kernels, '--out', out, '--json', '--calibration-samples', '2']);
      expect(c.stderr).toBe('');
      expect(c.code).toBe(0);
      const r = runCli(['run', out, '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, outputsMatch: true });
      outputs.push(JSON.parse(fs.readFileSync(path.join(out, 'test-vectors.json'), 'utf8')).sets[0].golden);
    }
    expect(outputs[1]).toBe(outputs[0]);
  });
});
