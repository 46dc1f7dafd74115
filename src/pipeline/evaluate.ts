// evaluate in library form: top-1 accuracy of a model on a labelled dataset, as float (onnxruntime for
// ONNX, the float interpreter for an arch config) and as int8 (the generated C built for this machine, or
// the TypeScript int8 interpreter: bit-exact with each other and the firmware; evaluate-int8.ts), the drop between them, confusion matrices, the worst-classified images, and
// optionally a confirmation that N images give the same int8 bytes when the compiled firmware runs in the
// emulator. src/cli/evaluate.ts only parses flags and prints; writeEvaluateReport() writes the report folder.
import { addToOutputFolder } from '../io/output-folder.ts';
import { makeTempDir, removeTracked } from '../io/cleanup.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { Board } from '../board/schema.ts';
import { openDataset, spread, type AccuracyResult, type Dataset, type InputSpec, type Mistake, type Preprocess } from '../data/index.ts';
import { CheckFailure, InputError } from '../errors.ts';
import type { Graph } from '../ir/graph.ts';
import { readHead } from '../io/read-input.ts';
import { argmax, calibrate, quantize, type QuantGraph } from '../quant/index.ts';
import { renderAccuracyHtml, WorstExamples, type AccuracyReport, type ExampleKind, type ExampleScores, type InputPicture } from '../report/index.ts';
import type { KernelBackend } from '../schedule/index.ts';
import type { ArchConfig } from '../space/config.ts';
import { chooseCalibration, loadEvaluatedModel, type EvaluatedModel } from './evaluated-model.ts';
import { compileModel } from './compile.ts';
import { DEFAULT_WORST_IMAGES, type Int8EngineChoice } from './evaluate-defaults.ts';
import { int8Outputs, type Int8Engine } from './evaluate-int8.ts';
import type { ModelSource } from './model-source.ts';
import { prepare } from './prepare.ts';
import { runCompiled } from './run.ts';
import { EVALUATE_CHUNK, imageRanges, mergeChunks, scoreImages, type ChunkResult, type WorstPayload } from './evaluate-chunk.ts';
import type { SupernetRequest } from './supernet-weights.ts';
import { jobsFor, mapLanes, withPool } from '../pool/pool.ts';

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
    // The int8 model evaluated is the one compiled (prepare() does not calibrate and quantize again).
    quantized: q,
  };
  const prepared = prepare(source, board, { patch: 'off', backend: opts.backend });
  const tmp = makeTempDir('mcunas-evaluate-');
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
    removeTracked(tmp);
  }
}

// ---------------------------------------------------------------------------------------------------
// The whole evaluation.

export interface EvaluateRequest {
  /** ONNX model (.onnx) or arch config (JSON). */
  /** Trained weights for an arch config (--supernet) instead of seeded ones. */
  readonly trained?: (arch: ArchConfig) => { graph: Graph };
  readonly model: string;
  /** 'mnist' or an ImageFolder path. */
  readonly dataset: string;
  readonly preprocess: Preprocess;
  readonly seed: number;
  readonly limit?: number;
  readonly split: boolean;
  readonly calibration?: string;
  readonly calibrationSamples: number;
  /** Images to run in the emulator (0: none; then `board` may be undefined). */
  readonly emulated: number;
  readonly board?: Board;
  readonly backend: KernelBackend;
  readonly emulator: 'qemu' | 'renode';
  /** Worst-classified images to keep (with their pictures) for the report; default 12. */
  readonly worst?: number;
  /** Worker threads for the images (default: one per core; 1: this thread). */
  readonly jobs?: number;
  /** The request that made `trained`, so worker threads can make the same weights. */
  readonly supernet?: SupernetRequest;
  /** What computes the int8 outputs (default auto: the generated C built for this machine where gcc exists). */
  readonly int8Engine?: Int8EngineChoice;
  /** Fewest images per worker thread (default 1,000: fewer are not worth a thread's start). */
  readonly minImagesPerJob?: number;
  /** Progress messages (for stderr). */
  readonly onStage?: (message: string) => void;
  /** Called before the first image with the count, then after each image. */
  readonly onStart?: (total: number) => void;
  readonly onImage?: (done: number, total: number) => void;
}

