// Flash: the constants of the int8 network and an estimate of the code.
//
// Constants are exact for the int8 format the code generator emits: int8 weights, one int32 bias per
// output channel, and per-channel requantization as an int32 multiplier plus an int32 shift (what
// cmsis_nn_per_channel_quant_params points at). Per-tensor parameters of add, mul, pooling and
// activations are a handful of immediates in the code.
//
// Code, own kernels on a board of boards/: measured sizes (code-size.json, from tools/bench/code-size.ts):
// the board link's runtime around a stub model (vectors, start-up, console, main: the application and its
// dormant self-test, no test data) + every kernel function the plan's op kinds reach, each counted once
// (gemm, im2col, libgcc's division and soft-float helpers on cores without them) + a call site per op.
// Within 1.5% of the board ELF on the real models and arch configs of tools/bench/fit.ts, as long as the
// table matches the kernels (test/e2e/board-link.test.ts checks its digest). Otherwise (CMSIS-NN, a board
// of the user's) the calibrated estimate below. CMSIS-NN: the library as linked
// (../shared/spec/toolchain.md: about 21 KB on M4 with DSP at -O3, 13 KB without DSP) plus the runtime and
// a call site per op.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelBackend } from '../backend/index.ts';
import type { Step } from './steps.ts';

/** Measured code sizes (tools/bench/code-size.ts writes it; re-run it after changing kernels or runtime). */
// Found through the repository's src/ (../../ from this file in src/ or in the compiled dist/): one file.
export const CODE_SIZE_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/schedule/code-size.json');

export interface CodeSizeTable {
  /** arm-none-eabi-gcc version the sizes were measured with. */
  toolchain: string;
  /** codeSizeSources() when measured: the table is stale when the kernels or the runtime change. */
  sources: string;
  /** Per CPU flag set: each kernel function or table, its bytes and what it references. */
  kernels: Record<string, Record<string, { bytes: number; calls: string[] }>>;
  /** Board name -> its CPU flag set (a key of `kernels`). */
  boardFlags: Record<string, string>;
  /** Board name -> flash of the board link around a stub model: vectors, start-up, console, main, libc. */
  runtime: Record<string, number>;
  /** Board name -> the libgcc members ("libgcc:<member>") the runtime already holds. */
  runtimeHas: Record<string, string[]>;
}

