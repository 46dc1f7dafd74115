// report.json of a compiled model: DESIGN.md's fields first (board, model, macs, params, flash, sram, fits,
// patch, layers), then the plan's detail, then what code generation and the build produced.
import { liveBuffersAt, type Plan } from '../schedule/index.ts';
import { misfitReasons } from '../schedule/plan-table.ts';
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { graphParams, labCounts, type Graph } from '../ir/index.ts';
import { addToOutputFolder } from '../io/output-folder.ts';
import { readJson } from '../io/read-input.ts';
import { renderHtmlReport, type MemoryReport } from '../report/index.ts';
import type { ArchConfig } from '../space/config.ts';
import type { ArenaBlock } from '../codegen/index.ts';

export const REPORT_FILE = 'report.json';
export const TEST_VECTORS_FILE = 'test-vectors.json';
export const PATCH_FILE = 'patch-plan.json';

/** compile's outcome, so a folder is never taken for a good build when it is not. */
export type CompileStatus = 'planned' | 'generated' | 'built' | 'does-not-fit';

/**
 * MACs and parameters of a model, from the IR's one counter (src/ir/cost.ts), each named by what it
 * counts. report.json's `macs` (products, the plan's) and `params` (the lab's count) keep their names;
 * these say it. Two differences are real, not disagreements (w0.5 r96 smallest: 7,237,104 products vs
 * 8,302,128 lab MACs, 304,538 lab params vs 300,898 deployed):
 * - thop also counts 4 per element leaving a BatchNorm, which the int8 graph no longer has (folded);
 * - the lab counts 2 parameters per BatchNorm channel (gamma, beta), the folded graph holds 1 bias.
 * A patch plan's recomputed halo is apart again: `patch.extraMacs` (and the layers' `macs`).
 */
export interface CountFigures {
  /** Conv/linear multiply-accumulate products: what the kernels compute (= report.json's `macs`). */
  macsPure: number;
  /** The lab's count (thop 0.1.1 in count_net_flops): products + 4 per BatchNorm output element. */
  labMacs: number;
  /** The lab's count_parameters: weights, biases, 2 per BatchNorm channel (= report.json's `params`). */
  labParams: number;
  /** Elements of the constants the deployed graph holds (a folded BatchNorm leaves 1 bias per channel). */
  deployedParams: number;
}

/** The counts of a graph as it will be deployed (BatchNorm folded, marked on its conv for the lab's count). */
export function countFigures(g: Graph): CountFigures {
  const lab = labCounts(g);
  return { macsPure: lab.macsPure, labMacs: lab.macs, labParams: lab.params, deployedParams: graphParams(g) };
}

export function planReport(plan: Plan, patchFile: string | null, counts: CountFigures) {
  const { patchGeometry: _inPatchFile, board, model, macs, params, flash, sram, fits, patch, layers, ...rest } = plan;
  return {
    board,
    model,
    macs,
    params,
    ...counts,
    flash,
    sram,
    fits,
    /** Why it does not fit (a line per region and its overflow); empty when it fits. */
    fitReasons: misfitReasons(plan),
    patch: patch ? { ...patch, geometryFile: patchFile } : null,
    layers,
    ...rest,
  };
}

export type PlanReport = ReturnType<typeof planReport>;

/** What the build measured, beside the plan's prediction. */
export interface FirmwareFigures {
  /** Bytes the board ELF (the application, no test data) puts in the board's flash. */
  flashBytes: number;
  flashPredicted: number;
  flashErrorPercent: number;
  /** .data + .bss + arena sections of the board ELF. */
  staticSramBytes: number;
  /** The emulator ELF's flash (its own main, semihosting) and its test data, apart. */
  emulator: { flashBytes: number; testDataBytes: number } | null;
  buildSeconds: number;
}

/** What report.json says about the model's origin: an arch config and its weights, or a model file. */
export interface CompileReportSource {
  arch?: ArchConfig;
  weights?: { source: 'seeded'; seed: number } | { source: 'supernet'; file: string; labParams: number; calibration: unknown };
  source?: { file: string; kind?: string; referenceEngine: string | null };
}

/** report.json of `compile` that reached code generation (DESIGN.md's fields first, from planReport). */
export interface CompileReport extends PlanReport, CompileReportSource {
  fitDecidedBy: 'plan' | 'linker';
  status: CompileStatus;
  codegen: { kernels: string; ops: number; arenaBlocks: readonly ArenaBlock[]; constantBytes: number; sources: readonly string[] };
  firmware: ({ elf: string; bin: string; hex: string; qemuElf: string | null; flashCommands: readonly string[] } & FirmwareFigures) | null;
  linkError: string | null;
  tests: { sets: number; file: string; calibration: string; samples: number };
  quantization: { outputScale: number | null; outputZeroPoint: number | null };
  sourceNotes: readonly string[];
}

