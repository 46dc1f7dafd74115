// The TFLite importer on small models written by tflite-fixture.ts: the schema fields it reads, TFLite's
// padding and depthwise layout, int8 results against TFLite's reference formulas written out here, and
// the errors a user sees.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { importTflite, readTfliteModel } from '../../src/frontend/tflite/index.ts';
import { builtinName } from '../../src/frontend/tflite/schema.ts';
import { multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfAway } from '../../src/quant/fixed-point.ts';
import { runFloat } from '../../src/quant/float-interpreter.ts';
import { runInt8 } from '../../src/quant/int8-interpreter.ts';
import { activationOptions, convOptions, depthwiseOptions, reducerOptions, TensorType, writeTflite, type FixtureModel } from './tflite-fixture.ts';
import { lcg32 as lcg } from '../../src/random/seeded-random.ts';

const randInt8 = (r: () => number, n: number, lo = -128, hi = 127) => Int8Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));

/** An int8 CONV_2D, 3x3, stride 2, SAME padding, RELU6, per-channel weights: Cin 2, Cout 3 on a 4x4 input. */
function int8ConvModel(seed = 1): { model: FixtureModel; w: Int8Array; bias: Int32Array } {
  const r = lcg(seed);
  const w = randInt8(r, 3 * 3 * 3 * 2, -127, 127);
  const bias = Int32Array.from({ length: 3 }, () => Math.floor(r() * 2000) - 1000);
  const wScales = [0.011, 0.0073, 0.02];
  return {
    w,
    bias,
    model: {
      tensors: [
        { name: 'x', shape: [1, 4, 4, 2], type: TensorType.INT8, quant: { scale: [0.05], zeroPoint: [-3] } },
        { name: 'w', shape: [3, 3, 3, 2], type: TensorType.INT8, data: w, quant: { scale: wScales, zeroPoint: [0, 0, 0], dim: 0 } },
        { name: 'b', shape: [3], type: TensorType.INT32, data: bias, quant: { scale: wScales.map((s) => Math.fround(0.05 * s)), zeroPoint: [0, 0, 0] } },
        { name: 'y', shape: [1, 2, 2, 3], type: TensorType.INT8, quant: { scale: [0.031], zeroPoint: [-128] } },
      ],
      ops: [{ builtin: 3, inputs: [0, 1, 2], outputs: [3], options: convOptions('SAME', 2, 3) }],
      inputs: [0],
      outputs: [3],
    },
  };
}

/** TFLite's reference int8 conv (reference_integer_ops::ConvPerChannel), written from its formulas. */
function referenceConv(x: Int8Array, w: Int8Array, bias: Int32Array): Int8Array {
  const [H, W, C, K, S, O] = [4, 4, 2, 3, 2, 3];
  const outH = Math.ceil(H / S);
  const total = Math.max(0, (outH - 1) * S + K - H);
  const pad = Math.floor(total / 2); // SAME: the odd row goes after
  const f32 = (v: number) => Math.fround(v);
  const outScale = f32(0.031);
  const actMin = -128 + roundHalfAway(f32(0 / outScale));
  const actMax = Math.min(127, -128 + roundHalfAway(f32(6 / outScale)));
  const wScales = [0.011, 0.0073, 0.02].map(f32);
  const y = new Int8Array(outH * outH * O);
  for (let oy = 0; oy < outH; oy++)
    for (let ox = 0; ox < outH; ox++)
      for (let o = 0; o < O; o++) {
        let acc = 0;
        for (let ky = 0; ky < K; ky++)
          for (let kx = 0; kx < K; kx++) {
            const iy = oy * S - pad + ky;
            const ix = ox * S - pad + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            for (let c = 0; c < C; c++) acc += w[((o * K + ky) * K + kx) * C + c] * (x[(iy * W + ix) * C + c] + 3);
          }
        acc += bias[o];
        const m = quantizeMultiplier((f32(0.05) * wScales[o]) / outScale);
        const v = multiplyByQuantizedMultiplier(acc, m.multiplier, m.shift) - 128;
        y[(oy * outH + ox) * O + o] = Math.min(actMax, Math.max(actMin, v));
      }
  return y;
}

