// A pool of worker threads that run named tasks and give their results back in the order they were asked
// for, so a parallel run prints what a serial one prints. One job per core by default (`--jobs N`). Each
// worker is a thread of this process: the gcc and QEMU processes a task starts die with it (setpriv
// --pdeathsig), and a task's temporary folders are the caller's to remove.
//
// The pool knows no task: a caller names one by a TaskKind (its name and, for the type checker, its input
// and output), declared beside the code that does the work. The worker threads' entry, src/cli/pool-worker.ts,
// holds the table from names to that code (the top of the import graph: it may import any stage); this file
// names it only by its path: pool-worker.ts when mcu-nas runs from its TypeScript sources (then the thread
// first registers tsx's loader, as bin/mcu-nas.js does), pool-worker.js when it runs compiled (dist/).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CheckFailure, InputError } from '../errors.ts';

/**
 * A task a worker can run: its name in the worker's table, and (for the type checker only) its input and
 * output. Declared as a constant beside the code that does the work, e.g.
 * `export const EVALUATE_CHUNK: TaskKind<EvaluateChunk, ChunkResult, 'evaluate-chunk'> = { name: 'evaluate-chunk' }`.
 */
export interface TaskKind<I, O, N extends string = string> {
  readonly name: N;
  /** Never set: carries the types. */
  readonly types?: { input: I; output: O };
}

/** The pool's own check: echoes its input doubled with the thread that ran it, after `delayMs` (see worker-loop.ts). */
export const PROBE: TaskKind<{ value: number; delayMs?: number; fail?: 'input' | 'bug' }, { value: number; threadId: number }, 'probe'> = { name: 'probe' };

/** One job per core (what the machine offers this process). */
export function defaultJobs(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

/** The jobs to use: the flag's value, else one per core, never more than there is work for. */
export function jobsFor(requested: number | undefined, work: number): number {
  return Math.max(1, Math.min(requested ?? defaultJobs(), work));
}

/** `parts` consecutive ranges of about equal size covering 0..size-1 (fewer when size is smaller; at least one). */
export function splitRange(size: number, parts: number): { start: number; end: number }[] {
  const count = Math.max(1, Math.min(size, parts));
  return Array.from({ length: count }, (_, i) => ({ start: Math.floor((i * size) / count), end: Math.floor(((i + 1) * size) / count) }));
}

/**
 * Runs `fn` over `items` with at most `jobs` calls in flight and returns the results in item order.
 * When one call fails, no new call starts; the calls in flight finish, then the first failure is thrown.
 */
export async function mapOrdered<T, R>(items: readonly T[], jobs: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  return mapLanes(items, Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, () => fn));
}

/**
 * One lane per function: each lane takes the next item when it is free, so lanes of different kinds (this
 * thread, a worker) share the items. Results in item order; after a failure no lane starts a new item, the
 * calls in flight finish, then the first failure is thrown.
 */
export async function mapLanes<T, R>(items: readonly T[], lanes: readonly ((item: T, index: number) => Promise<R>)[]): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  await Promise.all(
    lanes.map(async (fn) => {
      while (failure === undefined && next < items.length) {
        const i = next++;
        try {
          out[i] = await fn(items[i], i);
        } catch (error) {
          failure ??= { error };
        }
      }
    }),
  );
  if (failure) throw failure.error;
  return out;
}

/** A message from a worker: a task's result or failure, or a progress note of the task running. */
export type WorkerMessage =
  | { id: number; kind: 'done'; value: unknown }
  | { id: number; kind: 'failed'; message: string; exitCode?: number; detail?: Record<string, unknown>; stack?: string }
  | { id: number; kind: 'progress'; value: unknown };

/** A task that failed in a worker with an error that is not a user's (a bug), rebuilt in the caller. */
export class WorkerTaskError extends Error {
  constructor(
    message: string,
    readonly workerStack: string | undefined,
  ) {
    super(message);
    this.name = 'WorkerTaskError';
  }
}

/** tsx's ESM register API (its package's export map, since a test runner may not offer import.meta.resolve). */
function tsxApi(): string {
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('tsx/package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(path.join(path.dirname(pkgFile), pkg.exports['./esm/api'].import.default)).href;
}

/** How a worker thread starts: the entry (cli/pool-worker), through tsx when that entry is TypeScript. */
function startWorker(): Worker {
  const here = fileURLToPath(import.meta.url);
  const ext = here.endsWith('.ts') ? '.ts' : '.js';
  const entry = pathToFileURL(path.resolve(path.dirname(here), '..', 'cli', `pool-worker${ext}`)).href;
  const options = { stdout: false, stderr: false };
  if (ext === '.js') return new Worker(new URL(entry), options);
  // Node 20 does not apply `--import tsx` from a worker's execArgv; the thread registers tsx itself.
  const api = tsxApi();
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { ...options, eval: true });
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  onProgress?: (value: unknown) => void;
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: (() => void)[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) {
      const w = startWorker();
      // A worker holds no reference of its own on the event loop between tasks.
      w.unref();
      w.on('message', (m: WorkerMessage) => this.onMessage(m));
      w.on('error', (e) => this.failAll(e));
      w.on('exit', (code) => {
        if (!this.closed) this.failAll(new Error(`bug: a pool worker exited (code ${code}) with work pending`));
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  private onMessage(m: WorkerMessage): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.kind === 'progress') return p.onProgress?.(m.value);
    this.pending.delete(m.id);
    if (m.kind === 'done') p.resolve(m.value);
    // A user's error keeps its kind (and exit code) across the thread boundary; anything else is a bug.
    else if (m.exitCode === 2) p.reject(new InputError(m.message));
    else if (m.exitCode === 1) p.reject(new CheckFailure(m.message, m.detail ?? {}));
    else p.reject(new WorkerTaskError(m.message, m.stack));
  }

  private failAll(e: unknown): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Runs one task on the next free worker. */
  run<I, O>(task: TaskKind<I, O>, input: I, onProgress?: (value: unknown) => void): Promise<O> {
    if (this.closed) return Promise.reject(new Error('bug: the pool is closed'));
    return new Promise<O>((resolve, reject) => {
      const start = () => {
        const w = this.idle.pop()!;
        const id = this.nextId++;
        w.ref();
        const release = () => {
          w.unref();
          this.idle.push(w);
          this.queue.shift()?.();
        };
        this.pending.set(id, {
          resolve: (v) => {
            release();
            resolve(v as O);
          },
          reject: (e) => {
            release();
            reject(e);
          },
          onProgress,
        });
        w.postMessage({ id, task: task.name, input });
      };
      if (this.idle.length > 0) start();
      else this.queue.push(start);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Runs `fn` with a pool of `jobs` workers, closed afterwards whatever happens. */
export async function withPool<R>(jobs: number, fn: (pool: WorkerPool) => Promise<R>): Promise<R> {
  const pool = new WorkerPool(jobs);
  try {
    return await fn(pool);
  } finally {
    await pool.close();
  }
}
