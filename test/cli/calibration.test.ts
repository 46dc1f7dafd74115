// Right by default: a float model is never calibrated on synthetic inputs unless the user asks for it
// (--calibration random), the --test-data inputs calibrate when they are the only data given, and every
// output names the calibration used. Without onnxruntime (an optional dependency) the float interpreter is
// the reference, and the output says so.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorLines, runInProcess } from '../helpers/run-in-process.ts';
import { sharedPath } from '../helpers/shared.ts';

const MNIST8 = sharedPath('data/onnx-mnist8');
const MODEL = path.join(MNIST8, 'model.onnx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-calibration-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('a float model without calibration data', () => {
  it.each([
    ['compile', ['compile', MODEL, '--no-build', '--out', path.join(tmp, 'never')]],
    ['validate', ['validate', MODEL]],
  ])('%s: exit 2, one error line naming the model and every way to give calibration inputs; nothing written', async (_, args) => {
    const r = await runInProcess(args);
    expect(r.code).toBe(2);
    const errors = errorLines(r.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`${MODEL} is a float model`);
    for (const way of ['--calibration DIR', '--calibration mnist', '--test-data DIR', '--calibration random']) expect(errors[0]).toContain(way);
    expect(r.stdout).toBe('');
    expect(fs.existsSync(path.join(tmp, 'never'))).toBe(false);
  });

  it('--calibration test-data without --test-data is exit 2 naming both flags', async () => {
    const r = await runInProcess(['compile', MODEL, '--calibration', 'test-data', '--no-build', '--out', path.join(tmp, 'never2')]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/--calibration test-data: .*--test-data DIR/)]);
  });
});

describe('the calibration used is named', () => {
  it('--test-data alone: its inputs calibrate, and --json, the text and report.json say so', async () => {
    const out = path.join(tmp, 'td');
    const r = await runInProcess(['compile', MODEL, '--test-data', MNIST8, '--no-build', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.calibration).toBe(`${MNIST8} (3 test-data inputs, the --test-data inputs, as no --calibration was given)`);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.tests.calibration).toBe(j.calibration);
    expect(report.tests.samples).toBe(3);

    const text = await runInProcess(['compile', MODEL, '--test-data', MNIST8, '--no-build', '--out', out]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`calibration: ${j.calibration}`);
  });

  it('--calibration random is taken as asked: 8 seeded images by default, --calibration-samples overrides', async () => {
    const r = await runInProcess(['compile', MODEL, '--calibration', 'random', '--no-build', '--out', path.join(tmp, 'rnd'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).calibration).toBe('random (8 images of uniform pixels, seed 0)');
    const n = await runInProcess(['compile', MODEL, '--calibration', 'random', '--calibration-samples', '3', '--no-build', '--out', path.join(tmp, 'rnd3'), '--json']);
    expect(JSON.parse(n.stdout).calibration).toBe('random (3 images of uniform pixels, seed 0)');
  });

  it('a dataset calibrates on 100 images by default (the same default as evaluate)', async () => {
    const r = await runInProcess(['compile', MODEL, '--calibration', 'mnist', '--scale', '255', '--no-build', '--out', path.join(tmp, 'mnist'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).calibration).toBe('mnist (100 images)');
  });

  it('an arch config keeps its seeded calibration, named as such', async () => {
    const file = path.join(tmp, 'arch.json');
    fs.writeFileSync(file, JSON.stringify({ wid: 0, ks: Array(20).fill(3), e: Array(20).fill(3), d: [0, 0, 0, 0, 0, 0], image_size: 96 }));
    const r = await runInProcess(['compile', file, '--no-build', '--out', path.join(tmp, 'arch'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).calibration).toBe('seeded synthetic (8 inputs, seed 0)');
  });
});

describe('without onnxruntime (an optional dependency)', () => {
  it('the float interpreter is the reference, and report.json says why', async () => {
    const withOrt = await runInProcess(['compile', MODEL, '--calibration', 'random', '--no-build', '--out', path.join(tmp, 'ort')]);
    expect(withOrt.code, withOrt.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'ort', 'report.json'), 'utf8')).source.referenceEngine).toBe('onnxruntime');

    process.env.MCU_NAS_NO_ONNXRUNTIME = '1';
    try {
      // The oracle reads the variable once per process (on its first load of onnxruntime): a child process.
      const { runCliAsync } = await import('../helpers/run-cli.ts');
      const r = await runCliAsync(['compile', MODEL, '--calibration', 'random', '--no-build', '--out', path.join(tmp, 'no-ort')], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      const engine = JSON.parse(fs.readFileSync(path.join(tmp, 'no-ort', 'report.json'), 'utf8')).source.referenceEngine;
      expect(engine).toBe('the float interpreter (onnxruntime-node is not installed; it is an optional dependency: npm install onnxruntime-node)');
    } finally {
      delete process.env.MCU_NAS_NO_ONNXRUNTIME;
    }
  }, 60_000);
});
