// `mcu-nas compile`: wiring only. The work is src/pipeline (prepare: lower, calibrate, quantize, plan;
// compile: generate the C project, build it, write report.json).
import { loadBoard } from '../board/index.ts';
import { cmsisNnRoot } from '../codegen/index.ts';
import { CheckFailure, InputError } from '../errors.ts';
import { sourceName } from '../io/read-input.ts';
import { claimOutputFolder } from '../io/output-folder.ts';
import { CALIBRATION_SAMPLES, modelFileKind, type FileSourceOptions } from '../pipeline/file-source.ts';
import { normalisationFromFlags } from '../data/index.ts';
import { compileRequest, type CompileRequest } from '../pipeline/compile-request.ts';
import type { KernelBackend } from '../schedule/index.ts';
import { formatPlanTable } from '../schedule/plan-table.ts';
import { log, printJson, printLine, type GlobalFlags } from './output.ts';
import { intInRange, parsePatch } from './flag-checks.ts';

export { parsePatch };
import { defineCommand, SUPERNET_FLAGS, supernetRequest, type SupernetFlags } from './flags.ts';
import { supernetWeights, type SupernetWeights } from '../pipeline/supernet-weights.ts';

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

/** The flags an arch config takes, checked (test data and calibration sets go with model files). */
function archOptions(a: Args, supernet: SupernetWeights | undefined): CompileRequest['arch'] {
  if (a['test-data'] !== undefined) throw new InputError('--test-data: test-data folders go with model files (ONNX/TFLite), not arch configs');
  const calibration = a.calibration ?? 'random';
  if (calibration !== 'random') throw new InputError(`--calibration: only "random" is supported for an arch config, got "${calibration}"`);
  const calibrationSamples = intInRange('calibration-samples', a['calibration-samples'] ?? CALIBRATION_SAMPLES.synthetic, 1, 256);
  return { seed: a.seed, calibrationSamples, testSets: a['test-sets'], supernet };
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
    const isArch = modelFileKind(a.input) === 'arch';
    const result = await compileRequest({
      input: a.input,
      source,
      board,
      out: a.out,
      patch,
      kernels: a.kernels,
      cmsisRoot,
      build: a.build,
      file: isArch ? undefined : fileSourceOptions(a),
      arch: isArch ? archOptions(a, supernet) : undefined,
      log: a.json ? undefined : log,
    });
    if (!result.fits) {
      if (result.planOnly && !a.json) for (const line of formatPlanTable(result.plan)) printLine(line);
      throw new CheckFailure(result.message, result.details);
    }
    const { summary, plan, prepared, outcome } = result;
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
