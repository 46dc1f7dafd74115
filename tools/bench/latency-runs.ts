// Measured runs for the latency predictor: compile a random MCUNet subnet layer by layer (own kernels,
// --patch off) for a board, run it once in QEMU with the cycle-model plugin, and pair each op's cycles
// with the op's step (src/schedule/from-arch.ts, the same walk the predictor uses in search). Used by
// tools/bench/latency-table.ts (fits the table) and tools/bench/latency-predictor.ts (checks it).
import fs from 'node:fs';
import path from 'node:path';
import type { Board } from '../../src/board/index.ts';
import { archSource } from '../../src/pipeline/model-source.ts';
import { compileModel } from '../../src/pipeline/compile.ts';
import { prepare } from '../../src/pipeline/prepare.ts';
import { runCompiled } from '../../src/pipeline/run.ts';
import { fitArch, stepsFromArch } from '../../src/schedule/index.ts';
import { Rng } from '../../src/search/rng.ts';
import { sampleArch } from '../../src/space/sample.ts';
import type { ArchConfig } from '../../src/space/config.ts';
import type { MeasuredOp } from '../../src/predict/latency-fit.ts';

export interface MeasuredSubnet {
  arch: ArchConfig;
  /** The cycle model's cycles of one inference (the whole window, runtime between ops included). */
  cycles: number;
  ops: MeasuredOp[];
  macs: number;
  wallSeconds: number;
}

/** `n` random subnets (the lab's sampler, seeded) that fit `board` layer by layer and stay under `maxMacs`. */
export function sampleSubnets(board: Board, n: number, seed: number, maxMacs = 60e6): ArchConfig[] {
  const rng = new Rng(seed);
  const out: ArchConfig[] = [];
  for (let tries = 0; out.length < n && tries < 100 * n; tries++) {
    const a = sampleArch(rng);
    const g = stepsFromArch(a);
    const macs = g.steps.reduce((s, x) => s + x.macs, 0);
    if (macs > maxMacs) continue;
    if (!fitArch(a, board, { patch: 'off', kernels: 'own' }).fits) continue;
    out.push(a);
  }
  return out;
}

export async function measureSubnet(arch: ArchConfig, board: Board, dir: string): Promise<MeasuredSubnet> {
  const t0 = performance.now();
  fs.rmSync(dir, { recursive: true, force: true });
  const p = prepare(archSource(arch, { seed: 1, calibrationSamples: 2, testSets: 1 }), board, { patch: 'off', backend: 'own' });
  await compileModel(p, board, { out: dir, build: true, references: false });
  const { report } = await runCompiled(dir);
  // Cycles count the code that ran; an output mismatch (a kernel bug) is reported but does not void them.
  if (!report.ok && report.outcome !== 'mismatch') throw new Error(`${JSON.stringify(arch)} on ${board.name}: firmware ${report.outcome}`);
  if (!report.ok) console.error(`warning: ${JSON.stringify(arch)} on ${board.name}: output differs from the golden model`);
  if (report.cycles === null) throw new Error(`no cycles (the QEMU plugin is needed): ${report.latency.derivation}`);
  const g = stepsFromArch(arch);
  const byName = new Map(g.steps.map((s) => [s.name, s]));
  const ops: MeasuredOp[] = report.perOp.map((o) => {
    const step = byName.get(o.name);
    if (!step) throw new Error(`${board.name}: op ${o.name} (${o.op}) of the firmware is no step of the arch walk`);
    return { step, tensors: g.tensors, cycles: o.cycles ?? 0 };
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return { arch, cycles: report.cycles, ops, macs: report.macs, wallSeconds: (performance.now() - t0) / 1000 };
}

export const benchDir = (tmp: string, board: Board, i: number) => path.join(tmp, `${board.name}-${i}`);
