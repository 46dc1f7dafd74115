// The kernel backends as file sets: what a generated project copies, compiles and includes. Choosing a
// backend is choosing a folder (templates/model/<backend>/ for the calls, this for the library).
//   own:      the project's kernels, firmware/kernels/ (copied to kernels/).
//   cmsis-nn: a user's CMSIS-NN checkout (--cmsis-nn DIR or CMSIS_NN_ROOT): its Include/ and the Source/
//             files the model's ops need (copied to cmsis-nn/), the call helpers of
//             templates/model/cmsis-nn/mcunas_cmsis_nn.h, plus the firmware/kernels/ files for what
//             CMSIS-NN has no int8 function for (tables, softmax, concat; see CMSIS_OWN_SOURCES).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.ts';
import type { KernelBackend } from '../schedule/index.ts';

export const OWN_KERNELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../firmware/kernels');

export interface KernelFiles {
  headers: string[];
  /** Relative to the project. */
  sources: string[];
  includeDirs: string[];
  /** Copies into the project: absolute source path -> relative target path. */
  copies: { from: string; to: string }[];
}

/** The own kernel file(s) each op template calls (only these are compiled: builds stay quick). */
const OWN_SOURCES: Record<string, string[]> = {
  conv: ['conv.c'],
  pointwise: ['pointwise.c'],
  depthwise: ['depthwise.c'],
  fully_connected: ['pointwise.c'],
  add: ['add.c'],
  mul: ['mul.c'],
  pool: ['pool.c'],
  global_avg_pool: ['pool.c'],
  lut: ['lut.c'],
  pad: ['pad.c'],
  softmax: ['softmax.c'],
  concat: ['concat.c'],
  reshape: [],
};

/** The own kernels' sources that the given op templates need. */
export function ownSourcesFor(templates: Iterable<string>): string[] {
  const set = new Set<string>();
  for (const t of templates) for (const f of OWN_SOURCES[t] ?? []) set.add(f);
  return [...set].sort().map((f) => `kernels/${f}`);
}

function ownFiles(templates: Iterable<string>): KernelFiles {
  const files = fs.readdirSync(OWN_KERNELS_DIR).filter((f) => /\.(c|h)$/.test(f)).sort();
  const sources = ownSourcesFor(templates);
  return {
    headers: ['mcunas_kernels.h'],
    sources,
    includeDirs: ['kernels'],
    copies: files.filter((f) => f.endsWith('.h') || sources.includes(`kernels/${f}`)).map((f) => ({ from: path.join(OWN_KERNELS_DIR, f), to: `kernels/${f}` })),
  };
}

/** The CMSIS-NN checkout to use: the flag, else CMSIS_NN_ROOT; an InputError if neither names one. */
export function cmsisNnRoot(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const root = flag ?? env.CMSIS_NN_ROOT;
  if (!root) throw new InputError('--kernels cmsis-nn needs a CMSIS-NN checkout: give --cmsis-nn DIR or set CMSIS_NN_ROOT (github.com/ARM-software/CMSIS-NN)');
  if (!fs.existsSync(path.join(root, 'Include', 'arm_nnfunctions.h')))
    throw new InputError(`${root}: not a CMSIS-NN checkout (no Include/arm_nnfunctions.h)`);
  return path.resolve(root);
}

/**
 * CMSIS-NN's Source/ files each cmsis-nn op template reaches (the s8 entry point, the variants its wrapper
 * dispatches to by shape, and their NNSupportFunctions), as found by linking calls to every entry point
 * against all int8 files of the checkout. Only these are compiled; the linker (--gc-sections) drops what
 * a model's shapes never reach.
 */
const CMSIS_SOURCES: Record<string, string[]> = {
  conv: [
    'ConvolutionFunctions/arm_convolve_wrapper_s8.c',
    'ConvolutionFunctions/arm_convolve_s8.c',
    'ConvolutionFunctions/arm_convolve_1x1_s8.c',
    'ConvolutionFunctions/arm_convolve_1x1_s8_fast.c',
    'ConvolutionFunctions/arm_convolve_1_x_n_s8.c',
    'ConvolutionFunctions/arm_convolve_get_buffer_sizes_s8.c',
    'ConvolutionFunctions/arm_nn_mat_mult_kernel_s8_s16.c',
    'ConvolutionFunctions/arm_nn_mat_mult_kernel_row_offset_s8_s16.c',
    'NNSupportFunctions/arm_nn_mat_mult_nt_t_s8.c',
    'NNSupportFunctions/arm_s8_to_s16_unordered_with_offset.c',
    'NNSupportFunctions/arm_q7_to_q15_with_offset.c',
  ],
  pointwise: ['ConvolutionFunctions/arm_convolve_1x1_s8_fast.c', 'ConvolutionFunctions/arm_convolve_1x1_s8.c', 'NNSupportFunctions/arm_nn_mat_mult_nt_t_s8.c'],
  depthwise: [
    'ConvolutionFunctions/arm_depthwise_conv_wrapper_s8.c',
    'ConvolutionFunctions/arm_depthwise_conv_3x3_s8.c',
    'ConvolutionFunctions/arm_depthwise_conv_s8_opt.c',
    'ConvolutionFunctions/arm_depthwise_conv_s8.c',
    'ConvolutionFunctions/arm_depthwise_conv_get_buffer_sizes_s8.c',
    'NNSupportFunctions/arm_q7_to_q15_with_offset.c',
  ],
  fully_connected: [
    'FullyConnectedFunctions/arm_fully_connected_s8.c',
    'FullyConnectedFunctions/arm_fully_connected_per_channel_s8.c',
    'NNSupportFunctions/arm_nn_vec_mat_mult_t_s8.c',
    'NNSupportFunctions/arm_nn_vec_mat_mult_t_per_ch_s8.c',
  ],
  add: ['BasicMathFunctions/arm_elementwise_add_s8.c'],
  mul: ['BasicMathFunctions/arm_elementwise_mul_s8.c'],
  pool: ['PoolingFunctions/arm_avgpool_s8.c', 'PoolingFunctions/arm_avgpool_get_buffer_sizes_s8.c', 'PoolingFunctions/arm_max_pool_s8.c'],
  global_avg_pool: ['PoolingFunctions/arm_avgpool_s8.c', 'PoolingFunctions/arm_avgpool_get_buffer_sizes_s8.c'],
  pad: ['PadFunctions/arm_pad_s8.c'],
};

