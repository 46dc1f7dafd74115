// int8 MEAN, LOGISTIC and HARD_SWISH imported from small .tflite files and run by src/quant's int8
// interpreter, against TFLite's reference kernels written out independently in tflite-reference.ts: every
// int8 input value for the activations, random maps for MEAN on each of TFLite's three MEAN paths and for
// the TRANSPOSE + MEAN + MEAN pooling of MCUNet's model.
import { describe, expect, it } from 'vitest';
import { importTflite, type Int8Import } from '../../src/frontend/tflite/index.ts';
import { runInt8 } from '../../src/quant/int8-interpreter.ts';
import { unaryTable } from '../../src/quant/lookup-tables.ts';
import { reducerOptions, TensorType, writeTflite, type FixtureModel } from './tflite-fixture.ts';
import { hardSwishS8Tflite, logisticS8Tflite, meanS8Tflite } from './tflite-reference.ts';
import { lcg32 as lcg } from '../../src/random/seeded-random.ts';

type Q = { scale: number; zeroPoint: number };
const ALL = Int8Array.from({ length: 256 }, (_, i) => i - 128);

function int8Import(model: FixtureModel, file: string): Int8Import {
  const imp = importTflite(writeTflite(model), file);
  if (imp.precision !== 'int8') throw new Error('expected int8');
  return imp;
}

function unaryModel(builtin: number, qIn: Q, qOut: Q): FixtureModel {
  return {
    tensors: [
      { name: 'x', shape: [1, 256], type: TensorType.INT8, quant: { scale: [qIn.scale], zeroPoint: [qIn.zeroPoint] } },
      { name: 'y', shape: [1, 256], type: TensorType.INT8, quant: { scale: [qOut.scale], zeroPoint: [qOut.zeroPoint] } },
    ],
    ops: [{ builtin, inputs: [0], outputs: [1] }],
    inputs: [0],
    outputs: [1],
  };
}

const f32 = Math.fround;
const INPUT_QUANTS: Q[] = [
  { scale: f32(0.0235), zeroPoint: -3 },
  { scale: f32(0.1), zeroPoint: 17 },
  { scale: f32(0.0039), zeroPoint: -128 },
  { scale: f32(0.25), zeroPoint: 0 },
  { scale: f32(0.047), zeroPoint: 90 },
  { scale: f32(0.0007), zeroPoint: 5 },
];

describe('TFLite LOGISTIC (int8) imported as sigmoid', () => {
  it.each(INPUT_QUANTS)('all 256 inputs equal reference_integer_ops::Logistic (input scale $scale, zero point $zeroPoint)', (qIn) => {
    const imp = int8Import(unaryModel(14, qIn, { scale: 1 / 256, zeroPoint: -128 }), 'logistic.tflite');
    expect(imp.graph.ops.map((o) => o.kind)).toEqual(['sigmoid']);
    const ours = runInt8(imp.graph, ALL).outputs[0];
    expect(Array.from(ours)).toEqual(Array.from(logisticS8Tflite(ALL, qIn)));
    // And within one output step of the real function.
    const exact = unaryTable('sigmoid', qIn, { scale: 1 / 256, zeroPoint: -128 });
    const worst = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - exact[i])), 0);
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('refuses an output quantization other than 1/256, -128 (TFLite requires it)', () => {
    expect(() => importTflite(writeTflite(unaryModel(14, INPUT_QUANTS[0], { scale: 1 / 128, zeroPoint: -128 })), 'l.tflite')).toThrow(/LOGISTIC output must have scale 1\/256 and zero point -128/);
  });
});

describe('TFLite HARD_SWISH (int8): the 16-bit fixed-point kernel, not the exact function', () => {
  const outs: Q[] = [
    { scale: f32(0.02), zeroPoint: -100 },
    { scale: f32(0.05), zeroPoint: -20 },
    { scale: f32(0.004), zeroPoint: -128 },
  ];
  it('all 256 inputs equal reference_ops::HardSwish for 18 quantization pairs; counts where the exact-function table differs', () => {
    let differFromExact = 0;
    for (const qIn of INPUT_QUANTS)
      for (const qOut of outs) {
        const imp = int8Import(unaryModel(117, qIn, qOut), 'hs.tflite');
        const ours = runInt8(imp.graph, ALL).outputs[0];
        expect(Array.from(ours)).toEqual(Array.from(hardSwishS8Tflite(ALL, qIn, qOut)));
        const exact = unaryTable('hard_swish', qIn, qOut);
        differFromExact += ours.reduce((n, v, i) => n + (v !== exact[i] ? 1 : 0), 0);
      }
    console.log(`HARD_SWISH: ${differFromExact} of ${INPUT_QUANTS.length * outs.length * 256} table entries of TFLite's kernel differ from the exact function rounded once`);
  });
});

