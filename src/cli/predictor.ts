// `mcu-nas predictor train|eval`: training the accuracy MLP on the lab's dataset and checking a
// predictor (own format or a lab .pth) against a dataset. Wiring only; the work is in src/predict/.
import cliProgress from 'cli-progress';
import { InputError } from '../errors.ts';
import { readAccDataset } from '../predict/acc-dataset.ts';
import { encodeBatch } from '../predict/encoded-batch.ts';
import { fitMetrics } from '../predict/metrics.ts';
import { DEFAULT_PREDICTOR_FILE, loadPredictor } from '../predict/load-model.ts';
import { PREDICTOR_FORMAT, savePredictorFile } from '../predict/predictor-file.ts';
import { SCHEDULES, TRAIN_DEFAULTS, trainPredictor, type Schedule, type TrainProgress } from '../predict/train.ts';
import { printJson, printLine, type GlobalFlags, isQuiet } from './output.ts';
import { defineCommand } from './flags.ts';
import { claimOutputFile, claimOutputFolder } from '../io/output-folder.ts';

interface TrainArgs extends GlobalFlags {
  data: string;
  out: string;
  epochs: number;
  seed: number;
  lr: number;
  'batch-size': number;
  'split-seed'?: number;
  schedule: Schedule;
  'warmup-epochs': number;
  'min-lr-fraction': number;
  'weight-decay': number;
  'target-scale': number;
  'ema-decay': number;
  dropout: number;
  progress: boolean;
  force: boolean;
}

interface EvalArgs extends GlobalFlags {
  data: string;
  predictor?: string;
  report?: string;
}

/** A file predictor train wrote (its format field), which --out may replace without --force. */
function isPredictorFile(bytes: Buffer): boolean {
  try {
    return (JSON.parse(bytes.toString('utf8')) as { format?: unknown }).format === PREDICTOR_FORMAT;
  } catch {
    return false;
  }
}

/** A progress bar on stderr: epoch, step, running L1 loss and the last validation MAE. */
function progressBar(enabled: boolean): { update: (p: TrainProgress) => void; stop: () => void } {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'epoch {epoch}/{epochs} [{bar}] {percentage}% | loss {loss} | valid MAE {valid} | {eta_formatted} left',
      etaBuffer: 200,
      hideCursor: true,
      synchronousUpdate: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (p) => {
      const payload = { epoch: p.epoch, epochs: p.epochs, loss: p.loss.toFixed(5), valid: Number.isNaN(p.validMae) ? '-' : p.validMae.toFixed(5) };
      const done = (p.epoch - 1) * p.stepsPerEpoch + p.step;
      if (!started) {
        bar.start(p.epochs * p.stepsPerEpoch, done, payload);
        started = true;
      } else bar.update(done, payload);
    },
    stop: () => started && bar.stop(),
  };
}