/** One of the worst-classified images, as evaluate.json and --json give it (the picture is in the report). */
export interface WorstImage {
  index: number;
  source: string;
  label: number;
  kind: ExampleKind;
  float: ExampleScores;
  int8: ExampleScores;
}

export interface EvaluateSummary {
  model: string;
  file: string;
  dataset: string;
  evaluated: string;
  classes: readonly string[];
  images: number;
  split: boolean;
  calibration: { source: string; images: number };
  preprocess: Preprocess & { layout: 'nchw' | 'nhwc'; input: [number, number, number] };
  floatEngine: string;
  /** What computed the int8 outputs: the generated C built for this machine, or the TypeScript interpreter. */
  int8Engine: Int8Engine;
  /** host-c: the first images compared byte for byte with the interpreter (a difference is exit 1). */
  int8Agreement?: { images: number; identical: number };
  /** Why the interpreter ran where host-c was possible in principle (auto without gcc, say). */
  int8EngineNote?: string;
  floatAccuracy: number;
  int8Accuracy: number;
  /** (float correct - int8 correct) / images. */
  drop: number;
  floatCorrect: number;
  int8Correct: number;
  /** Images where float and int8 predict different classes. */
  flips: number;
  confusion: { rows: 'true class'; columns: 'predicted class'; float: number[][]; int8: number[][] };
  mistakes: { float: Mistake[]; int8: Mistake[] };
  /** The worst-classified images (flips, confident mistakes, least confident right answers). */
  worst: WorstImage[];
  emulated: EmulatedCheck;
  seconds: number;
  /** The files --report wrote. */
  report?: { json: string; html: string };
}

export interface Evaluation {
  summary: EvaluateSummary;
  /** What the HTML report needs beyond the summary: the worst images' pictures and the input described. */
  pictures: InputPicture[];
  preprocessing: string;
}

/** Fewer images than this per worker are not worth a thread (each opens the model and the dataset). */
const MIN_IMAGES_PER_JOB = 1000;

/** How dataset images became model inputs, in words, for the report. */
export function describePreprocessing(spec: InputSpec, p: Preprocess, dataset: string): string {
  const size = `${spec.width}×${spec.height}`;
  const interpolation = p.interpolation ?? (dataset === 'mnist' ? 'area' : 'bilinear');
  const resize = p.resize === undefined ? `resized to ${size}` : `resized to ${p.resize}×${p.resize}, centre-cropped to ${size}`;
  const list = (v: readonly number[]) => v.join(', ');
  const channels = spec.channels === 1 ? '1 channel (luminance)' : `3 channels (${p.channelOrder.toUpperCase()})`;
  return `${spec.layout.toUpperCase()}, ${channels}; ${resize} (${interpolation}${interpolation === 'bilinear' && p.antialias ? ', antialiased' : ''}); x = (p × ${p.scale}/255 − ${list(p.mean)}) / ${list(p.std)}`;
}

