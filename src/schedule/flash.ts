// Flash: the constants of the int8 network and an estimate of the code.
//
// Constants are exact for the int8 format the code generator emits: int8 weights, one int32 bias per
// output channel, and per-channel requantization as an int32 multiplier plus an int32 shift (what
// cmsis_nn_per_channel_quant_params points at). Per-tensor parameters of add, mul, pooling and
// activations are a handful of immediates in the code.
//
// Code is an ESTIMATE until code generation lands: to be calibrated against linked ELFs (arm-none-eabi-size)
// then. Own kernels: a fixed runtime (vector table, startup, main, semihosting/UART, cycle counter) plus
// one kernel body per distinct op kind and window (shape-specialised C, as TinyEngine generates) plus a
// call site per op. CMSIS-NN: the library as linked (../shared/spec/toolchain.md: about 21 KB on M4 with
// DSP at -O3, 13 KB without DSP) plus the runtime and a call site per op.
import type { KernelBackend } from './inplace.ts';
import type { Step } from './steps.ts';

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
// these shapes, the out-of-line call helpers of templates/model/cmsis-nn/mcunas_cmsis_nn.h, own lut.c and
// the own conv kept for some patch tiles) + about 158 B per op (its parameter struct, shapes and call).
// Patched plans measured up to 0.6 KB more (the tile functions), under 0.1% of their flash. The plain-C
// (no DSP) figure scales toolchain.md's 13 KB by the same ratio (21 -> 28.9 KB): an estimate, not
// measured (no Cortex-M0/M3 board run with CMSIS-NN).
const RUNTIME_BYTES = 3072;
const CALL_SITE_BYTES = 190;
const KERNEL_BODY_BYTES: Record<Step['kind'], number> = {
  conv2d: 1400,
  depthwise: 1100,
  pointwise: 1300,
  fully_connected: 150,
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
  if (s.kind === 'depthwise' || s.kind === 'conv2d' || s.kind === 'avg_pool' || s.kind === 'max_pool')
    return `${s.kind}:${s.kernel[0]}x${s.kernel[1]}/${s.stride[0]}x${s.stride[1]}`;
  return s.kind;
}

export function codeEstimate(steps: readonly Step[], backend: KernelBackend, dsp: boolean): number {
  const calls = steps.filter((s) => s.kind !== 'reshape').length;
  if (backend === 'cmsis-nn') return RUNTIME_BYTES + (dsp ? CMSIS_NN_LIBRARY_BYTES.dsp : CMSIS_NN_LIBRARY_BYTES.plain) + calls * CMSIS_CALL_SITE_BYTES;
  const kinds = new Map<string, number>();
  for (const s of steps) kinds.set(kernelKey(s), KERNEL_BODY_BYTES[s.kind]);
  let bodies = 0;
  for (const b of kinds.values()) bodies += b;
  return RUNTIME_BYTES + bodies + calls * CALL_SITE_BYTES;
}

export function flashBreakdown(steps: readonly Step[], backend: KernelBackend, dsp: boolean, patchTables = 0): FlashBreakdown {
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
  const code = codeEstimate(steps, backend, dsp);
  return { weights, bias, quantParams, code, patchTables, total: weights + bias + quantParams + code + patchTables, codeIsEstimate: true };
}
