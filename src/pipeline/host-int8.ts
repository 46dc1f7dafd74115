// evaluate's second int8 engine: the generated C built for this machine with its own gcc (-O2), run on a
// whole batch of int8 inputs (codegen/host-batch.ts writes the program: stdin inputs in, stdout outputs
// out). The design's rule is that this C, the firmware's and the TypeScript int8 interpreter agree bit for
// bit; evaluate checks that on a sample before it trusts the batch. A build is kept per content: the
// folder os.tmpdir()/mcunas-host-int8 (MCUNAS_HOST_CACHE) holds one executable per hash of the compiler, its flags and every
// file of the program, so evaluating the same model again builds nothing. The cache keeps the
// HOST_CACHE_KEEP most recently used builds; older ones of its own naming are removed, nothing else.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { Board } from '../board/schema.ts';
import { hostBatchProgram } from '../codegen/host-batch.ts';
import { dieWithParent } from '../emu/die-with-parent.ts';
import { findExecutable } from '../emu/toolchain.ts';
import { makeTempDir, removeTracked } from '../io/cleanup.ts';
import type { QuantGraph } from '../quant/index.ts';
import { mapOrdered, splitRange } from '../pool/pool.ts';
import { planFor } from './prepare.ts';

export const HOST_FLAGS = ['-std=c99', '-O2'] as const;
const BINARY = 'model-host-batch';
/** How many builds the cache keeps (each is one model's program, about 0.1-2 MB). */
export const HOST_CACHE_KEEP = 16;
const CACHED_NAME = new RegExp(`^${BINARY}-[0-9a-f]{24}$`);

/** The host compiler refused the generated C (evaluate's auto engine then falls back to the interpreter, saying why). */
export class HostBuildError extends Error {
  override name = 'HostBuildError';
}

/** The host's C compiler: MCUNAS_HOST_CC, else gcc on PATH; undefined when there is none. */
export function hostCompiler(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findExecutable(env.MCUNAS_HOST_CC || 'gcc', env);
}

export interface HostInt8 {
  /** The executable: int8 inputs on stdin, int8 outputs on stdout. */
  binary: string;
  inputBytes: number;
  outputBytes: number;
  /** True when an earlier build of the same program was reused. */
  cached: boolean;
  /** gcc's wall time (0 when cached). */
  buildSeconds: number;
}

/** Where builds are kept: MCUNAS_HOST_CACHE, else os.tmpdir()/mcunas-host-int8. */
export function hostCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MCUNAS_HOST_CACHE || path.join(os.tmpdir(), 'mcunas-host-int8');
}

/**
 * Builds (or finds built) the host program of `q`. The arena plan is the layer-by-layer one for `board`
 * with the project's own kernels; on the host the arena blocks are plain static arrays, so any board's
 * plan computes the same bytes.
 */
export async function buildHostInt8(q: QuantGraph, board: Board, cc: string): Promise<HostInt8> {
  const program = hostBatchProgram(q, planFor(q, board, 'off', 'own'));
  const flags = [...HOST_FLAGS, ...program.includeDirs.map((d) => `-I${d}`)];
  const hash = createHash('sha256').update(JSON.stringify([cc, flags, program.sources]));
  const entries = [...program.files.map((f) => ({ name: f.name, bytes: Buffer.from(f.text) })), ...program.copies.map((c) => ({ name: c.to, bytes: fs.readFileSync(c.from) }))].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const e of entries) hash.update(`\0${e.name}\0${e.bytes.length}\0`).update(e.bytes);
  const key = hash.digest('hex').slice(0, 24);
  const cacheDir = hostCacheDir();
  const binary = path.join(cacheDir, `${BINARY}-${key}`);
  const done = { binary, inputBytes: program.inputBytes, outputBytes: program.outputBytes };
  if (isExecutable(binary)) {
    touch(binary); // most recently used: the last to be pruned
    return { ...done, cached: true, buildSeconds: 0 };
  }

  const started = performance.now();
  const dir = makeTempDir('mcunas-host-int8-');
  try {
    for (const e of entries) {
      fs.mkdirSync(path.dirname(path.join(dir, e.name)), { recursive: true });
      fs.writeFileSync(path.join(dir, e.name), e.bytes);
    }
    const r = await execa(cc, [...flags, ...program.sources, '-o', BINARY], { cwd: dir, reject: false, all: true });
    if (r.exitCode !== 0) throw new HostBuildError(`the generated C does not build with ${cc} ${flags.join(' ')} (a bug, or a compiler that is not gcc-compatible):\n${r.all}`);
    // Into the cache under a name of this process, then renamed: a reader sees a whole executable or none.
    fs.mkdirSync(cacheDir, { recursive: true });
    const partial = `${binary}.${process.pid}.partial`;
    fs.copyFileSync(path.join(dir, BINARY), partial);
    fs.chmodSync(partial, 0o755);
    fs.renameSync(partial, binary);
  } finally {
    removeTracked(dir);
  }
  pruneHostCache(cacheDir, HOST_CACHE_KEEP);
  return { ...done, cached: false, buildSeconds: (performance.now() - started) / 1000 };
}

