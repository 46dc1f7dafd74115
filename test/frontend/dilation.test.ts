// Dilated convolutions end to end, short of the emulator (test/e2e/dilation-qemu.test.ts runs one there):
// ONNX Conv `dilations` (dense, depthwise, strided, SAME_UPPER) and TFLite dilation_h/w_factor (CONV_2D and
// DEPTHWISE_CONV_2D, float and int8) import with the dilation on the IR op; the float interpreter agrees
// with onnxruntime (also on the TFLite float file, against the same weights written as ONNX); the QDQ form
// imports and stays within one output step of onnxruntime; the patch planner's halo spans the dilated
// window; and the generated C built for the host (own kernels, layer by layer and patch by patch) gives
// the int8 interpreter's bytes. What the project cannot run is refused at import with the node and the
// attribute named (exit 2, one error line).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { modelProject } from '../../src/codegen/index.ts';
import { findExecutable, writeProject } from '../../src/emu/index.ts';
import { importOnnx, importOnnxQdq, irToOnnx, onnxToIr } from '../../src/frontend/onnx/index.ts';
import { importTflite } from '../../src/frontend/tflite/index.ts';
import type { Conv2dOp, Graph } from '../../src/ir/graph.ts';
import { runOnnx } from '../../src/oracle/onnxruntime.ts';
import { planFor } from '../../src/pipeline/prepare.ts';
import { calibrate, dequantizeOutput, quantize, quantizeInput, runFloat, runInt8, type QuantGraph } from '../../src/quant/index.ts';
import { patchGeometry, type PatchRequest } from '../../src/schedule/index.ts';
import { stepsFromIr } from '../../src/schedule/from-ir.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { DILATED_ONNX as BYTES, DIMS, dilatedInputs as inputs, w } from './dilated-model.ts';
import { buildModel, compare, importVsOrt, ints, s, values } from './onnx-model-builder.ts';
import { toQdq } from './onnx-qdq-writer.ts';
import { convOptions, depthwiseOptions, TensorType, writeTflite, type FixtureModel } from './tflite-fixture.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-dilation-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const cc = findExecutable('gcc');