describe('TFLite reader', () => {
  it('reads tensors, quantization, operator codes and options', () => {
    const m = readTfliteModel(writeTflite(int8ConvModel().model), 'conv.tflite');
    expect(m.tensors.map((t) => [t.name, t.type, t.shape])).toEqual([
      ['x', 'INT8', [1, 4, 4, 2]],
      ['w', 'INT8', [3, 3, 3, 2]],
      ['b', 'INT32', [3]],
      ['y', 'INT8', [1, 2, 2, 3]],
    ]);
    expect(m.tensors[1].quantization?.scale).toEqual([0.011, 0.0073, 0.02].map(Math.fround));
    expect(m.tensors[0].quantization?.zeroPoint).toEqual([-3]);
    expect(m.operators[0]).toMatchObject({ builtin: 3, opName: 'CONV_2D', inputs: [0, 1, 2], outputs: [3] });
    expect(m.operators[0].options).toEqual({ kind: 'conv', padding: 'SAME', strideW: 2, strideH: 2, activation: 'RELU6', dilationW: 1, dilationH: 1 });
    expect(m.buffers[m.tensors[1].buffer].length).toBe(54);
  });

  it('resolves the opcode as max(deprecated_builtin_code, builtin_code), like TFLite', () => {
    for (const codeStyle of ['deprecated-only', 'extended-only', 'both'] as const) {
      const { model } = int8ConvModel();
      model.ops[0].codeStyle = codeStyle;
      expect(readTfliteModel(writeTflite(model), 'm.tflite').operators[0].opName).toBe('CONV_2D');
    }
    // Names follow schema.fbs's enum order.
    expect([0, 14, 40, 97, 114, 117, 118].map(builtinName)).toEqual(['ADD', 'LOGISTIC', 'MEAN', 'RESIZE_NEAREST_NEIGHBOR', 'QUANTIZE', 'HARD_SWISH', 'BUILTIN_118']);
    // A code above 127 lives only in builtin_code (the byte holds the placeholder 127).
    const { model } = int8ConvModel();
    model.ops[0] = { ...model.ops[0], builtin: 150, options: undefined };
    expect(readTfliteModel(writeTflite(model), 'm.tflite').operators[0].opName).toBe('BUILTIN_150');
    expect(() => importTflite(writeTflite(model), 'm.tflite')).toThrow(/m\.tflite: op #0 BUILTIN_150: this operator is not supported.*"x"/);
  });

  it('names the field of a malformed file', () => {
    const bytes = writeTflite(int8ConvModel().model);
    expect(() => readTfliteModel(bytes.subarray(0, 6), 'short.tflite')).toThrow(/short\.tflite: malformed TFLite model: file: 6 bytes is too short/);
    const wrongId = bytes.slice();
    wrongId[4] = 0x58;
    expect(() => readTfliteModel(wrongId, 'id.tflite')).toThrow(/expected "TFL3"/);
    const { model } = int8ConvModel();
    model.ops[0].inputs = [0, 1, 9];
    expect(() => readTfliteModel(writeTflite(model), 'idx.tflite')).toThrow(/model\.subgraphs\[0\]\.operators\[0\]\.inputs\[2\]: tensor index 9 is out of range/);
    const cut = bytes.subarray(0, bytes.length - 40);
    expect(() => readTfliteModel(cut, 'cut.tflite')).toThrow(InputError);
  });
});

describe('TFLite to IR', () => {
  it('maps SAME padding with stride 2 on an even input to 0 before, 1 after', () => {
    const r = importTflite(writeTflite(int8ConvModel().model), 'conv.tflite');
    const op = r.graph.ops[0];
    expect(op.kind).toBe('conv2d');
    if (op.kind !== 'conv2d') return;
    expect(op.padding).toEqual({ top: 0, left: 0, bottom: 1, right: 1 });
    expect(op.activation).toBe('relu6');
  });

  it('computes an int8 conv bit-exactly as TFLite reference_integer_ops::ConvPerChannel', () => {
    const { model, w, bias } = int8ConvModel(5);
    const r = importTflite(writeTflite(model), 'conv.tflite');
    expect(r.precision).toBe('int8');
    if (r.precision !== 'int8') return;
    const p = r.graph.params[0];
    expect(p.kind === 'conv2d' && [p.params.inputOffset, p.params.outputOffset, p.params.actMin]).toEqual([3, -128, -128]);
    const rand = lcg(9);
    for (let k = 0; k < 20; k++) {
      const x = randInt8(rand, 32);
      expect(Array.from(runInt8(r.graph, x).outputs[0])).toEqual(Array.from(referenceConv(x, w, bias)));
    }
  });

  it('transposes depthwise weights [1, KH, KW, C x M] to [C x M, KH, KW, 1] (depth multiplier 2)', () => {
    const r = lcg(3);
    const w = Float32Array.from({ length: 3 * 3 * 4 }, () => r() - 0.5);
    const bias = Float32Array.from([0.1, -0.2, 0.3, 0.05]);
    const model: FixtureModel = {
      tensors: [
        { name: 'x', shape: [1, 5, 5, 2], type: TensorType.FLOAT32 },
        { name: 'w', shape: [1, 3, 3, 4], type: TensorType.FLOAT32, data: w },
        { name: 'b', shape: [4], type: TensorType.FLOAT32, data: bias },
        { name: 'y', shape: [1, 5, 5, 4], type: TensorType.FLOAT32 },
      ],
      ops: [{ builtin: 4, inputs: [0, 1, 2], outputs: [3], options: depthwiseOptions('SAME', 1, 2) }],
      inputs: [0],
      outputs: [3],
    };
    const imp = importTflite(writeTflite(model), 'dw.tflite');
    expect(imp.precision).toBe('float32');
    const op = imp.graph.ops[0];
    expect(op.kind === 'conv2d' && op.groups).toBe(2);
    expect(imp.graph.tensors[op.inputs[1]].shape).toEqual([4, 3, 3, 1]);
    const x = Float32Array.from({ length: 50 }, () => r() * 2 - 1);
    const y = runFloat(imp.graph, x).outputs[0];
    // TFLite depthwise: out channel c*M + m reads input channel c with weight [0, ky, kx, c*M + m].
    for (let oy = 0; oy < 5; oy++)
      for (let ox = 0; ox < 5; ox++)
        for (let oc = 0; oc < 4; oc++) {
          let acc = bias[oc];
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const iy = oy - 1 + ky;
              const ix = ox - 1 + kx;
              if (iy >= 0 && iy < 5 && ix >= 0 && ix < 5) acc += x[(iy * 5 + ix) * 2 + (oc >> 1)] * w[(ky * 3 + kx) * 4 + oc];
            }
          expect(y[(oy * 5 + ox) * 4 + oc]).toBeCloseTo(acc, 5);
        }
  });

  it('computes an int8 ADD bit-exactly as TFLite reference_integer_ops::Add (left shift 20)', () => {
    const q = { a: [0.07, 5], b: [0.018, -9], y: [0.081, -14] } as const;
    const model: FixtureModel = {
      tensors: [
        { name: 'a', shape: [1, 2, 2, 4], type: TensorType.INT8, quant: { scale: [q.a[0]], zeroPoint: [q.a[1]] } },
        { name: 'b', shape: [1, 2, 2, 4], type: TensorType.INT8, quant: { scale: [q.b[0]], zeroPoint: [q.b[1]] } },
        { name: 'y', shape: [1, 2, 2, 4], type: TensorType.INT8, quant: { scale: [q.y[0]], zeroPoint: [q.y[1]] } },
      ],
      ops: [{ builtin: 0, inputs: [0, 1], outputs: [2], options: activationOptions(11, 1) }],
      inputs: [0, 1],
      outputs: [2],
    };
    const r = importTflite(writeTflite(model), 'add.tflite');
    if (r.precision !== 'int8') throw new Error('expected int8');
    const f = Math.fround;
    const twiceMax = 2 * Math.max(f(q.a[0]), f(q.b[0]));
    const m1 = quantizeMultiplier(f(q.a[0]) / twiceMax);
    const m2 = quantizeMultiplier(f(q.b[0]) / twiceMax);
    const mo = quantizeMultiplier(twiceMax / (2 ** 20 * f(q.y[0])));
    const p = r.graph.params[0];
    expect(p.kind === 'add' && p.params).toMatchObject({ leftShift: 20, input1Multiplier: m1.multiplier, input2Shift: m2.shift, outputMultiplier: mo.multiplier, actMin: -14 });
    const rand = lcg(11);
    for (let k = 0; k < 20; k++) {
      const a = randInt8(rand, 16);
      const b = randInt8(rand, 16);
      const want = Array.from(a, (v, i) => {
        const x = multiplyByQuantizedMultiplier((v - q.a[1]) * 2 ** 20, m1.multiplier, m1.shift);
        const y = multiplyByQuantizedMultiplier((b[i] - q.b[1]) * 2 ** 20, m2.multiplier, m2.shift);
        return Math.min(127, Math.max(-14, multiplyByQuantizedMultiplier(x + y, mo.multiplier, mo.shift) + q.y[1]));
      });
      expect(Array.from(runInt8(r.graph, [a, b]).outputs[0])).toEqual(want);
    }
  });

  it('maps MEAN over H and W (keep_dims false) to a global average pool and a reshape', () => {
    const model: FixtureModel = {
      tensors: [
        { name: 'x', shape: [1, 2, 3, 2], type: TensorType.FLOAT32 },
        { name: 'axes', shape: [2], type: TensorType.INT32, data: Int32Array.from([1, 2]) },
        { name: 'y', shape: [1, 2], type: TensorType.FLOAT32 },
      ],
      ops: [{ builtin: 40, inputs: [0, 1], outputs: [2], options: reducerOptions(false) }],
      inputs: [0],
      outputs: [2],
    };
    const imp = importTflite(writeTflite(model), 'mean.tflite');
    expect(imp.graph.ops.map((o) => o.kind)).toEqual(['global_avg_pool', 'reshape']);
    const x = Float32Array.from({ length: 12 }, (_, i) => i);
    expect(Array.from(runFloat(imp.graph, x).outputs[0])).toEqual([5, 6]);
  });

  it('maps an int8 to int8 QUANTIZE to TFLite\'s Requantize (multiplier of input / output scale)', () => {
    const model: FixtureModel = {
      tensors: [
        { name: 'x', shape: [1, 8], type: TensorType.INT8, quant: { scale: [0.02], zeroPoint: [4] } },
        { name: 'y', shape: [1, 8], type: TensorType.INT8, quant: { scale: [0.035], zeroPoint: [-7] } },
      ],
      ops: [{ builtin: 114, inputs: [0], outputs: [1] }],
      inputs: [0],
      outputs: [1],
    };
    const imp = importTflite(writeTflite(model), 'requant.tflite');
    if (imp.precision !== 'int8') throw new Error('expected int8');
    const m = quantizeMultiplier(Math.fround(0.02) / Math.fround(0.035));
    const x = Int8Array.from([-128, -50, -1, 0, 3, 4, 77, 127]);
    const want = Array.from(x, (v) => Math.max(-128, Math.min(127, multiplyByQuantizedMultiplier(v - 4, m.multiplier, m.shift) - 7)));
    expect(Array.from(runInt8(imp.graph, x).outputs[0])).toEqual(want);
  });

  it('refuses an op the IR cannot take, naming the op, its index and its tensors', () => {
    const model: FixtureModel = {
      tensors: [
        { name: 'in', shape: [1, 4], type: TensorType.FLOAT32 },
        { name: 'out', shape: [1, 4], type: TensorType.FLOAT32 },
      ],
      ops: [{ builtin: 28, inputs: [0], outputs: [1] }],
      inputs: [0],
      outputs: [1],
    };
    expect(() => importTflite(writeTflite(model), 'tanh.tflite')).toThrow('tanh.tflite: op #0 TANH: this operator is not supported by the IR (inputs "in"; outputs "out")');
    // A name with a line break (or C syntax) stays data: the error is still one line.
    model.tensors[0].name = 'in\n*/ int x;';
    expect(() => importTflite(writeTflite(model), 'tanh.tflite')).toThrow('(inputs "in\\n*/ int x;"; outputs "out")');
    model.ops[0].builtin = 47; // EXP
    expect(() => importTflite(writeTflite(model), 'exp.tflite')).toThrow(/op #0 EXP: this operator is not supported by the IR/);
    model.ops[0].builtin = 14; // LOGISTIC: the IR's sigmoid
    expect(importTflite(writeTflite(model), 'sig.tflite').graph.ops.map((o) => o.kind)).toEqual(['sigmoid']);
  });

  it('refuses uint8 models and absurd shapes with an InputError', () => {
    const { model } = int8ConvModel();
    model.tensors[0].type = TensorType.UINT8;
    expect(() => importTflite(writeTflite(model), 'u8.tflite')).toThrow(/"x" is UINT8/);
    const big = int8ConvModel().model;
    big.tensors[0].shape = [1, 4, 4, 2 ** 31 - 1];
    expect(() => importTflite(writeTflite(big), 'big.tflite')).toThrow(/tensors\[0\]\.shape\[3\]: dimension 2147483647 is not in/);
  });
});
