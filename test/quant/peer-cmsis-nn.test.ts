// A peer's conformance suite: the 64 int8 cases of CMSIS-NN's unit tests (../shared/data/cmsis-nn-s8-testdata,
// reference outputs from the TensorFlow Lite 2.10 interpreter) run through the own C kernels built for the host
// (plain C and the DSP paths with emulated intrinsics) and through the TypeScript golden model. Every case
// must be bit-exact with TFLite, the 7 dilated convolutions and the fully connected layer with a weight zero
// point included; a case the kernels could not express would be counted by reason, and that count is asserted
// (none), so a new gap shows up here.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hwc } from '../../src/quant/int8-kernels.ts';
import { softmaxExpTable } from '../../src/quant/lookup-tables.ts';
import { sharedPath } from '../helpers/shared.ts';
import { addCase, buildHarness, convCase, fcCase, firstDiff, mulCase, poolCase, runHarness, softmaxCase, tempDir, type KernelCase } from './kernel-cases.ts';

const DIR = sharedPath('data/cmsis-nn-s8-testdata');

interface PeerCase {
  group: string;
  case: string;
  config: Record<string, number>;
  arrays: Record<string, { type: string; values: number[] }>;
}

/** What the own kernels make of a peer case: harness cases (one per batch) and TFLite's bytes, or why not. */
type Mapped = { cases: KernelCase[]; reference: Int8Array } | { unsupported: string };

const i8 = (c: PeerCase, name: string) => Int8Array.from(c.arrays[name].values);
const i32 = (c: PeerCase, name: string) => Int32Array.from(c.arrays[name].values);
const fill = (n: number, v: number) => new Int32Array(n).fill(v);

/** Splits a batched NHWC array into batch slices of `n` values. */
const batch = (a: Int8Array, n: number, b: number) => a.subarray(b * n, (b + 1) * n);

function conv(c: PeerCase): Mapped {
  const k = c.config;
  const depthwise = c.group.startsWith('depthwise');
  const inShape: Hwc = { h: k.input_h, w: k.input_w, c: k.in_ch };
  const outShape: Hwc = { h: k.output_h, w: k.output_w, c: k.out_ch };
  const params = {
    kernelH: k.filter_y,
    kernelW: k.filter_x,
    strideH: k.stride_y,
    strideW: k.stride_x,
    padTop: k.pad_y,
    padLeft: k.pad_x,
    inputOffset: k.input_offset,
    outputOffset: k.output_offset,
    actMin: k.out_activation_min,
    actMax: k.out_activation_max,
    multiplier: i32(c, 'output_mult'),
    shift: i32(c, 'output_shift'),
    dilationH: k.dilation_y ?? 1,
    dilationW: k.dilation_x ?? 1,
  };
  let weight = i8(c, 'weights');
  let kind: 'conv' | 'pointwise' | 'depthwise' = k.filter_x === 1 && k.filter_y === 1 && k.pad_x === 0 && k.pad_y === 0 ? 'pointwise' : 'conv';
  let groups = 1;
  if (depthwise) {
    // CMSIS-NN's depthwise weights are [KH][KW][C x mult]; ours [C x mult][KH][KW] (a grouped conv when mult > 1).
    const taps = k.filter_x * k.filter_y;
    const co = k.out_ch;
    const w = new Int8Array(weight.length);
    for (let o = 0; o < co; o++) for (let t = 0; t < taps; t++) w[o * taps + t] = weight[t * co + o];
    weight = w;
    kind = k.out_ch === k.in_ch ? 'depthwise' : 'conv';
    groups = k.in_ch;
  }
  const batches = k.input_batches ?? 1;
  const input = i8(c, 'input');
  const inN = inShape.h * inShape.w * inShape.c;
  const scratch = kind === 'conv' ? 2 * Math.ceil((k.filter_x * k.filter_y * k.in_ch) / 4) * 4 * 2 : 0;
  const cases = Array.from({ length: batches }, (_, b) =>
    convCase(kind, { input: batch(input, inN, b), inShape, weight, bias: i32(c, 'biases'), outShape, groups, params }, 0, scratch, `${c.case} batch ${b}`),
  );
  return { cases, reference: i8(c, 'output_ref') };
}

