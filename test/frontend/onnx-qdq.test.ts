// QDQ ONNX import: real models put in QDQ form here (onnx-qdq-writer.ts, onnxruntime's layout), then
// onnxruntime runs the QDQ file (float math between Q/DQ pairs, graph optimizations off) and src/quant's
// int8 interpreter runs the imported QuantGraph. Not bit-exact by nature (onnxruntime quantizes a float
// result once per Q; the int8 kernels requantize with fixed-point multipliers and round half away), so
// the claims are: same top-1, outputs within a stated number of output quantization steps, and every
// int8 op within one step of onnxruntime's Q output when both start from onnxruntime's int8 inputs.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importOnnx, importOnnxQdq, irToOnnx, isQdqOnnx, onnxToIr, readTestData, type QdqImport } from '../../src/frontend/onnx/index.ts';
import { onnx, type NodeProto, type TensorProto } from '../../src/frontend/onnx/proto.ts';
import { dequantizeOutput, quantizeInput, runInt8, runInt8Op } from '../../src/quant/index.ts';
import { runOnnx } from '../../src/oracle/onnxruntime.ts';
import { InputError } from '../../src/errors.ts';
import { sharedPath } from '../helpers/shared.ts';
import { values } from './onnx-model-builder.ts';
import { floatTensor, intTensor, toQdq, type QdqModel, type QdqOptions } from './onnx-qdq-writer.ts';

const DT = onnx.TensorProto.DataType;
const argmax = (a: ArrayLike<number>) => Array.from(a).indexOf(Math.max(...Array.from(a)));

async function compareRuns(model: Uint8Array, imp: QdqImport, xs: Float32Array[], dims: number[], outScale: number) {
  let maxSteps = 0;
  const top1: [number, number][] = [];
  for (const x of xs) {
    const [ort] = await runOnnx(model, [{ dims, data: x }]);
    const q = runInt8(imp.graph, quantizeInput(imp.graph, onnxToIr(x, imp.inputs[0]))).outputs[0];
    const ours = irToOnnx(dequantizeOutput(imp.graph, q), imp.outputs[0]);
    for (let i = 0; i < ours.length; i++) maxSteps = Math.max(maxSteps, Math.round(Math.abs(ours[i] - ort.data[i]) / outScale));
    top1.push([argmax(ours), argmax(ort.data)]);
  }
  return { maxSteps, top1 };
}

/**
 * Every op whose output the model quantizes, run alone on onnxruntime's int8 inputs (its Q outputs, read
 * back from the QDQ file with those tensors made graph outputs): the largest difference per op kind.
 */
async function opByOp(m: QdqModel, imp: QdqImport, x: Float32Array, dims: number[], type: QdqOptions['activation']) {
  const g = imp.graph;
  const names = g.tensors.map((t) => t.name).filter((n) => m.params.has(n));
  const probe = onnx.ModelProto.decode(m.bytes);
  probe.graph!.output = names.map((n) => onnx.ValueInfoProto.create({ name: `${n}_q`, type: { tensorType: { elemType: type === 'int8' ? DT.INT8 : DT.UINT8 } } }));
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(probe).finish(), { graphOptimizationLevel: 'disabled' });
  const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, dims) });
  await session.release();
  const shift = type === 'uint8' ? -128 : 0;
  const ref = new Map<number, Int8Array>();
  for (const n of names) {
    const t = g.tensors.find((u) => u.name === n)!;
    const r = result[`${n}_q`].data as Int8Array | Uint8Array;
    const out = new Int8Array(r.length);
    if (t.shape.length === 4) {
      const [, h, w, c] = t.shape;
      for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let z = 0; z < w; z++) out[(y * w + z) * c + k] = r[(k * h + y) * w + z] + shift;
    } else r.forEach((v, i) => (out[i] = v + shift));
    ref.set(t.id, out);
  }
  const worst: Record<string, number> = {};
  g.ops.forEach((op, i) => {
    const r = ref.get(op.outputs[0]);
    if (!r) return;
    const local = new Map<number, Int8Array>();
    // Inputs the model does not quantize (e.g. a pool before its requantizing copy) are recomputed from ones it does.
    const read = (id: number): Int8Array => {
      const known = ref.get(id) ?? local.get(id) ?? (g.tensors[id].data as Int8Array | undefined);
      if (known) return known;
      const v = runInt8Op(g, g.ops.findIndex((o) => o.outputs[0] === id), read);
      local.set(id, v);
      return v;
    };
    const ours = runInt8Op(g, i, read);
    let d = 0;
    for (let k = 0; k < ours.length; k++) d = Math.max(d, Math.abs(ours[k] - r[k]));
    worst[op.kind] = Math.max(worst[op.kind] ?? 0, d);
  });
  return worst;
}

