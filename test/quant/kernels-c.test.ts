// THE KEY TEST: the C kernels (firmware/kernels/own), built for the host with ASan and UBSan, give the same
// bytes as the TypeScript golden model, over seeded random shapes and parameters and over whole lowered
// subnets run op by op. Each case runs twice: through the plain C paths (what Cortex-M0+ runs) and through
// the DSP paths with C stand-ins of the ACLE intrinsics (what Cortex-M4/M7 run).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowerArch } from '../../src/frontend/arch-to-ir.ts';
import { elementCount } from '../../src/ir/tensors.ts';
import { calibrate, syntheticInputs } from '../../src/quant/calibrate.ts';
import { hwc, quantizeInput, runInt8 } from '../../src/quant/int8-interpreter.ts';
import { quantizeMultiplier } from '../../src/quant/fixed-point.ts';
import { softmaxExpTable } from '../../src/quant/lookup-tables.ts';
import type { MeanStep, QuantGraph } from '../../src/quant/quant-graph.ts';
import { hardSwishTableTflite, logisticTableTflite } from '../../src/quant/tflite-int8.ts';
import { elementwiseLayout } from '../../src/quant/op-params.ts';
import { ADD_LEFT_SHIFT, quantize } from '../../src/quant/quantize.ts';
import { stepsFromIr } from '../../src/schedule/from-ir.ts';
import { scratchBytes } from '../../src/schedule/scratch.ts';
import type { Step } from '../../src/schedule/steps.ts';
import { Rng } from '../../src/search/rng.ts';
import { sampleArch, smallestArch } from '../../src/space/sample.ts';
import type { ArchConfig } from '../../src/space/config.ts';
import {
  addCase,
  buildHarness,
  concatCase,
  convCase,
  fcCase,
  firstDiff,
  globalPoolCase,
  lutCase,
  meanCase,
  mulCase,
  padCase,
  poolCase,
  runHarness,
  softmaxCase,
  tempDir,
  type ConvKind,
  type KernelCase,
} from './kernel-cases.ts';
import { convParams, Draw, windowOut } from './random-params.ts';

let dir = '';
const bins: { name: string; path: string }[] = [];

