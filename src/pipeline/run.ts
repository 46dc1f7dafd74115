// run in library form: a compiled folder -> build if stale -> QEMU (the board's stand-in, the board's
// memory limits) -> the output checked against the golden bytes in test-vectors.json, and the measured
// cost beside the planner's predictions.
import fs from 'node:fs';
import path from 'node:path';
import type { CycleModel } from '../emu/cycle-model.ts';
import { readFirmwareProject } from '../emu/project.ts';
import { runProject, type ProjectRun } from '../emu/run-project.ts';
import { runRenode } from '../emu/renode.ts';
import { CheckFailure, InputError } from '../errors.ts';
import { readJson, type ReadOptions } from '../io/read-input.ts';
import { errorPercent, fromHex, hex, REPORT_FILE, TEST_VECTORS_FILE, type TestVectorsFile } from './report.ts';

export interface OpCost {
  index: number;
  name: string;
  op: string;
  instructions: number;
  /** Core cycles of the op from its own instruction mix (null without the cycle model's plugin). */
  cycles: number | null;
  macs: number;
  instructionsPerMac: number | null;
}

export interface RunReport {
  ok: boolean;
  outputsMatch: boolean;
  outcome: string;
  board: string;
  model: string;
  kernels: string;
  emulator: string;
  machine: string | null;
  macs: number;
  /** Instructions of one inference (test set 0): the cycle model's exact count, else SysTick under QEMU -icount shift=0. */
  instructions: number;
  instructionsPerMac: number;
  perOp: OpCost[];
  sets: { index: number; match: boolean; firmwareMatch: boolean | null; mismatchAt: number | null; instructions: number }[];
  /** arena + static data (.data/.bss/arena sections) + measured stack high-water mark. */
  sramUsedBytes: number;
  flashUsedBytes: number;
  stackUsedBytes: number | null;
  predicted: { sramBytes: number; flashBytes: number; sramErrorPercent: number; flashErrorPercent: number };
  /** Core cycles of one inference from the cycle model; null when the QEMU plugin is not available. */
  cycles: number | null;
  latencyMs: number | null;
  latency: { ms: number | null; clockHz: number; derivation: string };
  /** The derivation: per class count and cycles (non-stall counts add up to instructions, all cycles to cycles). */
  cycleModel: CycleModel | null;
  wallSeconds: number;
  fault: unknown;
}

interface ReportFile {
  board: string;
  model: string;
  macs: number;
  kernels: string;
  sram: { total: number };
  flash: { total: number };
  layers: { name: string; op: string; macs: number }[];
  status: string;
  fits?: boolean;
  fitReasons?: string[];
}

/** Through the bounded reader (the folder is the user's: its files may be anything); test vectors hold inputs as large as a model's. */
function readJsonFile<T>(file: string, opts: ReadOptions = {}): T {
  let value: unknown;
  try {
    value = readJson(file, opts);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError(`${e.message}; is this a folder written by mcu-nas compile?`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputError(`${file}: not a JSON object; is this a folder written by mcu-nas compile?`);
  return value as T;
}

export function readCompiled(dir: string): { report: ReportFile; vectors: TestVectorsFile } {
  if (!fs.existsSync(dir)) throw new InputError(`${dir}: no such folder`);
  const report = readJsonFile<ReportFile>(path.join(dir, REPORT_FILE));
  if (report.status === 'planned') throw new InputError(`${dir}: compile stopped after planning (the model does not fit): there is no C project to run`);
  const vectors = readJsonFile<TestVectorsFile>(path.join(dir, TEST_VECTORS_FILE), { kind: 'model' });
  return { report, vectors };
}

export interface RunCompiledOptions {
  emulator?: 'qemu' | 'renode';
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Run a firmware whose plan does not fit its board (refused otherwise: a pass would mean nothing there). */
  allowMisfit?: boolean;
}

export async function runCompiled(dir: string, opts: RunCompiledOptions = {}): Promise<{ report: RunReport; raw: ProjectRun; outputs: Int8Array[] }> {
  const { report, vectors } = readCompiled(dir);
  if (vectors.sets.length === 0)
    throw new InputError(`${dir}: compiled with --test-sets 0 (the board image only, no test vectors): there is nothing to run and compare in an emulator; compile with --test-sets N (N >= 1) to check it`);
  if (report.fits === false && !opts.allowMisfit)
    throw new CheckFailure(
      `${dir}: the plan of ${report.model} does not fit ${report.board} (report.json: fits: false${report.fitReasons?.length ? `: ${report.fitReasons.join('; ')}` : ''}); give --allow-misfit to run it anyway`,
    );
  const project = readFirmwareProject(dir);
  const r = await runProject(project, { timeoutMs: opts.timeoutMs ?? 120_000, env: opts.env });
  if (opts.emulator === 'renode') {
    const rr = await runRenode(project, { timeoutMs: opts.timeoutMs, env: opts.env });
    if (!rr.pass) r.run.pass = false;
  }
  const outputs = r.run.sets.map((s) => new Int8Array(s.output.buffer, s.output.byteOffset, s.output.length));
  const sets = vectors.sets.map((v, k) => {
    const s = r.run.sets[k];
    const got = outputs[k];
    const match = got !== undefined && hex(got) === hex(fromHex(v.golden));
    return { index: k, match, firmwareMatch: s?.match ?? null, mismatchAt: s?.mismatchAt ?? null, instructions: s?.instructions ?? 0 };
  });
  const outputsMatch = sets.length > 0 && sets.every((s) => s.match);
  const perOp: OpCost[] = report.layers.map((l, i) => {
    const instructions = r.timing.perOp[i]?.instructions ?? 0;
    const cycles = r.timing.perOp[i]?.cycles ?? null;
    return { index: i, name: l.name, op: l.op, instructions, cycles, macs: l.macs, instructionsPerMac: l.macs > 0 ? instructions / l.macs : null };
  });
  const instructions = r.timing.instructions;
  const ok = r.run.pass && outputsMatch;
  return {
    report: {
      ok,
      outputsMatch,
      outcome: r.run.outcome,
      board: report.board,
      model: report.model,
      kernels: report.kernels,
      emulator: opts.emulator ?? 'qemu',
      machine: project.qemu?.machine ?? null,
      macs: report.macs,
      instructions,
      instructionsPerMac: report.macs > 0 ? instructions / report.macs : 0,
      perOp,
      sets,
      sramUsedBytes: r.sramUsedBytes,
      flashUsedBytes: r.flashUsedBytes,
      stackUsedBytes: r.run.stackBytes,
      predicted: {
        sramBytes: report.sram.total,
        flashBytes: report.flash.total,
        sramErrorPercent: errorPercent(report.sram.total, r.sramUsedBytes),
        flashErrorPercent: errorPercent(report.flash.total, r.flashUsedBytes),
      },
      cycles: r.timing.cycles,
      latencyMs: r.timing.latencyMs,
      latency: { ms: r.timing.latencyMs, clockHz: r.timing.clockHz, derivation: r.timing.derivation },
      cycleModel: r.timing.cycleModel,
      wallSeconds: r.run.wallSeconds,
      fault: r.run.fault,
    },
    raw: r,
    outputs,
  };
}
