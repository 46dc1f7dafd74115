// How close src/quant's int8 interpreter comes to TFLite's reference kernels on the two real int8 models,
// op by op where the arithmetic is not a plain requantization: SOFTMAX (an exponent table there, gemmlowp
// fixed point in TFLite) and MEAN (TFLite's truncating reference_ops::Mean, once per MEAN op, imported as such). The other ops' parameters are TFLite's own (see
// tflite-import.test.ts for conv and add checked bit for bit against TFLite's formulas).
import { describe, expect, it } from 'vitest';
import { importTfliteFile, quantizeLikeTflite, type Int8Import } from '../../src/frontend/tflite/index.ts';
import { fullyConnectedS8, softmaxS8 } from '../../src/quant/int8-kernels.ts';
import { runInt8 } from '../../src/quant/int8-interpreter.ts';
import { softmaxExpTable } from '../../src/quant/lookup-tables.ts';
import { sharedPath } from '../helpers/shared.ts';
import { softmaxParamsTflite, softmaxS8Tflite, twoStepMeanS8Tflite } from './tflite-reference.ts';
import { lcg32 as lcg } from '../../src/random/seeded-random.ts';

function int8(file: string): Int8Import {
  const imp = importTfliteFile(sharedPath(file));
  if (imp.precision !== 'int8') throw new Error(`${file} is not int8`);
  return imp;
}

describe('src/quant int8 against TFLite reference kernels', () => {
  it('SOFTMAX of MLPerf VWW: equal to TFLite reference_ops::Softmax on all 65,536 two-class rows', () => {
    const q = int8('data/tflite-mlcommons-vww/vww_96_int8.tflite');
    const i = q.graph.ops.findIndex((op) => op.kind === 'softmax');
    const inScale = q.graph.tensors[q.graph.ops[i].inputs[0]].quant!.scale[0];
    const p = softmaxParamsTflite(inScale);
    const table = softmaxExpTable(inScale);
    let differ = 0;
    for (let a = -128; a < 128; a++)
      for (let b = -128; b < 128; b++) {
        const x = Int8Array.from([a, b]);
        const ours = new Int8Array(2);
        softmaxS8(x, ours, 1, 2, table);
        const theirs = softmaxS8Tflite(x, 2, p);
        if (ours[0] !== theirs[0] || ours[1] !== theirs[1]) differ++;
      }
    console.log(`MLPerf VWW softmax (input scale ${inScale}): ${differ} of 65536 two-class rows differ from TFLite's reference`);
    expect(differ).toBe(0);
  });

  it('MEAN of MCUNet VWW: the TRANSPOSE + MEAN + MEAN pooling equals TFLite truncating twice, on every value, and so do the outputs', () => {
    const m = int8('data/tflite-mcunet-vww/vww.tflite');
    const g = m.graph;
    const poolIndex = g.ops.findIndex((op) => op.kind === 'global_avg_pool');
    const fcIndex = g.ops.findIndex((op) => op.kind === 'fully_connected');
    const pool = g.ops[poolIndex];
    const fc = g.ops[fcIndex];
    const fcParams = g.params[fcIndex];
    const poolParams = g.params[poolIndex];
    if (fcParams.kind !== 'fully_connected') throw new Error('expected fully connected parameters');
    expect(poolParams.kind === 'global_avg_pool' && poolParams.mean).toMatchObject({ axes: 'w,h', steps: [{ rounding: 'truncate' }, { rounding: 'truncate' }] });
    expect(g.ops.filter((op) => op.kind === 'global_avg_pool').length).toBe(1);
    const [, h, w, c] = g.tensors[pool.inputs[0]].shape;
    const r = lcg(3);
    let pooledDiffer = 0;
    let outputsDiffer = 0;
    let top1Differ = 0;
    const n = 12;
    for (let k = 0; k < n; k++) {
      const x = Float32Array.from({ length: 80 * 80 * 3 }, () => r() * 2 - 1);
      const run = runInt8(g, quantizeLikeTflite(x, m.inputs[0].quant!), { keep: true });
      const features = run.tensors![pool.inputs[0]]!;
      const ours = run.tensors![pool.outputs[0]]!;
      const theirs = twoStepMeanS8Tflite(features, h, w, c);
      pooledDiffer += ours.reduce((s, v, i) => s + (v !== theirs[i] ? 1 : 0), 0);
      // The rest of the network (reshape, fully connected) on TFLite's pooled values.
      const out = new Int8Array(2);
      const weight = g.tensors[fc.inputs[1]].data as Int8Array;
      const bias = g.tensors[fc.inputs[2]].data as Int32Array;
      fullyConnectedS8(theirs, 1, c, weight, bias, out, 2, fcParams.params);
      const y = run.outputs[0];
      if (out[0] !== y[0] || out[1] !== y[1]) outputsDiffer++;
      if (Math.sign(out[1] - out[0]) !== Math.sign(y[1] - y[0])) top1Differ++;
    }
    console.log(`MCUNet VWW MEAN: ${pooledDiffer} of ${n * c} pooled values differ from TFLite's truncating MEAN; final int8 outputs differ on ${outputsDiffer}/${n} inputs, top-1 on ${top1Differ}/${n}`);
    expect(pooledDiffer).toBe(0);
    expect(outputsDiffer).toBe(0);
    expect(top1Differ).toBe(0);
    expect(m.notes.some((s) => s.includes('two divisions (W then H), truncating'))).toBe(true);
  });
});