function fullyConnected(c: PeerCase): Mapped {
  const k = c.config;
  const perChannel = c.case === 'fc_per_ch';
  const outF = k.out_ch;
  const inF = k.accumulation_depth;
  const batches = k.input_batches;
  // Per-tensor cases carry their multiplier in the config (the arrays of that name belong to fc_per_ch).
  const multiplier = perChannel ? i32(c, 'output_multiplier') : fill(outF, k.output_multiplier);
  const shift = perChannel ? i32(c, 'output_shift') : fill(outF, k.output_shift);
  // CMSIS-NN's filter_offset is TFLite's: minus the weight zero point, added to every weight.
  const params = { kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padTop: 0, padLeft: 0, inputOffset: k.input_offset, outputOffset: k.output_offset, actMin: k.out_activation_min, actMax: k.out_activation_max, multiplier, shift, weightOffset: k.filter_offset ?? 0 };
  const biasName = perChannel ? 'bias' : 'biases';
  // A case without a bias array is CMSIS-NN's null bias (fully_connected_w_zp has none).
  const bias = c.arrays[biasName] ? i32(c, biasName) : fill(outF, 0);
  return { cases: [fcCase(i8(c, 'input'), batches, inF, i8(c, 'weights'), bias, outF, params, c.case)], reference: i8(c, perChannel ? 'output' : 'output_ref') };
}

function pool(c: PeerCase): Mapped {
  const k = c.config;
  const inShape: Hwc = { h: k.input_h, w: k.input_w, c: k.input_c };
  const outShape: Hwc = { h: k.output_h, w: k.output_w, c: k.output_c };
  const p = { kernelH: k.filter_h, kernelW: k.filter_w, strideH: k.stride_h, strideW: k.stride_w, padTop: k.padding_h, padLeft: k.padding_w, actMin: k.activation_min, actMax: k.activation_max };
  const input = i8(c, 'input_tensor');
  const inN = inShape.h * inShape.w * inShape.c;
  const isMax = c.group === 'max_pool_s8';
  const cases = Array.from({ length: k.batch_size }, (_, b) => poolCase(isMax, batch(input, inN, b), inShape, outShape, p, `${c.case} batch ${b}`));
  return { cases, reference: i8(c, 'output') };
}

function elementwise(c: PeerCase): Mapped {
  const k = c.config;
  const a = i8(c, 'input1');
  const b = i8(c, 'input2');
  const layout = { pixels: 1, channels: a.length, in1PixelStride: 0, in2PixelStride: 0 };
  const clamp = { outputOffset: k.output_offset, actMin: k.out_activation_min, actMax: k.out_activation_max };
  if (c.group === 'elementwise_add_s8') {
    const p = { input1Offset: k.input1_offset, input2Offset: k.input2_offset, leftShift: k.left_shift, input1Multiplier: k.input1_mult, input1Shift: k.input1_shift, input2Multiplier: k.input2_mult, input2Shift: k.input2_shift, outputMultiplier: k.output_mult, outputShift: k.output_shift, ...clamp };
    return { cases: [addCase(a, b, layout, p, 0, c.case)], reference: i8(c, 'output_ref') };
  }
  const p = { input1Offset: k.input1_offset, input2Offset: k.input2_offset, outputMultiplier: k.output_mult, outputShift: k.output_shift, ...clamp };
  return { cases: [mulCase(a, b, layout, p, 0, c.case)], reference: i8(c, 'output_ref') };
}

