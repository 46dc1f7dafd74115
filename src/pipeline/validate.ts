// validate in library form: compile a model source (model-source.ts), run it in the emulator, and compare
// each test set's output with its reference (the source's own, else the float interpreter), as
// X-CUBE-AI's validate does: top-1 agreement, cosine, RMSE, max absolute error. The firmware's output
// must also be bit-exact with the TypeScript int8 model.
import { makeTempDir, removeTracked } from '../io/cleanup.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { Board } from '../board/schema.ts';
import { agreement, dequantizeOutput, type Agreement } from '../quant/index.ts';
import type { KernelBackend, PatchRequest } from '../schedule/index.ts';
import { compileModel } from './compile.ts';
import { CheckFailure } from '../errors.ts';
import { referenceOutput, type ModelSource } from './model-source.ts';
import { prepare } from './prepare.ts';
import { runCompiled, type RunReport } from './run.ts';

export interface ValidateOptions {
  backend: KernelBackend;
  patch: PatchRequest;
  cmsisRoot?: string;
  /** Keep the compiled folder here; default a temporary folder, removed afterwards. */
  out?: string;
  minCosine?: number;
  env?: NodeJS.ProcessEnv;
}

export interface ValidateReport {
  ok: boolean;
  model: string;
  board: string;
  kernels: KernelBackend;
  bitExact: boolean;
  minCosine: number;
  sets: (Agreement & { index: number; bitExact: boolean; top1Reference: number; top1Firmware: number })[];
  instructions: number;
  instructionsPerMac: number;
  sramUsedBytes: number;
  flashUsedBytes: number;
  /** From the cycle model; null when its QEMU plugin is not available. */
  latencyMs: number | null;
  run: RunReport;
  notes: string[];
  /** What computed the reference outputs. */
  referenceEngine: string;
  kind: string;
}

const argmax = (x: ArrayLike<number>) => {
  let b = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[b]) b = i;
  return b;
};

export async function validateModel(source: ModelSource, board: Board, opts: ValidateOptions): Promise<ValidateReport> {
  const prepared = prepare(source, board, { patch: opts.patch, backend: opts.backend });
  const tmp = opts.out ? null : makeTempDir('mcunas-validate-');
  const out = opts.out ?? path.join(tmp!, 'model');
  try {
    const compiled = await compileModel(prepared, board, { out, build: true, cmsisRoot: opts.cmsisRoot, references: true, env: opts.env });
    if (compiled.linkFailure) throw compiled.linkFailure;
    // The plan's verdict is the fit decision: a misfit is not built, so there is nothing to run.
    if (!compiled.fits) throw new CheckFailure(`${prepared.plan.model} does not fit ${board.name}: ${compiled.fitReasons.join('; ')}`, { fits: false, fitReasons: compiled.fitReasons });
    const { report, outputs } = await runCompiled(out, { env: opts.env });
    const minCosine = opts.minCosine ?? 0.99;
    const sets = source.tests.map((t, k) => {
      const reference = referenceOutput(source.graph, t);
      const got = outputs[k] ?? new Int8Array(prepared.tests[k].golden.length);
      const real = dequantizeOutput(prepared.q, got);
      return { index: k, ...agreement(reference, real), bitExact: report.sets[k]?.match ?? false, top1Reference: argmax(reference), top1Firmware: argmax(real) };
    });
    const bitExact = report.outputsMatch;
    return {
      ok: report.ok && bitExact && sets.every((s) => s.cosine >= minCosine),
      model: report.model,
      board: report.board,
      kernels: opts.backend,
      bitExact,
      minCosine,
      sets,
      instructions: report.instructions,
      instructionsPerMac: report.instructionsPerMac,
      sramUsedBytes: report.sramUsedBytes,
      flashUsedBytes: report.flashUsedBytes,
      latencyMs: report.latencyMs,
      run: report,
      notes: source.notes,
      referenceEngine: source.referenceEngine ?? 'float interpreter',
      kind: source.kind ?? 'arch',
    };
  } finally {
    if (tmp) removeTracked(tmp);
  }
}
