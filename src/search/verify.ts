// Verifying a search's best candidates on the emulator: compile and run the K best distinct configs
// (by predicted accuracy), drop those that fail to build, do not fit the board or do not match the
// golden model, drop those slower than a latency budget, and report what was measured for each. The
// search's predictions pick the candidates; the firmware's measurements decide which survive.
import { makeTempDir, removeTracked } from '../io/cleanup.ts';
import { addToOutputFolder } from '../io/output-folder.ts';
import type { Graph } from '../ir/index.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { Board } from '../board/schema.ts';
import { archSource } from '../pipeline/model-source.ts';
import { compileModel } from '../pipeline/compile.ts';
import { prepare } from '../pipeline/prepare.ts';
import { runCompiled } from '../pipeline/run.ts';
import type { KernelBackend, PatchRequest } from '../schedule/index.ts';
import { archKey, cloneArch, type ArchConfig } from '../space/config.ts';
import type { Candidate } from './candidate.ts';
import type { SupernetRequest } from '../pipeline/supernet-weights.ts';
import { jobsFor, mapOrdered, withPool, type TaskKind } from '../pool/pool.ts';
import { shardPlaces, type Shard } from './shard-places.ts';

export interface VerifyOptions {
  board: Board;
  /** How many distinct candidates to compile and run. */
  top: number;
  maxLatencyMs?: number;
  patch?: PatchRequest;
  kernels?: KernelBackend;
  cmsisRoot?: string;
  seed?: number;
  /** Keep each compiled folder under this directory (default: a temporary one, removed). */
  outDir?: string;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  /** Candidates verified so far of this run's total: called with 0 at the start, then after each one. */
  onProgress?: (done: number, total: number) => void;
  /** Trained weights for an arch (the super network's subnet) instead of seeded ones. */
  trained?: (arch: ArchConfig) => { graph: Graph; notes: string[] };
  /** The request that made `trained`: how a worker thread makes the same weights. */
  supernet?: SupernetRequest;
  /** Worker threads (default: one per core); 1 verifies in this thread, one candidate after another. */
  jobs?: number;
  /** Verify only this shard's share of the top K (1-based index of count). */
  shard?: Shard;
}

export interface VerifiedCandidate {
  arch: ArchConfig;
  predictedAccuracy: number;
  /** Survived every check. */
  ok: boolean;
  /** Why it was dropped, or null. */
  dropped: string | null;
  instructions: number | null;
  instructionsPerMac: number | null;
  latencyMs: number | null;
  latencyDerivation: string | null;
  sramUsedBytes: number | null;
  flashUsedBytes: number | null;
  predictedSramBytes: number | null;
  predictedFlashBytes: number | null;
  patch: { n: number; splitLayer: string } | null;
  dir: string | null;
}

/** The best `k` distinct candidates by predicted accuracy (ties keep evaluation order). */
export function topDistinct(evaluated: readonly Candidate[], k: number): Candidate[] {
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const c of [...evaluated].sort((a, b) => b.accuracy - a.accuracy)) {
    const key = archKey(c.arch);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
    if (out.length === k) break;
  }
  return out;
}

/** What a worker needs to verify one candidate: the options without functions (trained weights as a request). */
export interface VerifyJob {
  arch: ArchConfig;
  accuracy: number;
  /** The candidate's place in the top K (its folder is candidate-k). */
  k: number;
  board: Board;
  root: string;
  kept: boolean;
  maxLatencyMs?: number;
  patch?: PatchRequest;
  kernels?: KernelBackend;
  cmsisRoot?: string;
  seed?: number;
}

/** Compiles and runs one candidate in its folder root/candidate-k: the measured figures, or why it was dropped. */
/** One candidate verified on a pool worker (src/cli/pool-worker.ts runs verifyOne for it). */
export const VERIFY_CANDIDATE: TaskKind<{ job: VerifyJob; supernet?: SupernetRequest }, VerifiedCandidate, 'verify-candidate'> = { name: 'verify-candidate' };

