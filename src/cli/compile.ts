// `mcu-nas compile`: wiring only. The work is src/pipeline (prepare: lower, calibrate, quantize, plan;
// compile: generate the C project, build it, write report.json).
import fs from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { DEFAULT_BOARD, loadBoard } from '../board/index.ts';
import { cmsisNnRoot } from '../codegen/index.ts';
import { CheckFailure, InputError } from '../errors.ts';
import { readText, sourceName, writeFileAtomic } from '../io/read-input.ts';
import { archSource } from '../pipeline/model-source.ts';
import { fileSource, modelFileKind, type FileSourceOptions } from '../pipeline/file-source.ts';
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
import { intInRange } from './flag-checks.ts';

interface Args extends GlobalFlags, ModelFileFlags {
  input?: string;
  board: string;
  out?: string;
  patch: string;
  kernels: KernelBackend;
  'cmsis-nn'?: string;
  build: boolean;
  'boards-dir'?: string;
}

/** The flags compile and validate share for model files (ONNX, TFLite). */
export interface ModelFileFlags {
  calibration?: string;
  'calibration-samples': number;
  'test-sets': number;
  'test-data'?: string;
  scale?: number;
  mean?: string;
  std?: string;
  seed: number;
}

export function fileSourceOptions(a: ModelFileFlags, extra: Partial<FileSourceOptions> = {}): FileSourceOptions {
  if (!Number.isSafeInteger(a.seed) || a.seed < 0) throw new InputError(`--seed: expected a non-negative integer, got ${a.seed}`);
  const given = a.scale !== undefined || a.mean !== undefined || a.std !== undefined;
  return {
    seed: a.seed,
    calibration: a.calibration,
    calibrationSamples: intInRange('calibration-samples', a['calibration-samples'], 1, 1024),
    testData: a['test-data'],
    testSets: intInRange('test-sets', a['test-sets'], 1, 16),
    normalisation: given ? normalisationFromFlags({ scale: a.scale, mean: a.mean, std: a.std }) : undefined,
    ...extra,
  };
}

/** yargs options for model files, shared by compile and validate. */
export const modelFileOptionDocs = {
  'test-data': { type: 'string', description: 'model files: a folder of input_K.pb/output_K.pb (or test_data_set_N folders): the test inputs and reference outputs' },
  scale: { type: 'number', description: 'model files: pixel p (0..255) becomes p * scale / 255 before mean/std (random calibration, datasets, synthetic test images)' },
  mean: { type: 'string', description: 'model files: per-channel mean (one value or comma-separated)' },
  std: { type: 'string', description: 'model files: per-channel std' },
} as const;

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


/** The planner's verdict on a plan that does not fit, with what --patch auto would do. */
function misfitMessage(plan: Plan, planAuto: () => Plan, patch: PatchRequest): { text: string; withPatchAuto: Record<string, unknown> | null } {
  const reasons = misfitReasons(plan);
  let alt = '';
  let withPatchAuto: Record<string, unknown> | null = null;
  if (!plan.fitsSram && patch !== 'auto') {
    const auto = planAuto();
    withPatchAuto = { fitsSram: auto.fitsSram, fitsFlash: auto.fitsFlash, fits: auto.fits, sramBytes: auto.sram.total, flashBytes: auto.flash.total, patch: auto.patch };
    alt = auto.patch
      ? `; with --patch auto (${auto.patch.n}x${auto.patch.n} up to ${auto.patch.splitLayer}) SRAM would be ${auto.sram.total} B: ${auto.fitsSram ? 'fits' : 'still does not fit'}${auto.fitsFlash ? '' : ', but flash still does not fit'}`
      : '; no patch plan lowers the peak (--patch auto finds none)';
  } else if (!plan.fitsSram) alt = plan.patch ? '; this already uses the best patch plan' : '; no patch plan lowers the peak';
  return { text: `${reasons.join('; ')}${alt}`, withPatchAuto };
}

