// `mcu-nas validate`: wiring only (src/pipeline/validate.ts). A model file and --test-data plug in as
// another ModelSource (src/pipeline/model-source.ts).
import { loadBoard } from '../board/index.ts';
import { cmsisNnRoot } from '../codegen/index.ts';
import { CheckFailure, InputError } from '../errors.ts';
import { readText, sourceName } from '../io/read-input.ts';
import { archSource } from '../pipeline/model-source.ts';
import { validateModel } from '../pipeline/validate.ts';
import type { KernelBackend } from '../schedule/index.ts';
import { parseArchJson } from '../space/config.ts';
import { CALIBRATION_SAMPLES, fileSource, modelFileKind } from '../pipeline/file-source.ts';
import type { ModelSource } from '../pipeline/model-source.ts';
import { fileSourceOptions, MODEL_FILE_FLAGS, parsePatch } from './compile.ts';
import { defineCommand, SUPERNET_FLAGS, supernetRequest, type SupernetFlags } from './flags.ts';
import { supernetWeights } from '../pipeline/supernet-weights.ts';
import { claimOutputFolder } from '../io/output-folder.ts';
import { intInRange } from './flag-checks.ts';
import { log, printJson, printLine, type GlobalFlags } from './output.ts';

interface Args extends GlobalFlags, SupernetFlags {
  input: string;
  board: string;
  kernels: KernelBackend;
  'cmsis-nn'?: string;
  patch: string;
  'test-data'?: string;
  'test-sets': number;
  'calibration-samples'?: number;
  calibration?: string;
  reference?: string;
  scale?: number;
  mean?: string;
  std?: string;
  seed: number;
  'min-cosine': number;
  out?: string;
  'boards-dir'?: string;
  variant?: string;
}

export const validateCommand = defineCommand<Args>({
  command: 'validate [input]',
  describe: 'compile, run in the emulator on test inputs, and compare with the float reference (top-1, cosine, RMSE, max error)',
  positionals: {
    input: {
      describe: 'model.onnx (float or QDQ), model.tflite (int8 or float), or an arch config JSON file (- for stdin)',
      required: 'validate: give a model file (.onnx, .tflite) or an arch config file, or - for stdin',
    },
  },
  flags: {
    board: true,
    'boards-dir': true,
    variant: true,
    kernels: true,
    'cmsis-nn': true,
    patch: true,
    ...MODEL_FILE_FLAGS,
    reference: true,
    ...SUPERNET_FLAGS,
    'min-cosine': true,
    out: { describe: 'keep the compiled folder here (absent, empty, or an earlier mcu-nas output)' },
  },
  examples: [
    ['$0 validate model.onnx --test-data model.test', "compile (calibrated on the test inputs), run in QEMU, compare with the folder's reference outputs"],
    ['$0 validate model.onnx --calibration mnist --scale 255', 'calibrated on MNIST digits; references from onnxruntime on seeded synthetic images'],
    ['$0 validate vww_int8.tflite --reference vww_float.tflite', 'an int8 model against its float original (without --reference: the project\'s own int8 interpreter)'],
  ],
  run: async (a) => {
    const source = sourceName(a.input);
    const patch = parsePatch(a.patch);
    if (a.out !== undefined) claimOutputFolder(a.out);
    const trainedRequest = supernetRequest(a, a.input);
    const supernet = trainedRequest ? supernetWeights(trainedRequest) : undefined;
    const board = loadBoard(a.board, { boardsDir: a['boards-dir'], variant: a.variant });
    const cmsisRoot = a.kernels === 'cmsis-nn' ? cmsisNnRoot(a['cmsis-nn']) : undefined;
    let src: ModelSource;
    if (modelFileKind(a.input) !== 'arch') src = await fileSource(a.input, fileSourceOptions(a, { reference: a.reference }));
    else {
      if (a['test-data'] !== undefined) throw new InputError('--test-data: test-data folders go with model files (ONNX/TFLite), not arch configs');
      if (a.reference !== undefined) throw new InputError('--reference: a reference model goes with model files (ONNX/TFLite), not arch configs');
      if (a.calibration !== undefined && a.calibration !== 'random') throw new InputError(`--calibration: only "random" is supported for an arch config, got "${a.calibration}"`);
      const arch = parseArchJson(readText(a.input), source);
      src = archSource(arch, { seed: a.seed, calibrationSamples: intInRange('calibration-samples', a['calibration-samples'] ?? CALIBRATION_SAMPLES.synthetic, 1, 256), testSets: a['test-sets'], trained: supernet?.graphFor(arch) });
    }
    if (!a.json) log(`validating ${src.name} on ${board.name} ...`);
    const r = await validateModel(src, board, { backend: a.kernels, patch, cmsisRoot, out: a.out, minCosine: a['min-cosine'] });
    const { run: _run, ...result } = r;
    // The project's own int8 interpreter as the reference computes what the firmware computes: agreement
    // then shows bit-exactness, not how close the int8 model is to a float original.
    const ownReference = src.kind === 'tflite-int8' && a.reference === undefined;
    const summary = {
      ...result,
      calibration: src.calibrationSource,
      reference: { engine: r.referenceEngine, independent: !ownReference },
    };
    if (!r.ok) {
      const bad = r.sets.find((s) => !s.bitExact || s.cosine < r.minCosine);
      throw new CheckFailure(
        `${r.model} on ${r.board}: ${!r.bitExact ? 'firmware output differs from the TypeScript int8 model' : `set ${bad?.index}: cosine ${bad?.cosine.toFixed(4)} below ${r.minCosine}`}`,
        { ...summary },
      );
    }
    if (a.json) return printJson(summary);
    printLine(`${r.model}: ok, runs bit-exact on ${r.board} in ${r.run.emulator === 'renode' ? 'Renode' : 'QEMU'} (${r.kernels} kernels; the same int8 output as the TypeScript golden model)`);
    printLine(`  reference: ${r.referenceEngine}`);
    printLine(`  calibration: ${src.calibrationSource}`);
    if (ownReference)
      printLine(
        "  note: this reference is the project's own int8 interpreter, the firmware's arithmetic: agreement shows bit-exactness, not accuracy; give --reference FLOAT_MODEL (the model's float .tflite or .onnx) to compare with its float original",
      );
    for (const s of r.sets)
      printLine(`  set ${s.index}: top-1 ${s.top1Match ? 'agrees' : `differs (${s.top1Reference} vs ${s.top1Firmware})`}, cosine ${s.cosine.toFixed(5)}, RMSE ${s.rmse.toExponential(3)}, max error ${s.maxAbsErr.toExponential(3)}`);
    printLine(`  ${r.instructions} instructions (${r.instructionsPerMac.toFixed(2)}/MAC), ${r.latencyMs === null ? 'no cycle model' : `~${r.latencyMs.toFixed(2)} ms`}; SRAM ${r.sramUsedBytes} B, flash ${r.flashUsedBytes} B`);
    for (const n of r.notes) printLine(`  note: ${n}`);
  },
});
