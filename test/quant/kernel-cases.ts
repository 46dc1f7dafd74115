// Drives test/quant/c/harness.c: builds it for the host (with ASan and UBSan), writes kernel cases in its
// binary format, runs it and reads back the output bytes. Each case helper also computes the golden
// model's bytes with the TypeScript kernel, so a test compares the two.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../helpers/shared.ts';
import { fcRows4Layout } from '../../src/codegen/op-values.ts';
import * as k from '../../src/quant/int8-kernels.ts';
import type { AddKernelParams, ConcatPart, ConvKernelParams, ElementwiseLayout, MeanParams, MeanStep, MulKernelParams, PoolKernelParams } from '../../src/quant/quant-graph.ts';

export const KERNELS_DIR = path.join(REPO, 'firmware/kernels/own');
const HARNESS = path.join(REPO, 'test/quant/c/harness.c');
export const HOST_FLAGS = ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined', '-fno-sanitize-recover=all'];

export function kernelSources(): string[] {
  return fs
    .readdirSync(KERNELS_DIR)
    .filter((f) => f.endsWith('.c'))
    .map((f) => path.join(KERNELS_DIR, f));
}

/** Compiles the harness with the kernels; `dsp` runs the DSP paths through C stand-ins of the intrinsics. */
export async function buildHarness(dir: string, dsp: boolean): Promise<string> {
  const bin = path.join(dir, dsp ? 'harness-dsp' : 'harness');
  await promisify(execFile)('gcc', [...HOST_FLAGS, ...(dsp ? ['-DMCUNAS_EMULATE_DSP'] : []), '-I', KERNELS_DIR, HARNESS, ...kernelSources(), '-o', bin]);
  return bin;
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-kernels-'));
}

type Arr = Int8Array | Int32Array;

export interface KernelCase {
  readonly op: number;
  readonly ints: readonly number[];
  readonly arrays: readonly Arr[];
  /** The golden model's bytes. */
  readonly expected: Int8Array;
  readonly label: string;
}

function encode(cases: readonly KernelCase[]): Buffer {
  const parts: Buffer[] = [];
  const i32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    parts.push(b);
  };
  i32(0x3151434d);
  i32(cases.length);
  for (const c of cases) {
    i32(c.op);
    i32(c.ints.length);
    c.ints.forEach(i32);
    i32(c.arrays.length);
    for (const a of c.arrays) {
      i32(a.BYTES_PER_ELEMENT);
      i32(a.length);
      const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      parts.push(Buffer.from(bytes), Buffer.alloc((4 - (bytes.length % 4)) % 4));
    }
  }
  return Buffer.concat(parts);
}

