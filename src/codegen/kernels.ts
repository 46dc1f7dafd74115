// The kernel backends as file sets: what a generated project copies, compiles and includes. Choosing a
// backend is choosing a folder (templates/model/<backend>/ for the calls, this for the library).
//   own:      the project's kernels, firmware/kernels/ (copied to kernels/).
//   cmsis-nn: a user's CMSIS-NN checkout (--cmsis-nn DIR or CMSIS_NN_ROOT): its Include/ and the Source/
//             files the model's ops need (copied to cmsis-nn/), plus firmware/kernels/ for the ops
//             CMSIS-NN has no int8 function for (tables, broadcast multiply: see templates/model/cmsis-nn).
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
  fully_connected: ['fc.c', 'pointwise.c'],
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
 * CMSIS-NN's int8 Source/ files: every .c under the folders the generated calls reach, so the linker
 * (--gc-sections) keeps what is used. Folders, not single files, because the wrappers dispatch to
 * variants by shape.
 */
const CMSIS_FOLDERS = ['ConvolutionFunctions', 'FullyConnectedFunctions', 'BasicMathFunctions', 'PoolingFunctions', 'NNSupportFunctions'];

function cmsisFiles(root: string, templates: Iterable<string>): KernelFiles {
  const own = ownFiles(templates);
  const copies = [...own.copies];
  const sources = [...own.sources];
  const include = path.join(root, 'Include');
  const walk = (dir: string, rel: string) => {
    for (const f of fs.readdirSync(dir, { withFileTypes: true })) {
      const from = path.join(dir, f.name);
      const to = `${rel}/${f.name}`;
      if (f.isDirectory()) walk(from, to);
      else if (f.name.endsWith('.h')) copies.push({ from, to });
    }
  };
  walk(include, 'cmsis-nn/Include');
  for (const folder of CMSIS_FOLDERS) {
    const dir = path.join(root, 'Source', folder);
    if (!fs.existsSync(dir)) throw new InputError(`${root}: CMSIS-NN checkout without Source/${folder}`);
    for (const f of fs.readdirSync(dir).sort()) {
      // int8 (s8) kernels and the shared helpers (nn_*); float, int16 and int4 variants are not needed.
      if (!f.endsWith('.c') || /_(f16|f32|s16|s4)(_|\.)|_s4_|q15|q7|_s16_/.test(f)) continue;
      copies.push({ from: path.join(dir, f), to: `cmsis-nn/Source/${folder}/${f}` });
      sources.push(`cmsis-nn/Source/${folder}/${f}`);
    }
  }
  for (const h of fs.readdirSync(path.join(root, 'Source', 'NNSupportFunctions')).filter((f) => f.endsWith('.h')))
    copies.push({ from: path.join(root, 'Source', 'NNSupportFunctions', h), to: `cmsis-nn/Source/NNSupportFunctions/${h}` });
  return {
    headers: ['mcunas_kernels.h', 'arm_nnfunctions.h'],
    sources,
    includeDirs: ['kernels', 'cmsis-nn/Include'],
    copies,
  };
}

/** The files of a backend for a model whose ops use the given templates (op-values.ts names). */
export function kernelFiles(backend: KernelBackend, templates: Iterable<string>, cmsisRoot?: string): KernelFiles {
  if (backend === 'own') return ownFiles(templates);
  if (!cmsisRoot) throw new Error('bug: cmsis-nn kernels without a checkout');
  return cmsisFiles(cmsisRoot, templates);
}