export const compileCommand: CommandModule<GlobalFlags, Args> = {
  command: 'compile [input]',
  describe: 'lower, quantize, plan, generate int8 C for a board, build the firmware (ELF/bin/hex) and write DIR/report.json',
  builder: (y) =>
    y
      .positional('input', { type: 'string', description: 'model.onnx (float or QDQ), model.tflite (int8 or float), or an arch config JSON file (- for stdin)' })
      .option('board', { type: 'string', default: DEFAULT_BOARD, description: 'target board (see `boards`)' })
      .option('out', { type: 'string', description: 'output folder (replaced if it holds an earlier mcu-nas output)' })
      .option('patch', { type: 'string', default: 'off', description: 'patch-based inference: auto, off, or <n>x<n>@<layer>' })
      .option('kernels', { choices: ['own', 'cmsis-nn'] as const, default: 'own' as const, description: 'kernel backend' })
      .option('cmsis-nn', { type: 'string', description: 'CMSIS-NN checkout for --kernels cmsis-nn (default: $CMSIS_NN_ROOT)' })
      .option('calibration', { type: 'string', description: 'calibration inputs: "random" (seeded synthetic images; the default, and the only choice for an arch config), a folder of ONNX test data, or a dataset (mnist or an ImageFolder) for a float model file (default there: --test-data when given)' })
      .option('calibration-samples', { type: 'number', default: 8, description: 'how many calibration inputs' })
      .options(modelFileOptionDocs)
      .option('test-sets', { type: 'number', default: 2, description: 'test inputs compiled into the firmware with their golden outputs' })
      .option('seed', { type: 'number', default: 0, description: 'seed of the weights and of the synthetic inputs' })
      .option('build', { type: 'boolean', default: true, description: '--no-build: stop before gcc (C project and report.json only)' })
      .option('boards-dir', { type: 'string', description: 'a folder of extra board files (*.json)' }),
  handler: async (a) => {
    if (a.input === undefined) throw new InputError('compile: give a model file (.onnx, .tflite) or an arch config file, or - for stdin');
    if (a.out === undefined) throw new InputError('compile: give --out DIR');
    const source = sourceName(a.input);
    if (!Number.isSafeInteger(a.seed) || a.seed < 0) throw new InputError(`--seed: expected a non-negative integer, got ${a.seed}`);
    const patch = parsePatch(a.patch);
    const board = loadBoard(a.board, { boardsDir: a['boards-dir'] });
    const cmsisRoot = a.kernels === 'cmsis-nn' ? cmsisNnRoot(a['cmsis-nn']) : undefined;
    let prepared: ReturnType<typeof prepare>;
    let outcome: Awaited<ReturnType<typeof compileModel>>;
    let lab: { millionMACs: number; KBPeakMemory: number } | null = null;
    let autoPlan: () => Plan;

    if (modelFileKind(a.input) !== 'arch') {
      const src = await fileSource(a.input, fileSourceOptions(a));
      if (!a.json) log(`${src.quantized ? 'reading' : 'calibrating and quantizing'} ${src.name} (${src.calibrationSource}) ...`);
      prepared = prepare(src, board, { patch, backend: a.kernels });
      autoPlan = () => planFor(prepared.q, board, 'auto', a.kernels);
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
      const samples = intInRange('calibration-samples', a['calibration-samples'], 1, 256);
      const testSets = intInRange('test-sets', a['test-sets'], 1, 16);
      const arch = parseArchJson(readText(a.input), source);
      lab = profileArch(arch);

      // The plan decides first (it needs only shapes): a model that does not fit is not quantized for nothing
      // when there is no build to prove it; with a build, the linker gives the verdict against the board.
      const shapes = lowerArch(arch, { weights: 'elided' });
      const early = planFor(shapes, board, patch, a.kernels);
      autoPlan = () => planFor(shapes, board, 'auto', a.kernels);
      if (!early.fits && !a.build) {
        fs.mkdirSync(a.out, { recursive: true });
        let patchFile: string | null = null;
        if (early.patchGeometry) {
          patchFile = PATCH_FILE;
          writeFileAtomic(path.join(a.out, patchFile), `${JSON.stringify(early.patchGeometry)}\n`);
        }
        writeFileAtomic(path.join(a.out, REPORT_FILE), `${JSON.stringify({ ...planReport(early, patchFile), status: 'planned', arch }, null, 2)}\n`);
        writeFileAtomic(path.join(a.out, 'report.html'), renderHtmlReport(memoryReport(early)));
        const why = misfitMessage(early, autoPlan, patch);
        if (!a.json) for (const line of formatPlanTable(early)) printLine(line);
        throw new CheckFailure(`${early.model} does not fit ${early.board}: ${why.text}. report.json written with fits: false`, {
          board: early.board,
          model: early.model,
          fits: false,
          sramBytes: early.sram.total,
          flashBytes: early.flash.total,
          withPatchAuto: why.withPatchAuto,
        });
      }

      if (!a.json) log(`quantizing ${early.model} (${samples} calibration inputs, seed ${a.seed}) ...`);
      prepared = prepare(archSource(arch, { seed: a.seed, calibrationSamples: samples, testSets }), board, { patch, backend: a.kernels });
      if (!a.json) log(a.build ? 'generating C and building ...' : 'generating C ...');
      outcome = await compileModel(prepared, board, { out: a.out, build: a.build, cmsisRoot, extra: { arch }, references: false });
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
      fits: plan.fits,
      patch: plan.patch,
      firmware: outcome.firmware,
      flashCommand: outcome.flashCommands[0] ?? null,
    };
    if (outcome.linkFailure || !plan.fits) {
      const why = misfitMessage(plan, autoPlan, patch);
      const link = outcome.linkFailure
        ? ` The link fails too: ${outcome.linkFailure.message}.`
        : outcome.firmware
          ? ' (The link succeeded: the plan keeps a margin the linker does not.)'
          : ' (Not built: --no-build.)';
      throw new CheckFailure(`${plan.model} does not fit ${plan.board}: ${why.text}. report.json written with fits: false.${link}`, {
        ...summary,
        linkError: outcome.linkFailure?.message ?? null,
        withPatchAuto: why.withPatchAuto,
      });
    }
    if (a.json) return printJson({ ok: true, ...summary });
    for (const line of formatPlanTable(plan)) printLine(line);
    printLine(`wrote ${outcome.dir}: C project, report.json, report.html (status: ${outcome.status})`);
    if (outcome.firmware) {
      const f = outcome.firmware;
      printLine(`firmware.elf/.bin/.hex built in ${f.buildSeconds.toFixed(1)} s: flash ${f.flashBytes} B (planned ${f.flashPredicted} B, ${f.flashErrorPercent.toFixed(2)}%), static SRAM ${f.staticSramBytes} B`);
      if (outcome.flashCommands.length > 0) printLine(`flash it: (cd ${outcome.dir} && ${outcome.flashCommands[0]})`);
      printLine(`run it in QEMU: mcu-nas run ${outcome.dir}`);
    } else printLine(`--no-build: build later with mcu-nas run ${outcome.dir} (or make -C ${outcome.dir})`);
  },
};
