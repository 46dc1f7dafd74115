// Quantization: the TFLite scheme's rules hold on a lowered subnet, and the int8 golden model agrees with
// the float interpreter on lowered subnets (seeded weights, calibrated on other seeded inputs).
import { describe, expect, it } from 'vitest';
import { lowerArch } from '../../src/frontend/arch-to-ir.ts';
import { GraphBuilder, checkGraph, type Graph } from '../../src/ir/index.ts';
import { stepsFromIr } from '../../src/schedule/from-ir.ts';
import { Rng } from '../../src/search/rng.ts';
import { sampleArch, smallestArch } from '../../src/space/sample.ts';
import type { ArchConfig } from '../../src/space/config.ts';
import {
  agreement,
  calibrate,
  chooseActivationQuant,
  cosine,
  dequantizeOutput,
  dequantizeTensor,
  quantize,
  quantizeInput,
  quantizeMultiplier,
  runFloat,
  runInt8,
  syntheticInputs,
  unaryTable,
  type QuantGraph,
} from '../../src/quant/index.ts';

describe('activation quantization (gemmlowp ChooseQuantizationParams)', () => {
  it('hand-computed cases: 0 is always exact, ranges widened to hold it', () => {
    expect(chooseActivationQuant({ min: 0, max: 6 })).toEqual({ scale: Math.fround(6 / 255), zeroPoint: -128 });
    // zero point "-0.5", but with the float32 scale (a hair above 2/255) it is -0.49999..., which rounds to 0
    expect(chooseActivationQuant({ min: -1, max: 1 })).toEqual({ scale: Math.fround(2 / 255), zeroPoint: 0 });
    expect(chooseActivationQuant({ min: 2, max: 5 })).toEqual({ scale: Math.fround(5 / 255), zeroPoint: -128 });
    expect(chooseActivationQuant({ min: -4, max: -1 })).toEqual({ scale: Math.fround(4 / 255), zeroPoint: 127 });
    expect(chooseActivationQuant({ min: -3, max: 1 }).zeroPoint).toBe(63); // -128 + 3 / (4/255) = 63.25
    expect(chooseActivationQuant({ min: 0, max: 0 })).toEqual({ scale: Math.fround(1 / 255), zeroPoint: -128 });
  });

  it('hard-sigmoid table: hand-checked entries', () => {
    const lut = unaryTable('hard_sigmoid', { scale: 6 / 255, zeroPoint: 0 }, { scale: 1 / 255, zeroPoint: -128 });
    expect(lut[0 + 128]).toBe(0); // x = 0 -> 0.5 -> 127.5 rounds to 128 -> 0
    expect(lut[-128 + 128]).toBe(-128); // x = -3.01 -> 0
    expect(lut[127 + 128]).toBe(127); // x = 2.988 -> 0.998 -> 254.5 -> 255 -> 127
    expect(lut[64 + 128]).toBe(Math.round(255 * ((64 * 6) / 255 + 3) / 6) - 128);
  });
});

describe('the interpreters on a hand-built graph', () => {
  // x [1,2,2,1] -> conv 1x1 (w = 2, b = 1) + relu6 -> add x -> out
  const b = new GraphBuilder('tiny');
  const x = b.input('x', [1, 2, 2, 1]);
  const w = b.constant('w', [1, 1, 1, 1], Float32Array.of(2));
  const bias = b.constant('b', [1], Float32Array.of(1));
  const pad0 = { top: 0, left: 0, bottom: 0, right: 0 };
  const y = b.op({ kind: 'conv2d', name: 'conv', inputs: [x, w, bias], kernel: [1, 1], stride: [1, 1], padding: pad0, groups: 1, activation: 'relu6' }, 'y');
  const z = b.op({ kind: 'add', name: 'add', inputs: [y, x], activation: 'none' }, 'z');
  b.output(z);
  const g = b.build();
  const input = Float32Array.of(-1, 0, 1, 3);

  it('float: relu6(2x + 1) + x', () => {
    expect([...runFloat(g, input).outputs[0]]).toEqual([-1, 1, 4, 9]);
  });

  it('int8: within a few quantization steps, every tensor int8 with one scale', () => {
    const q = quantize(g, calibrate(g, [input]), { ranges: 'minmax', outputMargin: 0 });
    expect(checkGraph(q)).toEqual([]);
    const out = dequantizeOutput(q, runInt8(q, quantizeInput(q, input)).outputs[0]);
    const step = q.tensors[z].quant?.scale[0] ?? 0;
    [-1, 1, 4, 9].forEach((v, i) => expect(Math.abs(out[i] - v)).toBeLessThanOrEqual(2 * step));
  });
});