export async function evaluateModel(req: EvaluateRequest): Promise<Evaluation> {
  const started = Date.now();
  const model = await loadEvaluatedModel(req.model, req.seed, req.trained);
  try {
    const dataset = openDataset(req.dataset, model.spec, req.preprocess);
    if (dataset.classes.length > model.classCount)
      throw new InputError(`${req.dataset}: ${dataset.classes.length} classes, but ${model.file} scores only ${model.classCount}`);
    const cal = chooseCalibration(model, dataset, req.preprocess, req.dataset, { calibration: req.calibration, samples: req.calibrationSamples, seed: req.seed, split: req.split, limit: req.limit });
    req.onStage?.(`calibrating on ${cal.source} ...`);
    const q = quantize(model.graph, calibrate(model.graph, cal.inputs, { source: model.file }), { source: model.file });

    // The int8 outputs of every image at once by the host C build (checked on a sample), or the interpreter
    // image by image while scoring.
    const int8 = await int8Outputs(model, q, cal.evaluation, { choice: req.int8Engine ?? 'auto', board: req.board, jobs: jobsFor(req.jobs, cal.evaluation.size), onStage: req.onStage });
    const { outputs, outputBytes: ob = 0 } = int8;
    const int8Of = outputs ? (i: number) => outputs.subarray(i * ob, (i + 1) * ob) : undefined;

    // The images, in this thread or split across worker threads (the same figures either way). With the
    // host C outputs, what is left per image is the float reference: worth threads only when that is an
    // interpreter too (onnxruntime scores an image of onnx-mnist8 in under 0.1 ms, a thread costs seconds).
    req.onStart?.(cal.evaluation.size);
    const heavy = !outputs || model.floatEngine !== 'onnxruntime';
    const jobs = heavy ? jobsFor(req.jobs, Math.floor(cal.evaluation.size / (req.minImagesPerJob ?? MIN_IMAGES_PER_JOB))) : 1;
    const worstCount = req.worst ?? DEFAULT_WORST_IMAGES;
    let scored: { accuracy: AccuracyResult; worst: WorstExamples<WorstPayload> };
    if (jobs <= 1 || (req.trained && !req.supernet)) scored = await scoreImages(model, q, cal.evaluation, { worst: worstCount, int8Of, onImage: req.onImage });
    else {
      const ranges = imageRanges(cal.evaluation.size, jobs);
      req.onStage?.(`scoring ${cal.evaluation.size} images on ${jobs} threads (this one and ${jobs - 1} worker${jobs > 2 ? 's' : ''}; ${ranges.length} shares) ...`);
      const done = new Array<number>(ranges.length).fill(0);
      const tick = () => req.onImage?.(done.reduce((a, b) => a + b, 0), cal.evaluation.size);
      const chunk = { model: req.model, seed: req.seed, supernet: req.supernet, dataset: req.dataset, preprocess: req.preprocess, limit: req.limit, split: req.split, calibration: req.calibration, calibrationSamples: req.calibrationSamples, q, worst: worstCount };
      // This thread is one of the jobs (its model and dataset are open already); jobs - 1 workers join it.
      const here = async (r: { start: number; end: number }, i: number): Promise<ChunkResult> => {
        const s = await scoreImages(model, q, cal.evaluation, { range: r, worst: worstCount, int8Of, onImage: (n) => ((done[i] = n), tick()) });
        return { accuracy: s.accuracy, kept: s.worst.kept(), firstFloat: s.firstFloat };
      };
      const parts = await withPool(jobs - 1, (pool) =>
        mapLanes(ranges, [
          here,
          ...Array.from({ length: jobs - 1 }, () => (r: { start: number; end: number }, i: number) =>
            pool.run(EVALUATE_CHUNK, { ...chunk, ...r, int8: outputs?.slice(r.start * ob, r.end * ob) }, (n) => {
              done[i] = n as number;
              tick();
            }),
          ),
        ]),
      );
      scored = mergeChunks(parts, worstCount);
    }
    const result = scored.accuracy;
    const worst = scored.worst;
    const [f, i8] = result.scores;

    let emulated: EmulatedCheck = { count: 0, identical: 0, note: 'not requested (--emulated N runs N images in the emulator)' };
    if (req.board && req.emulated > 0) {
      req.onStage?.(`compiling for ${req.board.name} and running ${req.emulated} images in ${req.emulator} ...`);
      emulated = await emulateImages(model, q, cal.inputs, spread(cal.evaluation, req.emulated), req.board, { backend: req.backend, emulator: req.emulator });
    }

    const chosen = worst.result();
    const { spec } = model;
    const summary: EvaluateSummary = {
      model: model.name,
      file: model.file,
      dataset: req.dataset,
      evaluated: cal.evaluation.name,
      classes: result.classes,
      images: result.images,
      split: cal.split,
      calibration: { source: cal.source, images: cal.inputs.length },
      preprocess: { ...req.preprocess, layout: spec.layout, input: [spec.channels, spec.height, spec.width] },
      floatEngine: model.floatEngine,
      int8Engine: int8.engine,
      ...(int8.agreement ? { int8Agreement: int8.agreement } : {}),
      ...(int8.note ? { int8EngineNote: int8.note } : {}),
      floatAccuracy: f.accuracy,
      int8Accuracy: i8.accuracy,
      // From the counts, so 11 images of 5000 give 0.0022, not a difference of two rounded fractions.
      drop: result.images === 0 ? 0 : (f.correct - i8.correct) / result.images,
      floatCorrect: f.correct,
      int8Correct: i8.correct,
      flips: result.disagreements,
      confusion: { rows: 'true class', columns: 'predicted class', float: f.confusion, int8: i8.confusion },
      mistakes: { float: f.mistakes, int8: i8.mistakes },
      worst: chosen.map((e) => ({ index: e.index, source: e.payload.source, label: e.label, kind: e.kind, float: e.float, int8: e.int8 })),
      emulated,
      seconds: (Date.now() - started) / 1000,
    };
    const p = req.preprocess;
    const pictures = chosen.map(
      (e): InputPicture => ({ width: spec.width, height: spec.height, channels: spec.channels, layout: spec.layout, data: e.payload.image, scale: p.scale, mean: p.mean, std: p.std, channelOrder: p.channelOrder }),
    );
    return { summary, pictures, preprocessing: describePreprocessing(spec, p, req.dataset) };
  } finally {
    await model.close();
  }
}

