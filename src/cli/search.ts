import type { CommandModule } from 'yargs';
import { CheckFailure, InputError } from '../errors.ts';
import { archKey } from '../space/config.ts';
import { verifyCandidates, type VerifiedCandidate } from '../search/verify.ts';
import { Rng } from '../search/rng.ts';
import { evolutionSearch, LAB_EVOLUTION_DEFAULTS } from '../search/evolution.ts';
import { randomSearch } from '../search/random-search.ts';
import { analyticMeasure } from '../search/measure.ts';
import type { Measure } from '../search/candidate.ts';
import { boardMeasure } from '../predict/board-efficiency.ts';
import { loadBoard } from '../board/index.ts';
import { parsePatch } from './compile.ts';
import { positive, probability } from './flag-checks.ts';
import { paretoOf, summarize } from '../search/report.ts';
import type { Constraints } from '../search/constraints.ts';
import { loadAccuracyModel } from '../predict/load-model.ts';
import { writeFileAtomic } from '../io/read-input.ts';
import { log, printJson, printLine, type GlobalFlags } from './output.ts';

interface Args extends GlobalFlags {
  board?: string;
  'boards-dir'?: string;
  patch: string;
  'max-macs'?: number;
  'max-peak-kb'?: number;
  'max-sram-kb'?: number;
  'max-flash-kb'?: number;
  algo: 'evolution' | 'random';
  population: number;
  generations: number;
  'parent-ratio': number;
  'mutation-ratio': number;
  'arch-mutate-prob': number;
  'resolution-mutate-prob': number;
  samples: number;
  seed: number;
  predictor?: string;
  out?: string;
  'verify-top'?: number;
  'max-latency-ms'?: number;
}