/**
 * Files that only a build with MVE (Cortex-M55) reaches: the depthwise wrapper's Helium paths (its
 * conversion of some depthwise layers to a conv, the nt_t depthwise product), the fully connected layer's
 * kernel sums and buffer size. Compiled when the checkout
 * has them (older checkouts have no TransposeFunctions); --gc-sections drops them on cores without MVE.
 */
const CMSIS_MVE_SOURCES: Record<string, string[]> = {
  depthwise: [...CMSIS_SOURCES.conv, 'NNSupportFunctions/arm_nn_depthwise_conv_nt_t_s8.c', 'TransposeFunctions/arm_transpose_s8.c'],
  // The kernel sums the Helium fully connected reads from its buffer (templates/model/cmsis-nn/fully_connected.hbs).
  fully_connected: ['FullyConnectedFunctions/arm_vector_sum_s8.c', 'FullyConnectedFunctions/arm_fully_connected_get_buffer_sizes_s8.c'],
};

/**
 * Own kernels the cmsis-nn templates still call: tables (standalone activations and the hard-sigmoid
 * fused into a conv, add or mul), softmax, concat, TFLite MEAN (imported models' global pooling), and the
 * dense conv for patch-stage tiles that arm_convolve_s8 cannot take (templates/model/cmsis-nn/
 * mcunas_cmsis_nn.h says which).
 */
const CMSIS_OWN_SOURCES: Record<string, string[]> = {
  conv: ['conv.c'],
  global_avg_pool: ['pool.c'],
  lut: ['lut.c'],
  softmax: ['softmax.c'],
  concat: ['concat.c'],
};

/** The C helpers between the op templates and CMSIS-NN (copied beside the library). */
const CMSIS_HELPER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates/model/cmsis-nn/mcunas_cmsis_nn.h');

/** CMSIS-NN Source/ files (relative to Source/) that the given op templates need. */
export function cmsisSourcesFor(templates: Iterable<string>): string[] {
  const set = new Set<string>();
  for (const t of templates) for (const f of CMSIS_SOURCES[t] ?? []) set.add(f);
  return [...set].sort();
}

function cmsisFiles(root: string, templates: Iterable<string>): KernelFiles {
  const used = [...templates];
  const ownNames = new Set(['lut.c']);
  for (const t of used) for (const f of CMSIS_OWN_SOURCES[t] ?? []) ownNames.add(f);
  const own = fs.readdirSync(OWN_KERNELS_DIR).filter((f) => f.endsWith('.h') || ownNames.has(f)).sort();
  const copies = own.map((f) => ({ from: path.join(OWN_KERNELS_DIR, f), to: `kernels/${f}` }));
  const sources = [...ownNames].sort().map((f) => `kernels/${f}`);
  copies.push({ from: CMSIS_HELPER, to: 'cmsis-nn/mcunas_cmsis_nn.h' });
  const walk = (dir: string, rel: string) => {
    for (const f of fs.readdirSync(dir, { withFileTypes: true })) {
      const from = path.join(dir, f.name);
      const to = `${rel}/${f.name}`;
      if (f.isDirectory()) walk(from, to);
      else if (f.name.endsWith('.h')) copies.push({ from, to });
    }
  };
  walk(path.join(root, 'Include'), 'cmsis-nn/Include');
  const required = cmsisSourcesFor(used);
  const optional = new Set(used.flatMap((t) => CMSIS_MVE_SOURCES[t] ?? []).filter((f) => !required.includes(f) && fs.existsSync(path.join(root, 'Source', f))));
  for (const rel of [...required, ...[...optional].sort()]) {
    const from = path.join(root, 'Source', rel);
    if (!fs.existsSync(from)) throw new InputError(`${root}: CMSIS-NN checkout without Source/${rel} (a version from 2024 or later is needed)`);
    copies.push({ from, to: `cmsis-nn/Source/${rel}` });
    sources.push(`cmsis-nn/Source/${rel}`);
  }
  return {
    headers: ['mcunas_kernels.h', 'mcunas_cmsis_nn.h'],
    sources,
    includeDirs: ['kernels', 'cmsis-nn', 'cmsis-nn/Include'],
    copies,
  };
}

/** The files of a backend for a model whose ops use the given templates (op-values.ts names). */
export function kernelFiles(backend: KernelBackend, templates: Iterable<string>, cmsisRoot?: string): KernelFiles {
  if (backend === 'own') return ownFiles(templates);
  if (!cmsisRoot) throw new Error('bug: cmsis-nn kernels without a checkout');
  return cmsisFiles(cmsisRoot, templates);
}
