// report.json of a compiled model: DESIGN.md's fields first (board, model, macs, params, flash, sram, fits,
// patch, layers), then the plan's detail, then what code generation and the build produced.
import { liveBuffersAt, type Plan } from '../schedule/index.ts';
import { misfitReasons } from '../schedule/plan-table.ts';
import type { MemoryReport } from '../report/index.ts';

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

export function memoryReport(plan: Plan): MemoryReport {
  return {
    board: plan.board,
    model: plan.model,
    macs: plan.macs,
    params: plan.params,
    flash: plan.flash,
    sram: plan.sram,
    limitBytes: plan.sram.capacity,
    layers: plan.layers.map((l, i) => ({
      name: l.name,
      op: l.kind,
      liveTensors: liveBuffersAt(plan, i).map((b) => ({ name: b.id, bytes: b.size })),
      inShape: l.inShape,
      outShape: l.outShape,
      macs: l.macs,
      scratchBytes: l.scratchBytes,
      weightBytes: l.weightBytes,
      arenaOffset: l.arenaOffset,
    })),
  };
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