const trainCommand = defineCommand<TrainArgs>({
  command: 'train',
  describe: 'train the accuracy MLP on an accuracy dataset (DIR/src/*.json[.gz] of [config, acc%] rows)',
  nested: true,
  flags: {
    data: true,
    out: { required: true, describe: 'predictor file to write (JSON, see predictors/)' },
    force: true,
    epochs: true,
    seed: { default: TRAIN_DEFAULTS.seed, describe: 'seeds the init, the shuffling and (unless --split-seed) the split' },
    'split-seed': true,
    lr: true,
    'batch-size': true,
    schedule: true,
    'warmup-epochs': true,
    'min-lr-fraction': true,
    'weight-decay': true,
    'target-scale': true,
    'ema-decay': true,
    dropout: true,
    progress: true,
  },
  examples: [['$0 predictor train --data ../shared/data/mcunet-acc-dataset --out my-predictor.json', "the lab's MLP, trained with the defaults of the shipped predictor"]],
  run: (a) => {
    const out = claimOutputFile(a.out, '--out', isPredictorFile, a.force);
    const { epochs, 'batch-size': batchSize, 'ema-decay': emaDecay, dropout, 'min-lr-fraction': minLrFraction, 'warmup-epochs': warmupEpochs } = a;
    const splitSeed = a['split-seed'] ?? a.seed;
    if (!(warmupEpochs >= 0 && warmupEpochs <= epochs)) throw new InputError(`--warmup-epochs: expected a number in [0, ${epochs}], got ${warmupEpochs}`);
    const weightDecay = a['weight-decay'];
    if (!(weightDecay >= 0 && weightDecay * a.lr < 1)) throw new InputError(`--weight-decay: expected a number >= 0 with weight-decay x lr < 1, got ${weightDecay}`);
    const targetScale = a['target-scale'];
    const data = readAccDataset(a.data);
    if (data.configs.length < 10) throw new InputError(`${a.data}: ${data.configs.length} rows are too few to train on (need at least 10)`);
    const bar = progressBar(a.progress && !isQuiet());
    let r;
    try {
      r = trainPredictor(
        data,
        { epochs, seed: a.seed, splitSeed, lr: a.lr, batchSize, schedule: a.schedule, warmupEpochs, minLrFraction, weightDecay, targetScale, emaDecay, dropout },
        bar.update,
      );
    } finally {
      bar.stop();
    }
    const summary = {
      rows: r.rows,
      trainRows: r.trainRows,
      validRows: r.validRows,
      epochs: r.epochs,
      seconds: Number(r.seconds.toFixed(2)),
      validMae: r.validMae,
      validMaxAbsError: r.validMaxAbsError,
      validPearson: r.validPearson,
      trainMae: r.trainMae,
      baseAcc: r.weights.baseAcc,
      seed: a.seed,
      splitSeed,
      lr: a.lr,
      batchSize,
      schedule: a.schedule,
      warmupEpochs,
      minLrFraction,
      weightDecay,
      targetScale,
      emaDecay,
      dropout,
      out: a.out,
    };
    const command = ['mcu-nas predictor train', `--data ${a.data}`, `--out ${a.out}`, `--epochs ${epochs}`, `--seed ${a.seed}`, `--split-seed ${splitSeed}`,
      `--lr ${a.lr}`, `--batch-size ${batchSize}`, `--schedule ${a.schedule}`, `--warmup-epochs ${warmupEpochs}`, `--min-lr-fraction ${minLrFraction}`,
      `--weight-decay ${weightDecay}`, `--target-scale ${targetScale}`, `--ema-decay ${emaDecay}`, `--dropout ${dropout}`].join(' ');
    savePredictorFile(out, r.weights, {
      command,
      dataset: a.data,
      ...summary,
      out: undefined,
      split: `shuffle(xoshiro128ss(splitSeed)) of the row indices (files in name order): first trainRows train, the rest validate (splitRows in src/predict/train.ts)`,
      history: r.history,
    });
    if (a.json) return printJson(summary);
    printLine(`trained on ${r.trainRows} of ${r.rows} rows for ${r.epochs} epochs in ${summary.seconds} s`);
    printLine(`validation (${r.validRows} rows): MAE ${(r.validMae * 100).toFixed(4)} points, max ${(r.validMaxAbsError * 100).toFixed(3)}, Pearson ${r.validPearson.toFixed(4)}`);
    printLine(`wrote ${a.out}`);
  },
});

const evalCommand = defineCommand<EvalArgs>({
  command: 'eval',
  describe: 'check a predictor against every row of an accuracy dataset: {rows, mae, maxAbsError, pearson}',
  nested: true,
  flags: {
    data: { describe: 'dataset folder (DIR/src/*.json[.gz] or DIR/*.json[.gz])' },
    predictor: { describe: `predictor file: mcu-nas JSON or a lab .pth (default: ${DEFAULT_PREDICTOR_FILE})` },
    report: { describe: 'write DIR/predictor.html (predicted against measured accuracy, with the identity line, MAE and Pearson r) and DIR/predictor.json' },
  },
  examples: [
    ['$0 predictor eval --data ../shared/data/mcunet-acc-dataset', 'the shipped predictor against every row'],
    ['$0 predictor eval --data ../shared/data/mcunet-acc-dataset --report predictor-report', "and the lab's correlation plot in predictor-report/predictor.html"],
  ],
  run: async (a) => {
    const reportDir = a.report === undefined ? undefined : claimOutputFolder(a.report, '--report');
    const data = readAccDataset(a.data);
    const predictor = loadPredictor(a.predictor);
    const t0 = performance.now();
    const pred = predictor.predictEncoded(encodeBatch(data.configs));
    const seconds = (performance.now() - t0) / 1000;
    const measured = Float64Array.from(data.accPercent, (v) => v / 100);
    const m = fitMetrics(pred, measured);
    const summary = { ...m, predictor: predictor.source, seconds: Number(seconds.toFixed(3)) };
    const report =
      reportDir === undefined
        ? undefined
        : (await import('../report/predictor-report.ts')).writePredictorReport(reportDir, { predictor: predictor.source, dataset: a.data, predicted: pred, measured, ...m }, summary);
    if (a.json) return printJson(report ? { ...summary, report } : summary);
    printLine(`${predictor.source} on ${m.rows} rows of ${a.data}:`);
    printLine(`  MAE ${(m.mae * 100).toFixed(4)} accuracy points (${m.mae.toFixed(6)}), max |error| ${(m.maxAbsError * 100).toFixed(3)}, Pearson ${m.pearson.toFixed(4)}`);
    if (report) printLine(`  report: ${report.html}`);
  },
});

export const predictorCommand = defineCommand<GlobalFlags>({
  command: 'predictor',
  describe: 'train or evaluate the accuracy predictor',
  subcommands: [trainCommand, evalCommand] as never[],
});