/** Exit 1 (CheckFailure, carrying the summary) when an emulated image's int8 bytes differ from the interpreter's. */
export function checkEmulated(summary: EvaluateSummary): void {
  const e = summary.emulated;
  if (e.count > 0 && e.identical !== e.count)
    throw new CheckFailure(`${summary.file}: ${e.count - e.identical} of ${e.count} images give different int8 bytes in the emulator than in the int8 interpreter`, { ...summary });
}

// ---------------------------------------------------------------------------------------------------
// The report folder.

export const EVALUATE_JSON = 'evaluate.json';
export const REPORT_HTML = 'report.html';
/** The accuracy page's name when the folder already holds compile's memory report.html. */
export const ACCURACY_HTML = 'accuracy.html';

/** True when `file` is an HTML report written by evaluate (so it may be replaced). */
function isEvaluateReport(file: string): boolean {
  try {
    // The head only, and never a FIFO or a device someone left under that name.
    return readHead(file, 4096).toString('utf8').includes('<meta name="generator" content="mcu-nas evaluate">');
  } catch {
    return false;
  }
}

export function accuracyReport(e: Evaluation, memoryReport?: string): AccuracyReport {
  const s = e.summary;
  return {
    model: s.model,
    file: s.file,
    dataset: s.dataset,
    evaluated: s.evaluated,
    images: s.images,
    classes: s.classes,
    calibration: s.calibration.source,
    preprocessing: e.preprocessing,
    float: { engine: s.floatEngine, correct: s.floatCorrect, accuracy: s.floatAccuracy, confusion: s.confusion.float },
    int8: { engine: s.int8Engine === 'host-c' ? `host C (gcc -O2; same bytes as the int8 interpreter on ${s.int8Agreement?.images} images)` : 'int8 interpreter', correct: s.int8Correct, accuracy: s.int8Accuracy, confusion: s.confusion.int8 },
    drop: s.drop,
    flips: s.flips,
    emulated: s.emulated,
    examples: s.worst.map((w, k) => ({ ...w, picture: e.pictures[k] })),
    memoryReport,
  };
}

/**
 * Writes DIR/evaluate.json (the summary, as --json prints it) and the HTML accuracy report: DIR/report.html,
 * or DIR/accuracy.html when DIR/report.html is compile's memory report (kept, and linked from the page).
 * Sets `summary.report` to the two paths.
 */
export function writeEvaluateReport(dir: string, e: Evaluation): { json: string; html: string } {
  const existing = path.join(dir, REPORT_HTML);
  const keepMemory = fs.existsSync(existing) && !isEvaluateReport(existing);
  const htmlName = keepMemory ? ACCURACY_HTML : REPORT_HTML;
  const files = { json: path.join(dir, EVALUATE_JSON), html: path.join(dir, htmlName) };
  e.summary.report = files;
  const html = renderAccuracyHtml(accuracyReport(e, keepMemory ? REPORT_HTML : undefined));
  addToOutputFolder(dir, { [EVALUATE_JSON]: `${JSON.stringify(e.summary, null, 2)}\n`, [htmlName]: html }, '--report');
  return files;
}
