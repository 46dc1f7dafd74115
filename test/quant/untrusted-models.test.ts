// A model's numbers are input too: NaN or infinite weights, a weight with a flipped exponent bit, values
// that overflow float32, and --mean/--std that do not match the model's channels are each refused with one
// line naming the file and the op, tensor or flag (exit 2), never an internal error or a silent wrong model.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { InputError } from '../../src/errors.ts';
import { importOnnx } from '../../src/frontend/onnx/index.ts';
import { onnx } from '../../src/frontend/onnx/proto.ts';
import { importTflite } from '../../src/frontend/tflite/index.ts';
import { GraphBuilder } from '../../src/ir/index.ts';
import { fileSource } from '../../src/pipeline/file-source.ts';
import { prepare } from '../../src/pipeline/prepare.ts';
import { approx, calibrate, firstNonFinite, quantize, quantizeMultiplier, ScaleRangeError } from '../../src/quant/index.ts';
import { buildModel, ints, values } from '../frontend/onnx-model-builder.ts';
import { TensorType, convOptions, writeTflite } from '../frontend/tflite-fixture.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-untrusted-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Relu -> Conv 3x3 (2 output channels) + Relu on a 1-channel 8x8 image, with the given weights. */
function convModel(w: Float32Array, channels = 1): Uint8Array {
  return buildModel({
    inputs: [{ name: 'x', dims: [1, channels, 8, 8] }],
    outputs: ['y'],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'] },
      { op: 'Conv', name: 'conv_main', inputs: ['r', 'w', 'b'], outputs: ['c'], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) } },
      { op: 'Relu', inputs: ['c'], outputs: ['y'] },
    ],
    inits: [
      { name: 'w', dims: [2, channels, 3, 3], data: w },
      { name: 'b', dims: [2], data: [0.1, -0.1] },
    ],
  });
}
const goodWeights = values(18, 3);
const write = (name: string, bytes: Uint8Array) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
};
function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('expected an InputError');
}
async function asyncMessageOf(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('expected an InputError');
}
const board = loadBoard('stm32f746');
const compileFront = async (file: string, normalisation?: { scale: number; mean: number[]; std: number[] }) =>
  prepare(await fileSource(file, { seed: 0, calibration: 'random', calibrationSamples: 2, testSets: 1, normalisation }), board, { patch: 'off', backend: 'own' });

describe('non-finite weights', () => {
  it.each([
    ['NaN', NaN],
    ['+Infinity', Infinity],
    ['-Infinity', -Infinity],
  ])('an ONNX initializer holding %s is refused at import, naming the file, the constant and its op', (text, v) => {
    const w = goodWeights.slice();
    w[4] = v;
    w[11] = v;
    expect(messageOf(() => importOnnx(convModel(w), { source: 'bad.onnx' }))).toBe(
      `bad.onnx: constant "w" of op "conv_main" (conv2d) holds ${text} (2 of 18 values are not finite); a model's weights must be finite numbers`,
    );
  });

  it('a NaN BatchNorm variance, folded into the conv before the check, is refused too', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', dims: [1, 1, 4, 4] }],
      outputs: ['y'],
      nodes: [
        { op: 'Conv', name: 'conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: ints([1, 1]) } },
        { op: 'BatchNormalization', name: 'bn', inputs: ['c', 'g', 'beta', 'mean', 'var'], outputs: ['y'] },
      ],
      inits: [
        { name: 'w', dims: [2, 1, 1, 1], data: [1, 2] },
        { name: 'g', dims: [2], data: [1, 1] },
        { name: 'beta', dims: [2], data: [0, 0] },
        { name: 'mean', dims: [2], data: [0, 0] },
        { name: 'var', dims: [2], data: [1, NaN] },
      ],
    });
    expect(messageOf(() => importOnnx(bytes, { source: 'bn.onnx' }))).toMatch(/^bn\.onnx: constant ".*" of op "conv" \(conv2d\) holds NaN/);
  });

  it('a float TFLite weight holding NaN is refused at import', () => {
    const w = Float32Array.from({ length: 2 * 3 * 3 * 1 }, (_, k) => (k === 7 ? NaN : 0.1 * k));
    const bytes = writeTflite({
      tensors: [
        { name: 'x', shape: [1, 4, 4, 1], type: TensorType.FLOAT32 },
        { name: 'w', shape: [2, 3, 3, 1], type: TensorType.FLOAT32, data: w },
        { name: 'b', shape: [2], type: TensorType.FLOAT32, data: Float32Array.of(0, 0) },
        { name: 'y', shape: [1, 4, 4, 2], type: TensorType.FLOAT32 },
      ],
      ops: [{ builtin: 3, inputs: [0, 1, 2], outputs: [3], options: convOptions('SAME', 1) }],
      inputs: [0],
      outputs: [3],
    });
    expect(messageOf(() => importTflite(bytes, 'bad.tflite'))).toMatch(/^bad\.tflite: constant "w" of op ".*" \(conv2d\) holds NaN \(1 of 18 values is not finite\)/);
  });

  it('quantize() refuses a NaN weight in a graph made any other way, naming the op and the constant', () => {
    const b = new GraphBuilder('built');
    const x = b.input('x', [1, 2, 2, 1]);
    const w = b.constant('w', [1, 1, 1, 1], Float32Array.of(NaN));
    const y = b.op({ kind: 'conv2d', name: 'conv', inputs: [x, w], kernel: [1, 1], stride: [1, 1], padding: { top: 0, left: 0, bottom: 0, right: 0 }, groups: 1, activation: 'none' }, 'y');
    b.output(y);
    const g = b.build();
    const cal = { ranges: new Map([[x, { min: 0, max: 1, meanMin: 0, meanMax: 1 }], [y, { min: 0, max: 1, meanMin: 0, meanMax: 1 }]]), preActivation: new Map(), samples: 1 };
    expect(messageOf(() => quantize(g, cal, { source: 'm.onnx' }))).toBe(
      `m.onnx: op #0 "conv" (conv2d): constant "w" holds NaN (1 of 1 values is not finite); a model's weights must be finite numbers`,
    );
    expect(messageOf(() => quantize(g, cal))).toMatch(/^graph "built": op #0 "conv" \(conv2d\): constant "w" holds NaN/);
  });
});

