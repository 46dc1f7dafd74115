import fs from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { DEFAULT_BOARD, loadBoard } from '../board/index.ts';
import { CheckFailure, InputError } from '../errors.ts';
import { lowerArch } from '../frontend/arch-to-ir.ts';
import { readText, sourceName, writeFileAtomic } from '../io/read-input.ts';
import { renderHtmlReport, type MemoryReport } from '../report/index.ts';
import { parseArchJson } from '../space/config.ts';
import { profileArch } from '../predict/efficiency.ts';
import { liveBuffersAt, planGraph, PlanError, type Plan, type PatchRequest } from '../schedule/plan.ts';
import { formatPlanTable, misfitReasons } from '../schedule/plan-table.ts';
import { printJson, printLine, type GlobalFlags } from './output.ts';

interface Args extends GlobalFlags {
  input?: string;
  board: string;
  out?: string;
  patch: string;
  kernels: 'own' | 'cmsis-nn';
  calibration?: string;
  seed: number;
  build: boolean;
  'boards-dir'?: string;
}

const CODEGEN_NOTE = 'C generation is not implemented yet: compile stops after planning (report.json only)';

/** `auto`, `off` or `<n>x<n>@<layer>`. */
export function parsePatch(text: string): PatchRequest {
  if (text === 'auto' || text === 'off') return text;
  const m = /^(\d+)x(\d+)@(.+)$/.exec(text);
  if (!m) throw new InputError(`--patch: expected auto, off or <n>x<n>@<layer> (e.g. 4x4@blocks.4), got "${text}"`);
  const n = Number(m[1]);
  if (Number(m[2]) !== n) throw new InputError(`--patch: patches are n x n, got ${m[1]}x${m[2]}`);
  if (n < 1 || n > 64) throw new InputError(`--patch: n must be between 1 and 64, got ${n}`);
  return { n, layer: m[3] };
}

/** report.json: the fields of DESIGN.md first, then the detail code generation and readers use. */
function reportJson(plan: Plan, arch: unknown, patchFile: string | null) {
  const { patchGeometry: _inPatchFile, board, model, macs, params, flash, sram, fits, patch, layers, ...rest } = plan;
  return {
    board,
    model,
    macs,
    params,
    flash,
    sram,
    fits,
    patch: patch ? { ...patch, geometryFile: patchFile } : null,
    layers,
    ...rest,
    arch,
    codegen: CODEGEN_NOTE,
  };
}

function memoryReport(plan: Plan): MemoryReport {
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

export const compileCommand: CommandModule<GlobalFlags, Args> = {
  command: 'compile [input]',
  describe: 'plan SRAM and flash of an arch config on a board and write DIR/report.json (C generation: later)',
  builder: (y) =>
    y
      .positional('input', { type: 'string', description: 'arch config JSON file, or - for stdin' })
      .option('board', { type: 'string', default: DEFAULT_BOARD, description: 'target board (see `boards`)' })
      .option('out', { type: 'string', description: 'output folder (created if missing)' })
      .option('patch', { type: 'string', default: 'off', description: 'patch-based inference: auto, off, or <n>x<n>@<layer>' })
      .option('kernels', { choices: ['own', 'cmsis-nn'] as const, default: 'own' as const, description: 'kernel backend (decides in-place depthwise and scratch sizes)' })
      .option('calibration', { type: 'string', description: 'calibration data folder or "random" (used once quantization lands)' })
      .option('seed', { type: 'number', default: 0, description: 'seed of the weights of an arch config' })
      .option('build', { type: 'boolean', default: true, description: '--no-build: stop before gcc (compile stops after planning for now anyway)' })
      .option('boards-dir', { type: 'string', description: 'a folder of extra board files (*.json)' }),
  handler: (a) => {
    if (a.input === undefined) throw new InputError('compile: give an arch config file, or - for stdin');
    if (a.out === undefined) throw new InputError('compile: give --out DIR');
    const source = sourceName(a.input);
    if (a.input.endsWith('.onnx')) throw new InputError(`${source}: ONNX import is not implemented yet; give an arch config`);
    if (!Number.isSafeInteger(a.seed) || a.seed < 0) throw new InputError(`--seed: expected a non-negative integer, got ${a.seed}`);
    const patch = parsePatch(a.patch);
    const board = loadBoard(a.board, { boardsDir: a['boards-dir'] });
    const arch = parseArchJson(readText(a.input), source);
    const graph = lowerArch(arch, { seed: a.seed });
    const plan = planOrInputError(() => planGraph(graph, board, { patch, kernels: a.kernels }));

    try {
      fs.mkdirSync(a.out, { recursive: true });
    } catch (e) {
      throw new InputError(`--out: cannot create ${a.out} (${(e as Error).message})`);
    }
    let patchFile: string | null = null;
    if (plan.patchGeometry) {
      patchFile = 'patch-plan.json';
      writeFileAtomic(path.join(a.out, patchFile), `${JSON.stringify(plan.patchGeometry)}\n`);
    }
    const reportFile = path.join(a.out, 'report.json');
    writeFileAtomic(reportFile, `${JSON.stringify(reportJson(plan, arch, patchFile), null, 2)}\n`);
    const htmlFile = path.join(a.out, 'report.html');
    writeFileAtomic(htmlFile, renderHtmlReport(memoryReport(plan)));

    const lab = profileArch(arch);
    const summary = {
      report: reportFile,
      html: htmlFile,
      board: plan.board,
      model: plan.model,
      macs: plan.macs,
      millionMACs: lab.millionMACs,
      KBPeakMemory: lab.KBPeakMemory,
      sramBytes: plan.sram.total,
      arenaBytes: plan.sram.arena,
      lowerBoundBytes: plan.sram.lowerBound,
      flashBytes: plan.flash.total,
      fits: plan.fits,
      patch: plan.patch,
      codegen: CODEGEN_NOTE,
    };

    if (!plan.fits) {
      const reasons = misfitReasons(plan);
      let alt = '';
      let altDetail: Record<string, unknown> | null = null;
      if (!plan.fitsSram && patch !== 'auto') {
        const auto = planGraph(graph, board, { patch: 'auto', kernels: a.kernels });
        altDetail = { fitsSram: auto.fitsSram, fits: auto.fits, sramBytes: auto.sram.total, patch: auto.patch };
        alt = auto.patch
          ? `; with --patch auto (${auto.patch.n}x${auto.patch.n} up to ${auto.patch.splitLayer}) SRAM would be ${auto.sram.total} B: ${auto.fitsSram ? 'fits' : 'still does not fit'}`
          : '; no patch plan lowers the peak (--patch auto finds none)';
      } else if (!plan.fitsSram) alt = plan.patch ? '; this already uses the best patch plan' : '; no patch plan lowers the peak';
      if (!a.json) for (const line of formatPlanTable(plan)) printLine(line);
      throw new CheckFailure(`${plan.model} does not fit ${plan.board}: ${reasons.join('; ')}${alt}. report.json written with fits: false`, {
        ...summary,
        reasons,
        withPatchAuto: altDetail,
      });
    }
    if (a.json) return printJson({ ok: true, ...summary });
    for (const line of formatPlanTable(plan)) printLine(line);
    printLine(`wrote ${reportFile} and ${htmlFile}`);
    printLine(CODEGEN_NOTE + (a.build ? '' : ' (--no-build noted)'));
  },
};

function planOrInputError(f: () => Plan): Plan {
  try {
    return f();
  } catch (e) {
    if (e instanceof PlanError) throw new InputError(e.message);
    throw e;
  }
}
