// `mcu-nas compile` as one library call: a model file or an arch config -> prepared (calibrated,
// quantized, planned) -> the output folder (compile.ts) -> the summary `compile --json` prints. An arch
// config is planned from its shapes first, so a network that does not fit stops before quantizing and
// gcc, with report.json (status "planned") and report.html written all the same.
import fs from 'node:fs';
import path from 'node:path';
import type { Board } from '../board/schema.ts';
import { lowerArch } from '../frontend/arch-to-ir.ts';
import { writeOutputFolder } from '../io/output-folder.ts';
import { readText } from '../io/read-input.ts';
import { profileArch } from '../predict/efficiency.ts';
import { renderHtmlReport } from '../report/index.ts';
import type { KernelBackend, PatchRequest, Plan } from '../schedule/index.ts';
import { misfitReasons } from '../schedule/plan-table.ts';
import { parseArchJson, type ArchConfig } from '../space/config.ts';
import { compileModel, type CompileOutcome } from './compile.ts';
import { fileSource, modelFileKind, type FileSourceOptions } from './file-source.ts';
import { archSource } from './model-source.ts';
import { planFor, prepare, type Prepared } from './prepare.ts';
import { countFigures, memoryReport, PATCH_FILE, planReport, REPORT_FILE, type CompileReportSource, type CountFigures, type PlannedReport } from './report.ts';
import type { SupernetWeights } from './supernet-weights.ts';

export interface CompileRequest {
  /** Model file (.onnx, .tflite) or arch config JSON file (- for stdin). */
  input: string;
  /** How the input is named in messages and report.json. */
  source: string;
  board: Board;
  out: string;
  patch: PatchRequest;
  kernels: KernelBackend;
  cmsisRoot?: string;
  build: boolean;
  /** Model files (flags checked by the caller): calibration, test data, normalisation. */
  file?: FileSourceOptions;
  /** Arch configs (flags checked by the caller): weights seed, random calibration inputs, test sets, trained weights. */
  arch?: { seed: number; calibrationSamples: number; testSets: number; supernet?: SupernetWeights };
  /** Progress lines for a person (stderr); not called when absent. */
  log?: (line: string) => void;
}

/** What `compile --json` prints. MACs labelled by what they count (see report.ts CountFigures). */
export interface CompileSummary extends CountFigures {
  out: string;
  report: string;
  status: CompileOutcome['status'];
  board: string;
  model: string;
  kernels: KernelBackend;
  /** Conv/linear products, as report.json's `macs` (= macsPure). */
  macs: number;
  /** The lab's count in millions (thop rules over the IR: labMacs / 1e6), as profile and search print it. */
  millionMACs: number;
  /** The lab's peak activation (an arch config only; the plan's SRAM is sramBytes). */
  KBPeakMemory: number | null;
  sramBytes: number;
  arenaBytes: number;
  lowerBoundBytes: number;
  flashBytes: number;
  calibration: string;
  fits: boolean;
  fitReasons: string[];
  patch: Plan['patch'];
  firmware: CompileOutcome['firmware'];
  flashCommand: string | null;
}

export type CompileResult =
  | { fits: true; summary: CompileSummary; plan: Plan; prepared: Prepared; outcome: CompileOutcome }
  | {
      fits: false;
      /** The CheckFailure's message and details (exit 1). */
      message: string;
      details: Record<string, unknown>;
      plan: Plan;
      /** Stopped at the shape plan (before quantizing): the plan table is the only figure there is. */
      planOnly: boolean;
    };

/**
 * The planner's verdict on a plan that does not fit, with what patches would do: --patch auto's plan
 * (the fastest that fits), or when none fits the smallest patch plan (--patch min-sram) and how far it is.
 */
export function misfitMessage(plan: Plan, planWith: (p: PatchRequest) => Plan, patch: PatchRequest): { text: string; withPatchAuto: Record<string, unknown> | null } {
  const reasons = misfitReasons(plan);
  let alt = '';
  let withPatchAuto: Record<string, unknown> | null = null;
  const figures = (p: Plan) => ({ fitsSram: p.fitsSram, fitsFlash: p.fitsFlash, fits: p.fits, sramBytes: p.sram.total, flashBytes: p.flash.total, patch: p.patch });
  const smallest = () => {
    const m = planWith('min-sram');
    const flash = m.fitsFlash ? '' : ', and flash does not fit';
    return m.patch
      ? `the smallest patch plan (--patch min-sram: ${m.patch.n}x${m.patch.n} up to ${m.patch.splitLayer}) needs SRAM ${m.sram.total} B: ${m.fitsSram ? `fits${flash}` : 'still does not fit'}`
      : 'no patch plan lowers the peak';
  };
  if (!plan.fitsSram && patch !== 'auto' && patch !== 'min-sram') {
    const auto = planWith('auto');
    withPatchAuto = figures(auto);
    alt = auto.fits
      ? `; with --patch auto (${auto.patch ? `${auto.patch.n}x${auto.patch.n} up to ${auto.patch.splitLayer}` : 'layer by layer'}) SRAM would be ${auto.sram.total} B: fits`
      : `; with --patch auto nothing fits: ${smallest()}`;
  } else if (!plan.fitsSram && patch === 'auto') alt = `; no patch plan fits either: ${smallest()}`;
  else if (!plan.fitsSram) alt = plan.patch ? '; this already uses the smallest patch plan' : '; no patch plan lowers the peak';
  return { text: `${reasons.join('; ')}${alt}`, withPatchAuto };
}