describe('weights that are finite but out of range', () => {
  it('a huge weight gives a requantization multiplier of about 1e35: the op is named and the scale said out of range', async () => {
    // Channel 1's weights are huge and negative (a flipped exponent bit): the ReLU zeroes the channel, so the
    // output scale stays that of channel 0 and channel 1's multiplier is about 1e35.
    const w = goodWeights.slice();
    for (let k = 9; k < 18; k++) w[k] = -3e37;
    const file = write('huge.onnx', convModel(w));
    const message = await asyncMessageOf(() => compileFront(file));
    expect(message).toMatch(new RegExp(`^${file.replace(/[.\\/]/g, '\\$&')}: op #1 "conv_main" \\(conv2d\\): scale out of range: requantization multiplier [0-9.]+e\\+3[45] is too large \\(int8 kernels need it below 2\\^30\\); weight "w" reaches 3e\\+37 \\(a corrupt weight\\?\\)$`));
  });

  it('weights whose products overflow float32 stop calibration, naming the file, the op and the sample', async () => {
    const file = write('overflow.onnx', convModel(new Float32Array(18).fill(3e38)));
    const message = await asyncMessageOf(() => compileFront(file));
    expect(message).toBe(
      `${file}: calibration input 0 gives +Infinity in op #1 "conv_main" (conv2d) before its fused activation; no int8 scale can hold it (a corrupt weight, or values that overflow float32?)`,
    );
  });
});

describe('calibration data', () => {
  const g = importOnnx(convModel(goodWeights), { source: 'ok.onnx' }).graph;

  it('a NaN among finite values is seen (a min/max scan alone skips it), naming the graph input', () => {
    const x = values(64, 9);
    x[17] = NaN;
    expect(messageOf(() => calibrate(g, [values(64, 8), x], { source: 'ok.onnx' }))).toBe(
      `ok.onnx: calibration input 1 gives NaN in graph input tensor "x": the input data itself; no int8 scale can hold it (a corrupt weight, or values that overflow float32?)`,
    );
  });

  it('without a file the graph is named', () => {
    const x = new Float32Array(64).fill(-Infinity);
    expect(messageOf(() => calibrate(g, [x]))).toMatch(/^graph "test": calibration input 0 gives -Infinity in graph input tensor "x"/);
  });

  it('finite data calibrates as before', () => {
    const x = values(64, 8);
    const c = calibrate(g, [x]);
    expect(c.ranges.get(g.inputs[0])).toEqual({ min: Math.min(...x), max: Math.max(...x), meanMin: Math.min(...x), meanMax: Math.max(...x) });
  });
});