/**
 * Removes all but the `keep` most recently used builds from `dir`. Only files named as this module names
 * its builds are candidates (the folder may be a user's MCUNAS_HOST_CACHE holding other files); a build
 * another process is running stays usable by it (unlinking an open executable is safe on POSIX), and a
 * file that vanished meanwhile is no error. Returns the names removed.
 */
export function pruneHostCache(dir: string, keep: number): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => CACHED_NAME.test(n));
  } catch {
    return [];
  }
  const aged = names
    .map((name) => {
      try {
        const st = fs.lstatSync(path.join(dir, name));
        return st.isFile() ? { name, mtime: st.mtimeMs } : undefined;
      } catch {
        return undefined;
      }
    })
    .filter((e): e is { name: string; mtime: number } => e !== undefined)
    .sort((a, b) => b.mtime - a.mtime || (a.name < b.name ? -1 : 1));
  const removed: string[] = [];
  for (const e of aged.slice(keep)) {
    try {
      fs.unlinkSync(path.join(dir, e.name));
      removed.push(e.name);
    } catch {
      // gone already (another evaluate pruned it)
    }
  }
  return removed;
}

function touch(file: string): void {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    // a read-only cache still serves its builds
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Runs the program on `inputs` (count x inputBytes int8, back to back) and returns the outputs (count x
 * outputBytes), split over `jobs` processes run at once, each streaming its share from a file to a file.
 */
export async function runHostInt8(h: HostInt8, inputs: Int8Array, jobs: number): Promise<Int8Array> {
  if (inputs.length % h.inputBytes !== 0) throw new Error(`bug: ${inputs.length} input bytes are not whole inputs of ${h.inputBytes}`);
  const count = inputs.length / h.inputBytes;
  const ranges = splitRange(count, jobs);
  const dir = makeTempDir('mcunas-host-run-');
  try {
    const outs = await mapOrdered(ranges, ranges.length, async (r, i) => {
      const inFile = path.join(dir, `in-${i}.bin`);
      const outFile = path.join(dir, `out-${i}.bin`);
      fs.writeFileSync(inFile, inputs.subarray(r.start * h.inputBytes, r.end * h.inputBytes));
      const p = await execa(...dieWithParent(h.binary, []), { inputFile: inFile, stdout: { file: outFile }, reject: false, stderr: 'pipe' });
      if (p.exitCode !== 0) throw new Error(`bug: ${h.binary} failed (exit ${p.exitCode}) on inputs ${r.start}..${r.end - 1}: ${p.stderr}`);
      const out = fs.readFileSync(outFile);
      if (out.length !== (r.end - r.start) * h.outputBytes) throw new Error(`bug: ${h.binary} wrote ${out.length} bytes for ${r.end - r.start} inputs of ${h.outputBytes} output bytes`);
      return out;
    });
    const all = Buffer.concat(outs);
    return new Int8Array(all.buffer, all.byteOffset, all.length);
  } finally {
    removeTracked(dir);
  }
}