beforeAll(async () => {
  dir = tempDir();
  const [plain, dsp] = await Promise.all([buildHarness(dir, false), buildHarness(dir, true)]);
  bins.push({ name: 'plain C', path: plain }, { name: 'DSP path (emulated intrinsics)', path: dsp });
}, 180_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the cases through both builds; returns how many cases matched per build, and the first mismatch. */
function check(cases: KernelCase[]): void {
  for (const bin of bins) {
    const outs = runHarness(bin.path, cases);
    const bad = cases.map((c, i) => ({ c, at: firstDiff(outs[i], c.expected) })).filter((r) => r.at >= 0);
    const first = bad[0];
    expect(first ? `${bin.name}: ${first.c.label}: first differing byte ${first.at} (C ${outs[cases.indexOf(first.c)][first.at]} vs TS ${first.c.expected[first.at]})` : '').toBe('');
    expect(bad.length).toBe(0);
  }
}

/** The planner's scratch rule for an own-kernel step (src/schedule/scratch.ts), used as the allocation size. */
function plannerScratch(kind: Step['kind'], kernel: [number, number], inH: number, inW: number, cin: number): number {
  const step = { kind, kernel, padding: { top: 0, left: 0, bottom: 0, right: 0 } } as unknown as Step;
  return scratchBytes(step, inH, inW, cin, { backend: 'own', dsp: true });
}

/** dilate: taps 1-3 apart in each direction (drawn only then, so the undilated draws stay as they were). */
function randomConvCase(d: Draw, kind: ConvKind, label: string, dilate = false): KernelCase {
  let groups = 1;
  let cin: number;
  let cout: number;
  let kh: number;
  let kw: number;
  if (kind === 'pointwise') {
    cin = d.int(1, 48);
    cout = d.int(1, 24);
    kh = kw = 1;
  } else if (kind === 'depthwise') {
    cin = cout = d.int(1, 24);
    groups = cin;
    kh = d.pick([3, 5, 7, 2, 4]);
    kw = d.chance(0.8) ? kh : d.int(1, 5);
  } else {
    groups = d.pick([1, 1, 1, 2, 3]);
    cin = groups * d.int(1, 6);
    cout = groups * d.int(1, 5);
    kh = d.pick([1, 2, 3, 3, 5]);
    kw = d.chance(0.8) ? kh : d.int(1, 4);
  }
  const dilationH = dilate ? d.int(1, 3) : 1;
  const dilationW = dilate ? d.int(1, 3) : 1;
  const ekh = (kh - 1) * dilationH + 1;
  const ekw = (kw - 1) * dilationW + 1;
  const H = dilate ? d.int(ekh, ekh + 8) : d.int(kh, 14);
  const W = dilate ? d.int(ekw, ekw + 8) : d.int(kw, 14);
  const strideH = d.int(1, 3);
  const strideW = d.chance(0.8) ? strideH : d.int(1, 3);
  const pads = kind === 'pointwise' ? [0, 0, 0, 0].map(() => (d.chance(0.2) ? d.int(0, 1) : 0)) : [d.int(0, kh - 1), d.int(0, kw - 1), d.int(0, kh - 1), d.int(0, kw - 1)];
  const [padTop, padLeft, padBottom, padRight] = pads;
  const inShape = { h: H, w: W, c: cin };
  const outShape = { h: windowOut(H, padTop, padBottom, ekh, strideH), w: windowOut(W, padLeft, padRight, ekw, strideW), c: cout };
  const params = { ...convParams(d, cout, { kernelH: kh, kernelW: kw, strideH, strideW, padTop, padLeft }), ...(dilate ? { dilationH, dilationW } : {}) };
  const args = {
    input: d.int8s(H * W * cin),
    inShape,
    weight: d.int8s(cout * kh * kw * (cin / groups), -127, 127),
    bias: d.int32s(cout, -(1 << 18), 1 << 18),
    outShape,
    groups,
    params,
  };
  const stepKind = kind === 'conv' ? 'conv2d' : kind;
  const inPlace = kind === 'depthwise' && d.chance(0.6);
  const scratch = kind === 'pointwise' ? 0 : plannerScratch(stepKind, [kh, kw], H, W, cin);
  return convCase(kind, args, inPlace ? 1 : 0, scratch, `${label} ${kind} ${H}x${W}x${cin}->${outShape.h}x${outShape.w}x${cout} k${kh}x${kw} s${strideH}x${strideW} d${dilationH}x${dilationW} g${groups}${inPlace ? ' in-place' : ''}`);
}

type Multiplier = { multiplier: number; shift: number };

/** An add's parameters, drawn in a fixed order (offsets, then the clamp): the cases stay the same run to run. */
function addParams(d: Draw, m1: Multiplier, m2: Multiplier, mo: Multiplier, clamp: () => { actMin: number; actMax: number }) {
  return {
    input1Offset: d.int(-127, 128),
    input2Offset: d.int(-127, 128),
    leftShift: ADD_LEFT_SHIFT,
    input1Multiplier: m1.multiplier,
    input1Shift: m1.shift,
    input2Multiplier: m2.multiplier,
    input2Shift: m2.shift,
    outputMultiplier: mo.multiplier,
    outputShift: mo.shift,
    outputOffset: d.int(-128, 127),
    ...clamp(),
  };
}

describe('C kernels vs the TypeScript golden model, seeded random cases', () => {
  it.each(['conv', 'pointwise', 'depthwise'] as const)('%s: 150 random shapes', (kind) => {
    const d = new Draw(11, `conv-cases-${kind}`);
    check(Array.from({ length: 150 }, (_, i) => randomConvCase(d, kind, `#${i}`)));
  });

  it('pointwise writing its rows into a wider tensor (out_pitch, a patch tile): 80 random shapes', () => {
    const d = new Draw(15, 'pointwise-pitch');
    const cases = Array.from({ length: 80 }, (_, i) => {
      const c = randomConvCase(d, 'pointwise', `#${i}`);
      const gap = d.int(1, 40);
      return { ...c, ints: c.ints.map((v, j) => (j === 18 ? gap : v)), label: `${c.label} pitch +${gap}` };
    });
    check(cases);
  });

  it('depthwise with 4-40 channels (four-channel groups: hold-back ring in place, padded copy of small inputs, plane fallback): 150 random shapes', () => {
    const d = new Draw(16, 'depthwise-groups');
    const cases = Array.from({ length: 150 }, (_, i) => {
      const cin = d.int(4, 40);
      const kh = d.pick([3, 3, 5, 7, 2]);
      const kw = d.chance(0.85) ? kh : d.int(1, 5);
      const H = d.int(kh, d.chance(0.5) ? 8 : 20);
      const W = d.int(kw, d.chance(0.5) ? 8 : 20);
      const strideH = d.int(1, 2);
      const strideW = d.chance(0.85) ? strideH : d.int(1, 2);
      const [padTop, padLeft, padBottom, padRight] = [d.int(0, kh - 1), d.int(0, kw - 1), d.int(0, kh - 1), d.int(0, kw - 1)];
      const outShape = { h: windowOut(H, padTop, padBottom, kh, strideH), w: windowOut(W, padLeft, padRight, kw, strideW), c: cin };
      const args = {
        input: d.int8s(H * W * cin),
        inShape: { h: H, w: W, c: cin },
        weight: d.int8s(cin * kh * kw, -127, 127),
        bias: d.int32s(cin, -(1 << 18), 1 << 18),
        outShape,
        groups: cin,
        params: convParams(d, cin, { kernelH: kh, kernelW: kw, strideH, strideW, padTop, padLeft }),
      };
      const inPlace = d.chance(0.6);
      const label = `#${i} depthwise ${H}x${W}x${cin}->${outShape.h}x${outShape.w} k${kh}x${kw} s${strideH}x${strideW} p${padTop},${padLeft},${padBottom},${padRight}${inPlace ? ' in-place' : ''}`;
      return convCase('depthwise', args, inPlace ? 1 : 0, plannerScratch('depthwise', [kh, kw], H, W, cin), label);
    });
    check(cases);
  });

  it.each(['pointwise', 'depthwise'] as const)('%s with pruned channels (all-zero weights, bias -2^30 or 2^30 - 1, zero multipliers, shifts to -31): 80 random shapes', (kind) => {
    const d = new Draw(17, `pruned-${kind}`);
    const cases = Array.from({ length: 80 }, (_, i) => {
      const cin = kind === 'depthwise' ? d.int(4, 24) : d.int(1, 64);
      const cout = kind === 'depthwise' ? cin : d.int(2, 24);
      const k = kind === 'depthwise' ? d.pick([3, 5, 7]) : 1;
      const H = d.int(k, 10);
      const W = d.int(k, 10);
      const stride = kind === 'depthwise' ? d.int(1, 2) : 1;
      const pad = kind === 'depthwise' ? d.int(0, k - 1) : 0;
      const outShape = { h: windowOut(H, pad, pad, k, stride), w: windowOut(W, pad, pad, k, stride), c: cout };
      const params = convParams(d, cout, { kernelH: k, kernelW: k, strideH: stride, strideW: stride, padTop: pad, padLeft: pad });
      const weight = d.int8s(cout * k * k * (kind === 'depthwise' ? 1 : cin), -127, 127);
      const bias = d.int32s(cout, -(1 << 18), 1 << 18);
      const per = weight.length / cout;
      for (let c = 0; c < cout; c++) {
        if (!d.chance(0.4)) continue;
        weight.fill(0, c * per, (c + 1) * per);
        bias[c] = d.pick([-(2 ** 30), 2 ** 30 - 1, d.int(-(1 << 20), 1 << 20)]);
        const m = d.int(0, 2);
        if (m === 0) params.multiplier[c] = 0;
        params.shift[c] = d.pick([0, -1, -8, -23, -28, -31, 1]);
      }
      const args = { input: d.int8s(H * W * cin), inShape: { h: H, w: W, c: cin }, weight, bias, outShape, groups: kind === 'depthwise' ? cin : 1, params };
      const inPlace = kind === 'depthwise' && d.chance(0.5);
      const scratch = kind === 'depthwise' ? plannerScratch('depthwise', [k, k], H, W, cin) : 0;
      return convCase(kind, args, inPlace ? 1 : 0, scratch, `#${i} ${kind} ${H}x${W}x${cin}->${outShape.h}x${outShape.w}x${cout} k${k} s${stride} p${pad}${inPlace ? ' in-place' : ''}`);
    });
    check(cases);
  });

  it.each(['conv', 'depthwise'] as const)('%s with dilation: 60 random shapes', (kind) => {
    const d = new Draw(13, `dilated-${kind}`);
    const cases = Array.from({ length: 60 }, (_, i) => randomConvCase(d, kind, `#${i}`, true));
    expect(cases.filter((c) => c.ints[20] > 1 || c.ints[21] > 1).length).toBeGreaterThan(40);
    check(cases);
  });

  it('fully connected with a weight zero point: 30 random shapes', () => {
    const d = new Draw(14, 'fc-weight-offset');
    const cases = Array.from({ length: 30 }, (_, i) => {
      const batches = d.int(1, 3);
      const inF = d.int(1, 200);
      const outF = d.int(1, 70);
      const p = { ...convParams(d, outF, { kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padTop: 0, padLeft: 0 }), weightOffset: d.int(-20, 20) || 1 };
      return fcCase(d.int8s(batches * inF), batches, inF, d.int8s(outF * inF, -100, 100), d.int32s(outF, -(1 << 20), 1 << 20), outF, p, `fc w-zp #${i} ${batches}x${inF}->${outF}`);
    });
    check(cases);
  });

  it('fully connected: 60 random shapes (kernel fields of the params are ignored)', () => {
    const d = new Draw(12, 'fc');
    const cases = Array.from({ length: 60 }, (_, i) => {
      const batches = d.int(1, 3);
      const inF = d.int(1, 300);
      const outF = d.int(1, 40);
      const p = convParams(d, outF, { kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padTop: 0, padLeft: 0 });
      return fcCase(d.int8s(batches * inF), batches, inF, d.int8s(outF * inF, -127, 127), d.int32s(outF, -(1 << 20), 1 << 20), outF, p, `fc #${i} ${batches}x${inF}->${outF}`);
    });
    check(cases);
  });

  it('fully connected, weights in groups of four rows (the code generator\'s layout): 40 random shapes', () => {
    const d = new Draw(15, 'fc-rows4');
    const cases = Array.from({ length: 40 }, (_, i) => {
      const batches = d.int(1, 2);
      const inF = 4 * d.int(1, 75);
      const outF = d.int(4, 40);
      const p = convParams(d, outF, { kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padTop: 0, padLeft: 0 });
      return fcCase(d.int8s(batches * inF), batches, inF, d.int8s(outF * inF, -127, 127), d.int32s(outF, -(1 << 20), 1 << 20), outF, p, `fc rows4 #${i} ${batches}x${inF}->${outF}`, true);
    });
    expect(cases.filter((c) => c.ints[2] % 4 !== 0).length).toBeGreaterThan(20);
    check(cases);
  });

  function randomLayout(d: Draw): { layout: ReturnType<typeof elementwiseLayout> & object; aLen: number; bLen: number } {
    const pixels = d.int(1, 50);
    const channels = d.int(1, 40);
    const form = d.pick(['same', 'gate2', 'gate1', 'scalar2'] as const);
    if (form === 'same') return { layout: { pixels: 1, channels: pixels * channels, in1PixelStride: 0, in2PixelStride: 0 }, aLen: pixels * channels, bLen: pixels * channels };
    if (form === 'gate2') return { layout: { pixels, channels, in1PixelStride: channels, in2PixelStride: 0 }, aLen: pixels * channels, bLen: channels };
    if (form === 'gate1') return { layout: { pixels, channels, in1PixelStride: 0, in2PixelStride: channels }, aLen: channels, bLen: pixels * channels };
    return { layout: { pixels: pixels * channels, channels: 1, in1PixelStride: 1, in2PixelStride: 0 }, aLen: pixels * channels, bLen: 1 };
  }

  it('add (TFLite left shift 20) and mul: 120 random layouts each, in place where shapes allow', () => {
    const d = new Draw(13, 'elementwise');
    const cases: KernelCase[] = [];
    for (let i = 0; i < 120; i++) {
      const { layout, aLen, bLen } = randomLayout(d);
      const a = d.int8s(aLen);
      const b = d.int8s(bLen);
      const n = layout.pixels * layout.channels;
      const alias = aLen === n && d.chance(0.5) ? 1 : bLen === n && d.chance(0.5) ? 2 : 0;
      const lut = d.lut();
      // Input multipliers below one half as TFLite's add makes them (s_k / (2 max s)), output any.
      const small = () => quantizeMultiplier(0.5 * (0.001 + 0.999 * (d.int(0, 1e6) / 1e6)));
      const m1 = small();
      const m2 = small();
      const mo = quantizeMultiplier(2 ** (-26 + 12 * (d.int(0, 1e6) / 1e6)));
      cases.push(
        addCase(a, b, layout, { ...addParams(d, m1, m2, mo, () => d.clamp()), ...(lut ? { lut } : {}) }, alias as 0 | 1 | 2, `add #${i} ${JSON.stringify(layout)}`),
      );
      const mm = d.multiplier();
      cases.push(
        mulCase(a, b, layout, { input1Offset: d.int(-127, 128), input2Offset: d.int(-127, 128), outputMultiplier: mm.multiplier, outputShift: mm.shift, outputOffset: d.int(-128, 127), ...d.clamp(), ...(lut ? { lut } : {}) }, alias as 0 | 1 | 2, `mul #${i}`),
      );
    }
    check(cases);
  });

  it('add with the larger-scale input at exactly one half (TFLite: s_k / (2 max s)), ReLU-like clamps: 80 random layouts', () => {
    const d = new Draw(16, 'add-half');
    const cases: KernelCase[] = [];
    for (let i = 0; i < 80; i++) {
      const { layout, aLen, bLen } = randomLayout(d);
      const n = layout.pixels * layout.channels;
      const alias = aLen === n && d.chance(0.5) ? 1 : bLen === n && d.chance(0.5) ? 2 : 0;
      const which = d.int(0, 2); // 0: input 1 is the larger scale, 1: input 2, 2: equal scales
      const half = quantizeMultiplier(0.5);
      const other = quantizeMultiplier(0.5 * (0.001 + 0.999 * (d.int(0, 1e6) / 1e6)));
      const [m1, m2] = which === 0 ? [half, other] : which === 1 ? [other, half] : [half, half];
      // Output scales as models have them (right shifts 15 to 24: the folded form takes up to 22).
      const mo = quantizeMultiplier(2 ** (-23 + 9 * (d.int(0, 1e6) / 1e6)));
      const actMin = d.chance(0.5) ? -128 : d.int(-128, 20);
      cases.push(
        addCase(d.int8s(aLen), d.int8s(bLen), layout, addParams(d, m1, m2, mo, () => ({ actMin, actMax: d.chance(0.8) ? 127 : d.int(actMin, 127) })), alias as 0 | 1 | 2, `add half #${i} ${JSON.stringify(layout)}`),
      );
    }
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 2 ** 30, shift: 0 });
    check(cases);
  });

  it('pools, global average pool, pad, lut, softmax and concat: random cases', () => {
    const d = new Draw(14, 'misc');
    const cases: KernelCase[] = [];
    for (let i = 0; i < 60; i++) {
      const kh = d.int(1, 4);
      const kw = d.int(1, 4);
      const H = d.int(kh, 12);
      const W = d.int(kw, 12);
      const C = d.int(1, 20);
      const sh = d.int(1, 3);
      const sw = d.int(1, 3);
      const [pt, pl, pb, pr] = [d.int(0, kh - 1), d.int(0, kw - 1), d.int(0, kh - 1), d.int(0, kw - 1)];
      const inShape = { h: H, w: W, c: C };
      const outShape = { h: windowOut(H, pt, pb, kh, sh), w: windowOut(W, pl, pr, kw, sw), c: C };
      const p = { kernelH: kh, kernelW: kw, strideH: sh, strideW: sw, padTop: pt, padLeft: pl, ...d.clamp() };
      const x = d.int8s(H * W * C);
      cases.push(poolCase(false, x, inShape, outShape, p, `avgpool #${i}`), poolCase(true, x, inShape, outShape, p, `maxpool #${i}`));
      const c = d.clamp();
      cases.push(globalPoolCase(x, inShape, c.actMin, c.actMax, `global #${i} ${H}x${W}x${C}`));
      const padded = { h: H + pt + pb, w: W + pl + pr, c: C };
      cases.push(padCase(x, inShape, padded, pt, pl, d.int(-128, 127), `pad #${i}`));
      cases.push(lutCase(x, d.int8s(256), d.chance(0.5), `lut #${i}`));
      const rowSize = d.int(1, 1000);
      const rows = d.int(1, 3);
      cases.push(softmaxCase(d.int8s(rows * rowSize), rows, rowSize, softmaxExpTable(2 ** (-8 + 6 * (d.int(0, 1000) / 1000))), `softmax #${i}`));
      // concat along the channels of k maps of H x W
      const parts = d.int(1, 4);
      const chans = Array.from({ length: parts }, () => d.int(1, 8));
      const total = chans.reduce((s, v) => s + v, 0);
      let off = 0;
      const concatParts = chans.map((ch) => {
        const m = d.multiplier();
        const part = {
          outer: H * W,
          inner: ch,
          outStride: total,
          outOffset: off,
          ...(d.chance(0.7) ? { requant: { inputOffset: d.int(-127, 128), outputOffset: d.int(-128, 127), multiplier: m.multiplier, shift: m.shift } } : {}),
        };
        off += ch;
        return part;
      });
      cases.push(concatCase(chans.map((ch) => d.int8s(H * W * ch)), concatParts, H * W * total, `concat #${i}`));
    }
    check(cases);
  });
});