function checkScheme(g: Graph, q: QuantGraph): void {
  expect(checkGraph(q)).toEqual([]);
  expect(q.params.length).toBe(q.ops.length);
  for (const t of q.tensors) {
    if (t.data === undefined) {
      // activations: per-tensor int8, zero point in range
      expect(t.dtype).toBe('int8');
      expect(t.quant?.scale.length).toBe(1);
      const zp = t.quant?.zeroPoint[0] ?? 999;
      expect(zp >= -128 && zp <= 127).toBe(true);
    }
  }
  q.ops.forEach((op, i) => {
    const p = q.params[i];
    if (p.kind !== 'conv2d') return;
    const wf = g.tensors[op.inputs[1]].data as Float32Array;
    const wq = q.tensors[op.inputs[1]];
    const bq = q.tensors[op.inputs[2]];
    const cout = wq.shape[0];
    const per = wf.length / cout;
    const sIn = q.tensors[op.inputs[0]].quant?.scale[0] ?? NaN;
    const target = p.preActivation ?? { scale: q.tensors[op.outputs[0]].quant?.scale[0] ?? NaN, zeroPoint: q.tensors[op.outputs[0]].quant?.zeroPoint[0] ?? NaN };
    for (let c = 0; c < cout; c++) {
      let m = 0;
      for (let k = c * per; k < (c + 1) * per; k++) m = Math.max(m, Math.abs(wf[k]));
      const sw = wq.quant?.scale[c] ?? NaN;
      expect(sw).toBe(Math.fround(m / 127)); // per-channel symmetric, max|w| / 127
      const qd = wq.data as Int8Array;
      let qmax = 0;
      for (let k = c * per; k < (c + 1) * per; k++) qmax = Math.max(qmax, Math.abs(qd[k]));
      expect(qmax).toBe(127);
      expect(bq.quant?.scale[c]).toBe(Math.fround(sIn * sw)); // bias scale = input scale x weight scale
      const expected = quantizeMultiplier(Math.fround(sIn * sw) / target.scale);
      expect([p.params.multiplier[c], p.params.shift[c]]).toEqual([expected.multiplier, expected.shift]);
    }
    const act = (op as { activation: string }).activation;
    if (act === 'relu6') {
      expect(p.params.actMin).toBe(target.zeroPoint);
      expect(p.params.actMax).toBe(Math.min(127, target.zeroPoint + Math.round(Math.fround(6 / target.scale))));
    }
    if (act === 'hardsigmoid') expect(p.params.lut?.length).toBe(256);
  });
}

const archs: [string, ArchConfig][] = [['smallest @96', smallestArch(96)]];
{
  // Declared up front, not chosen by outcome: the first five samples of seed 1, one per width, small resolutions.
  const rng = new Rng(1);
  for (let i = 0; i < 5; i++) {
    const c = sampleArch(rng);
    archs.push([`sample ${i} wid ${i % 3}`, { ...c, wid: (i % 3) as ArchConfig['wid'], image_size: ([96, 112, 128] as const)[i % 3] }]);
  }
}

describe('lowered subnets: int8 vs float', () => {
  it('the scheme holds on a subnet with SE blocks, and the planner reads the QuantGraph', () => {
    const g = lowerArch(archs[2][1], { seed: 4 });
    const q = quantize(g, calibrate(g, syntheticInputs(g, 2, 100)));
    checkScheme(g, q);
    const steps = stepsFromIr(q);
    expect(steps.steps.length).toBe(q.ops.length);
    // every conv and fc has an int32 bias, as the planner's flash count assumes
    for (const s of steps.steps) if (s.kind !== 'add' && s.kind !== 'mul' && s.kind !== 'global_avg_pool') expect(s.biases).toBeGreaterThan(0);
    // SE: hard-sigmoid as a table, pools share their input's quantization, add uses left shift 20
    const kinds = new Set(q.params.map((p) => p.kind));
    expect(kinds.has('mul')).toBe(true);
    q.ops.forEach((op, i) => {
      const p = q.params[i];
      if (p.kind === 'global_avg_pool') expect(q.tensors[op.outputs[0]].quant).toEqual(q.tensors[op.inputs[0]].quant);
      if (p.kind === 'add') expect(p.params.leftShift).toBe(20);
    });
  });

  it.each(archs)('%s: top-1 agrees and cosine >= 0.99 on 4 inputs (calibrated on 8 others)', (_label, arch) => {
    const g = lowerArch(arch, { seed: 7 });
    const q = quantize(g, calibrate(g, syntheticInputs(g, 8, 100)));
    const pooled = g.ops.find((o) => o.name === 'global_avg_pool')?.outputs[0] ?? -1;
    const lines: string[] = [];
    for (const x of syntheticInputs(g, 4, 200)) {
      const float = runFloat(g, x, { keep: true });
      const int8 = runInt8(q, quantizeInput(q, x[0]), { keep: true });
      const a = agreement(float.outputs[0], dequantizeOutput(q, int8.outputs[0]));
      // The 2 logits are a thin check; the 96-384 pooled features show the network-wide error too.
      const features = cosine(float.tensors?.[pooled] as Float32Array, dequantizeTensor(q, pooled, int8.tensors?.[pooled] as Int8Array));
      lines.push(`top1 ${a.top1Match} cosine ${a.cosine.toFixed(4)} features ${features.toFixed(4)}`);
      expect(features).toBeGreaterThanOrEqual(0.995);
      expect(a.top1Match).toBe(true);
      expect(a.cosine).toBeGreaterThanOrEqual(0.99);
    }
    console.log(`${_label}: ${lines.join('; ')}`);
  });
});
