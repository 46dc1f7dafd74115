import { CheckFailure, InputError } from '../errors.ts';
import { archKey } from '../space/config.ts';
import type { VerifiedCandidate } from '../search/verify.ts';
import { Rng } from '../search/rng.ts';
import { evolutionSearch, LAB_EVOLUTION_DEFAULTS } from '../search/evolution.ts';
import { randomSearch } from '../search/random-search.ts';
import { analyticMeasure } from '../search/measure.ts';
import type { Measure } from '../search/candidate.ts';
import { boardMeasure } from '../predict/board-efficiency.ts';
import { archLatency, latencyTableProblem } from '../predict/latency.ts';
import { loadBoard } from '../board/index.ts';
import { parsePatch } from './flag-checks.ts';
import { defineCommand, SUPERNET_FLAGS, supernetRequest, type SupernetFlags } from './flags.ts';
import { claimOutputFile, claimOutputFolder } from '../io/output-folder.ts';
import { isPartFile, makePart, parseShard } from '../search/shard.ts';
import { parseArchJson } from '../space/config.ts';
import { paretoOf, searchReportInput, summarize } from '../search/report.ts';
import type { Constraints } from '../search/constraints.ts';
import { DEFAULT_PREDICTOR_FILE, loadAccuracyModel } from '../predict/load-model.ts';
import { writeFileAtomic } from '../io/read-input.ts';
import { log, printJson, printLine, type GlobalFlags } from './output.ts';
import { counter, isInteractive, type Counter } from './progress.ts';

/** What the predicted accuracy is, and whose: the shipped predictor's data, or the user's file. */
function predictedBy(file: string): string {
  return file === DEFAULT_PREDICTOR_FILE
    ? "the shipped accuracy MLP (predictors/mcunet-acc-mlp.json, trained on the lab's accuracy dataset): top-1 on Visual Wake Words of the subnet with the lab's trained super-network weights"
    : `the predictor ${file} (it predicts what its training data measured)`;
}

/** Measured (cycle model) latency, and the latency table's prediction beside it. */
function latencyText(v: { latencyMs: number | null; predictedLatencyMs: number | null; patch: unknown }): string {
  const measured = v.latencyMs === null ? 'no measured latency' : `${v.latencyMs.toFixed(2)} ms measured`;
  if (v.predictedLatencyMs === null) return measured;
  const err = v.latencyMs === null ? '' : ` (${(((v.predictedLatencyMs - v.latencyMs) / v.latencyMs) * 100).toFixed(1)} %${v.patch ? ', the prediction is layer by layer, the build patch-based' : ''})`;
  return `${measured}, ${v.predictedLatencyMs.toFixed(2)} ms predicted${err}`;
}

/** A file search --out wrote: an arch config and nothing else. */
function isArchFile(bytes: Buffer): boolean {
  try {
    parseArchJson(bytes.toString('utf8'), 'out');
    return true;
  } catch {
    return false;
  }
}

interface Args extends GlobalFlags, SupernetFlags {
  board?: string;
  'boards-dir'?: string;
  variant?: string;
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
  force: boolean;
  'verify-top'?: number;
  'max-latency-ms'?: number;
  report?: string;
  jobs?: number;
  shard?: string;
}