describe('C kernels vs the TypeScript golden model: TFLite MEAN arithmetic and TFLite activation tables', () => {
  function randomStep(d: Draw): MeanStep {
    const rounding = d.pick(['nearest', 'truncate', 'float'] as const);
    const inZp = d.int(-128, 127);
    const ratio = 0.2 + 5 * (d.int(0, 1e6) / 1e6);
    const m = quantizeMultiplier(ratio);
    const scale = Math.fround(ratio);
    return {
      rounding,
      inputOffset: rounding === 'nearest' ? -inZp : 0,
      outputOffset: rounding === 'truncate' ? 0 : d.int(-128, 127),
      multiplier: rounding === 'nearest' ? m.multiplier : 1 << 30,
      shift: rounding === 'nearest' ? m.shift : 1,
      scale: rounding === 'float' ? scale : 0,
      bias: rounding === 'float' ? Math.fround(Math.fround(-inZp * scale) + 0.5) : 0,
    };
  }

  it('global average pool and mean over many pixels (the DSP path folds its 16-bit lanes every 256): extremes and random', () => {
    const d = new Draw(16, 'wide-sums');
    const cases: KernelCase[] = [];
    for (const [h, w] of [[16, 16], [16, 17], [20, 20], [33, 33], [1, 600]]) {
      for (const c of [4, 7, 12]) {
        const n = h * w * c;
        const inputs: [string, Int8Array][] = [['-128', new Int8Array(n).fill(-128)], ['127', new Int8Array(n).fill(127)], ['random', d.int8s(n)]];
        for (const [what, x] of inputs) {
          const shape = { h, w, c };
          cases.push(globalPoolCase(x, shape, -128, 127, `global ${h}x${w}x${c} ${what}`));
          cases.push(meanCase(x, shape, { axes: 'hw', steps: [randomStep(d)] }, -128, 127, `mean ${h}x${w}x${c} ${what}`));
        }
      }
    }
    check(cases);
  });

  it('mean (one division or two, nearest / truncate / float steps): 200 random cases', () => {
    const d = new Draw(15, 'mean');
    const cases: KernelCase[] = [];
    for (let i = 0; i < 200; i++) {
      const shape = { h: d.int(1, 12), w: d.int(1, 12), c: d.int(1, 24) };
      const axes = d.pick(['hw', 'w,h', 'h,w'] as const);
      const mean = { axes, steps: axes === 'hw' ? [randomStep(d)] : [randomStep(d), randomStep(d)] };
      const c = d.clamp();
      cases.push(meanCase(d.int8s(shape.h * shape.w * shape.c), shape, mean, c.actMin, c.actMax, `mean #${i} ${shape.h}x${shape.w}x${shape.c} ${axes} ${mean.steps.map((s) => s.rounding).join('+')}`));
    }
    check(cases);
  });

  it('sigmoid (TFLite integer logistic) and hard-swish (TFLite 16-bit) tables through the LUT kernel', () => {
    const d = new Draw(16, 'tflite-luts');
    const cases: KernelCase[] = [];
    for (let i = 0; i < 40; i++) {
      const input = { scale: Math.fround(2 ** (-8 + 7 * (d.int(0, 1000) / 1000))), zeroPoint: d.int(-128, 127) };
      const output = { scale: Math.fround(input.scale * (0.3 + 2 * (d.int(0, 1000) / 1000))), zeroPoint: d.int(-128, 127) };
      const x = d.int8s(d.int(1, 600));
      cases.push(lutCase(x, logisticTableTflite(input), d.chance(0.5), `sigmoid #${i} scale ${input.scale}`));
      cases.push(lutCase(x, hardSwishTableTflite(input, output), d.chance(0.5), `hard_swish #${i} ${input.scale} -> ${output.scale}`));
    }
    check(cases);
  });
});