/** What the flash estimate needs to know of a board. */
export interface CodeTarget {
  name: string;
  core: string;
  dsp: boolean;
  fpu?: string;
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A digest of what the measured sizes depend on: the kernels, the runtime and main.c's template. */
export function codeSizeSources(): string {
  const files = [
    ...fs.readdirSync(path.join(REPO, 'firmware/kernels/own')).filter((f) => /\.(c|h)$/.test(f)).sort().map((f) => `firmware/kernels/own/${f}`),
    ...fs.readdirSync(path.join(REPO, 'firmware')).filter((f) => /\.(c|h)$/.test(f)).sort().map((f) => `firmware/${f}`),
    'templates/main.c.hbs',
  ];
  const h = createHash('sha256');
  for (const f of files) h.update(f).update('\0').update(fs.readFileSync(path.join(REPO, f))).update('\0');
  return h.digest('hex').slice(0, 16);
}

let sizes: CodeSizeTable | null | undefined;
function codeSizes(): CodeSizeTable | null {
  if (sizes === undefined) sizes = fs.existsSync(CODE_SIZE_FILE) ? (JSON.parse(fs.readFileSync(CODE_SIZE_FILE, 'utf8')) as CodeSizeTable) : null;
  return sizes;
}

export interface FlashBreakdown {
  weights: number;
  bias: number;
  quantParams: number;
  code: number;
  /** Patch loop geometry tables (patch-plan.ts), 0 without a patch plan. */
  patchTables: number;
  total: number;
  /** True while `code` is an estimate (no linked ELF to measure yet). */
  codeIsEstimate: boolean;
}

// Estimated bytes (Thumb-2, -O3) of each kernel body, and of the fixed runtime. Own backend calibrated
// against linked ELFs (GCC 12.2, Cortex-M7, -O3) of 8 seeded subnets, 83 to 127 ops, patched and not:
// flash beyond the constants measured 28.9 to 37.4 KB, about 13.1 KB + 190 B per op (the op's code in
// mcunas_model_run, its parameter struct, the hard-sigmoid tables of SE blocks). CMSIS-NN (v7.0.0-43,
// --kernels cmsis-nn): measured on linked ELFs of 6 seeded subnets, 67 to 99 ops, Cortex-M4 (M7 within
// 300 B), -O3: code 42.1 to 47.4 KB = runtime + 28.9 KB (the CMSIS-NN functions the wrappers reach for
// these shapes, the out-of-line call helpers of firmware/kernels/cmsis_nn/mcunas_cmsis_nn.h, own lut.c and
// the own conv kept for some patch tiles) + about 158 B per op (its parameter struct, shapes and call).
// Patched plans measured up to 0.6 KB more (the tile functions), under 0.1% of their flash. The plain-C
// (no DSP) figure scales toolchain.md's 13 KB by the same ratio (21 -> 28.9 KB): an estimate, not
// measured (no Cortex-M0/M3 board run with CMSIS-NN).
const RUNTIME_BYTES = 3072;
const CALL_SITE_BYTES = 190;
// The own conv, depthwise and pointwise kernels are one function each for every shape (their fast paths
// inside, firmware/kernels/own/ as of the GEMM/column-walk rewrite: 3.8, 10.6 and 6.6 KB at -O3 on Cortex-M7,
// measured on the object files), and fully connected is the pointwise kernel's code: one body per kind.
const KERNEL_BODY_BYTES: Record<Step['kind'], number> = {
  conv2d: 3800,
  depthwise: 10600,
  pointwise: 6600,
  fully_connected: 6600,
  add: 600,
  mul: 330,
  global_avg_pool: 220,
  avg_pool: 400,
  max_pool: 300,
  pad: 200,
  reshape: 0,
  activation: 160,
  softmax: 600,
  concat: 200,
};
const CMSIS_NN_LIBRARY_BYTES = { dsp: 28900, plain: 17900 };
const CMSIS_CALL_SITE_BYTES = 158;

/** A key per distinct specialised kernel the own backend would emit. */
function kernelKey(s: Step): string {
  if (s.kind === 'fully_connected') return 'pointwise';
  if (s.kind === 'avg_pool' || s.kind === 'max_pool')
    return `${s.kind}:${s.kernel[0]}x${s.kernel[1]}/${s.stride[0]}x${s.stride[1]}`;
  return s.kind;
}

// The own kernel function each step kind calls (templates/model/own/*.hbs); the table knows what each
// function pulls in (gemm, im2col, ...), and a helper two ops share is counted once.
const KERNEL_FUNCTION: Record<Step['kind'], string | null> = {
  conv2d: 'mcunas_conv_s8',
  depthwise: 'mcunas_depthwise_s8',
  pointwise: 'mcunas_pointwise_s8',
  fully_connected: 'mcunas_fully_connected_s8',
  add: 'mcunas_add_s8',
  mul: 'mcunas_mul_s8',
  global_avg_pool: 'mcunas_global_avgpool_s8',
  avg_pool: 'mcunas_avgpool_s8',
  max_pool: 'mcunas_maxpool_s8',
  pad: 'mcunas_pad_s8',
  reshape: null,
  activation: 'mcunas_lut_s8',
  softmax: 'mcunas_softmax_s8',
  concat: 'mcunas_requant_copy_s8',
};
// Per op beyond its kernel: the op's code in mcunas_model_run (op functions are inlined there), its
// parameter struct and shapes in .rodata. Fitted on board ELFs of the real models and arch configs
// (tools/bench/fit.ts).
const MEASURED_CALL_SITE_BYTES = 190;

/** The flag set of a board in the table: its own, else a measured board with the same core, FPU and DSP. */
function flagsOf(t: CodeSizeTable, target: CodeTarget): string | undefined {
  return t.boardFlags[target.name];
}

/** Code bytes from measured sizes, or undefined when the table does not know the board. */
function measuredCode(steps: readonly Step[], target: CodeTarget): number | undefined {
  const t = codeSizes();
  if (!t) return undefined;
  const key = flagsOf(t, target);
  const runtime = t.runtime[target.name];
  if (key === undefined || runtime === undefined) return undefined;
  const fns = t.kernels[key];
  const seen = new Set<string>(t.runtimeHas[target.name] ?? []);
  const inRuntime = seen.size;
  const visit = (name: string) => {
    if (seen.has(name) || !fns[name]) return;
    seen.add(name);
    for (const c of fns[name].calls) visit(c);
  };
  for (const s of steps) {
    const f = KERNEL_FUNCTION[s.kind];
    if (f) visit(f);
  }
  let kernels = 0;
  // Functions are placed at 4-byte boundaries at most.
  for (const n of [...seen].slice(inRuntime)) kernels += (fns[n].bytes + 3) & ~3;
  return runtime + kernels + steps.filter((s) => s.kind !== 'reshape').length * MEASURED_CALL_SITE_BYTES;
}

export function codeEstimate(steps: readonly Step[], backend: KernelBackend, dsp: boolean, target?: CodeTarget): number {
  if (backend === 'own' && target) {
    const measured = measuredCode(steps, target);
    if (measured !== undefined) return measured;
  }
  const calls = steps.filter((s) => s.kind !== 'reshape').length;
  if (backend === 'cmsis-nn') return RUNTIME_BYTES + (dsp ? CMSIS_NN_LIBRARY_BYTES.dsp : CMSIS_NN_LIBRARY_BYTES.plain) + calls * CMSIS_CALL_SITE_BYTES;
  const kinds = new Map<string, number>();
  for (const s of steps) kinds.set(kernelKey(s), KERNEL_BODY_BYTES[s.kind]);
  let bodies = 0;
  for (const b of kinds.values()) bodies += b;
  return RUNTIME_BYTES + bodies + calls * CALL_SITE_BYTES;
}

export function flashBreakdown(steps: readonly Step[], backend: KernelBackend, dsp: boolean, patchTables = 0, target?: CodeTarget): FlashBreakdown {
  let weights = 0;
  let biases = 0;
  let channels = 0;
  for (const s of steps) {
    weights += s.weights;
    biases += s.biases;
    channels += s.quantChannels;
  }
  const bias = biases * 4;
  const quantParams = channels * 8;
  const code = codeEstimate(steps, backend, dsp, target);
  return { weights, bias, quantParams, code, patchTables, total: weights + bias + quantParams + code + patchTables, codeIsEstimate: true };
}
