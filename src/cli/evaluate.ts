// `mcu-nas evaluate`: flags in, src/pipeline/evaluate.ts does the work (float vs int8 accuracy, confusion
// matrices, the worst-classified images, optional emulation), then a summary on stdout (or --json) and,
// with --report DIR, DIR/evaluate.json and the HTML accuracy report (report.html, or accuracy.html beside
// compile's report.html).
import { claimOutputFolder } from '../io/output-folder.ts';
import cliProgress from 'cli-progress';
import { loadBoard } from '../board/index.ts';
import { DEFAULT_PREPROCESS, normalisationFromFlags, type Interpolation, type Preprocess } from '../data/index.ts';
import { checkEmulated, evaluateModel, writeEvaluateReport } from '../pipeline/evaluate.ts';
import { DEFAULT_WORST_IMAGES, type Int8EngineChoice } from '../pipeline/evaluate-defaults.ts';
import type { KernelBackend } from '../schedule/index.ts';
import { log, printJson, printLine, type GlobalFlags, isQuiet } from './output.ts';
import { defineCommand, SUPERNET_FLAGS, supernetRequest, type SupernetFlags } from './flags.ts';
import { supernetWeights } from '../pipeline/supernet-weights.ts';

interface Args extends GlobalFlags, SupernetFlags {
  model: string;
  dataset: string;
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
  report?: string;
  'report-images': number;
  jobs?: number;
  'int8-engine': Int8EngineChoice;
}


const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

/** A progress bar on stderr (stdout stays clean for --json). */
function progressBar() {
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'evaluate [{bar}] {value}/{total} images | {eta_formatted} left', hideCursor: true, fps: 10, etaBuffer: 500 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    start: (total: number) => {
      if (isQuiet()) return;
      bar.start(total, 0);
      started = true;
    },
    tick: (done: number) => bar.update(done),
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}

function confusionLines(classes: readonly string[], m: number[][]): string[] {
  const w = Math.max(5, ...classes.map((c) => c.length), ...m.flat().map((v) => String(v).length)) + 1;
  const pad = (s: string) => s.padStart(w);
  return [`${pad('')}${classes.map(pad).join('')}`, ...m.map((row, i) => `${pad(classes[i])}${row.map((v) => pad(String(v))).join('')}`)];
}

export const evaluateCommand = defineCommand<Args>({
  command: 'evaluate [model]',
  describe: 'top-1 accuracy of a model on a labelled dataset, float vs int8, and optionally N images confirmed in QEMU',
  positionals: { model: { describe: 'ONNX model (.onnx) or arch config (JSON)', required: 'evaluate: give a model (.onnx or arch config JSON)' } },
  flags: {
    dataset: true,
    limit: true,
    split: true,
    calibration: { describe: 'calibration data: a dataset (default: the evaluated one, then split even/odd), an ONNX test-data folder, or "random"' },
    'calibration-samples': { default: 100, max: 10_000, describe: 'calibration images, spread over the calibration data' },
    seed: { describe: "seed of --calibration random and of an arch config's weights" },
    scale: true,
    mean: true,
    std: { describe: 'per-channel std (defaults: none of scale/mean/std given: scale 1, mean 0.5, std 0.5 as the lab; else scale 1, mean 0, std 1)' },
    'channel-order': true,
    resize: true,
    interpolation: true,
    antialias: true,
    board: { describe: 'board for --emulated' },
    kernels: true,
    emulator: true,
    emulated: true,
    'boards-dir': true,
    report: true,
    'report-images': true,
    'int8-engine': true,
    jobs: { describe: 'threads the images are split across: this one and N - 1 workers (default: one per core; at least 1,000 images each, as a worker costs about 600 images of onnx-mnist8 to start)' },
    ...SUPERNET_FLAGS,
  },
  examples: [['$0 evaluate model.onnx --dataset mnist --limit 1000 --emulated 4 --report acc', 'float vs int8 accuracy on 1,000 digits, 4 confirmed in QEMU, an HTML report']],
  run: async (a) => {
    const { limit, 'calibration-samples': samples, emulated: emulatedCount, seed } = a;
    const preprocess: Preprocess = {
      ...DEFAULT_PREPROCESS,
      ...normalisationFromFlags({ mean: a.mean, std: a.std, scale: a.scale }),
      channelOrder: a['channel-order'],
      resize: a.resize,
      interpolation: a.interpolation,
      antialias: a.antialias,
    };
    const worst = a['report-images'];
    if (a.report !== undefined) claimOutputFolder(a.report, '--report');
    const trainedRequest = supernetRequest(a, a.model);
    const supernet = trainedRequest ? supernetWeights(trainedRequest) : undefined;
    const board = emulatedCount > 0 ? loadBoard(a.board, { boardsDir: a['boards-dir'] }) : undefined;

    const bar = progressBar();
    let evaluation: Awaited<ReturnType<typeof evaluateModel>>;
    try {
      evaluation = await evaluateModel({
        model: a.model,
        dataset: a.dataset,
        preprocess,
        seed,
        trained: supernet ? (arch) => supernet.graphFor(arch) : undefined,
        limit,
        split: a.split,
        calibration: a.calibration,
        calibrationSamples: samples,
        emulated: emulatedCount,
        board,
        backend: a.kernels,
        emulator: a.emulator,
        worst,
        jobs: a.jobs,
        int8Engine: a['int8-engine'],
        supernet: trainedRequest,
        onStage: (m) => {
          bar.stop();
          if (!a.json) log(m);
        },
        onStart: (total) => bar.start(total),
        onImage: (done) => bar.tick(done),
      });
    } finally {
      bar.stop();
    }
    const summary = evaluation.summary;
    if (a.report !== undefined) {
      const files = writeEvaluateReport(a.report, evaluation);
      if (!a.json) log(`wrote ${files.json} and ${files.html}`);
    }
    checkEmulated(summary);
    if (a.json) return printJson(summary);

    const [f, i8] = [
      { accuracy: summary.floatAccuracy, correct: summary.floatCorrect },
      { accuracy: summary.int8Accuracy, correct: summary.int8Correct },
    ];
    const emulated = summary.emulated;
    printLine(`${summary.model} on ${summary.evaluated}: ${summary.images} images, ${summary.classes.length} classes; calibrated on ${summary.calibration.source}`);
    printLine(`  float (${summary.floatEngine}): ${percent(f.accuracy)} (${f.correct}/${summary.images})`);
    printLine(`  int8 (${summary.int8Engine === 'host-c' ? `host C, = interpreter on ${summary.int8Agreement?.images} images` : 'interpreter'}):  ${percent(i8.accuracy)} (${i8.correct}/${summary.images}); drop ${(100 * summary.drop).toFixed(2)} points; ${summary.flips} images change class`);
    if (summary.classes.length <= 20) {
      printLine('  int8 confusion (rows: true class, columns: predicted):');
      for (const line of confusionLines(summary.classes, summary.confusion.int8)) printLine(`  ${line}`);
    }
    printLine(
      emulated.count > 0
        ? `  emulated: ${emulated.identical}/${emulated.count} images give identical int8 outputs on ${emulated.board} in ${emulated.emulator}`
        : `  emulated: ${emulated.note}`,
    );
    if (summary.report) printLine(`  report: ${summary.report.html}`);
  },
});