/** Every op of a QuantGraph as a harness case, inputs taken from the golden model's own run; depthwise in place. */
function subnetCases(q: QuantGraph, tensors: (Int8Array | undefined)[]): KernelCase[] {
  const steps = stepsFromIr(q).steps;
  const value = (id: number): Int8Array => {
    const v = tensors[id] ?? q.tensors[id].data;
    if (!(v instanceof Int8Array)) throw new Error(`no int8 value for ${q.tensors[id].name}`);
    return v;
  };
  return q.ops.map((op, i) => {
    const p = q.params[i];
    const x = value(op.inputs[0]);
    const inShape = q.tensors[op.inputs[0]].shape;
    const outShape = q.tensors[op.outputs[0]].shape;
    const label = `${op.name} (${p.kind})`;
    const constant = <T>(id: number) => q.tensors[id].data as T;
    switch (p.kind) {
      case 'conv2d': {
        const args = { input: x, inShape: hwc(inShape), weight: constant<Int8Array>(op.inputs[1]), bias: constant<Int32Array>(op.inputs[2]), outShape: hwc(outShape), groups: p.groups, params: p.params };
        const scratch = scratchBytes(steps[i], inShape[1], inShape[2], inShape[3], { backend: 'own', dsp: true });
        return convCase(p.variant, args, p.variant === 'depthwise' ? 1 : 0, scratch, label);
      }
      case 'fully_connected':
        return fcCase(x, inShape[0], x.length / inShape[0], constant<Int8Array>(op.inputs[1]), constant<Int32Array>(op.inputs[2]), outShape[1], p.params, label);
      case 'add':
      case 'mul': {
        const b = value(op.inputs[1]);
        const alias = x.length === elementCount(outShape) ? 1 : 0; // the planner lets the output take the map's buffer
        return p.kind === 'add' ? addCase(x, b, p.layout, p.params, alias, label) : mulCase(x, b, p.layout, p.params, alias, label);
      }
      case 'global_avg_pool':
        return p.mean ? meanCase(x, hwc(inShape), p.mean, p.actMin, p.actMax, label) : globalPoolCase(x, hwc(inShape), p.actMin, p.actMax, label);
      case 'relu':
      case 'relu6':
      case 'hard_sigmoid':
      case 'hard_swish':
      case 'sigmoid':
        return lutCase(x, p.lut, false, label);
      default:
        throw new Error(`op kind ${p.kind} does not occur in lowered subnets; add it here when it does`);
    }
  });
}

