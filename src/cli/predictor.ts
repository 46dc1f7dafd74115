// `mcu-nas predictor train|eval`: training the accuracy MLP on the lab's dataset and checking a
// predictor (own format or a lab .pth) against a dataset. Wiring only; the work is in src/predict/.
import type { Argv, CommandModule } from 'yargs';
import cliProgress from 'cli-progress';
import { InputError } from '../errors.ts';
import { readAccDataset } from '../predict/acc-dataset.ts';
import { encodeBatch } from '../predict/encoded-batch.ts';
import { fitMetrics } from '../predict/metrics.ts';
import { DEFAULT_PREDICTOR_FILE, loadPredictor } from '../predict/load-model.ts';
import { savePredictorFile } from '../predict/predictor-file.ts';
import { SCHEDULES, TRAIN_DEFAULTS, trainPredictor, type Schedule, type TrainProgress } from '../predict/train.ts';
import { printJson, printLine, type GlobalFlags } from './output.ts';
import { positive } from './flag-checks.ts';

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
}

interface EvalArgs extends GlobalFlags {
  data: string;
  predictor?: string;
}

function fraction(name: string, v: number, max = 1): number {
  if (!(v >= 0 && v < max)) throw new InputError(`--${name}: expected a number in [0, ${max}), got ${v}`);
  return v;
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

const trainCommand: CommandModule<GlobalFlags, TrainArgs> = {
  command: 'train',
  describe: 'train the accuracy MLP on an accuracy dataset (DIR/src/*.json[.gz] of [config, acc%] rows)',
  builder: (y) =>
    y
      .option('data', { type: 'string', demandOption: true, description: 'dataset folder (the lab layout DIR/src/*.json.gz, or DIR/*.json.gz)' })
      .option('out', { type: 'string', demandOption: true, description: 'predictor file to write (JSON, see predictors/)' })
      .option('epochs', { type: 'number', default: TRAIN_DEFAULTS.epochs })
      .option('seed', { type: 'number', default: TRAIN_DEFAULTS.seed, description: 'seeds the init, the shuffling and (unless --split-seed) the split' })
      .option('split-seed', { type: 'number', description: 'seeds the train/valid split on its own (default: --seed), to compare settings on the same held-out rows' })
      .option('lr', { type: 'number', default: TRAIN_DEFAULTS.lr, description: 'Adam learning rate (the peak, after the warm-up)' })
      .option('batch-size', { type: 'number', default: TRAIN_DEFAULTS.batchSize })
      .option('schedule', { choices: SCHEDULES, default: TRAIN_DEFAULTS.schedule, description: 'learning rate after the warm-up: constant (the lab), linear or cosine decay to lr x --min-lr-fraction, or step (/10 at 50 % and 75 %)' })
      .option('warmup-epochs', { type: 'number', default: TRAIN_DEFAULTS.warmupEpochs, description: 'linear learning-rate warm-up, in epochs (0 = none)' })
      .option('min-lr-fraction', { type: 'number', default: TRAIN_DEFAULTS.minLrFraction, description: 'where linear and cosine decay end, as a fraction of --lr' })
      .option('weight-decay', { type: 'number', default: TRAIN_DEFAULTS.weightDecay, description: 'decoupled (AdamW) weight decay (0 = plain Adam, as in the lab)' })
      .option('target-scale', { type: 'number', default: TRAIN_DEFAULTS.targetScale, description: 'learn (acc - base_acc) x this (100 = accuracy points); folded into the last layer when saving' })
      .option('ema-decay', { type: 'number', default: TRAIN_DEFAULTS.emaDecay, description: 'average the weights with this decay (0 = off)' })
      .option('dropout', { type: 'number', default: TRAIN_DEFAULTS.dropout, description: 'dropout on hidden activations (0 = off, as in the lab)' })
      .option('progress', { type: 'boolean', default: true, description: 'show a progress bar on stderr (--no-progress to hide)' }) as unknown as Argv<TrainArgs>,
  handler: (a) => {
    const epochs = positive('epochs', a.epochs, true);
    const batchSize = positive('batch-size', a['batch-size'], true);
    if (!Number.isSafeInteger(a.seed) || a.seed < 0) throw new InputError(`--seed: expected a non-negative integer, got ${a.seed}`);
    if (!(a.lr > 0 && a.lr < 1)) throw new InputError(`--lr: expected a number in (0, 1), got ${a.lr}`);
    const splitSeed = a['split-seed'] ?? a.seed;
    if (!Number.isSafeInteger(splitSeed) || splitSeed < 0) throw new InputError(`--split-seed: expected a non-negative integer, got ${splitSeed}`);
    const emaDecay = fraction('ema-decay', a['ema-decay']);
    const dropout = fraction('dropout', a.dropout, 0.9);
    const minLrFraction = a['min-lr-fraction'];
    if (!(minLrFraction >= 0 && minLrFraction <= 1)) throw new InputError(`--min-lr-fraction: expected a number in [0, 1], got ${minLrFraction}`);
    const warmupEpochs = a['warmup-epochs'];
    if (!(warmupEpochs >= 0 && warmupEpochs <= epochs)) throw new InputError(`--warmup-epochs: expected a number in [0, ${epochs}], got ${warmupEpochs}`);
    const weightDecay = a['weight-decay'];
    if (!(weightDecay >= 0 && weightDecay * a.lr < 1)) throw new InputError(`--weight-decay: expected a number >= 0 with weight-decay x lr < 1, got ${weightDecay}`);
    const targetScale = a['target-scale'];
    if (!(targetScale > 0 && Number.isFinite(targetScale))) throw new InputError(`--target-scale: expected a positive number, got ${targetScale}`);
    const data = readAccDataset(a.data);
    if (data.configs.length < 10) throw new InputError(`${a.data}: ${data.configs.length} rows are too few to train on (need at least 10)`);
    const bar = progressBar(a.progress);
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
    savePredictorFile(a.out, r.weights, {
      command,
      dataset: a.data,
      ...summary,
      out: undefined,
      split: `SeededRandom(splitSeed).shuffle of the row indices (files in name order): first trainRows train, the rest validate (splitRows in src/predict/train.ts)`,
      history: r.history,
    });
    if (a.json) return printJson(summary);
    printLine(`trained on ${r.trainRows} of ${r.rows} rows for ${r.epochs} epochs in ${summary.seconds} s`);
    printLine(`validation (${r.validRows} rows): MAE ${(r.validMae * 100).toFixed(4)} points, max ${(r.validMaxAbsError * 100).toFixed(3)}, Pearson ${r.validPearson.toFixed(4)}`);
    printLine(`wrote ${a.out}`);
  },
};

const evalCommand: CommandModule<GlobalFlags, EvalArgs> = {
  command: 'eval',
  describe: 'check a predictor against every row of an accuracy dataset: {rows, mae, maxAbsError, pearson}',
  builder: (y) =>
    y
      .option('data', { type: 'string', demandOption: true, description: 'dataset folder (DIR/src/*.json[.gz] or DIR/*.json[.gz])' })
      .option('predictor', { type: 'string', description: `predictor file: mcu-nas JSON or a lab .pth (default: ${DEFAULT_PREDICTOR_FILE})` }) as unknown as Argv<EvalArgs>,
  handler: (a) => {
    const data = readAccDataset(a.data);
    const predictor = loadPredictor(a.predictor);
    const t0 = performance.now();
    const pred = predictor.predictEncoded(encodeBatch(data.configs));
    const seconds = (performance.now() - t0) / 1000;
    const m = fitMetrics(pred, Float64Array.from(data.accPercent, (v) => v / 100));
    if (a.json) return printJson({ ...m, predictor: predictor.source, seconds: Number(seconds.toFixed(3)) });
    printLine(`${predictor.source} on ${m.rows} rows of ${a.data}:`);
    printLine(`  MAE ${(m.mae * 100).toFixed(4)} accuracy points (${m.mae.toFixed(6)}), max |error| ${(m.maxAbsError * 100).toFixed(3)}, Pearson ${m.pearson.toFixed(4)}`);
  },
};

export const predictorCommand: CommandModule<GlobalFlags, GlobalFlags> = {
  command: 'predictor',
  describe: 'train or evaluate the accuracy predictor',
  builder: (y) => y.command(trainCommand).command(evalCommand).demandCommand(1, 'name an action: train or eval') as unknown as Argv<GlobalFlags>,
  handler: () => {},
};