describe('QDQ form of onnx-mnist8 (CNTK export: Conv, Relu, MaxPool, Reshape, MatMul, Add)', () => {
  const file = sharedPath('data/onnx-mnist8/model.onnx');
  const sets = readTestData(sharedPath('data/onnx-mnist8'));
  const dims = sets[0].inputs[0].dims.slice();
  const xs = sets.map((s) => s.inputs[0].data);

  it.each([
    { activation: 'int8', perChannel: false },
    { activation: 'uint8', perChannel: true },
  ] as const)('$activation activations, per-channel weights $perChannel: same top-1 as onnxruntime, outputs within 1 step', async (o) => {
    const m = await toQdq(fs.readFileSync(file), xs, dims, o);
    expect(isQdqOnnx(m.bytes)).toBe(true);
    const imp = importOnnxQdq(m.bytes, { source: 'mnist-qdq.onnx' });
    expect(imp.graph.ops.map((op) => op.kind)).toEqual(['conv2d', 'max_pool', 'conv2d', 'max_pool', 'fully_connected', 'add']);
    // The Relus sit between each Conv and its Q: they are the convs' clamps.
    expect(imp.graph.ops.filter((op) => op.kind === 'conv2d').map((op) => (op as { activation: string }).activation)).toEqual(['relu', 'relu']);
    expect(imp.notes).toEqual([]);
    // The model's own parameters, uint8 shifted by -128.
    const shift = o.activation === 'uint8' ? -128 : 0;
    const inQ = imp.graph.tensors[imp.graph.inputs[0]].quant!;
    const given = m.params.get(imp.inputs[0].name)!;
    expect(inQ).toEqual({ scale: [given.scale], zeroPoint: [given.zeroPoint + shift] });
    const r = await compareRuns(m.bytes, imp, xs, dims, m.outputParams[0].scale);
    // Measured: 0 steps (int8, per tensor) and 1 step (uint8, per channel).
    expect(r.maxSteps).toBeLessThanOrEqual(1);
    for (const [ours, ort] of r.top1) expect(ours).toBe(ort);
    expect(r.top1.map((t) => t[1])).toEqual([2, 0, 9]);
  });
});

describe('QDQ form of an MCUNet subnet (PyTorch export: SE blocks with hard-sigmoid, residual adds, ReduceMean, Gemm)', () => {
  const name = 'mcunet-w050-smallest-r96';
  const file = sharedPath(`data/onnx-mcunet-subnets/${name}.onnx`);
  const sets = readTestData(sharedPath(`data/onnx-mcunet-subnets/${name}.test`));
  const dims = sets[0].inputs[0].dims.slice();
  const xs = sets.map((s) => s.inputs[0].data);
  const o: QdqOptions = { activation: 'int8', perChannel: true };

  it('imports with the model scales and agrees with onnxruntime: same top-1, every op within 1 step on the same inputs', async () => {
    const m = await toQdq(fs.readFileSync(file), xs, dims, o);
    const imp = importOnnxQdq(m.bytes, { source: `${name}-qdq.onnx` });
    const kinds = new Set(imp.graph.ops.map((op) => op.kind));
    expect([...kinds].sort()).toEqual(['add', 'avg_pool', 'concat', 'conv2d', 'fully_connected', 'mul']);
    // Weights are the model's int8 values (per output channel), biases its int32 ones.
    const w = imp.graph.tensors.find((t) => t.name === 'onnx::Conv_495')!;
    expect(w.dtype).toBe('int8');
    expect(w.quant!.scale.length).toBe(w.shape[0]);

    const r = await compareRuns(m.bytes, imp, xs, dims, m.outputParams[0].scale);
    for (const [ours, ort] of r.top1) expect(ours).toBe(ort);
    // Measured 37 steps (of 255) at the logits: one-step differences (ties, two roundings) grow through
    // 50 synthetic-weight layers; onnxruntime's own int8 kernels (optimizations on) differ from its
    // unoptimized run by 58 steps on the same file.
    expect(r.maxSteps).toBeLessThanOrEqual(48);

    const worst = await opByOp(m, imp, xs[0], dims, o.activation);
    // Measured: conv2d, fully_connected, add, mul 1; concat (the requantizing copy after an average pool
    // whose output scale is finer than its input's: two roundings) 3.
    for (const k of ['conv2d', 'fully_connected', 'add', 'mul']) expect(worst[k], k).toBeLessThanOrEqual(1);
    expect(worst.concat).toBeLessThanOrEqual(3);
  });
});