describe('whole lowered subnets, op by op through the C kernels', () => {
  const configs: [string, ArchConfig][] = [['smallest @96', smallestArch(96)]];
  const rng = new Rng(5);
  for (let i = 0; configs.length < 4; i++) {
    const c = sampleArch(rng);
    // Small resolutions keep the sanitized run short; every width and SE stage still occurs.
    const wid = (i % 3) as ArchConfig['wid'];
    configs.push([`sampled #${i} wid ${wid}`, { ...c, wid, image_size: 96 + 16 * (i % 3) } as ArchConfig]);
  }
  it.each(configs)('%s: every op byte-exact, in both builds', (_label, arch) => {
    const g = lowerArch(arch, { seed: 3 });
    const q = quantize(g, calibrate(g, syntheticInputs(g, 2, 21)));
    const x = quantizeInput(q, syntheticInputs(g, 1, 22)[0][0]);
    const run = runInt8(q, x, { keep: true });
    const cases = subnetCases(q, run.tensors ?? []);
    // The harness's golden bytes are the interpreter's own tensors (same kernels, same inputs).
    cases.forEach((c, i) => expect(firstDiff(c.expected, run.tensors?.[q.ops[i].outputs[0]] as Int8Array)).toBe(-1));
    expect(cases.length).toBe(q.ops.length);
    check(cases);
  });
});