export async function verifyOne(job: VerifyJob, trained?: VerifyOptions['trained']): Promise<VerifiedCandidate> {
  const { k } = job;
  const r: VerifiedCandidate = {
    arch: cloneArch(job.arch),
    predictedAccuracy: Math.round(job.accuracy * 1e8) / 1e6,
    ok: false,
    dropped: null,
    instructions: null,
    instructionsPerMac: null,
    latencyMs: null,
    latencyDerivation: null,
    sramUsedBytes: null,
    flashUsedBytes: null,
    predictedSramBytes: null,
    predictedFlashBytes: null,
    patch: null,
    dir: job.kept ? path.join(job.root, `candidate-${k}`) : null,
  };
  try {
    const source = archSource(job.arch, { seed: job.seed ?? 0, calibrationSamples: 4, testSets: 1, trained: trained?.(job.arch) });
    const prepared = prepare(source, job.board, { patch: job.patch ?? 'auto', backend: job.kernels ?? 'own' });
    r.predictedSramBytes = prepared.plan.sram.total;
    r.predictedFlashBytes = prepared.plan.flash.total;
    r.patch = prepared.plan.patch ? { n: prepared.plan.patch.n, splitLayer: prepared.plan.patch.splitLayer } : null;
    if (!prepared.plan.fits) {
      r.dropped = `does not fit ${job.board.name} (planned SRAM ${prepared.plan.sram.total} B, flash ${prepared.plan.flash.total} B)`;
      return r;
    }
    const dir = path.join(job.root, `candidate-${k}`);
    const compiled = await compileModel(prepared, job.board, { out: dir, build: true, cmsisRoot: job.cmsisRoot });
    if (compiled.linkFailure) {
      r.dropped = compiled.linkFailure.message;
      return r;
    }
    const { report } = await runCompiled(dir);
    Object.assign(r, {
      instructions: report.instructions,
      instructionsPerMac: report.instructionsPerMac,
      latencyMs: report.latencyMs,
      latencyDerivation: report.latency.derivation,
      sramUsedBytes: report.sramUsedBytes,
      flashUsedBytes: report.flashUsedBytes,
    });
    if (!report.ok) r.dropped = `firmware ${report.outcome}${report.outputsMatch ? '' : ', output differs from the golden model'}`;
    else if (job.maxLatencyMs !== undefined && report.latencyMs === null) r.dropped = `no latency to check --max-latency-ms against: ${report.latency.derivation}`;
    else if (job.maxLatencyMs !== undefined && report.latencyMs !== null && report.latencyMs > job.maxLatencyMs)
      r.dropped = `latency ${report.latencyMs.toFixed(2)} ms over --max-latency-ms ${job.maxLatencyMs}`;
    else r.ok = true;
  } catch (e) {
    r.dropped = `failed: ${(e as Error).message.split('\n')[0]}`;
  }
  return r;
}

/**
 * Verifies the top K (or, with `shard`, its share of them) and returns one result per verified place, in
 * place order: with `jobs` > 1 the candidates are compiled and run in parallel by worker threads, and the
 * results are the serial run's (each candidate's work depends on nothing but the candidate).
 */
export async function verifyCandidates(evaluated: readonly Candidate[], opts: VerifyOptions): Promise<VerifiedCandidate[]> {
  return (await verifyPlaces(evaluated, opts)).map((p) => p.result);
}

export async function verifyPlaces(evaluated: readonly Candidate[], opts: VerifyOptions): Promise<{ k: number; result: VerifiedCandidate }[]> {
  const picks = topDistinct(evaluated, opts.top);
  const places = shardPlaces(picks.length, opts.shard);
  const tmp = opts.outDir ? null : makeTempDir('mcunas-verify-');
  // A kept folder is the tool's own (marked), so the next run may write its candidates there again.
  if (opts.outDir) addToOutputFolder(opts.outDir, {}, '--out');
  const root = opts.outDir ?? tmp!;
  const jobFor = (k: number): VerifyJob => ({
    arch: picks[k].arch,
    accuracy: picks[k].accuracy,
    k,
    board: opts.board,
    root,
    kept: opts.outDir !== undefined,
    maxLatencyMs: opts.maxLatencyMs,
    patch: opts.patch,
    kernels: opts.kernels,
    cmsisRoot: opts.cmsisRoot,
    seed: opts.seed,
  });
  const announce = (k: number) => opts.log?.(`verify ${k + 1}/${picks.length}: ${JSON.stringify(picks[k].arch)}`);
  let done = 0;
  const finished = <T>(r: T): T => (opts.onProgress?.(++done, places.length), r);
  opts.onProgress?.(0, places.length);
  const jobs = jobsFor(opts.jobs, places.length);
  try {
    // Trained weights reach a worker as the request that makes them (a function cannot cross threads).
    if (jobs <= 1 || (opts.trained && !opts.supernet))
      return await mapOrdered(places, 1, async (k) => {
        announce(k);
        return finished({ k, result: await verifyOne(jobFor(k), opts.trained) });
      });
    return await withPool(jobs, (pool) =>
      mapOrdered(places, jobs, async (k) => {
        announce(k);
        return finished({ k, result: await pool.run(VERIFY_CANDIDATE, { job: jobFor(k), supernet: opts.supernet }) });
      }),
    );
  } finally {
    if (tmp) removeTracked(tmp);
  }
}