export const searchCommand: CommandModule<GlobalFlags, Args> = {
  command: 'search',
  describe: 'search the MCUNet space for the most accurate subnet under a budget',
  builder: (y) =>
    y
      .option('board', { type: 'string', description: 'board whose SRAM and flash bound the search (see `boards`)' })
      .option('boards-dir', { type: 'string', description: 'a folder of extra board JSON files' })
      .option('patch', { type: 'string', default: 'off', description: 'with --board: plan each candidate with patches: off | auto | <n>x<n>@<layer>' })
      .option('max-macs', { type: 'number', description: 'budget in million MACs (the lab\'s millionMACs)' })
      .option('max-peak-kb', { type: 'number', description: 'budget of peak activation in KB (the lab\'s KBPeakMemory)' })
      .option('max-sram-kb', { type: 'number', description: 'budget of planned SRAM in KB (needs --board)' })
      .option('max-flash-kb', { type: 'number', description: 'budget of planned flash in KB (needs --board)' })
      .option('algo', { choices: ['evolution', 'random'] as const, default: 'evolution' as const })
      .option('population', { type: 'number', default: LAB_EVOLUTION_DEFAULTS.population, description: 'evolution: population size' })
      .option('generations', { type: 'number', default: LAB_EVOLUTION_DEFAULTS.generations, description: "evolution: generations (the lab's max_time_budget)" })
      .option('parent-ratio', { type: 'number', default: LAB_EVOLUTION_DEFAULTS.parentRatio })
      .option('mutation-ratio', { type: 'number', default: LAB_EVOLUTION_DEFAULTS.mutationRatio })
      .option('arch-mutate-prob', { type: 'number', default: LAB_EVOLUTION_DEFAULTS.archMutateProb })
      .option('resolution-mutate-prob', { type: 'number', default: LAB_EVOLUTION_DEFAULTS.resolutionMutateProb })
      .option('samples', { type: 'number', default: 300, description: 'random: subnets to sample' })
      .option('seed', { type: 'number', default: 0, description: 'seed of the one RNG that drives the run' })
      .option('predictor', { type: 'string', description: 'accuracy predictor file (default: the shipped one; a lab .pth works too)' })
      .option('out', { type: 'string', description: 'write the winning config (arch format) to this file' })
      .option('verify-top', { type: 'number', description: 'compile and run the best K distinct candidates in QEMU (needs --board); the best that passes wins' })
      .option('max-latency-ms', { type: 'number', description: 'with --verify-top: drop candidates whose estimated latency on the board is above this' }),
  handler: async (a) => {
    positive('max-macs', a['max-macs']);
    positive('max-peak-kb', a['max-peak-kb']);
    positive('population', a.population, true);
    positive('samples', a.samples, true);
    if (!Number.isInteger(a.generations) || a.generations < 0)
      throw new InputError(`--generations: expected a non-negative integer, got ${a.generations}`);
    if (!Number.isSafeInteger(a.seed) || a.seed < 0) throw new InputError(`--seed: expected a non-negative integer, got ${a.seed}`);
    for (const k of ['parent-ratio', 'mutation-ratio', 'arch-mutate-prob', 'resolution-mutate-prob'] as const) probability(k, a[k]);
    if ((a['max-sram-kb'] !== undefined || a['max-flash-kb'] !== undefined) && a.board === undefined)
      throw new InputError('--max-sram-kb and --max-flash-kb are planned for a board: give --board too');
    positive('verify-top', a['verify-top'], true);
    positive('max-latency-ms', a['max-latency-ms']);
    if (a['verify-top'] !== undefined && a.board === undefined) throw new InputError('--verify-top runs the firmware of a board: give --board too');
    if (a['max-latency-ms'] !== undefined && a['verify-top'] === undefined)
      throw new InputError('--max-latency-ms is measured in the emulator: give --verify-top K too');

    const constraints: Constraints = { millionMACs: a['max-macs'], KBPeakMemory: a['max-peak-kb'] };
    let measure: Measure = analyticMeasure;
    const patch = parsePatch(a.patch);
    const board = a.board === undefined ? undefined : loadBoard(a.board, { boardsDir: a['boards-dir'] });
    if (board !== undefined) {
      // The board's SRAM and flash (less the planner's stack and runtime reserve) bound the search;
      // --max-sram-kb / --max-flash-kb can only narrow them.
      const b = boardMeasure(board, { patch });
      measure = b.measure;
      constraints.sramKB = Math.min(a['max-sram-kb'] ?? Infinity, b.budget.sramKB);
      constraints.flashKB = Math.min(a['max-flash-kb'] ?? Infinity, b.budget.flashKB);
    }
    const model = loadAccuracyModel(a.predictor);
    const rng = new Rng(a.seed);
    const t0 = performance.now();
    const result =
      a.algo === 'random'
        ? randomSearch(model, measure, constraints, rng, { samples: a.samples })
        : evolutionSearch(model, measure, constraints, rng, {
            population: a.population,
            generations: a.generations,
            parentRatio: a['parent-ratio'],
            mutationRatio: a['mutation-ratio'],
            archMutateProb: a['arch-mutate-prob'],
            resolutionMutateProb: a['resolution-mutate-prob'],
          });
    const ms = performance.now() - t0;
    if (!a.json) log(`searched ${result.stats.predictions} predictions in ${ms.toFixed(0)} ms`);
    let verified: VerifiedCandidate[] | undefined;
    if (board !== undefined && a['verify-top'] !== undefined) {
      verified = await verifyCandidates(result.evaluated, {
        board,
        top: a['verify-top'],
        maxLatencyMs: a['max-latency-ms'],
        patch,
        seed: a.seed,
        log: a.json ? undefined : log,
      });
      // The measured firmware, not the prediction, decides: the best candidate that passed wins.
      const winner = verified.find((v) => v.ok);
      if (!winner)
        throw new CheckFailure(`none of the ${verified.length} best candidates passed verification: ${verified.map((v) => v.dropped).join('; ')}`, {
          verified,
        });
      result.best = result.evaluated.find((c) => archKey(c.arch) === archKey(winner.arch))!;
    }
    const summary = summarize(result, { algo: a.algo, seed: a.seed, constraints, ...(a.board ? { board: a.board } : {}) });
    if (a.out) writeFileAtomic(a.out, `${JSON.stringify(summary.arch)}\n`);
    if (a.json) return printJson({ ...summary, ...(verified ? { verified } : {}), pareto: paretoOf(result) });
    printLine(`best subnet (${a.algo}, seed ${a.seed}): predicted accuracy ${summary.predictedAccuracy.toFixed(2)}%`);
    printLine(`  millionMACs   ${summary.millionMACs}`);
    printLine(`  KBPeakMemory  ${summary.KBPeakMemory}`);
    printLine(`  params        ${summary.params}`);
    printLine(`  arch          ${JSON.stringify(summary.arch)}`);
    for (const v of verified ?? [])
      printLine(
        v.ok
          ? `  verified      ${v.predictedAccuracy.toFixed(2)}%: ${v.instructions} instructions, ~${v.latencyMs?.toFixed(1)} ms, SRAM ${v.sramUsedBytes} B, flash ${v.flashUsedBytes} B`
          : `  dropped       ${v.predictedAccuracy.toFixed(2)}%: ${v.dropped}`,
      );
    if (a.out) printLine(`  written to    ${a.out}`);
  },
};
