// --supernet through the command line: export writes the subnet with the super network's trained weights
// (onnxruntime gives PyTorch's logits), compile carries them into the C project and says where they came
// from, and a bad checkpoint or a misplaced flag is refused before any work.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runOnnx } from '../../src/oracle/onnxruntime.ts';
import { readNpy } from '../frontend/supernet/npy.ts';
import { CONFIGS, DIR, maxAbsDiff, PTH } from '../frontend/supernet/reference.ts';
import { errorLines, runInProcess as cli } from '../helpers/run-in-process.ts';
import { pngBytes } from '../data/make-images.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-supernet-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const smallest = CONFIGS.find((c) => c.name === 'smallest_r96')!;
const arch = path.join(tmp, 'smallest.json');
fs.writeFileSync(arch, JSON.stringify({ ...smallest.config, image_size: smallest.image_size }));

describe('--supernet on the command line', () => {
  it("export --supernet: onnxruntime runs the written model to PyTorch's logits; params are the lab's count", async () => {
    const onnx = path.join(tmp, 'smallest.onnx');
    const r = await cli(['export', arch, '--onnx', onnx, '--supernet', PTH, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ params: smallest.count_parameters, supernet: PTH, calibration: null });
    const x = readNpy(`${DIR}/${smallest.name}.input0.npy`); // NCHW, as the ONNX model takes it
    const [out] = await runOnnx(onnx, [{ dims: x.shape, data: Float32Array.from(x.data) }]);
    expect(maxAbsDiff(out.data, smallest.logits_before[0])).toBeLessThan(1e-4);
  });

  it('compile --supernet --no-build: report.json names the checkpoint and the lab parameter count', async () => {
    const out = path.join(tmp, 'fw');
    const r = await cli(['compile', arch, '--out', out, '--no-build', '--supernet', PTH]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/weights from the super network/);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.weights).toMatchObject({ source: 'supernet', labParams: smallest.count_parameters });
    expect(report.sourceNotes.join('\n')).toMatch(/get_active_subnet/);
  });

  it("--calib-bn DATASET: an ImageFolder of the lab's calibration images gives PyTorch's re-calibrated logits", async () => {
    // The lab calibrates on every image it is given; --calib-bn takes the odd-index half of a dataset (the
    // lab's holdout split). Each of the 64 images is written twice, so the odd half is exactly the 64, in order.
    const u8 = readNpy(`${DIR}/${smallest.name}.calib-u8.npy`); // [64, 3, r, r]
    const [n, , h, w] = u8.shape;
    const folder = path.join(tmp, 'calib', 'images');
    fs.mkdirSync(folder, { recursive: true });
    for (let i = 0; i < n; i++) {
      const rgb = new Uint8Array(h * w * 3);
      for (let c = 0; c < 3; c++) for (let p = 0; p < h * w; p++) rgb[p * 3 + c] = u8.data[((i * 3 + c) * h * w) + p];
      const png = pngBytes(w, h, rgb);
      for (const copy of ['a', 'b']) fs.writeFileSync(path.join(folder, `${String(i).padStart(3, '0')}${copy}.png`), png);
    }
    const onnx = path.join(tmp, 'calibrated.onnx');
    const r = await cli(['export', arch, '--onnx', onnx, '--supernet', PTH, '--calib-bn', path.join(tmp, 'calib'), '--calib-bn-batch', '32', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).calibration).toMatchObject({ images: 64, batches: [32, 32], resolution: smallest.image_size, labQuirk: false });
    const x = readNpy(`${DIR}/${smallest.name}.input0.npy`);
    const [out] = await runOnnx(onnx, [{ dims: x.shape, data: Float32Array.from(x.data) }]);
    expect(maxAbsDiff(out.data, smallest.logits_after[0])).toBeLessThan(1e-4);
    expect(maxAbsDiff(out.data, smallest.logits_before[0])).toBeGreaterThan(1e-3); // re-calibration changed them
  });

  it.each([
    ['a truncated checkpoint', () => {
      const f = path.join(tmp, 'truncated.pth');
      fs.writeFileSync(f, fs.readFileSync(PTH).subarray(0, 100_000));
      return ['export', arch, '--onnx', path.join(tmp, 'never.onnx'), '--supernet', f];
    }, /truncated\.pth/],
    ['--calib-bn without --supernet', () => ['export', arch, '--onnx', path.join(tmp, 'never.onnx'), '--calib-bn', 'mnist'], /give --supernet too/],
    ['--supernet with a model file', () => ['compile', path.join(tmp, 'model.onnx'), '--out', path.join(tmp, 'never'), '--supernet', PTH], /go with arch configs/],
  ])('%s: exit 2, one error line, nothing written', async (_name, args, message) => {
    const r = await cli(args());
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(message)]);
    expect(fs.existsSync(path.join(tmp, 'never.onnx')) || fs.existsSync(path.join(tmp, 'never'))).toBe(false);
  });
});
