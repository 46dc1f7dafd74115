// Real models end to end through the command line, as a user runs them: every model of ../shared/data
// compiles for stm32f746 (or, where its weights exceed the F746's 1 MB of flash, fails cleanly there and
// runs on stm32h743), runs in QEMU, and `validate` compares the firmware's outputs with the references:
// the test-data folder's output_K.pb, else onnxruntime (ONNX), the float interpreter (TFLite float) or
// the float twin given with --reference (TFLite int8). Every firmware output is bit-exact with the
// TypeScript int8 interpreter (validate's bitExact: QEMU bytes == golden bytes); float models agree with
// their references on top-1 for every test set with cosine >= 0.99; the int8 and float MLPerf VWW models
// agree on top-1 on structured synthetic images; an exported arch config round-trips through validate.
// One build per model (the machine is shared): about two to three minutes in all.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haveBuildAndQemu } from '../../src/emu/index.ts';
import { readTestData } from '../../src/frontend/onnx/index.ts';
import { toQdq } from '../frontend/onnx-qdq-writer.ts';
import { runCliAsync } from '../helpers/run-cli.ts';
import { sharedPath } from '../helpers/shared.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-models-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const DATA = sharedPath('data');
const TIMEOUT = 240_000;

interface SetResult {
  index: number;
  top1Match: boolean;
  cosine: number;
  rmse: number;
  maxAbsErr: number;
  bitExact: boolean;
}
interface Validated {
  ok: boolean;
  bitExact: boolean;
  sets: SetResult[];
  instructions: number;
  sramUsedBytes: number;
  flashUsedBytes: number;
  referenceEngine: string;
  kind: string;
  notes: string[];
}

async function validate(args: string[]): Promise<Validated> {
  const r = await runCliAsync(['validate', ...args, '--json'], { timeoutMs: TIMEOUT });
  let out: Validated & { error?: string };
  try {
    out = JSON.parse(r.stdout);
  } catch {
    throw new Error(`validate ${args.join(' ')}: exit ${r.code}, no JSON: ${r.stderr.slice(-2000)}`);
  }
  expect(r.code, out.error ?? r.stderr.slice(-2000)).toBe(0);
  const line = out.sets.map((s) => `set ${s.index}: top-1 ${s.top1Match ? 'ok' : 'DIFFERS'}, cosine ${s.cosine.toFixed(5)}`).join('; ');
  console.log(`${path.basename(args[0])} [${out.kind}] vs ${out.referenceEngine}: bit-exact ${out.bitExact}; ${line}; ${out.instructions} instructions, SRAM ${out.sramUsedBytes} B, flash ${out.flashUsedBytes} B`);
  return out;
}

/** The float-model criteria of the issue: bit-exact firmware, top-1 agreement on every set, cosine >= 0.99. */
function expectAgreement(v: Validated, sets: number): void {
  expect(v.ok).toBe(true);
  expect(v.bitExact).toBe(true);
  expect(v.sets).toHaveLength(sets);
  for (const s of v.sets) {
    expect(s.bitExact).toBe(true);
    expect(s.top1Match, `set ${s.index}`).toBe(true);
    expect(s.cosine, `set ${s.index}`).toBeGreaterThanOrEqual(0.99);
  }
  expect(v.instructions).toBeGreaterThan(0);
  expect(v.sramUsedBytes).toBeGreaterThan(0);
  expect(v.flashUsedBytes).toBeGreaterThan(0);
}