describe('TFLite MEAN (int8): the three reference paths', () => {
  const qIn: Q = { scale: f32(0.0312), zeroPoint: -7 };
  const qOther: Q = { scale: f32(0.0211), zeroPoint: 11 };
  const shape = [1, 5, 7, 6];
  function meanModel(axes: number[], keepDims: boolean, qOut: Q): FixtureModel {
    const outShape = keepDims ? [1, 1, 1, 6] : [1, 6];
    return {
      tensors: [
        { name: 'x', shape, type: TensorType.INT8, quant: { scale: [qIn.scale], zeroPoint: [qIn.zeroPoint] } },
        { name: 'axes', shape: [axes.length], type: TensorType.INT32, data: Int32Array.from(axes) },
        { name: 'y', shape: outShape, type: TensorType.INT8, quant: { scale: [qOut.scale], zeroPoint: [qOut.zeroPoint] } },
      ],
      ops: [{ builtin: 40, inputs: [0, 1], outputs: [2], options: reducerOptions(keepDims) }],
      inputs: [0],
      outputs: [2],
    };
  }
  const cases: [string, number[], boolean, Q, string][] = [
    ['keep_dims [1, 2], equal quantization: reference_integer_ops::Mean', [1, 2], true, qIn, 'nearest'],
    ['keep_dims [2, 1], different quantization: reference_integer_ops::Mean', [2, 1], true, qOther, 'nearest'],
    ['no keep_dims, equal quantization: reference_ops::Mean (truncating)', [1, 2], false, qIn, 'truncate'],
    ['keep_dims with axes [-3, -2], equal quantization: not the 4-D special case, truncating', [-3, -2], true, qIn, 'truncate'],
    ['no keep_dims, different quantization: QuantizedMeanOrSum in float32', [1, 2], false, qOther, 'float'],
  ];
  it.each(cases)('%s', (_label, axes, keepDims, qOut, rounding) => {
    const imp = int8Import(meanModel(axes, keepDims, qOut), 'mean.tflite');
    const i = imp.graph.ops.findIndex((o) => o.kind === 'global_avg_pool');
    const p = imp.graph.params[i];
    expect(p.kind === 'global_avg_pool' && p.mean?.steps.map((s) => s.rounding)).toEqual([rounding]);
    const r = lcg(7);
    let checked = 0;
    for (let k = 0; k < 200; k++) {
      // Narrow ranges make ties (sums divisible by half the count) common.
      const lo = -128 + Math.floor(r() * 200);
      const span = 1 + Math.floor(r() * (k % 2 ? 6 : 255));
      const x = Int8Array.from({ length: 210 }, () => Math.min(127, lo + Math.floor(r() * span)));
      const ours = runInt8(imp.graph, x).outputs[0];
      expect(Array.from(ours)).toEqual(Array.from(meanS8Tflite(x, shape, axes, keepDims, qIn, qOut)));
      checked += ours.length;
    }
    expect(checked).toBe(1200);
  });

  it('TRANSPOSE to NCHW, MEAN over W, MEAN over H (MCUNet): two truncating divisions, and a requantizing second MEAN', () => {
    for (const [qMid, qOut, rounding] of [
      [qIn, qIn, ['truncate', 'truncate']],
      [qIn, qOther, ['truncate', 'float']],
    ] as [Q, Q, string[]][]) {
      const quant = (q: Q) => ({ scale: [q.scale], zeroPoint: [q.zeroPoint] });
      const model: FixtureModel = {
        tensors: [
          { name: 'x', shape, type: TensorType.INT8, quant: quant(qIn) },
          { name: 'perm', shape: [4], type: TensorType.INT32, data: Int32Array.from([0, 3, 1, 2]) },
          { name: 't', shape: [1, 6, 5, 7], type: TensorType.INT8, quant: quant(qIn) },
          { name: 'ax3', shape: [1], type: TensorType.INT32, data: Int32Array.from([3]) },
          { name: 'm1', shape: [1, 6, 5], type: TensorType.INT8, quant: quant(qMid) },
          { name: 'ax2', shape: [1], type: TensorType.INT32, data: Int32Array.from([2]) },
          { name: 'y', shape: [1, 6], type: TensorType.INT8, quant: quant(qOut) },
        ],
        ops: [
          { builtin: 39, inputs: [0, 1], outputs: [2] },
          { builtin: 40, inputs: [2, 3], outputs: [4], options: reducerOptions(false) },
          { builtin: 40, inputs: [4, 5], outputs: [6], options: reducerOptions(false) },
        ],
        inputs: [0],
        outputs: [6],
      };
      const imp = int8Import(model, 'pool.tflite');
      const p = imp.graph.params.find((q) => q.kind === 'global_avg_pool');
      expect(p?.kind === 'global_avg_pool' && p.mean).toMatchObject({ axes: 'w,h' });
      expect(p?.kind === 'global_avg_pool' && p.mean?.steps.map((s) => s.rounding)).toEqual(rounding);
      const r = lcg(11);
      for (let k = 0; k < 100; k++) {
        const x = Int8Array.from({ length: 210 }, () => -128 + Math.floor(r() * 256));
        // TFLite: transpose NHWC -> NCHW, then each MEAN on its own.
        const t = new Int8Array(210);
        for (let h = 0; h < 5; h++) for (let w = 0; w < 7; w++) for (let c = 0; c < 6; c++) t[(c * 5 + h) * 7 + w] = x[(h * 7 + w) * 6 + c];
        const m1 = meanS8Tflite(t, [1, 6, 5, 7], [3], false, qIn, qMid);
        const want = meanS8Tflite(m1, [1, 6, 5], [2], false, qMid, qOut);
        expect(Array.from(runInt8(imp.graph, x).outputs[0])).toEqual(Array.from(want));
      }
    }
  });
});
