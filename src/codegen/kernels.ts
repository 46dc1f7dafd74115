// The kernel backends as file sets: what a generated project copies, compiles and includes, from the
// backend's description (src/backend: which files each op template needs).
//   own:      the project's kernels, firmware/kernels/own/ (copied to kernels/).
//   cmsis-nn: a user's CMSIS-NN checkout (--cmsis-nn DIR or CMSIS_NN_ROOT): its Include/ and the Source/
//             files the model's ops need (copied to cmsis-nn/), the call helpers of
//             firmware/kernels/cmsis_nn/mcunas_cmsis_nn.h, plus the firmware/kernels/own/ files for what
//             CMSIS-NN has no int8 function for (tables, softmax, concat).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.ts';
import { BACKENDS, backendOf, type BackendDescription, type KernelBackend } from '../backend/index.ts';

export const OWN_KERNELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../firmware/kernels/own');

export interface KernelFiles {
  headers: string[];
  /** Relative to the project. */
  sources: string[];
  includeDirs: string[];
  /** Copies into the project: absolute source path -> relative target path. */
  copies: { from: string; to: string }[];
}

/** The own kernel files (names in firmware/kernels/own/) a backend compiles for the given op templates. */
function ownNamesFor(b: BackendDescription, templates: Iterable<string>): string[] {
  const set = new Set<string>(b.alwaysOwnSources);
  for (const t of templates) for (const f of b.ownSources[t] ?? []) set.add(f);
  return [...set].sort();
}

/** The own kernels' sources that the given op templates need (own backend). */
export function ownSourcesFor(templates: Iterable<string>): string[] {
  return ownNamesFor(BACKENDS.own, templates).map((f) => `kernels/${f}`);
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

/** The C helpers between the op templates and CMSIS-NN (copied beside the library). */
const CMSIS_HELPER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../firmware/kernels/cmsis_nn/mcunas_cmsis_nn.h');

const CMSIS = BACKENDS['cmsis-nn'].library!;

/** CMSIS-NN Source/ files (relative to Source/) that the given op templates need. */
export function cmsisSourcesFor(templates: Iterable<string>): string[] {
  const set = new Set<string>();
  for (const t of templates) for (const f of CMSIS.sources[t] ?? []) set.add(f);
  return [...set].sort();
}

function cmsisFiles(root: string, templates: Iterable<string>): KernelFiles {
  const used = [...templates];
  const ownNames = ownNamesFor(backendOf('cmsis-nn'), used);
  const own = fs.readdirSync(OWN_KERNELS_DIR).filter((f) => f.endsWith('.h') || ownNames.includes(f)).sort();
  const copies = own.map((f) => ({ from: path.join(OWN_KERNELS_DIR, f), to: `kernels/${f}` }));
  const sources = ownNames.map((f) => `kernels/${f}`);
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
  const optional = new Set(used.flatMap((t) => CMSIS.mveSources[t] ?? []).filter((f) => !required.includes(f) && fs.existsSync(path.join(root, 'Source', f))));
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