describe('test data', () => {
  it('a NaN in input_0.pb is refused naming the folder and file (it would quantize to 0 unseen)', async () => {
    const file = write('td.onnx', convModel(goodWeights));
    const data = path.join(dir, 'td-data');
    fs.mkdirSync(data);
    const x = values(64, 2);
    x[10] = NaN;
    fs.writeFileSync(path.join(data, 'input_0.pb'), onnx.TensorProto.encode(onnx.TensorProto.create({ dims: [1, 1, 8, 8], dataType: 1, floatData: Array.from(x) })).finish());
    expect(await asyncMessageOf(() => fileSource(file, { seed: 0, calibrationSamples: 1, testSets: 1, testData: data }))).toBe(`${data} (pair 0): input_0.pb holds NaN (1 of 64 values is not finite)`);
  });
});

describe('the scale arithmetic', () => {
  it('quantizeMultiplier throws ScaleRangeError (a RangeError) for what int8 cannot represent', () => {
    for (const bad of [NaN, Infinity, -1, 2 ** 30, 1e35]) expect(() => quantizeMultiplier(bad)).toThrow(ScaleRangeError);
    expect(() => quantizeMultiplier(2 ** 31)).toThrow(RangeError);
    expect(() => quantizeMultiplier(1e35)).toThrow('requantization multiplier 1e+35 is too large (int8 kernels need it below 2^30)');
    expect(() => quantizeMultiplier(NaN)).toThrow('requantization multiplier NaN is not a finite number >= 0');
    // The largest that fits: 2^29 = 2^30 (Q31 one half) shifted left by 30.
    expect(quantizeMultiplier(2 ** 29)).toEqual({ multiplier: 2 ** 30, shift: 30 });
  });

  it('approx and firstNonFinite', () => {
    expect(approx(1.931911652000208e35)).toBe('1.93e+35');
    expect(approx(0)).toBe('0');
    expect(approx(Infinity)).toBe('Infinity');
    expect(firstNonFinite([1, 2, -0, 3e38])).toBe(-1);
    expect(firstNonFinite([1, -Infinity, NaN])).toBe(1);
  });
});

describe('--mean/--std against the model input', () => {
  const gray = write('gray.onnx', convModel(goodWeights));
  const rgb = write('rgb.onnx', convModel(values(54, 4), 3));

  it.each([
    [gray, { std: [1, 2, 3, 4] }, '--std: 4 values for a 1-channel model input; give 1'],
    [gray, { mean: [0.1, 0.2] }, '--mean: 2 values for a 1-channel model input; give 1'],
    [rgb, { std: [1, 2] }, '--std: 2 values for a 3-channel model input; give 1 or 3'],
  ])('%s with %j is refused, naming the file and the flag', async (file, n, why) => {
    const normalisation = { scale: 1, mean: [0], std: [1], ...n };
    expect(await asyncMessageOf(() => fileSource(file, { seed: 0, calibrationSamples: 1, testSets: 1, normalisation }))).toBe(`${file}: ${why}`);
  });

  it('one value, or one per channel, is accepted', async () => {
    await expect(fileSource(gray, { seed: 0, calibration: 'random', calibrationSamples: 1, testSets: 1, normalisation: { scale: 1, mean: [0.5], std: [0.25] } })).resolves.toBeDefined();
    await expect(fileSource(rgb, { seed: 0, calibration: 'random', calibrationSamples: 1, testSets: 1, normalisation: { scale: 1, mean: [0.4, 0.5, 0.6], std: [0.2, 0.2, 0.3] } })).resolves.toBeDefined();
  });
});

describe('on the command line', () => {
  it('a NaN weight is exit 2 with one error line naming the file, and nothing is written', async () => {
    const { runCliAsync } = await import('../helpers/run-cli.ts');
    const w = goodWeights.slice();
    w[0] = NaN;
    const file = write('nan.onnx', convModel(w));
    const out = path.join(dir, 'out-nan');
    const r = await runCliAsync(['compile', file, '--board', 'stm32f746', '--calibration', 'random', '--no-build', '--out', out], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([`error: ${file}: constant "w" of op "conv_main" (conv2d) holds NaN (1 of 18 values is not finite); a model's weights must be finite numbers`]);
    expect(fs.existsSync(out)).toBe(false);
  }, 60_000);
});
