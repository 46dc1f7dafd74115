// `mcu-nas compile`: wiring only. The work is src/pipeline (prepare: lower, calibrate, quantize, plan;
// compile: generate the C project, build it, write report.json).
import fs from 'node:fs';
import path from 'node:path';
import { loadBoard } from '../board/index.ts';
import { cmsisNnRoot } from '../codegen/index.ts';
import { CheckFailure, InputError } from '../errors.ts';
import { readText, sourceName } from '../io/read-input.ts';
import { claimOutputFolder, writeOutputFolder } from '../io/output-folder.ts';
import { archSource } from '../pipeline/model-source.ts';
import { CALIBRATION_SAMPLES, fileSource, modelFileKind, type FileSourceOptions } from '../pipeline/file-source.ts';
import { normalisationFromFlags } from '../data/index.ts';
import { compileModel } from '../pipeline/compile.ts';
import { planFor, prepare } from '../pipeline/prepare.ts';
import { memoryReport, planReport, PATCH_FILE, REPORT_FILE } from '../pipeline/report.ts';
import { profileArch } from '../predict/efficiency.ts';
import { renderHtmlReport } from '../report/index.ts';
import { parseArchJson } from '../space/config.ts';
import type { KernelBackend, PatchRequest, Plan } from '../schedule/index.ts';
import { formatPlanTable, misfitReasons } from '../schedule/plan-table.ts';
import { lowerArch } from '../frontend/arch-to-ir.ts';
import { log, printJson, printLine, type GlobalFlags } from './output.ts';
import { intInRange, parsePatch } from './flag-checks.ts';

export { parsePatch };
import { defineCommand, SUPERNET_FLAGS, supernetRequest, type SupernetFlags } from './flags.ts';
import { supernetWeights } from '../pipeline/supernet-weights.ts';

interface Args extends GlobalFlags, ModelFileFlags, SupernetFlags {
  input: string;
  board: string;
  out: string;
  patch: string;
  kernels: KernelBackend;
  'cmsis-nn'?: string;
  build: boolean;
  'boards-dir'?: string;
  variant?: string;
}

/** The flags compile and validate share for model files (ONNX, TFLite). */
export interface ModelFileFlags {
  calibration?: string;
  'calibration-samples'?: number;
  'test-sets': number;
  'test-data'?: string;
  scale?: number;
  mean?: string;
  std?: string;
  seed: number;
}

/** Table flags for model files, shared by compile and validate. */
export const MODEL_FILE_FLAGS = {
  calibration: true,
  'calibration-samples': true,
  'test-data': true,
  'test-sets': true,
  scale: true,
  mean: true,
  std: true,
  seed: true,
} as const;

export function fileSourceOptions(a: ModelFileFlags, extra: Partial<FileSourceOptions> = {}): FileSourceOptions {
  const given = a.scale !== undefined || a.mean !== undefined || a.std !== undefined;
  return {
    seed: a.seed,
    calibration: a.calibration,
    calibrationSamples: a['calibration-samples'],
    testData: a['test-data'],
    testSets: a['test-sets'],
    normalisation: given ? normalisationFromFlags({ scale: a.scale, mean: a.mean, std: a.std }) : undefined,
    ...extra,
  };
}

/**
 * The planner's verdict on a plan that does not fit, with what patches would do: --patch auto's plan
 * (the fastest that fits), or when none fits the smallest patch plan (--patch min-sram) and how far it is.
 */