describe.skipIf(!haveBuildAndQemu())('real models compiled, run in QEMU and validated', () => {
  it('onnx-mnist8 (CNTK, three test_data_set_N folders): output_K.pb references', async () => {
    const dir = path.join(DATA, 'onnx-mnist8');
    // Calibrated on MNIST digits (raw 0..255 pixels, as the model takes them), not on the test inputs.
    const v = await validate([path.join(dir, 'model.onnx'), '--board', 'stm32f746', '--test-data', dir, '--calibration', 'mnist', '--scale', '255']);
    expectAgreement(v, 3);
    expect(v.referenceEngine).toBe('output_K.pb');
  }, TIMEOUT);

  it('onnx-atmega-mnist (PyTorch 1.7, no test data): onnxruntime references on synthetic images', async () => {
    const v = await validate([path.join(DATA, 'onnx-atmega-mnist/mnist.simplified.onnx'), '--board', 'stm32f746', '--calibration', 'mnist', '--scale', '1', '--test-sets', '4']);
    expectAgreement(v, 4);
    expect(v.referenceEngine).toBe('onnxruntime');
  }, TIMEOUT);

  it('onnx-mcunet-subnets w050 (the lab\'s network code, PyTorch 1.13): output_K.pb references', async () => {
    const m = path.join(DATA, 'onnx-mcunet-subnets/mcunet-w050-smallest-r96');
    const v = await validate([`${m}.onnx`, '--board', 'stm32f746', '--test-data', `${m}.test`]);
    expectAgreement(v, 3);
  }, TIMEOUT);

  it('onnx-mcunet-subnets w075: 1.25 MB of int8 weights fail stm32f746 cleanly (exit 1, flash named) and run on stm32h743', async () => {
    const m = path.join(DATA, 'onnx-mcunet-subnets/mcunet-w075-mid-r128');
    const r = await runCliAsync(['compile', `${m}.onnx`, '--board', 'stm32f746', '--test-data', `${m}.test`, '--no-build', '--out', path.join(tmp, 'w075'), '--json'], { timeoutMs: TIMEOUT });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*does not fit stm32f746: flash: needs [\d,]+ B .* over/m);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'w075', 'report.json'), 'utf8')).fits).toBe(false);
    const v = await validate([`${m}.onnx`, '--board', 'stm32h743', '--test-data', `${m}.test`]);
    expectAgreement(v, 3);
  }, TIMEOUT);

  it('an ONNX QDQ model (onnx-mnist8 in QDQ form, its own scales): bit-exact in QEMU, top-1 of onnxruntime', async () => {
    const dir = path.join(DATA, 'onnx-mnist8');
    const sets = readTestData(dir);
    const m = await toQdq(fs.readFileSync(path.join(dir, 'model.onnx')), sets.map((s) => s.inputs[0].data), sets[0].inputs[0].dims.slice(), { activation: 'int8', perChannel: true });
    const file = path.join(tmp, 'mnist8-qdq.onnx');
    fs.writeFileSync(file, m.bytes);
    // No output_K.pb given: onnxruntime runs the QDQ file on the test inputs.
    const testData = path.join(tmp, 'mnist8-inputs');
    for (const s of sets) {
      const k = path.basename(s.dir);
      fs.mkdirSync(path.join(testData, k), { recursive: true });
      fs.copyFileSync(path.join(s.dir, 'input_0.pb'), path.join(testData, k, 'input_0.pb'));
    }
    const v = await validate([file, '--board', 'stm32f746', '--test-data', testData]);
    expect(v.kind).toBe('onnx-qdq');
    expect(v.referenceEngine).toBe('onnxruntime');
    expectAgreement(v, 3);
  }, TIMEOUT);

  it('MLPerf Tiny VWW int8 (TFLite, own quantization): bit-exact in QEMU, and top-1 of the float VWW model on synthetic images', async () => {
    const dir = path.join(DATA, 'tflite-mlcommons-vww');
    const v = await validate([path.join(dir, 'vww_96_int8.tflite'), '--board', 'stm32f746', '--reference', path.join(dir, 'vww_96_float.tflite'), '--test-sets', '6']);
    expect(v.kind).toBe('tflite-int8');
    expect(v.referenceEngine).toMatch(/float interpreter \(vww_96_float\.tflite\)/);
    expectAgreement(v, 6);
  }, TIMEOUT);

  it('MLPerf Tiny VWW float (TFLite, calibrated on random [0, 1] images): float interpreter references', async () => {
    const v = await validate([path.join(DATA, 'tflite-mlcommons-vww/vww_96_float.tflite'), '--board', 'stm32f746', '--calibration', 'random', '--scale', '1', '--test-sets', '3']);
    expect(v.kind).toBe('tflite-float');
    expectAgreement(v, 3);
  }, TIMEOUT);

  it('MCUNet VWW int8 (TinyEngine\'s vww.tflite) with --patch min-sram (auto keeps it layer by layer: it fits): compile --json, then run: bit-exact, report.json figures', async () => {
    const out = path.join(tmp, 'vww-patched');
    const c = await runCliAsync(['compile', path.join(DATA, 'tflite-mcunet-vww/vww.tflite'), '--board', 'stm32f746', '--patch', 'min-sram', '--test-sets', '2', '--out', out, '--json'], { timeoutMs: TIMEOUT });
    expect(c.code, c.stderr.slice(-2000)).toBe(0);
    const summary = JSON.parse(c.stdout);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.fits).toBe(true);
    expect(report.patch).not.toBeNull();
    // Patching lowers the peak below the layer-by-layer schedule's.
    expect(report.sram.arena).toBeLessThan(report.patch.layerByLayerArena);
    expect(report.source.kind).toBe('tflite-int8');
    const r = await runCliAsync(['run', out, '--json'], { timeoutMs: TIMEOUT });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run.outputsMatch).toBe(true);
    expect(run.sets.every((s: { match: boolean }) => s.match)).toBe(true);
    console.log(
      `MCUNet VWW, --patch min-sram (${report.patch.n}x${report.patch.n} up to ${report.patch.splitLayer}): planned SRAM ${report.sram.total} B (arena ${report.sram.arena} B, layer by layer ${report.patch.layerByLayerArena} B), flash ${report.flash.total} B; ` +
        `measured SRAM ${run.sramUsedBytes} B (stack ${run.stackUsedBytes} B), flash ${run.flashUsedBytes} B (ELF); ${run.instructions} instructions; compile summary sramBytes ${summary.sramBytes}`,
    );
  }, TIMEOUT);

  it('export then validate of an arch config round-trips: onnxruntime and the QEMU run agree on top-1', async () => {
    const arch = path.join(DATA, 'onnx-mcunet-subnets/mcunet-w050-smallest-r96.arch.json');
    const onnx = path.join(tmp, 'exported.onnx');
    const e = await runCliAsync(['export', arch, '--onnx', onnx, '--seed', '3'], { timeoutMs: TIMEOUT });
    expect(e.code, e.stderr).toBe(0);
    const v = await validate([onnx, '--board', 'stm32f746', '--calibration', 'random', '--test-sets', '3']);
    expect(v.referenceEngine).toBe('onnxruntime');
    expectAgreement(v, 3);
  }, TIMEOUT);
});
