// The real TFLite models of ../shared/data: MLPerf Tiny's VWW MobileNetV1-0.25 (int8 and float) and
// MCUNet's VWW model as shipped with TinyEngine. They import and validate, have the structure their
// PROVENANCE.md lists, run through src/quant's int8 interpreter, and the float and int8 VWW models agree.
import { describe, expect, it } from 'vitest';
import { dequantizeLikeTflite, importTfliteFile, quantizeLikeTflite, type TfliteImport } from '../../src/frontend/tflite/index.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { graphMacs, graphParams } from '../../src/ir/cost.ts';
import { isConstant } from '../../src/ir/tensors.ts';
import { argmax, cosine } from '../../src/quant/agreement.ts';
import { runFloat } from '../../src/quant/float-interpreter.ts';
import { runInt8 } from '../../src/quant/int8-interpreter.ts';
import { sharedPath } from '../helpers/shared.ts';
import { lcg32 as lcg } from '../../src/random/seeded-random.ts';

const MLPERF_INT8 = sharedPath('data/tflite-mlcommons-vww/vww_96_int8.tflite');
const MLPERF_FLOAT = sharedPath('data/tflite-mlcommons-vww/vww_96_float.tflite');
const MCUNET = sharedPath('data/tflite-mcunet-vww/vww.tflite');

