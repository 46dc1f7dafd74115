// evaluate's two int8 engines give the same evaluation, field for field: the generated C built for this
// machine (gcc -O2, all images in one batch) and the TypeScript int8 interpreter (image by image), on
// onnx-mnist8 over MNIST digits; a worker's share scored from the host outputs equals the interpreter's;
// auto falls back to the interpreter when the host compiler refuses the C;
// a host build whose output differs from the interpreter's on one image stops evaluate with exit 1 naming
// that image.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { CheckFailure } from '../../src/errors.ts';
import { evaluateModel, type EvaluateRequest } from '../../src/pipeline/evaluate.ts';
import { evaluateChunk, type EvaluateChunk } from '../../src/pipeline/evaluate-chunk.ts';
import { hostCompiler } from '../../src/pipeline/host-int8.ts';
import { calibrate, quantize } from '../../src/quant/index.ts';
import { chooseCalibration, loadEvaluatedModel } from '../../src/pipeline/evaluated-model.ts';
import { int8Outputs } from '../../src/pipeline/evaluate-int8.ts';
import { openDataset } from '../../src/data/index.ts';
import { MNIST8, MNIST8_PREPROCESS as preprocess, mnist8Request } from '../helpers/mnist8-evaluate.ts';

const IMAGES = 300;
const request = (int8Engine: 'auto' | 'host-c' | 'interpreter', stages: string[] = []): EvaluateRequest => mnist8Request({ limit: IMAGES, jobs: 2, int8Engine }, stages);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-engine-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Each test that swaps the host compiler or its cache gets the real environment back.
afterEach(() => vi.unstubAllEnvs());

describe.skipIf(!hostCompiler())('evaluate --int8-engine host-c', () => {
  it('gives what the int8 interpreter gives, field for field, on 300 digits', async () => {
    const stages: string[] = [];
    const host = await evaluateModel(request('host-c', stages));
    const interp = await evaluateModel(request('interpreter'));
    expect(host.summary.int8Engine).toBe('host-c');
    expect(host.summary.int8Agreement).toEqual({ images: 32, identical: 32 });
    expect(interp.summary.int8Engine).toBe('interpreter');
    expect(stages).toContain(`running ${IMAGES} images through the host build (2 processes) ...`);
    const strip = (e: typeof host) => ({ ...e.summary, seconds: 0, int8Engine: undefined, int8Agreement: undefined });
    expect(strip(host)).toEqual(strip(interp));
    expect(host.pictures).toEqual(interp.pictures);
    // Something to compare: mistakes and flips exist among these images.
    expect(interp.summary.images).toBe(IMAGES);
    expect(interp.summary.mistakes.int8.length).toBeGreaterThan(0);
    expect(interp.summary.worst).toHaveLength(12);
  }, 120_000);

  it("a worker's share scored from the host outputs equals the interpreter's share", async () => {
    const model = await loadEvaluatedModel(`${MNIST8}/model.onnx`, 0);
    try {
      const cal = chooseCalibration(model, openDataset('mnist', model.spec, preprocess), preprocess, 'mnist', { calibration: MNIST8, samples: 3, seed: 0, split: false, limit: 120 });
      const q = quantize(model.graph, calibrate(model.graph, cal.inputs));
      const int8 = await int8Outputs(model, q, cal.evaluation, { choice: 'host-c', jobs: 1 });
      const ob = int8.outputBytes!;
      const base: EvaluateChunk = { model: `${MNIST8}/model.onnx`, seed: 0, dataset: 'mnist', preprocess, limit: 120, split: false, calibration: MNIST8, calibrationSamples: 3, q, start: 40, end: 100, worst: 5 };
      const fromHost = await evaluateChunk({ ...base, int8: int8.outputs!.slice(40 * ob, 100 * ob) });
      const fromInterpreter = await evaluateChunk(base);
      // The same share but for the int8 classifier's name.
      expect(fromHost.accuracy.scores[1].name).toBe('int8 host C');
      const unnamed = (r: typeof fromHost) => ({ ...r, accuracy: { ...r.accuracy, scores: r.accuracy.scores.map((c) => ({ ...c, name: '' })) } });
      expect(unnamed(fromHost)).toEqual(unnamed(fromInterpreter));
      expect(fromHost.accuracy.images).toBe(60);
    } finally {
      await model.close();
    }
  }, 60_000);

  it('auto falls back to the interpreter, saying why, when the host compiler refuses the C; host-c fails', async () => {
    vi.stubEnv('MCUNAS_HOST_CC', '/bin/false');
    vi.stubEnv('MCUNAS_HOST_CACHE', path.join(tmp, 'cache-false'));
    const auto = await evaluateModel({ ...request('auto'), limit: 40, jobs: 1 });
    expect(auto.summary.int8Engine).toBe('interpreter');
    expect(auto.summary.int8EngineNote).toMatch(/^the host build failed: the generated C does not build with \/bin\/false/);
    expect(auto.summary.images).toBe(40);
    await expect(evaluateModel({ ...request('host-c'), limit: 40, jobs: 1 })).rejects.toThrow(/does not build with \/bin\/false/);
  }, 60_000);

  it('a host build that differs from the interpreter on one image: exit 1 naming that image', async () => {
    // A compiler that builds the real program, then puts in its place one that flips a bit of image 5's output.
    const cc = hostCompiler()!;
    const wrapper = path.join(tmp, 'flipping-cc');
    const flip = `import sys, subprocess; d = bytearray(subprocess.run([sys.argv[1]], stdin=sys.stdin, capture_output=True, check=True).stdout); d[5 * 10] ^= 1; sys.stdout.buffer.write(d)`;
    fs.writeFileSync(
      wrapper,
      `#!/bin/sh\n"${cc}" "$@" || exit $?\nreal="${tmp}/real-$$"\nmv model-host-batch "$real"\nprintf '#!/bin/sh\\nexec python3 -c %s %s\\n' "'${flip}'" "$real" > model-host-batch\nchmod +x model-host-batch\n`,
    );
    fs.chmodSync(wrapper, 0o755);
    vi.stubEnv('MCUNAS_HOST_CC', wrapper);
    vi.stubEnv('MCUNAS_HOST_CACHE', path.join(tmp, 'cache'));
    const e = await evaluateModel({ ...request('host-c'), jobs: 1 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CheckFailure);
    expect((e as CheckFailure).exitCode).toBe(1);
    expect((e as Error).message).toMatch(/differ on image 5 \(mnist#\d+\): output byte 0 is/);
  }, 60_000);
});
