// Generated C for TFLite imports on the host (sanitizers): the MEAN kernels (two truncating divisions in
// MCUNet's VWW model, the requantizing and float paths in small fixtures) and the LOGISTIC / HARD_SWISH
// tables give, byte for byte, what the int8 interpreter gives.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { modelProject } from '../../src/codegen/index.ts';
import { findExecutable, writeProject } from '../../src/emu/index.ts';
import { importTflite, importTfliteFile, quantizeLikeTflite, type Int8Import } from '../../src/frontend/tflite/index.ts';
import { runInt8 } from '../../src/quant/index.ts';
import { planFor } from '../../src/pipeline/prepare.ts';
import { sharedPath } from '../helpers/shared.ts';
import { reducerOptions, TensorType, writeTflite, type FixtureModel } from './tflite-fixture.ts';
import { lcg32 as lcg } from '../../src/random/seeded-random.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-tflite-host-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const cc = findExecutable('gcc');
const board = loadBoard('stm32f746');

const q = (scale: number, zeroPoint: number) => ({ scale: [Math.fround(scale)], zeroPoint: [zeroPoint] });

/** HARD_SWISH -> LOGISTIC -> MEAN [1, 2] without keep_dims to another quantization (the float path), and a keep_dims MEAN of the input (the requantizing path). */
function fixture(): Int8Import {
  const model: FixtureModel = {
    tensors: [
      { name: 'x', shape: [1, 5, 3, 8], type: TensorType.INT8, quant: q(0.043, -9) },
      { name: 'hs', shape: [1, 5, 3, 8], type: TensorType.INT8, quant: q(0.031, -70) },
      { name: 'sig', shape: [1, 5, 3, 8], type: TensorType.INT8, quant: q(1 / 256, -128) },
      { name: 'axes', shape: [2], type: TensorType.INT32, data: Int32Array.from([1, 2]) },
      { name: 'mean_f', shape: [1, 8], type: TensorType.INT8, quant: q(0.0029, -40) },
      { name: 'mean_k', shape: [1, 1, 1, 8], type: TensorType.INT8, quant: q(0.017, 3) },
    ],
    ops: [
      { builtin: 117, inputs: [0], outputs: [1] },
      { builtin: 14, inputs: [1], outputs: [2] },
      { builtin: 40, inputs: [2, 3], outputs: [4], options: reducerOptions(false) },
      { builtin: 40, inputs: [0, 3], outputs: [5], options: reducerOptions(true) },
    ],
    inputs: [0],
    outputs: [4, 5],
  };
  const imp = importTflite(writeTflite(model), 'ops.tflite');
  if (imp.precision !== 'int8') throw new Error('expected int8');
  return imp;
}

describe.skipIf(!cc)('generated C of TFLite imports on the host equals the int8 interpreter', () => {
  async function check(label: string, imp: Int8Import, inputs: Int8Array[]) {
    const g = imp.graph;
    const plan = planFor(g, board, 'off', 'own');
    const dir = path.join(tmp, label);
    const tests = inputs.map((input) => ({ input, expected: runInt8(g, input).outputs[0] }));
    const project = writeProject(dir, modelProject({ board, q: g, plan, backend: 'own', modelName: g.name, testSets: tests }));
    const model = fs.readFileSync(path.join(dir, 'model.c'), 'utf8');
    const sources = ['host_main.c', ...project.recipe.sources.filter((s) => !s.startsWith('runtime/') && s !== 'main.c' && s !== 'test_vectors.c')];
    const flags = ['-std=c99', '-O1', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-I.', '-Iruntime', '-Ikernels'];
    const built = await execa(cc!, [...flags, ...sources, '-o', 'model-host'], { cwd: dir, reject: false, all: true });
    expect(built.exitCode, built.all).toBe(0);
    for (const t of tests) {
      const run = await execa(path.join(dir, 'model-host'), [], { input: Buffer.from(t.input.buffer), encoding: 'buffer', reject: false });
      expect(run.exitCode, String(run.stderr)).toBe(0);
      expect(Array.from(new Int8Array(run.stdout)).slice(0, t.expected.length), label).toEqual(Array.from(t.expected));
    }
    return model;
  }

  it('MCUNet VWW (TRANSPOSE + MEAN + MEAN as two truncating divisions)', async () => {
    const imp = importTfliteFile(sharedPath('data/tflite-mcunet-vww/vww.tflite'));
    if (imp.precision !== 'int8') throw new Error('expected int8');
    const r = lcg(5);
    const inputs = [0, 1].map(() => quantizeLikeTflite(Float32Array.from({ length: 80 * 80 * 3 }, () => r() * 2 - 1), imp.inputs[0].quant!));
    const c = await check('mcunet-vww', imp, inputs);
    expect(c).toContain('mcunas_mean_s8(');
    expect(c).toContain('MCUNAS_MEAN_W_THEN_H');
  }, 180_000);

  it('HARD_SWISH, LOGISTIC and MEAN (float and requantizing paths) in a small fixture, first output', async () => {
    const imp = fixture();
    const r = lcg(9);
    const inputs = [0, 1, 2].map(() => Int8Array.from({ length: 120 }, () => -128 + Math.floor(r() * 256)));
    // One output per build: the harness prints the first graph output.
    for (const k of [0, 1]) {
      const g = { ...imp.graph, outputs: [imp.graph.outputs[k]] };
      const c = await check(`ops-${k}`, { ...imp, graph: g }, inputs);
      expect(c).toContain(k === 0 ? 'MCUNAS_MEAN_FLOAT' : 'MCUNAS_MEAN_NEAREST');
    }
  }, 180_000);
});