const dilations = (g: Graph) => g.ops.filter((o): o is Conv2dOp => o.kind === 'conv2d').map((o) => [o.name, o.dilation ?? [1, 1]]);
const sameBytes = (a: Int8Array, b: Int8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('ONNX Conv dilations', () => {
  it('float: the IR ops carry them, and the float interpreter matches onnxruntime', async () => {
    const runs = await Promise.all(inputs.slice(0, 2).map((x) => importVsOrt(BYTES, [x])));
    for (const r of runs.flatMap((run) => run.results)) expect(r.rel).toBeLessThan(1e-5);
    const { imp } = runs[0];
    expect(dilations(imp.graph)).toEqual([
      ['dense_d2', [2, 2]],
      ['dw_d2x3', [2, 3]],
      ['dense_s2_d1x2', [1, 2]],
      ['pw', [1, 1]],
    ]);
  });

  it('QDQ: imports with the dilation and stays within one output step of onnxruntime', async () => {
    const m = await toQdq(BYTES, inputs, DIMS, { activation: 'int8', perChannel: true });
    const imp = importOnnxQdq(m.bytes, { source: 'dilated-qdq.onnx' });
    expect(dilations(imp.graph).map(([, d]) => d)).toEqual([[2, 2], [2, 3], [1, 2], [1, 1]]);
    const scale = m.outputParams[0].scale;
    for (const x of inputs.slice(0, 2)) {
      const [ort] = await runOnnx(m.bytes, [{ dims: DIMS, data: x }]);
      const q = runInt8(imp.graph, quantizeInput(imp.graph, onnxToIr(x, imp.inputs[0]))).outputs[0];
      const ours = irToOnnx(dequantizeOutput(imp.graph, q), imp.outputs[0]);
      let steps = 0;
      for (let k = 0; k < ours.length; k++) steps = Math.max(steps, Math.round(Math.abs(ours[k] - ort.data[k]) / scale));
      expect(steps).toBeLessThanOrEqual(1);
    }
  });

  it('the patch planner reads the dilated window: a tile of the depthwise output needs (3 - 1) x 2 + 1 rows of its input plus the stride', () => {
    const q = int8Graph();
    const g = stepsFromIr(q);
    const L = g.steps.findIndex((st) => st.name === 'dw_d2x3');
    const geo = patchGeometry(g, L, 2);
    // Patch 0 (top left) computes rows [0, 8) of dw_d2x3; its input rows are [0 - 2, 7 + 4 - 2 + 1) -> [0, 10), padding 2 at the top.
    const t = geo.stage[L].tiles[0];
    expect(t.out).toEqual({ y0: 0, y1: 8, x0: 0, x1: 8 });
    expect(t.inputs[0].read).toEqual({ y0: 0, y1: 10, x0: 0, x1: 11 });
    expect(t.inputs[0].pad).toEqual({ top: 2, left: 3, bottom: 0, right: 0 });
    // dense_d2 (window 5) then makes rows [0, 10) and columns [0, 11) from input rows [-2, 12), columns [-2, 13).
    expect(geo.stage[0].tiles[0].inputs[0].read).toEqual({ y0: 0, y1: 12, x0: 0, x1: 13 });
    expect(geo.stage[0].tiles[0].inputs[0].pad).toEqual({ top: 2, left: 2, bottom: 0, right: 0 });
  });
});

/** The float ONNX model quantized on its inputs (the project's own calibration). */
function int8Graph(): QuantGraph {
  const imp = importOnnx(BYTES, { source: 'dilated.onnx' });
  const calib = inputs.map((x) => [onnxToIr(x, imp.inputs[0])]);
  return quantize(imp.graph, calibrate(imp.graph, calib));
}

/** TFLite: an int8 (or float) CONV_2D 3x3 dilation [2, 1] SAME then DEPTHWISE_CONV_2D 3x3 dilation [3, 2] VALID, on 1x12x10x4. */
function tfliteModel(int8: boolean): { bytes: Uint8Array; weights: { w1: Float32Array; w2: Float32Array; b1: Float32Array; b2: Float32Array } } {
  const w1 = values(6 * 3 * 3 * 4, 21, 0.5); // OHWI
  const w2 = values(1 * 3 * 3 * 6, 22, 0.5); // 1HWC
  const b1 = values(6, 23, 0.2);
  const b2 = values(6, 24, 0.2);
  const q8 = (v: Float32Array, scale: number) => Int8Array.from(v, (x) => Math.max(-127, Math.min(127, Math.round(x / scale))));
  const q32 = (v: Float32Array, scale: number) => Int32Array.from(v, (x) => Math.round(x / scale));
  const [sx, sw1, s1, sw2, s2] = [0.02, 0.004, 0.03, 0.004, 0.05];
  const T = int8 ? TensorType.INT8 : TensorType.FLOAT32;
  const model: FixtureModel = {
    tensors: [
      { name: 'x', shape: [1, 12, 10, 4], type: T, ...(int8 ? { quant: { scale: [sx], zeroPoint: [3] } } : {}) },
      { name: 'w1', shape: [6, 3, 3, 4], type: T, data: int8 ? q8(w1, sw1) : w1, ...(int8 ? { quant: { scale: [sw1], zeroPoint: [0] } } : {}) },
      { name: 'b1', shape: [6], type: int8 ? TensorType.INT32 : T, data: int8 ? q32(b1, Math.fround(sx * sw1)) : b1, ...(int8 ? { quant: { scale: [Math.fround(sx * sw1)], zeroPoint: [0] } } : {}) },
      { name: 'c1', shape: [1, 12, 10, 6], type: T, ...(int8 ? { quant: { scale: [s1], zeroPoint: [-5] } } : {}) },
      { name: 'w2', shape: [1, 3, 3, 6], type: T, data: int8 ? q8(w2, sw2) : w2, ...(int8 ? { quant: { scale: [sw2], zeroPoint: [0] } } : {}) },
      { name: 'b2', shape: [6], type: int8 ? TensorType.INT32 : T, data: int8 ? q32(b2, Math.fround(s1 * sw2)) : b2, ...(int8 ? { quant: { scale: [Math.fround(s1 * sw2)], zeroPoint: [0] } } : {}) },
      { name: 'y', shape: [1, 6, 6, 6], type: T, ...(int8 ? { quant: { scale: [s2], zeroPoint: [1] } } : {}) },
    ],
    ops: [
      { builtin: 3, inputs: [0, 1, 2], outputs: [3], options: convOptions('SAME', 1, 1, [2, 1]) },
      { builtin: 4, inputs: [3, 4, 5], outputs: [6], options: depthwiseOptions('VALID', 1, 1, 0, [3, 2]) },
    ],
    inputs: [0],
    outputs: [6],
  };
  return { bytes: writeTflite(model), weights: { w1, w2, b1, b2 } };
}

describe('TFLite dilation_h_factor / dilation_w_factor', () => {
  it('float: imported with the dilation; the float interpreter matches onnxruntime on the same weights written as ONNX', async () => {
    const { bytes, weights } = tfliteModel(false);
    const imp = importTflite(bytes, 'dilated.tflite');
    expect(imp.precision).toBe('float32');
    expect(dilations(imp.graph).map(([, d]) => d)).toEqual([[2, 1], [3, 2]]);
    // The same network in ONNX: OHWI -> OIHW, 1HWC -> C1HW; TF SAME over the dilated 5x3 window pads 2 rows and 1 column each side.
    const oihw = (v: Float32Array, o: number, h: number, wd: number, i: number) => Float32Array.from({ length: v.length }, (_, k) => {
      const [oo, ii, yy, xx] = [Math.floor(k / (i * h * wd)), Math.floor(k / (h * wd)) % i, Math.floor(k / wd) % h, k % wd];
      return v[((oo * h + yy) * wd + xx) * i + ii];
    });
    const c1hw = Float32Array.from({ length: weights.w2.length }, (_, k) => weights.w2[(k % 9) * 6 + Math.floor(k / 9)]);
    const onnxBytes = buildModel({
      inputs: [{ name: 'x', dims: [1, 4, 12, 10] }],
      outputs: ['y'],
      inits: [{ name: 'w1', dims: [6, 4, 3, 3], data: oihw(weights.w1, 6, 3, 3, 4) }, { name: 'b1', dims: [6], data: weights.b1 }, { name: 'w2', dims: [6, 1, 3, 3], data: c1hw }, { name: 'b2', dims: [6], data: weights.b2 }],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { kernel_shape: ints([3, 3]), pads: ints([2, 1, 2, 1]), dilations: ints([2, 1]) } },
        { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
        { op: 'Conv', inputs: ['r1', 'w2', 'b2'], outputs: ['y'], attrs: { kernel_shape: ints([3, 3]), group: { i: 6 }, dilations: ints([3, 2]) } },
      ],
    });
    const nchw = values(4 * 12 * 10, 31, 1);
    const [ort] = await runOnnx(onnxBytes, [{ dims: [1, 4, 12, 10], data: nchw }]);
    const nhwc = Float32Array.from({ length: nchw.length }, (_, k) => nchw[(k % 4) * 120 + Math.floor(k / 4)]);
    const ours = runFloat(imp.graph, [nhwc]).outputs[0];
    const back = Float32Array.from({ length: ours.length }, (_, k) => ours[(k % 36) * 6 + Math.floor(k / 36)]); // NHWC -> NCHW
    expect(compare(back, ort.data).rel).toBeLessThan(1e-5);
  });

  it.skipIf(!cc)('int8: imported with the dilation; the generated C on the host gives the int8 interpreter bytes', async () => {
    const imp = importTflite(tfliteModel(true).bytes, 'dilated-int8.tflite');
    if (imp.precision !== 'int8') throw new Error('expected an int8 import');
    const q = imp.graph;
    const convs = q.params.filter((p) => p.kind === 'conv2d');
    expect(convs.map((p) => p.kind === 'conv2d' && [p.variant, p.params.dilationH, p.params.dilationW])).toEqual([
      ['conv', 2, 1],
      ['depthwise', 3, 2],
    ]);
    const x = Int8Array.from(values(12 * 10 * 4, 41, 128), (v) => Math.round(v) | 0);
    await hostMatches('tflite', q, 'off', x);
  });
});