// ---- small hand-written QDQ models ----

interface Spec {
  nodes: NodeProto[];
  inits: TensorProto[];
  input: number[];
  output: string;
}

function encode(s: Spec): Uint8Array {
  const info = (name: string, dims?: number[]) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: DT.FLOAT, ...(dims ? { shape: { dim: dims.map((d) => ({ dimValue: d })) } } : {}) } } });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'test',
    graph: { name: 'qdq', node: s.nodes.map((n, k) => ({ name: `${n.opType}_${k}`, ...n })), initializer: s.inits, input: [info('x', s.input)], output: [info(s.output)] },
  });
  return onnx.ModelProto.encode(model).finish();
}

const AXIS = (i: number) => ({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i });
const qparams = (name: string, scale: number, zp: number, type = DT.INT8) => [floatTensor(`${name}_s`, [], [scale]), intTensor(`${name}_z`, [], type, [zp])];
const q = (x: string, p: string, out: string, name?: string): NodeProto => ({ opType: 'QuantizeLinear', input: [x, `${p}_s`, `${p}_z`], output: [out], ...(name ? { name } : {}) });
const dq = (x: string, p: string, out: string, name?: string): NodeProto => ({ opType: 'DequantizeLinear', input: [x, `${p}_s`, `${p}_z`], output: [out], ...(name ? { name } : {}) });

/**
 * x -> Q/DQ -> Conv (per-channel int8 weights, int32 bias) -> Q/DQ -> Relu -> Q/DQ -> GlobalAveragePool
 * -> Q/DQ -> Flatten -> Gemm (weights fake-quantized: a float initializer through Q then DQ) -> Q/DQ
 * -> Softmax -> Q/DQ (1/256, -128). Covers: a Relu with its own Q/DQ pair (folded into the conv's clamp),
 * Q of a constant, a pool whose output scale differs (requantizing copy), softmax's fixed output.
 */