function opCounts(g: Graph): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const op of g.ops) {
    const k = op.kind === 'conv2d' ? (op.groups > 1 ? 'conv2d(depthwise)' : 'conv2d') : op.kind;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

/** Bytes of the constants as stored (int8 weights 1 byte, int32 biases and float32 4 bytes). */
function constantBytes(g: Graph): { weights: number; bias: number } {
  let weights = 0;
  let bias = 0;
  for (const t of g.tensors) {
    if (!isConstant(t) || !t.data) continue;
    if (t.dtype === 'int32') bias += t.data.length * 4;
    else weights += t.data.byteLength;
  }
  return { weights, bias };
}

/** A structured synthetic 96x96 RGB image in [0, 1]: a tinted background, a sine grating and a few soft blobs. */
function syntheticImage(r: () => number, size: number): Float32Array {
  const x = new Float32Array(size * size * 3);
  const blobs = Array.from({ length: 1 + Math.floor(r() * 6) }, () => ({ cx: r() * size, cy: r() * size, rad: 5 + r() * 40, color: [r(), r(), r()], amp: r() * 2 - 1 }));
  const [fx, fy, grating] = [r() * 0.5, r() * 0.5, r() * 0.5];
  const base = [r(), r(), r()];
  for (let y = 0; y < size; y++)
    for (let xx = 0; xx < size; xx++)
      for (let c = 0; c < 3; c++) {
        let v = base[c] * 0.5 + grating * 0.5 * Math.sin(fx * xx + fy * y);
        for (const b of blobs) v += b.amp * b.color[c] * Math.exp(-((xx - b.cx) ** 2 + (y - b.cy) ** 2) / (b.rad * b.rad));
        x[(y * size + xx) * 3 + c] = Math.min(1, Math.max(0, v));
      }
  return x;
}

function int8(imp: TfliteImport) {
  if (imp.precision !== 'int8') throw new Error(`${imp.file} imported as ${imp.precision}`);
  return imp;
}

describe('MLPerf Tiny VWW (MobileNetV1-0.25, 96x96)', () => {
  const q = int8(importTfliteFile(MLPERF_INT8));
  const f = importTfliteFile(MLPERF_FLOAT);

  it('imports the int8 and float models with the same structure', () => {
    expect(f.precision).toBe('float32');
    for (const imp of [q, f]) {
      const g = imp.graph;
      // PROVENANCE.md: CONV_2D x14, DEPTHWISE_CONV_2D x13, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX.
      expect(opCounts(g)).toEqual({ conv2d: 14, 'conv2d(depthwise)': 13, avg_pool: 1, reshape: 1, fully_connected: 1, softmax: 1 });
      expect(g.inputs.map((id) => g.tensors[id].shape)).toEqual([[1, 96, 96, 3]]);
      expect(g.outputs.map((id) => g.tensors[id].shape)).toEqual([[1, 2]]);
      expect(graphMacs(g)).toBe(7_489_664);
    }
    expect(graphParams(q.graph)).toBe(graphParams(f.graph));
    expect(q.inputs[0]).toEqual({ name: 'input_1_int8', fileDtype: 'int8', quant: { scale: Math.fround(1 / 255), zeroPoint: -128 } });
    expect(q.outputs[0].quant).toEqual({ scale: 1 / 256, zeroPoint: -128 });
    console.log(`MLPerf VWW: ${q.graph.ops.length} ops, ${graphMacs(q.graph)} MACs, ${graphParams(q.graph)} params, int8 constants ${JSON.stringify(constantBytes(q.graph))} bytes`);
  });

  it('runs in the int8 interpreter: deterministic, and a softmax that sums to about 1', () => {
    const r = lcg(1);
    const x = Float32Array.from({ length: 96 * 96 * 3 }, () => r());
    const a = runInt8(q.graph, quantizeLikeTflite(x, q.inputs[0].quant!)).outputs[0];
    const b = runInt8(q.graph, quantizeLikeTflite(x, q.inputs[0].quant!)).outputs[0];
    expect(Array.from(a)).toEqual(Array.from(b));
    const p = dequantizeLikeTflite(a, q.outputs[0].quant!);
    expect(Math.abs(p[0] + p[1] - 1)).toBeLessThanOrEqual(2 / 256);
  });

  it('agrees with the float model on top-1 for structured synthetic images', () => {
    // Random noise and these images are all "no person" to the float model: the test checks that the int8
    // model keeps the decision wherever the float model is not on the fence, and reports the gap.
    const r = lcg(42);
    let agree = 0;
    let decided = 0;
    let decidedAgree = 0;
    let maxDiff = 0;
    let minCos = 1;
    const n = 40;
    for (let k = 0; k < n; k++) {
      const x = syntheticImage(r, 96);
      const pf = runFloat(f.graph, x).outputs[0];
      const pq = dequantizeLikeTflite(runInt8(q.graph, quantizeLikeTflite(x, q.inputs[0].quant!)).outputs[0], q.outputs[0].quant!);
      const same = argmax(pf) === argmax(pq);
      agree += same ? 1 : 0;
      if (Math.abs(pf[1] - pf[0]) >= 0.2) {
        decided++;
        decidedAgree += same ? 1 : 0;
      }
      maxDiff = Math.max(maxDiff, Math.abs(pf[1] - pq[1]));
      minCos = Math.min(minCos, cosine(pf, pq));
    }
    console.log(`MLPerf VWW float vs int8 on ${n} synthetic images: top-1 agree ${agree}/${n}, where the float margin >= 0.2: ${decidedAgree}/${decided}; max |dp| ${maxDiff.toFixed(4)}, min cosine ${minCos.toFixed(5)}`);
    expect(decidedAgree).toBe(decided);
    expect(decided).toBeGreaterThanOrEqual(n * 0.8);
    expect(agree).toBeGreaterThanOrEqual(n * 0.95);
    expect(maxDiff).toBeLessThan(0.15);
  });
});

describe('MCUNet VWW (TinyEngine assets/vww.tflite, 80x80)', () => {
  const m = int8(importTfliteFile(MCUNET));

  it('imports: float input quantized by the model, PADs folded into convolutions, NCHW transpose and two MEANs into one global average pool', () => {
    const g = m.graph;
    // PROVENANCE.md: QUANTIZE, PAD x4, CONV_2D x30, DEPTHWISE_CONV_2D x15, ADD x8, TRANSPOSE, MEAN x2, FULLY_CONNECTED, DEQUANTIZE.
    expect(opCounts(g)).toEqual({ conv2d: 30, 'conv2d(depthwise)': 15, add: 8, global_avg_pool: 1, reshape: 1, fully_connected: 1 });
    expect(opCounts(int8(importTfliteFile(MCUNET, { foldPad: false })).graph)).toEqual({ pad: 4, conv2d: 30, 'conv2d(depthwise)': 15, add: 8, global_avg_pool: 1, reshape: 1, fully_connected: 1 });
    expect(g.inputs.map((id) => g.tensors[id].shape)).toEqual([[1, 80, 80, 3]]);
    expect(g.outputs.map((id) => g.tensors[id].shape)).toEqual([[1, 2]]);
    expect(m.inputs[0]).toMatchObject({ name: 'input_0_f.1', fileDtype: 'float32' });
    expect(m.outputs[0]).toMatchObject({ name: '1422', fileDtype: 'float32' });
    const macs = graphMacs(g);
    // The model zoo's mcunet-vww1 (80 px) is listed at 11.6 M MACs (spec/boards.md).
    expect(macs).toBe(11_578_816);
    const bytes = constantBytes(g);
    console.log(`MCUNet VWW: ${g.ops.length} ops, ${macs} MACs, ${graphParams(g)} params, constants: ${bytes.weights} B int8 weights + ${bytes.bias} B int32 bias = ${bytes.weights + bytes.bias} B`);
    console.log(m.notes.join('\n'));
  });

  it('gives the same bytes in every tensor with the PADs folded into the convolutions as with them kept', () => {
    const kept = int8(importTfliteFile(MCUNET, { foldPad: false }));
    const r = lcg(5);
    for (let k = 0; k < 2; k++) {
      const x = quantizeLikeTflite(syntheticImage(r, 80).map((v) => v * 2 - 1), m.inputs[0].quant!);
      const a = runInt8(m.graph, x, { keep: true }).tensors!;
      const b = runInt8(kept.graph, x, { keep: true }).tensors!;
      let compared = 0;
      for (const t of m.graph.tensors) {
        const u = kept.graph.tensors.find((v) => v.name === t.name);
        if (!u || !a[t.id]) continue;
        expect(Array.from(a[t.id]!)).toEqual(Array.from(b[u.id]!));
        compared++;
      }
      expect(compared).toBe(m.graph.ops.length + 1); // every op output and the input
    }
  });

  it('runs in the int8 interpreter on seeded inputs, deterministically', () => {
    const r = lcg(7);
    const outs = new Set<string>();
    for (let k = 0; k < 4; k++) {
      const x = syntheticImage(r, 80).map((v) => v * 2 - 1); // the model's input range is [-1, 1]
      const xq = quantizeLikeTflite(x, m.inputs[0].quant!);
      const y = runInt8(m.graph, xq).outputs[0];
      expect(Array.from(runInt8(m.graph, xq).outputs[0])).toEqual(Array.from(y));
      outs.add(Array.from(y).join());
    }
    expect(outs.size).toBeGreaterThan(1); // the output depends on the input
  });
});