export const searchCommand = defineCommand<Args>({
  command: 'search',
  describe: 'search the MCUNet space for the most accurate subnet under a budget',
  flags: {
    board: { default: undefined, describe: 'board whose SRAM and flash bound the search (see `mcu-nas boards`; default: none, only the --max-* budgets)' },
    'boards-dir': true,
    variant: { describe: "with --board: the board's variant the verified candidates are built for, a carrier board with its own oscillator and console UART (e.g. stm32f746: disco, nucleo)" },
    patch: { describe: 'with --board: plan each candidate with patches: off, auto or <n>x<n>@<layer>' },
    'max-macs': true,
    'max-peak-kb': true,
    'max-sram-kb': true,
    'max-flash-kb': true,
    algo: true,
    population: true,
    generations: true,
    'parent-ratio': true,
    'mutation-ratio': true,
    'arch-mutate-prob': true,
    'resolution-mutate-prob': true,
    samples: true,
    seed: { describe: 'seed of the one RNG that drives the run' },
    predictor: true,
    out: { describe: 'write the winning config (arch format) to this file' },
    force: true,
    'verify-top': true,
    'max-latency-ms': true,
    report: { describe: 'write DIR/search.html (predicted accuracy against MACs, SRAM, flash and latency, the winner and the verified candidates marked; the winner\'s architecture), DIR/winner.svg and DIR/search.json' },
    jobs: { describe: 'with --verify-top: candidates compiled and run in parallel (default: one per core)' },
    shard: true,
    ...SUPERNET_FLAGS,
  },
  examples: [
    ['$0 search --max-macs 60 --max-peak-kb 250 --population 50 --generations 20 --out best.json', "the lab's evolution under its budgets"],
    ['$0 search --board stm32f746 --verify-top 2', 'under the board\'s planned SRAM and flash, the best two built and run in QEMU'],
  ],
  run: async (a) => {
    if ((a['max-sram-kb'] !== undefined || a['max-flash-kb'] !== undefined) && a.board === undefined)
      throw new InputError('--max-sram-kb and --max-flash-kb are planned for a board: give --board too');
    if (a['verify-top'] !== undefined && a.board === undefined) throw new InputError('--verify-top runs the firmware of a board: give --board too');
    if (a['max-latency-ms'] !== undefined && a.board === undefined) throw new InputError('--max-latency-ms is predicted for a board: give --board too');
    if (a.variant !== undefined && a.board === undefined) throw new InputError("--variant names a variant of a board: give --board too");

    const shard = a.shard === undefined ? undefined : parseShard(a.shard);
    if (shard && (a['verify-top'] === undefined || a.out === undefined)) throw new InputError('--shard i/n verifies a share of --verify-top K and writes it to --out FILE (for mcu-nas merge): give both');
    const out = a.out === undefined ? undefined : claimOutputFile(a.out, '--out', shard ? isPartFile : isArchFile, a.force);
    const trainedRequest = supernetRequest(a);
    if (trainedRequest && a['verify-top'] === undefined) throw new InputError('--supernet gives the verified candidates trained weights: give --verify-top K too');
    // The checkpoint reader and the compile/QEMU path load only when asked for (a plain search starts fast).
    const supernet = trainedRequest ? (await import('../pipeline/supernet-weights.ts')).supernetWeights(trainedRequest) : undefined;
    const constraints: Constraints = { millionMACs: a['max-macs'], KBPeakMemory: a['max-peak-kb'] };
    let measure: Measure = analyticMeasure;
    const patch = parsePatch(a.patch);
    const board = a.board === undefined ? undefined : loadBoard(a.board, { boardsDir: a['boards-dir'], variant: a.variant });
    if (board !== undefined) {
      // The board's SRAM and flash (less the planner's stack and runtime reserve) bound the search;
      // --max-sram-kb / --max-flash-kb can only narrow them.
      const b = boardMeasure(board, { patch, sramLimitBytes: a['max-sram-kb'] === undefined ? undefined : a['max-sram-kb'] * 1024 });
      measure = b.measure;
      constraints.sramKB = Math.min(a['max-sram-kb'] ?? Infinity, b.budget.sramKB);
      constraints.flashKB = Math.min(a['max-flash-kb'] ?? Infinity, b.budget.flashKB);
      if (a['max-latency-ms'] !== undefined) {
        // Predicted from the per-op latency table, no emulation per candidate (src/predict/latency.ts).
        const problem = latencyTableProblem(board);
        if (problem) throw new InputError(`--max-latency-ms: ${problem}`);
        const latency = archLatency(board);
        const planned = measure;
        measure = (c) => ({ ...planned(c), latencyMs: latency(c) });
        constraints.latencyMs = a['max-latency-ms'];
      }
    }
    const reportDir = a.report === undefined ? undefined : claimOutputFolder(a.report, '--report');
    const model = loadAccuracyModel(a.predictor);
    const rng = new Rng(a.seed);
    const t0 = performance.now();
    // Silent with --json (stdout is the result; stderr stays empty for scripts).
    // Started at the first generation, so a budget nothing meets is one error line and no progress.
    let bar: Counter | undefined;
    const progress = () => (bar ??= counter(a.algo === 'random' ? `search: ${a.samples} random subnets` : `search: evolution, ${a.population} x ${a.generations} generations`, a.algo === 'random' ? 1 : a.generations));
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
            onGeneration: a.json ? undefined : (g, best, feasible) => progress().update(g, { best: `${(100 * best).toFixed(2)} %`, feasible: String(feasible) }),
          });
    const ms = performance.now() - t0;
    if (!a.json) progress().stop(`search: ${result.stats.predictions} predictions in ${ms.toFixed(0)} ms, ${result.evaluated.length} within the budget (${result.stats.rejected} redrawn), best predicted ${(100 * result.best.accuracy).toFixed(2)} %`);
    let verified: (VerifiedCandidate & { predictedLatencyMs: number | null })[] | undefined;
    if (board !== undefined && a['verify-top'] !== undefined) {
      const { verifyCandidates, topDistinct } = await import('../search/verify.ts');
      // Predicted (latency table) beside measured (cycle model) latency, where the table has the board.
      const predicted = board && latencyTableProblem(board) === null ? archLatency(board) : null;
      // On a terminal a bar counts the verified candidates; elsewhere one line per candidate.
      const bar = !a.json && isInteractive();
      let verifyBar: Counter | undefined;
      verified = (await verifyCandidates(result.evaluated, {
        board,
        top: a['verify-top'],
        maxLatencyMs: a['max-latency-ms'],
        patch,
        seed: a.seed,
        log: a.json || bar ? undefined : log,
        onProgress: bar ? (done, total) => (verifyBar ??= counter(`verify: ${total} candidates built and run in QEMU on ${board.name}`, total)).update(done) : undefined,
        trained: supernet ? (arch) => supernet.graphFor(arch) : undefined,
        supernet: trainedRequest,
        jobs: a.jobs,
        shard,
      })).map((v) => ({ ...v, predictedLatencyMs: predicted ? predicted(v.arch) : null }));
      verifyBar?.stop();
      if (shard) {
        // This shard's share only: the part file for `mcu-nas merge`, which picks the winner.
        const meta = { algo: a.algo, seed: a.seed, constraints, ...(a.board ? { board: a.board } : {}) };
        const part = makePart(shard, a['verify-top'], topDistinct(result.evaluated, a['verify-top']), (best) => summarize({ ...result, best }, meta), paretoOf(result), { predictedBy: predictedBy(model.source), weights: supernet ? 'supernet' : 'seeded' }, verified);
        writeFileAtomic(out!, `${JSON.stringify(part)}\n`);
        if (a.json) return printJson(part);
        printLine(`shard ${shard.index}/${shard.count}: verified ${part.verified.length} of the top ${part.picks} (places ${part.verified.map((e) => e.place + 1).join(', ') || 'none'}), written to ${a.out}`);
        for (const { place, result: v } of part.verified) printLine(`  ${place + 1}. ${v.ok ? 'passed' : `dropped: ${v.dropped}`}`);
        return;
      }
      // The measured firmware, not the prediction, decides: the best candidate that passed wins.
      const winner = verified.find((v) => v.ok);
      if (!winner)
        throw new CheckFailure(`none of the ${verified.length} best candidates passed verification: ${verified.map((v) => v.dropped).join('; ')}`, {
          verified,
        });
      result.best = result.evaluated.find((c) => archKey(c.arch) === archKey(winner.arch))!;
    }
    const summary = summarize(result, { algo: a.algo, seed: a.seed, constraints, ...(a.board ? { board: a.board } : {}) });
    if (out) writeFileAtomic(out, `${JSON.stringify(summary.arch)}\n`);
    const json = { ...summary, predictedBy: predictedBy(model.source), weights: supernet ? 'supernet' : 'seeded', ...(verified ? { verified } : {}), pareto: paretoOf(result) };
    let report: { html: string; svg: string; json: string } | undefined;
    if (reportDir !== undefined) {
      // Loaded only when asked for (templates and Handlebars are not needed to search).
      const { writeSearchReport } = await import('../report/search-report.ts');
      report = writeSearchReport(reportDir, searchReportInput(result, { algo: a.algo, seed: a.seed, board: a.board, predictor: predictedBy(model.source), constraints, verified }), json);
    }
    if (a.json) return printJson({ ...json, ...(report ? { report } : {}) });
    printLine(`best subnet (${a.algo}, seed ${a.seed}): predicted accuracy ${summary.predictedAccuracy.toFixed(2)} %`);
    printLine(`  predicted by  ${predictedBy(model.source)}`);
    printLine(`  millionMACs   ${summary.millionMACs}`);
    printLine(`  KBPeakMemory  ${summary.KBPeakMemory}`);
    printLine(`  params        ${summary.params}`);
    printLine(`  arch          ${JSON.stringify(summary.arch)}`);
    for (const v of verified ?? [])
      printLine(
        v.ok
          ? `  runs bit-exact on ${a.board} in QEMU (predicted ${v.predictedAccuracy.toFixed(2)} %): ${v.instructions} instructions, ${latencyText(v)}, SRAM ${v.sramUsedBytes} B, flash ${v.flashUsedBytes} B`
          : `  dropped (predicted ${v.predictedAccuracy.toFixed(2)} %): ${v.dropped}`,
      );
    if (a.out) printLine(`  written to    ${a.out}`);
    if (!supernet)
      printLine(
        "  note: the predicted accuracy is of the lab's trained super network; searched subnets compile with seeded, untrained weights and need training (or --supernet FILE with --verify-top: the lab's weights)",
      );
    if (report) printLine(`  report        ${report.html}`);
  },
});