function misfitMessage(plan: Plan, planWith: (p: PatchRequest) => Plan, patch: PatchRequest): { text: string; withPatchAuto: Record<string, unknown> | null } {
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

export const compileCommand = defineCommand<Args>({
  command: 'compile [input]',
  describe: 'lower, quantize, plan, generate int8 C for a board, build the firmware (ELF/bin/hex) and write DIR/report.json',
  positionals: {
    input: {
      describe: 'model.onnx (float or QDQ), model.tflite (int8 or float), or an arch config JSON file (- for stdin)',
      required: 'compile: give a model file (.onnx, .tflite) or an arch config file, or - for stdin',
    },
  },
  flags: {
    board: true,
    'boards-dir': true,
    variant: true,
    out: { required: true },
    patch: true,
    kernels: true,
    'cmsis-nn': true,
    ...MODEL_FILE_FLAGS,
    ...SUPERNET_FLAGS,
    build: true,
  },
  examples: [
    ['$0 compile best.json --board stm32f746 --out fw', 'an arch config (seeded weights) to firmware for the default board'],
    ['$0 compile model.onnx --test-data model.test --out fw --no-build', 'a float ONNX model, calibrated on its test inputs, to a C project (planned and generated, not built)'],
    ['$0 compile model.onnx --calibration mnist --scale 255 --out fw', 'a float model calibrated on 100 MNIST digits (pixels 0..255 as the model expects)'],
    ['$0 compile vww_int8.tflite --patch auto --out fw', 'an int8 TFLite model with its own scales, patch-based where that is what fits'],
    ['$0 compile best.json --supernet vww_supernet.pth --calib-bn vww/holdout --out fw', "an arch config with the lab's trained weights, BatchNorm re-calibrated"],
  ],
  run: async (a) => {
    const source = sourceName(a.input);
    const patch = parsePatch(a.patch);
    claimOutputFolder(a.out);
    const trainedRequest = supernetRequest(a, a.input);
    // Loaded (and checked key by key) before any work: a bad checkpoint is bad input.
    const supernet = trainedRequest ? supernetWeights(trainedRequest) : undefined;
    const board = loadBoard(a.board, { boardsDir: a['boards-dir'], variant: a.variant });
    const cmsisRoot = a.kernels === 'cmsis-nn' ? cmsisNnRoot(a['cmsis-nn']) : undefined;
    let prepared: ReturnType<typeof prepare>;
    let outcome: Awaited<ReturnType<typeof compileModel>>;
    let lab: { millionMACs: number; KBPeakMemory: number } | null = null;
    let planWith: (p: PatchRequest) => Plan;

    if (modelFileKind(a.input) !== 'arch') {
      const src = await fileSource(a.input, fileSourceOptions(a));
      if (!a.json) log(`${src.quantized ? 'reading' : 'calibrating and quantizing'} ${src.name} (${src.calibrationSource}) ...`);
      prepared = prepare(src, board, { patch, backend: a.kernels });
      planWith = (p) => planFor(prepared.q, board, p, a.kernels);
      if (!a.json) log(a.build ? 'generating C and building ...' : 'generating C ...');
      outcome = await compileModel(prepared, board, {
        out: a.out,
        build: a.build,
        cmsisRoot,
        extra: { source: { file: source, kind: src.kind, referenceEngine: src.referenceEngine ?? null } },
        references: true,
      });
    } else {
      if (a['test-data'] !== undefined) throw new InputError('--test-data: test-data folders go with model files (ONNX/TFLite), not arch configs');
      const calibration = a.calibration ?? 'random';
      if (calibration !== 'random') throw new InputError(`--calibration: only "random" is supported for an arch config, got "${calibration}"`);
      const samples = intInRange('calibration-samples', a['calibration-samples'] ?? CALIBRATION_SAMPLES.synthetic, 1, 256);
      const testSets = a['test-sets'];
      const arch = parseArchJson(readText(a.input), source);
      lab = profileArch(arch);

      // The plan decides (it needs only shapes): a model that does not fit stops here, before quantizing and gcc.
      const shapes = lowerArch(arch, { weights: 'elided' });
      const early = planFor(shapes, board, patch, a.kernels);
      planWith = (p) => planFor(shapes, board, p, a.kernels);
      if (!early.fits) {
        await writeOutputFolder(a.out, (tmp) => {
          let patchFile: string | null = null;
          if (early.patchGeometry) {
            patchFile = PATCH_FILE;
            fs.writeFileSync(path.join(tmp, patchFile), `${JSON.stringify(early.patchGeometry)}\n`);
          }
          fs.writeFileSync(path.join(tmp, REPORT_FILE), `${JSON.stringify({ ...planReport(early, patchFile), status: 'planned', arch }, null, 2)}\n`);
          fs.writeFileSync(path.join(tmp, 'report.html'), renderHtmlReport(memoryReport(early)));
        });
        const why = misfitMessage(early, planWith, patch);
        if (!a.json) for (const line of formatPlanTable(early)) printLine(line);
        throw new CheckFailure(`${early.model} does not fit ${early.board}: ${why.text}; stopped before gcc. report.json written with fits: false`, {
          board: early.board,
          model: early.model,
          fits: false,
          sramBytes: early.sram.total,
          flashBytes: early.flash.total,
          withPatchAuto: why.withPatchAuto,
        });
      }

      if (!a.json) log(`quantizing ${early.model} (${samples} calibration inputs, seed ${a.seed}) ...`);
      const trained = supernet?.graphFor(arch);
      if (trained && !a.json) for (const n of trained.notes) log(n);
      prepared = prepare(archSource(arch, { seed: a.seed, calibrationSamples: samples, testSets, trained }), board, { patch, backend: a.kernels });
      if (!a.json) log(a.build ? 'generating C and building ...' : 'generating C ...');
      const weights = trained
        ? { weights: { source: 'supernet', file: supernet!.source, labParams: trained.params, calibration: trained.calibration ?? null } }
        : { weights: { source: 'seeded', seed: a.seed } };
      outcome = await compileModel(prepared, board, { out: a.out, build: a.build, cmsisRoot, extra: { arch, ...weights }, references: false });
    }
    const plan = prepared.plan;
    const summary = {
      out: outcome.dir,
      report: path.join(outcome.dir, REPORT_FILE),
      status: outcome.status,
      board: plan.board,
      model: plan.model,
      kernels: plan.kernels,
      macs: plan.macs,
      millionMACs: lab?.millionMACs ?? plan.macs / 1e6,
      KBPeakMemory: lab?.KBPeakMemory ?? null,
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
      throw new CheckFailure(`${plan.model} does not fit ${plan.board}: ${why.text}${stage}. report.json written with fits: false`, {
        ...summary,
        linkError: outcome.linkFailure?.message ?? null,
        withPatchAuto: why.withPatchAuto,
      });
    }
    if (a.json) return printJson({ ok: true, ...summary });
    for (const line of formatPlanTable(plan)) printLine(line);
    printLine(`calibration: ${prepared.source.calibrationSource}`);
    printLine(`wrote ${outcome.dir}: C project, report.json, report.html (status: ${outcome.status})`);
    if (outcome.firmware) {
      const f = outcome.firmware;
      printLine(`firmware.elf/.bin/.hex built in ${f.buildSeconds.toFixed(1)} s: flash ${f.flashBytes} B (planned ${f.flashPredicted} B, ${f.flashErrorPercent.toFixed(2)}%), static SRAM ${f.staticSramBytes} B`);
      if (outcome.flashCommands.length > 0) printLine(`flash it: (cd ${outcome.dir} && ${outcome.flashCommands[0]})`);
      if (prepared.tests.length === 0) printLine('--test-sets 0: the board image only (no emulator link, no test vectors); the emulator check is skipped');
      else printLine(`run it in QEMU: mcu-nas run ${outcome.dir}`);
    } else printLine(`--no-build: build later with mcu-nas run ${outcome.dir} (or make -C ${outcome.dir})`);
  },
});
