// Regression: a fully connected layer that reads a [1, H, W, C] map directly (ONNX Reshape/Flatten folded
// into the layer, the weights permuted by the importer, as in onnx-mnist8 and onnx-atmega-mnist) must
// treat it as one row of H*W*C features. The generated C used to pass H rows of C features (the map's
// NHWC sides), so the firmware printed a nearly constant output while the int8 interpreter was right.
// Checked at the value computation (the view the templates of both backends read) and end to end on
// the host: the generated C, built with sanitizers, gives the interpreter's bytes (the whole model and the prefix before the layer).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../src/backend/index.ts';
import { loadBoard } from '../../src/board/index.ts';
import { arenaMap, modelProject } from '../../src/codegen/index.ts';
import { opValues } from '../../src/codegen/op-values.ts';
import { findExecutable, writeProject } from '../../src/emu/index.ts';
import { importOnnxFile, onnxToIr, readTestData } from '../../src/frontend/onnx/index.ts';
import { calibrate, quantize, quantizeInput, runInt8, type QuantGraph } from '../../src/quant/index.ts';
import { planFor } from '../../src/pipeline/prepare.ts';
import { sharedPath } from '../helpers/shared.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-fc-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const cc = findExecutable('gcc');
const board = loadBoard('stm32f746');

function mnist8(): { q: QuantGraph; inputs: Int8Array[] } {
  const imp = importOnnxFile(sharedPath('data/onnx-mnist8/model.onnx'));
  const xs = readTestData(sharedPath('data/onnx-mnist8')).map((s) => onnxToIr(s.inputs[0].data, imp.inputs[0]));
  const q = quantize(imp.graph, calibrate(imp.graph, xs));
  return { q, inputs: xs.map((x) => quantizeInput(q, x)) };
}

function atmega(): { q: QuantGraph; inputs: Int8Array[] } {
  const imp = importOnnxFile(sharedPath('data/onnx-atmega-mnist/mnist.simplified.onnx'));
  const xs = [0, 1, 2].map((k) => Float32Array.from({ length: 14 * 14 }, (_, i) => ((i * 37 + k * 101) % 255) / 255));
  const q = quantize(imp.graph, calibrate(imp.graph, xs));
  return { q, inputs: xs.map((x) => quantizeInput(q, x)) };
}

describe('fully connected on a 4-D map', () => {
  it('is viewed as [batches][H*W*C] by code generation, whatever the input rank', () => {
    const { q } = mnist8();
    const plan = planFor(q, board, 'off', 'own');
    for (const backend of Object.values(BACKENDS)) {
      const fc = opValues(q, plan, arenaMap(plan), backend).ops.find((o) => o.template === 'fully_connected')!;
      expect(q.tensors[q.ops[fc.id].inputs[0]].shape).toEqual([1, 4, 4, 16]);
      expect({ h: fc.input.h, w: fc.input.w, c: fc.input.c }).toEqual({ h: 1, w: 1, c: 256 });
      expect({ h: fc.output.h, c: fc.output.c }).toEqual({ h: 1, c: 10 });
    }
  });

  describe.skipIf(!cc)('generated C on the host (sanitizers) gives the int8 interpreter\'s bytes', () => {
    it.each([
      ['onnx-mnist8', mnist8],
      ['onnx-atmega-mnist', atmega],
    ] as const)('%s', async (label, load) => {
      const { q: full, inputs } = load();
      // The whole model, and the prefix that ends before the fully connected layer (its input map right).
      for (const k of [full.ops.length - 2, full.ops.length - 1]) {
        const q: QuantGraph = { ...full, ops: full.ops.slice(0, k + 1), params: full.params.slice(0, k + 1), outputs: [full.ops[k].outputs[0]] };
        const plan = planFor(q, board, 'off', 'own');
        const dir = path.join(tmp, `${label}-${k}`);
        const tests = inputs.map((input) => ({ input, expected: runInt8(q, input).outputs[0] }));
        const project = writeProject(dir, modelProject({ board, q, plan, backend: 'own', modelName: q.name, testSets: tests }));
        const sources = ['host_main.c', ...project.recipe.sources.filter((s) => !s.startsWith('runtime/') && s !== 'main.c' && s !== 'test_vectors.c')];
        const flags = ['-std=c99', '-O1', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-I.', '-Iruntime', '-Ikernels'];
        const built = await execa(cc!, [...flags, ...sources, '-o', 'model-host'], { cwd: dir, reject: false, all: true });
        expect(built.exitCode, built.all).toBe(0);
        for (const t of tests) {
          const run = await execa(path.join(dir, 'model-host'), [], { input: Buffer.from(t.input.buffer), encoding: 'buffer', reject: false });
          expect(run.exitCode, String(run.stderr)).toBe(0);
          expect(Array.from(new Int8Array(run.stdout)), `${label}: op ${k} (${full.ops[k].kind} ${full.ops[k].name})`).toEqual(Array.from(t.expected));
        }
      }
    }, 120_000);
  });
});