/** report.json of an arch config whose plan does not fit: written before quantizing and gcc. */
export interface PlannedReport extends PlanReport {
  status: 'planned';
  arch: ArchConfig;
}

/** The plan's fields the HTML report needs: a Plan, or the report.json compile wrote from one (`run` re-renders from it). */
export type ReportablePlan = Pick<Plan, 'board' | 'model' | 'macs' | 'params' | 'flash' | 'sram' | 'layers' | 'buffers' | 'patch'> & { flashCapacity?: number };

export function memoryReport(plan: ReportablePlan, measured: MemoryReport['measured'] = null): MemoryReport {
  const stage = new Set(plan.patch?.stageLayers ?? []);
  return {
    board: plan.board,
    model: plan.model,
    macs: plan.macs,
    params: plan.params,
    flash: plan.flash,
    sram: plan.sram,
    limitBytes: plan.sram.capacity,
    ...(plan.flashCapacity !== undefined ? { flashLimitBytes: plan.flashCapacity } : {}),
    patch: plan.patch
      ? { n: plan.patch.n, splitLayer: plan.patch.splitLayer, extraMacsPercent: plan.patch.extraMacsPercent, layerByLayerArena: plan.patch.layerByLayerArena }
      : null,
    measured,
    layers: plan.layers.map((l, i) => ({
      name: l.name,
      op: l.kind,
      liveTensors: liveBuffersAt(plan as Plan, i).map((b) => ({ name: b.id, bytes: b.size })),
      inShape: l.inShape,
      outShape: l.outShape,
      macs: l.macs,
      scratchBytes: l.scratchBytes,
      weightBytes: l.weightBytes,
      flashBytes: l.flashBytes,
      arenaOffset: l.arenaOffset,
      patched: l.patched || stage.has(l.name),
    })),
  };
}

/** What `run` measured that the HTML report shows (a RunReport from run.ts has it all). */
export interface MeasuredRun {
  emulator: string;
  machine: string | null;
  instructions: number;
  cycles: number | null;
  latencyMs: number | null;
  latency: { clockHz: number };
  sramUsedBytes: number;
  flashUsedBytes: number;
  outputsMatch: boolean;
  perOp: readonly { instructions: number; cycles: number | null }[];
}

/**
 * After `run`: DIR/report.html rendered again from DIR/report.json with the measured cost of each op
 * merged in. Returns why it was not, when it was not (an older report.json, a folder mcu-nas did not mark).
 */
export function mergeRunIntoReport(dir: string, run: MeasuredRun): string | null {
  const file = path.join(dir, REPORT_FILE);
  if (!fs.existsSync(file)) return `no ${REPORT_FILE}`;
  const plan = readJson(file) as Partial<ReportablePlan>;
  if (!Array.isArray(plan.layers) || !Array.isArray(plan.buffers) || !plan.sram || !plan.flash) return `${REPORT_FILE} has no per-layer plan (written by an older mcu-nas?)`;
  if (plan.layers.length !== run.perOp.length) return `${REPORT_FILE} has ${plan.layers.length} layers, the firmware reported ${run.perOp.length}`;
  const measured: MemoryReport['measured'] = {
    emulator: run.emulator,
    machine: run.machine,
    instructions: run.instructions,
    cycles: run.cycles,
    latencyMs: run.latencyMs,
    clockHz: run.latency.clockHz,
    sramUsedBytes: run.sramUsedBytes,
    flashUsedBytes: run.flashUsedBytes,
    outputsMatch: run.outputsMatch,
    perOp: run.perOp.map((o) => ({ instructions: o.instructions, cycles: o.cycles })),
  };
  try {
    addToOutputFolder(dir, { 'report.html': renderHtmlReport(memoryReport(plan as ReportablePlan, measured)) }, 'run');
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  return null;
}

/** The test vectors beside the firmware, so `run` can check the output without the TypeScript model. */
export interface TestVectorsFile {
  format: 'mcu-nas-test-vectors/1';
  sets: { input: string; golden: string; reference: number[] | null }[];
}

export const hex = (b: Int8Array | Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
export const fromHex = (s: string) => new Int8Array(Buffer.from(s, 'hex'));

/** Signed percentage by which `measured` differs from `predicted`. */
export function errorPercent(predicted: number, measured: number): number {
  return measured === 0 ? 0 : (100 * (predicted - measured)) / measured;
}