/** Runs the cases through the harness binary; returns each case's output bytes. */
export function runHarness(bin: string, cases: readonly KernelCase[]): Int8Array[] {
  const dir = path.dirname(bin);
  const inFile = path.join(dir, `cases-${process.pid}-${Math.random().toString(36).slice(2)}.bin`);
  const outFile = `${inFile}.out`;
  fs.writeFileSync(inFile, encode(cases));
  execFileSync(bin, [inFile, outFile], { stdio: 'pipe', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1' } });
  const buf = fs.readFileSync(outFile);
  fs.rmSync(inFile);
  fs.rmSync(outFile);
  const outs: Int8Array[] = [];
  let at = 0;
  for (let i = 0; i < cases.length; i++) {
    const n = buf.readInt32LE(at);
    at += 4;
    outs.push(new Int8Array(buf.subarray(at, at + n)));
    at += n + ((4 - (n % 4)) % 4);
  }
  return outs;
}

const hwc = (s: k.Hwc) => [s.h, s.w, s.c];
const convTail = (p: ConvKernelParams) => [p.kernelH, p.kernelW, p.strideH, p.strideW, p.padTop, p.padLeft, p.inputOffset, p.outputOffset, p.actMin, p.actMax, p.lut ? 1 : 0];
const lutArr = (lut: Int8Array | undefined): Arr[] => (lut ? [lut] : []);

export type ConvKind = 'conv' | 'pointwise' | 'depthwise';

export interface ConvArgs {
  readonly input: Int8Array;
  readonly inShape: k.Hwc;
  readonly weight: Int8Array;
  readonly bias: Int32Array;
  readonly outShape: k.Hwc;
  readonly groups: number;
  readonly params: ConvKernelParams;
}

/**
 * mode: depthwise 1 = in place; pointwise n > 0 = output rows n bytes apart beyond their own (out_pitch, a
 * patch tile's rows in the whole tensor). scratchBytes: what the planner reserves (conv: im2col, in-place
 * depthwise: one plane).
 */
export function convCase(kind: ConvKind, a: ConvArgs, mode: number, scratchBytes: number, label: string = kind): KernelCase {
  const out = new Int8Array(a.outShape.h * a.outShape.w * a.outShape.c);
  if (kind === 'conv') k.convS8(a.input, a.inShape, a.weight, a.bias, out, a.outShape, a.groups, a.params);
  else if (kind === 'pointwise') k.pointwiseS8(a.input, a.inShape, a.weight, a.bias, out, a.outShape, a.params);
  else k.depthwiseS8(a.input, a.inShape, a.weight, a.bias, out, a.outShape, a.params);
  return {
    op: { conv: 1, pointwise: 2, depthwise: 3 }[kind],
    ints: [...hwc(a.inShape), ...hwc(a.outShape), a.groups, ...convTail(a.params), mode, scratchBytes, a.params.dilationH ?? 1, a.params.dilationW ?? 1],
    arrays: [a.input, a.weight, a.bias, a.params.multiplier, a.params.shift, ...lutArr(a.params.lut)],
    expected: out,
    label,
  };
}

/**
 * rows4: the C kernel gets the code generator's MCUNAS_FC_ROWS4 layout (fcRows4Layout: weights in groups of
 * four rows, the input offset folded into the bias); the expected bytes come from the plain [out][in] layer.
 */
export function fcCase(input: Int8Array, batches: number, inF: number, weight: Int8Array, bias: Int32Array, outF: number, p: ConvKernelParams, label = 'fc', rows4 = false): KernelCase {
  const out = new Int8Array(batches * outF);
  k.fullyConnectedS8(input, batches, inF, weight, bias, out, outF, p);
  const c = rows4 ? fcRows4Layout(weight, bias, outF, inF, p.inputOffset) : { weights: weight, bias };
  return {
    op: 4,
    ints: [batches, inF, outF, p.inputOffset, p.outputOffset, p.actMin, p.actMax, p.lut ? 1 : 0, p.weightOffset ?? 0, rows4 ? 1 : 0],
    arrays: [input, c.weights, c.bias, p.multiplier, p.shift, ...lutArr(p.lut)],
    expected: out,
    label,
  };
}

/** alias: 1 = the output overwrites in1, 2 = in2 (the planner's in-place element-wise rule). */
export function addCase(a: Int8Array, b: Int8Array, layout: ElementwiseLayout, p: AddKernelParams, alias: 0 | 1 | 2, label = 'add'): KernelCase {
  const out = new Int8Array(layout.pixels * layout.channels);
  k.addS8(a, b, out, layout, p);
  const l = [layout.pixels, layout.channels, layout.in1PixelStride, layout.in2PixelStride, alias];
  const q = [p.input1Offset, p.input2Offset, p.leftShift, p.input1Multiplier, p.input1Shift, p.input2Multiplier, p.input2Shift, p.outputMultiplier, p.outputShift, p.outputOffset, p.actMin, p.actMax, p.lut ? 1 : 0];
  return { op: 5, ints: [...l, ...q], arrays: [a.slice(), b.slice(), ...lutArr(p.lut)], expected: out, label };
}

export function mulCase(a: Int8Array, b: Int8Array, layout: ElementwiseLayout, p: MulKernelParams, alias: 0 | 1 | 2, label = 'mul'): KernelCase {
  const out = new Int8Array(layout.pixels * layout.channels);
  k.mulS8(a, b, out, layout, p);
  const l = [layout.pixels, layout.channels, layout.in1PixelStride, layout.in2PixelStride, alias];
  const q = [p.input1Offset, p.input2Offset, p.outputMultiplier, p.outputShift, p.outputOffset, p.actMin, p.actMax, p.lut ? 1 : 0];
  return { op: 6, ints: [...l, ...q], arrays: [a.slice(), b.slice(), ...lutArr(p.lut)], expected: out, label };
}

export function poolCase(isMax: boolean, input: Int8Array, inShape: k.Hwc, outShape: k.Hwc, p: PoolKernelParams, label: string = isMax ? 'maxpool' : 'avgpool'): KernelCase {
  const out = new Int8Array(outShape.h * outShape.w * outShape.c);
  (isMax ? k.maxPoolS8 : k.avgPoolS8)(input, inShape, out, outShape, p);
  return {
    op: isMax ? 8 : 7,
    ints: [...hwc(inShape), ...hwc(outShape), p.kernelH, p.kernelW, p.strideH, p.strideW, p.padTop, p.padLeft, p.actMin, p.actMax],
    arrays: [input],
    expected: out,
    label,
  };
}

export function globalPoolCase(input: Int8Array, shape: k.Hwc, actMin: number, actMax: number, label = 'global_avgpool'): KernelCase {
  const out = new Int8Array(shape.c);
  k.globalAvgPoolS8(input, shape, out, actMin, actMax);
  return { op: 9, ints: [...hwc(shape), actMin, actMax], arrays: [input], expected: out, label };
}

const floatBits = (x: number) => new Int32Array(Float32Array.of(x).buffer)[0];
const meanStepInts = (st: MeanStep | undefined) =>
  st ? [{ nearest: 0, truncate: 1, float: 2 }[st.rounding], st.inputOffset, st.outputOffset, st.multiplier, st.shift, floatBits(st.scale), floatBits(st.bias)] : [0, 0, 0, 1 << 30, 1, 0, 0];

/** mcunas_mean_s8 (op 14): TFLite MEAN arithmetic. */
export function meanCase(input: Int8Array, shape: k.Hwc, mean: MeanParams, actMin: number, actMax: number, label = 'mean'): KernelCase {
  const out = new Int8Array(shape.c);
  k.meanS8(input, shape, out, mean, actMin, actMax);
  const axes = { hw: 0, 'w,h': 1, 'h,w': 2 }[mean.axes];
  return { op: 14, ints: [...hwc(shape), axes, actMin, actMax, ...meanStepInts(mean.steps[0]), ...meanStepInts(mean.steps[1])], arrays: [input], expected: out, label };
}

export function padCase(input: Int8Array, inShape: k.Hwc, outShape: k.Hwc, top: number, left: number, value: number, label = 'pad'): KernelCase {
  const out = new Int8Array(outShape.h * outShape.w * outShape.c);
  k.padS8(input, inShape, out, outShape, top, left, value);
  return { op: 10, ints: [...hwc(inShape), ...hwc(outShape), top, left, value], arrays: [input], expected: out, label };
}

export function lutCase(input: Int8Array, lut: Int8Array, inPlace: boolean, label = 'lut'): KernelCase {
  const out = new Int8Array(input.length);
  k.lutS8(input, out, lut);
  return { op: 11, ints: [input.length, inPlace ? 1 : 0], arrays: [input.slice(), lut], expected: out, label };
}

export function softmaxCase(input: Int8Array, rows: number, rowSize: number, table: Int32Array, label = 'softmax'): KernelCase {
  const out = new Int8Array(rows * rowSize);
  k.softmaxS8(input, out, rows, rowSize, table);
  return { op: 12, ints: [rows, rowSize], arrays: [input, table], expected: out, label };
}

export function concatCase(inputs: readonly Int8Array[], parts: readonly ConcatPart[], outSize: number, label = 'concat'): KernelCase {
  const out = new Int8Array(outSize);
  inputs.forEach((x, i) => k.requantCopyS8(x, out, parts[i]));
  const ints = [outSize, parts.length];
  for (const p of parts) {
    const r = p.requant;
    ints.push(p.outer, p.inner, p.outStride, p.outOffset, r ? 1 : 0, r?.inputOffset ?? 0, r?.outputOffset ?? 0, r?.multiplier ?? 0, r?.shift ?? 0);
  }
  return { op: 13, ints, arrays: [...inputs], expected: out, label };
}

/** Index of the first differing byte, or -1. */
export function firstDiff(a: Int8Array, b: Int8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