/** Builds the model's C for the host (own kernels, sanitizers) and compares its output bytes with runInt8's. */
async function hostMatches(label: string, q: QuantGraph, patch: PatchRequest, input: Int8Array) {
  const board = loadBoard('stm32f746');
  const plan = planFor(q, board, patch, 'own');
  if (patch !== 'off') expect(plan.patch).not.toBeNull();
  const golden = runInt8(q, input).outputs[0];
  const dir = path.join(tmp, label);
  const generated = modelProject({ board, q, plan, backend: 'own', modelName: q.name, testSets: [{ input, expected: golden }] });
  const project = writeProject(dir, generated);
  const sources = ['host_main.c', ...project.recipe.sources.filter((f) => !f.startsWith('runtime/') && f !== 'main.c' && f !== 'test_vectors.c')];
  const flags = ['-std=c99', '-O1', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-I.', '-Iruntime', '-Ikernels'];
  const built = await execa(cc!, [...flags, ...sources, '-o', 'model-host'], { cwd: dir, reject: false, all: true });
  expect(built.all, `${label}: host build`).toBe('');
  const run = await execa(path.join(dir, 'model-host'), [], { input: Buffer.from(input.buffer), encoding: 'buffer', reject: false });
  expect(run.exitCode, String(run.stderr)).toBe(0);
  expect(sameBytes(new Int8Array(run.stdout), golden), `${label}: host C vs int8 interpreter`).toBe(true);
  return plan;
}

describe.skipIf(!cc)('ONNX int8 on the host (own kernels)', () => {
  it('layer by layer and 2x2 patches through the dilated layers: the int8 interpreter bytes', async () => {
    const q = int8Graph();
    const x = quantizeInput(q, onnxToIr(inputs[4], importOnnx(BYTES, { source: 'd.onnx' }).inputs[0]));
    await hostMatches('onnx-layers', q, 'off', x);
    const patched = await hostMatches('onnx-patched', q, { n: 2, layer: 'dw_d2x3' }, x);
    expect(patched.patch?.splitLayer).toBe('dw_d2x3');
  });
});

describe('what cannot run is refused at import: exit 2, one error line naming the node and the attribute', () => {
  it.each([
    [
      'ONNX MaxPool with dilations',
      () =>
        buildModel({ inputs: [{ name: 'x', dims: [1, 2, 8, 8] }], outputs: ['y'], nodes: [{ op: 'MaxPool', name: 'pool1', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: ints([2, 2]), dilations: ints([2, 2]) } }] }),
      'onnx',
      /^error: .*"pool1" \(op MaxPool\): dilations \[2, 2\] are not supported on MaxPool/,
    ],
    [
      'ONNX Conv with a zero dilation',
      () => buildModel({ inputs: [{ name: 'x', dims: [1, 2, 8, 8] }], outputs: ['y'], inits: [w('cw', [2, 2, 3, 3], 1)], nodes: [{ op: 'Conv', name: 'conv1', inputs: ['x', 'cw'], outputs: ['y'], attrs: { dilations: ints([0, 1]) } }] }),
      'onnx',
      /^error: .*"conv1" \(op Conv\): attribute dilations \[0, 1\] must hold positive sizes/,
    ],
    [
      'ONNX Conv with dilations and auto_pad SAME_UPPER (onnxruntime refuses it too)',
      () => buildModel({ inputs: [{ name: 'x', dims: [1, 2, 8, 8] }], outputs: ['y'], inits: [w('cw', [2, 2, 3, 3], 1)], nodes: [{ op: 'Conv', name: 'conv2', inputs: ['x', 'cw'], outputs: ['y'], attrs: { auto_pad: s('SAME_UPPER'), dilations: ints([2, 2]) } }] }),
      'onnx',
      /^error: .*"conv2" \(op Conv\): auto_pad SAME_UPPER with dilations \[2, 2\] is ambiguous/,
    ],
    [
      'TFLite DEPTHWISE_CONV_2D with dilation_h_factor 0',
      () => {
        const m: FixtureModel = {
          tensors: [
            { name: 'x', shape: [1, 6, 6, 2], type: TensorType.FLOAT32 },
            { name: 'w', shape: [1, 3, 3, 2], type: TensorType.FLOAT32, data: values(18, 1) },
            { name: 'y', shape: [1, 6, 6, 2], type: TensorType.FLOAT32 },
          ],
          ops: [{ builtin: 4, inputs: [0, 1, -1], outputs: [2], options: depthwiseOptions('SAME', 1, 1, 0, [0, 1]) }],
          inputs: [0],
          outputs: [2],
        };
        return writeTflite(m);
      },
      'tflite',
      /^error: .*op #0 DEPTHWISE_CONV_2D.*dilation_h_factor 0 \/ dilation_w_factor 1 must be positive integers/,
    ],
  ])('%s', async (_label, make, ext, message) => {
    const file = path.join(tmp, `bad-${ext}-${Math.random().toString(36).slice(2)}.${ext}`);
    fs.writeFileSync(file, make());
    const r = await runInProcess(['compile', file, '--board', 'stm32f746', '--calibration', 'random', '--no-build', '--out', path.join(tmp, `out-${path.basename(file)}`)]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});