function smallModel(): Spec {
  const cw = Array.from(values(3 * 2 * 9, 5, 127), Math.round);
  const wScales = [0.01, 0.02, 0.015];
  const bias = [120, -340, 55]; // steps of input scale x weight scale
  const inScale = 2 / 255;
  return {
    input: [1, 2, 5, 5],
    output: 'out',
    inits: [
      ...qparams('x', inScale, 0),
      intTensor('W_q', [3, 2, 3, 3], DT.INT8, cw),
      floatTensor('W_s', [3], wScales),
      intTensor('W_z', [3], DT.INT8, [0, 0, 0]),
      intTensor('B_q', [3], DT.INT32, bias),
      floatTensor('B_s', [3], wScales.map((s) => Math.fround(Math.fround(inScale) * s))),
      intTensor('B_z', [3], DT.INT32, [0, 0, 0]),
      ...qparams('c', 6 / 255, 0),
      ...qparams('r', 4 / 255, -128),
      ...qparams('g', 2 / 255, -128),
      floatTensor('G', [3, 4], values(12, 9, 1)),
      ...qparams('G', 1 / 127, 0),
      floatTensor('G_bias', [4], [0.1, -0.2, 0.3, 0]),
      ...qparams('y', 8 / 255, 0),
      ...qparams('sm', 1 / 256, -128),
    ],
    nodes: [
      q('x', 'x', 'x_q'),
      dq('x_q', 'x', 'x_dq'),
      { opType: 'DequantizeLinear', input: ['W_q', 'W_s', 'W_z'], output: ['W'], attribute: [AXIS(0)] },
      { opType: 'DequantizeLinear', input: ['B_q', 'B_s', 'B_z'], output: ['B'], attribute: [AXIS(0)] },
      { opType: 'Conv', input: ['x_dq', 'W', 'B'], output: ['c'], attribute: [{ name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] }] },
      q('c', 'c', 'c_q'),
      dq('c_q', 'c', 'c_dq'),
      { opType: 'Relu', input: ['c_dq'], output: ['r'] },
      q('r', 'r', 'r_q'),
      dq('r_q', 'r', 'r_dq'),
      { opType: 'GlobalAveragePool', input: ['r_dq'], output: ['g'] },
      q('g', 'g', 'g_q'),
      dq('g_q', 'g', 'g_dq'),
      { opType: 'Flatten', input: ['g_dq'], output: ['f'] },
      q('G', 'G', 'G_q'),
      dq('G_q', 'G', 'G_dq'),
      { opType: 'Gemm', input: ['f', 'G_dq', 'G_bias'], output: ['y'] },
      q('y', 'y', 'y_q'),
      dq('y_q', 'y', 'y_dq'),
      { opType: 'Softmax', input: ['y_dq'], output: ['sm'] },
      q('sm', 'sm', 'sm_q'),
      dq('sm_q', 'sm', 'out'),
    ],
  };
}

