// A model with dilated convolutions (test/frontend/dilated-model.ts: dense, depthwise and strided convs with
// dilations 2, 2x3 and 1x2) compiled through the command line for a Cortex-M4 board with 2x2 patches that
// end after the dilated depthwise, built with arm-none-eabi-gcc and run in QEMU: the firmware's output bytes
// equal the int8 interpreter's (`run` compares them), and the plan carries the patch stage it was asked for.
// With a CMSIS-NN checkout (CMSIS_NN_ROOT), the same through CMSIS-NN's Helium kernels on Cortex-M55.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haveBuildAndQemu } from '../../src/emu/index.ts';
import { DILATED_ONNX } from '../frontend/dilated-model.ts';
import { runCliAsync } from '../helpers/run-cli.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-dilation-qemu-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!haveBuildAndQemu())('dilated convolutions in QEMU (needs arm-none-eabi-gcc and qemu-system-arm)', () => {
  it('mps2-an386 (Cortex-M4), own kernels, 2x2 patches through the dilated layers: bit-exact', async () => {
    const model = path.join(tmp, 'dilated.onnx');
    fs.writeFileSync(model, DILATED_ONNX);
    const out = path.join(tmp, 'fw');
    const c = await runCliAsync(['compile', model, '--board', 'mps2-an386', '--calibration', 'random', '--patch', '2x2@dw_d2x3', '--out', out, '--json', '--quiet'], { timeoutMs: 120_000 });
    expect(c.code, c.stderr).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.patch?.n).toBe(2);
    const r = await runCliAsync(['run', out, '--json'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run.ok).toBe(true);
    expect(run.outputsMatch).toBe(true);
    expect(run.perOp.map((o: { name: string }) => o.name)).toEqual(expect.arrayContaining(['dense_d2', 'dw_d2x3', 'dense_s2_d1x2']));
  }, 150_000);
});

describe.skipIf(!haveBuildAndQemu() || !process.env.CMSIS_NN_ROOT)('dilated convolutions through CMSIS-NN in QEMU (needs CMSIS_NN_ROOT too)', () => {
  it('mps3-an547 (Cortex-M55, Helium), --kernels cmsis-nn, 2x2 patches: bit-exact', async () => {
    const model = path.join(tmp, 'dilated-cmsis.onnx');
    fs.writeFileSync(model, DILATED_ONNX);
    const out = path.join(tmp, 'fw-cmsis');
    const c = await runCliAsync(['compile', model, '--board', 'mps3-an547', '--kernels', 'cmsis-nn', '--calibration', 'random', '--patch', '2x2@dw_d2x3', '--out', out, '--json', '--quiet'], { timeoutMs: 120_000 });
    expect(c.code, c.stderr).toBe(0);
    const r = await runCliAsync(['run', out, '--json'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run.ok).toBe(true);
    expect(run.outputsMatch).toBe(true);
  }, 150_000);
});
