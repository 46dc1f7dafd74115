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
  /** Trained weights for an arch (the super network's subnet) instead of seeded ones. */
  trained?: (arch: ArchConfig) => { graph: Graph; notes: string[] };
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

export async function verifyCandidates(evaluated: readonly Candidate[], opts: VerifyOptions): Promise<VerifiedCandidate[]> {
  const picks = topDistinct(evaluated, opts.top);
  const tmp = opts.outDir ? null : makeTempDir('mcunas-verify-');
  // A kept folder is the tool's own (marked), so the next run may write its candidates there again.
  if (opts.outDir) addToOutputFolder(opts.outDir, {}, '--out');
  const root = opts.outDir ?? tmp!;
  const results: VerifiedCandidate[] = [];
  try {
    for (const [k, c] of picks.entries()) {
      const r: VerifiedCandidate = {
        arch: cloneArch(c.arch),
        predictedAccuracy: Math.round(c.accuracy * 1e8) / 1e6,
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
        dir: opts.outDir ? path.join(root, `candidate-${k}`) : null,
      };
      results.push(r);
      opts.log?.(`verify ${k + 1}/${picks.length}: ${JSON.stringify(c.arch)}`);
      try {
        const source = archSource(c.arch, { seed: opts.seed ?? 0, calibrationSamples: 4, testSets: 1, trained: opts.trained?.(c.arch) });
        const prepared = prepare(source, opts.board, { patch: opts.patch ?? 'auto', backend: opts.kernels ?? 'own' });
        r.predictedSramBytes = prepared.plan.sram.total;
        r.predictedFlashBytes = prepared.plan.flash.total;
        r.patch = prepared.plan.patch ? { n: prepared.plan.patch.n, splitLayer: prepared.plan.patch.splitLayer } : null;
        if (!prepared.plan.fits) {
          r.dropped = `does not fit ${opts.board.name} (planned SRAM ${prepared.plan.sram.total} B, flash ${prepared.plan.flash.total} B)`;
          continue;
        }
        const dir = path.join(root, `candidate-${k}`);
        const compiled = await compileModel(prepared, opts.board, { out: dir, build: true, cmsisRoot: opts.cmsisRoot });
        if (compiled.linkFailure) {
          r.dropped = compiled.linkFailure.message;
          continue;
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
        else if (opts.maxLatencyMs !== undefined && report.latencyMs === null)
          r.dropped = `no latency to check --max-latency-ms against: ${report.latency.derivation}`;
        else if (opts.maxLatencyMs !== undefined && report.latencyMs !== null && report.latencyMs > opts.maxLatencyMs)
          r.dropped = `latency ${report.latencyMs.toFixed(2)} ms over --max-latency-ms ${opts.maxLatencyMs}`;
        else r.ok = true;
      } catch (e) {
        r.dropped = `failed: ${(e as Error).message.split('\n')[0]}`;
      }
    }
  } finally {
    if (tmp) removeTracked(tmp);
  }
  return results;
}