describe('hand-written QDQ models', () => {
  it('folds a Relu with its own Q/DQ pair into the conv, quantizes fake-quant weights, requantizes a pool; agrees with onnxruntime', async () => {
    const bytes = encode(smallModel());
    const imp = importOnnxQdq(bytes, { source: 'small.onnx' });
    expect(imp.graph.ops.map((op) => op.kind)).toEqual(['conv2d', 'global_avg_pool', 'concat', 'fully_connected', 'softmax']);
    expect((imp.graph.ops[0] as { activation: string }).activation).toBe('relu');
    // The conv writes the Relu's quantization (scale 4/255, zero point -128) and clamps at its zero point.
    const p0 = imp.graph.params[0];
    expect(p0.kind === 'conv2d' && [p0.params.actMin, p0.params.outputOffset]).toEqual([-128, -128]);
    // ... and also at the top of the Q/DQ pair before the Relu: 127 x 6/255 is step 190.5 above -128 in 4/255.
    expect(p0.kind === 'conv2d' && p0.params.actMax).toBeGreaterThanOrEqual(62);
    expect(p0.kind === 'conv2d' && p0.params.actMax).toBeLessThanOrEqual(63);
    // The int32 bias is the model's own.
    expect(Array.from(imp.graph.tensors[imp.graph.ops[0].inputs[2]].data!)).toEqual([120, -340, 55]);
    expect(imp.notes.some((n) => /global_avg_pool.*requantizing copy/.test(n))).toBe(true);
    expect(imp.notes.some((n) => /Gemm.*weights are float/.test(n))).toBe(false); // fake-quant weights count as quantized
    const xs = [1, 2, 3, 4].map((seed) => values(50, seed, 1));
    const r = await compareRuns(bytes, imp, xs, [1, 2, 5, 5], 1 / 256);
    for (const [ours, ort] of r.top1) expect(ours).toBe(ort);
    // Measured: 2 steps of 1/256 at the softmax output.
    expect(r.maxSteps).toBeLessThanOrEqual(2);
    // Op by op from onnxruntime's int8 values (the tensors the model quantizes): measured 1, 1, 0, 0.
    const quantized = new Map(['x', 'r', 'g', 'y', 'sm'].map((n) => [n, { scale: 1, zeroPoint: 0 }]));
    for (const x of xs) {
      const worst = await opByOp({ bytes, params: quantized, outputParams: [] }, imp, x, [1, 2, 5, 5], 'int8');
      expect(Math.max(worst.conv2d, worst.concat, worst.fully_connected, worst.softmax)).toBeLessThanOrEqual(1);
    }
  });

  it('the float importer refuses a QDQ model and points at the QDQ import', () => {
    expect(() => importOnnx(encode(smallModel()), { source: 'small.onnx' })).toThrow(/\(op (Quantize|Dequantize)Linear\) is not supported: this is a QDQ .*importOnnxQdq/);
    expect(isQdqOnnx(fs.readFileSync(sharedPath('data/onnx-mnist8/model.onnx')))).toBe(false);
  });

  /** The small model with one node or initializer changed. */
  function broken(edit: (s: Spec) => void): Uint8Array {
    const s = smallModel();
    edit(s);
    return encode(s);
  }
  const setInit = (s: Spec, t: TensorProto) => (s.inits = s.inits.map((u) => (u.name === t.name ? t : u)));
  const rename = (s: Spec, k: number, name: string) => (s.nodes[k] = { ...s.nodes[k], name });

  it.each([
    ['a Q without its scale', (s: Spec) => (rename(s, 0, 'quant_x'), (s.nodes[0].input = ['x'])), /"quant_x" \(op QuantizeLinear\): has no scale/],
    ['a zero scale', (s: Spec) => (rename(s, 0, 'quant_x'), setInit(s, floatTensor('x_s', [], [0]))), /"quant_x" \(op QuantizeLinear\): scale 0 must be positive/],
    ['a negative weight scale', (s: Spec) => (rename(s, 2, 'dq_w'), setInit(s, floatTensor('W_s', [3], [0.01, -0.02, 0.015]))), /"dq_w" \(op DequantizeLinear\): scale -0.019\d* must be positive/],
    ['a zero point out of int8', (s: Spec) => (rename(s, 5, 'quant_c'), setInit(s, intTensor('c_z', [], DT.INT8, [300]))), /"quant_c" \(op QuantizeLinear\): zero point 300 is out of range for int8/],
    ['a uint8 zero point below 0', (s: Spec) => (rename(s, 5, 'quant_c'), setInit(s, intTensor('c_z', [], DT.UINT8, [-1]))), /"quant_c" \(op QuantizeLinear\): zero point -1 is out of range for uint8/],
    ['an axis out of range', (s: Spec) => (rename(s, 2, 'dq_w'), (s.nodes[2].attribute = [AXIS(4)])), /"dq_w" \(op DequantizeLinear\): axis 4 is out of range for an input of rank 4/],
    ['scales not matching the axis', (s: Spec) => (rename(s, 2, 'dq_w'), (s.nodes[2].attribute = [AXIS(1)])), /"dq_w" \(op DequantizeLinear\): 3 scales for axis 1 of size 2/],
    ['asymmetric weights', (s: Spec) => (rename(s, 4, 'conv'), setInit(s, intTensor('W_z', [3], DT.INT8, [0, 3, 0]))), /"conv" \(op Conv\): weights must be symmetric/],
    ['a DQ whose parameters differ from its Q', (s: Spec) => (rename(s, 6, 'dq_c'), (s.nodes[6].input = ['c_q', 'r_s', 'c_z'])), /"dq_c" \(op DequantizeLinear\): its scale and zero point .* differ/],
    ['int16 quantization', (s: Spec) => (rename(s, 5, 'quant_c'), setInit(s, intTensor('c_z', [], DT.INT16, [0]))), /"quant_c" \(op QuantizeLinear\): zero point type int16 is not supported/],
    ['per-channel activations', (s: Spec) => (rename(s, 5, 'quant_c'), setInit(s, floatTensor('c_s', [3], [0.1, 0.1, 0.1])), setInit(s, intTensor('c_z', [3], DT.INT8, [0, 0, 0]))), /"quant_c" \(op QuantizeLinear\): per-axis quantization of a computed value/],
    ['an output without a Q', (s: Spec) => ((s.nodes[19].input = ['y']), s.nodes.splice(17, 2)), /"Gemm_16" \(fully_connected\): its output "y" is not quantized/],
  ] as const)('%s is an InputError naming the node', (_what, edit, message) => {
    const bytes = broken(edit as (s: Spec) => void);
    let err: unknown;
    try {
      importOnnxQdq(bytes, { source: 'bad.onnx' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/^bad\.onnx: /);
  });
});