/** report.json (status "planned"), report.html and the patch geometry of an arch whose shape plan does not fit. */
async function writePlannedFolder(out: string, plan: Plan, arch: ArchConfig, counts: CountFigures): Promise<void> {
  await writeOutputFolder(out, (tmp) => {
    let patchFile: string | null = null;
    if (plan.patchGeometry) {
      patchFile = PATCH_FILE;
      fs.writeFileSync(path.join(tmp, patchFile), `${JSON.stringify(plan.patchGeometry)}\n`);
    }
    const report: PlannedReport = { ...planReport(plan, patchFile, counts), status: 'planned', arch };
    fs.writeFileSync(path.join(tmp, REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
    fs.writeFileSync(path.join(tmp, 'report.html'), renderHtmlReport(memoryReport(plan)));
  });
}

export async function compileRequest(req: CompileRequest): Promise<CompileResult> {
  const { board, patch, kernels, log } = req;
  let prepared: Prepared;
  let outcome: CompileOutcome;
  let KBPeakMemory: number | null = null;
  let planWith: (p: PatchRequest) => Plan;

  if (modelFileKind(req.input) !== 'arch') {
    if (!req.file) throw new Error('bug: compileRequest of a model file without its options');
    const src = await fileSource(req.input, req.file);
    log?.(`${src.quantized ? 'reading' : 'calibrating and quantizing'} ${src.name} (${src.calibrationSource}) ...`);
    prepared = prepare(src, board, { patch, backend: kernels });
    const q = prepared.q;
    planWith = (p) => planFor(q, board, p, kernels);
    log?.(req.build ? 'generating C and building ...' : 'generating C ...');
    outcome = await compileModel(prepared, board, {
      out: req.out,
      build: req.build,
      cmsisRoot: req.cmsisRoot,
      extra: { source: { file: req.source, kind: src.kind, referenceEngine: src.referenceEngine ?? null } },
      references: true,
    });
  } else {
    const a = req.arch;
    if (!a) throw new Error('bug: compileRequest of an arch config without its options');
    const arch = parseArchJson(readText(req.input), req.source);
    KBPeakMemory = profileArch(arch).KBPeakMemory;

    // The plan decides (it needs only shapes): a model that does not fit stops here, before quantizing and gcc.
    const shapes = lowerArch(arch, { weights: 'elided' });
    const early = planFor(shapes, board, patch, kernels);
    planWith = (p) => planFor(shapes, board, p, kernels);
    if (!early.fits) {
      await writePlannedFolder(req.out, early, arch, countFigures(shapes));
      const why = misfitMessage(early, planWith, patch);
      return {
        fits: false,
        planOnly: true,
        plan: early,
        message: `${early.model} does not fit ${early.board}: ${why.text}; stopped before gcc. report.json written with fits: false`,
        details: { board: early.board, model: early.model, fits: false, sramBytes: early.sram.total, flashBytes: early.flash.total, withPatchAuto: why.withPatchAuto },
      };
    }

    log?.(`quantizing ${early.model} (${a.calibrationSamples} calibration inputs, seed ${a.seed}) ...`);
    const trained = a.supernet?.graphFor(arch);
    if (trained) for (const n of trained.notes) log?.(n);
    prepared = prepare(archSource(arch, { seed: a.seed, calibrationSamples: a.calibrationSamples, testSets: a.testSets, trained }), board, { patch, backend: kernels });
    log?.(req.build ? 'generating C and building ...' : 'generating C ...');
    const weights: CompileReportSource['weights'] = trained
      ? { source: 'supernet', file: a.supernet!.source, labParams: trained.params, calibration: trained.calibration ?? null }
      : { source: 'seeded', seed: a.seed };
    outcome = await compileModel(prepared, board, { out: req.out, build: req.build, cmsisRoot: req.cmsisRoot, extra: { arch, weights }, references: false });
  }
  const plan = prepared.plan;
  const counts = countFigures(prepared.q);
  const summary: CompileSummary = {
    out: outcome.dir,
    report: path.join(outcome.dir, REPORT_FILE),
    status: outcome.status,
    board: plan.board,
    model: plan.model,
    kernels: plan.kernels,
    macs: plan.macs,
    millionMACs: counts.labMacs / 1e6,
    KBPeakMemory,
    ...counts,
    sramBytes: plan.sram.total,
    arenaBytes: plan.sram.arena,
    lowerBoundBytes: plan.sram.lowerBound,
    flashBytes: plan.flash.total,
    calibration: prepared.source.calibrationSource,
    fits: outcome.fits,
    fitReasons: outcome.fitReasons,
    patch: plan.patch,
    firmware: outcome.firmware,
    flashCommand: outcome.flashCommands[0] ?? null,
  };
  if (!outcome.fits) {
    // The plan's verdict (gcc never ran), or the linker's when it overrules a plan that said it fits.
    const why = plan.fits ? { text: outcome.fitReasons.join('; '), withPatchAuto: null } : misfitMessage(plan, planWith, patch);
    const stage = plan.fits ? ' (the plan said it fits: its estimate is wrong)' : '; stopped before gcc';
    return {
      fits: false,
      planOnly: false,
      plan,
      message: `${plan.model} does not fit ${plan.board}: ${why.text}${stage}. report.json written with fits: false`,
      details: { ...summary, linkError: outcome.linkFailure?.message ?? null, withPatchAuto: why.withPatchAuto },
    };
  }
  return { fits: true, summary, plan, prepared, outcome };
}