function softmax(c: PeerCase): Mapped {
  const k = c.config;
  // TFLite folds beta x input scale into input_mult / 2^31 x 2^input_left_shift = beta x scale x 2^26.
  const betaScale = (k.input_mult / 2 ** 31) * 2 ** (k.input_left_shift - 26);
  return { cases: [softmaxCase(i8(c, 'input'), k.num_rows, k.row_size, softmaxExpTable(betaScale), c.case)], reference: i8(c, 'output_ref') };
}

function mapCase(c: PeerCase): Mapped {
  if (c.group.startsWith('convolve') || c.group.startsWith('depthwise')) return conv(c);
  if (c.group === 'fully_connected_s8') return fullyConnected(c);
  if (c.group === 'avgpool_s8' || c.group === 'max_pool_s8') return pool(c);
  if (c.group.startsWith('elementwise')) return elementwise(c);
  if (c.group === 'softmax_s8') return softmax(c);
  return { unsupported: `no mapping for group ${c.group}` };
}

const peers: PeerCase[] = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as PeerCase);

let dir = '';
const bins: { name: string; path: string }[] = [];
beforeAll(async () => {
  dir = tempDir();
  const [plain, dsp] = await Promise.all([buildHarness(dir, false), buildHarness(dir, true)]);
  bins.push({ name: 'plain C', path: plain }, { name: 'DSP path', path: dsp });
}, 180_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const concat = (parts: Int8Array[]) => {
  const out = new Int8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe('CMSIS-NN unit-test cases (TFLite 2.10 reference outputs) through the own kernels', () => {
  it('64 cases: all bit-exact in both builds and in the golden model (7 dilated, 1 with a weight zero point)', () => {
    expect(peers.length).toBe(64);
    const mapped = peers.map((c) => ({ c, m: mapCase(c) }));
    const unsupported = new Map<string, string[]>();
    const outcome: Record<string, { exact: number; mismatch: string[] }> = {};
    const supported = mapped.filter((x) => {
      if ('unsupported' in x.m) unsupported.set(x.m.unsupported, [...(unsupported.get(x.m.unsupported) ?? []), `${x.c.group}/${x.c.case}`]);
      return !('unsupported' in x.m);
    });
    const all = supported.flatMap((x) => ('cases' in x.m ? x.m.cases : []));
    const golden = { exact: 0, mismatch: [] as string[] };
    for (const x of supported) {
      if (!('cases' in x.m)) continue;
      const ref = x.m.reference;
      const ts = concat(x.m.cases.map((k) => k.expected));
      if (firstDiff(ts, ref) < 0) golden.exact++;
      else golden.mismatch.push(`${x.c.group}/${x.c.case}`);
    }
    for (const bin of bins) {
      const outs = runHarness(bin.path, all);
      const r = { exact: 0, mismatch: [] as string[] };
      let at = 0;
      for (const x of supported) {
        if (!('cases' in x.m)) continue;
        const got = concat(outs.slice(at, at + x.m.cases.length));
        at += x.m.cases.length;
        const at0 = firstDiff(got, x.m.reference);
        if (at0 < 0) r.exact++;
        else r.mismatch.push(`${x.c.group}/${x.c.case} (first differing byte ${at0})`);
      }
      outcome[bin.name] = r;
    }
    expect(golden.mismatch).toEqual([]);
    for (const bin of bins) expect(outcome[bin.name].mismatch).toEqual([]);
    expect(golden.exact).toBe(64);
    for (const bin of bins) expect(outcome[bin.name].exact).toBe(64);
    expect(Object.fromEntries(unsupported)).toEqual({});
    // The features those cases exercise are really there (not mapped away).
    expect(peers.filter((c) => (c.config.dilation_x ?? 1) !== 1 || (c.config.dilation_y ?? 1) !== 1).length).toBe(7);
    expect(peers.filter((c) => (c.config.filter_offset ?? 0) !== 0).map((c) => c.case)).toEqual(['fully_connected_w_zp']);
  });
});
