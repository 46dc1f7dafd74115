// report.json of a compiled model: DESIGN.md's fields first (board, model, macs, params, flash, sram, fits,
// patch, layers), then the plan's detail, then what code generation and the build produced.
import { liveBuffersAt, type Plan } from '../schedule/index.ts';
import { misfitReasons } from '../schedule/plan-table.ts';
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { addToOutputFolder } from '../io/output-folder.ts';
import { readJson } from '../io/read-input.ts';
import { renderHtmlReport, type MemoryReport } from '../report/index.ts';
import type { RunReport } from './run.ts';

export const REPORT_FILE = 'report.json';
export const TEST_VECTORS_FILE = 'test-vectors.json';
export const PATCH_FILE = 'patch-plan.json';

/** compile's outcome, so a folder is never taken for a good build when it is not. */
export type CompileStatus = 'planned' | 'generated' | 'built' | 'does-not-fit';

export function planReport(plan: Plan, patchFile: string | null) {
  const { patchGeometry: _inPatchFile, board, model, macs, params, flash, sram, fits, patch, layers, ...rest } = plan;
  return {
    board,
    model,
    macs,
    params,
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

/**
 * After `run`: DIR/report.html rendered again from DIR/report.json with the measured cost of each op
 * merged in. Returns why it was not, when it was not (an older report.json, a folder mcu-nas did not mark).
 */
export function mergeRunIntoReport(dir: string, run: RunReport): string | null {
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
