// `mcu-nas demo`: the main job end to end on the default board, in under a minute: an evolutionary search
// under stm32f746's SRAM and flash (planned) and a small MAC budget, then the best candidate compiled to
// int8 C, built with arm-none-eabi-gcc and run in QEMU (src/search/verify.ts), with a summary.
import { DEFAULT_BOARD, loadBoard } from '../board/index.ts';
import { CheckFailure } from '../errors.ts';
import { loadAccuracyModel } from '../predict/load-model.ts';
import { boardMeasure } from '../predict/board-efficiency.ts';
import { evolutionSearch, LAB_EVOLUTION_DEFAULTS } from '../search/evolution.ts';
import { Rng } from '../search/rng.ts';
import { verifyCandidates } from '../search/verify.ts';
import { log, printJson, printLine, type GlobalFlags } from './output.ts';
import { defineCommand } from './flags.ts';
import { claimOutputFolder } from '../io/output-folder.ts';

interface Args extends GlobalFlags {
  seed: number;
  out?: string;
}

/** Small enough that compile, build and run of the winner take seconds. */
const DEMO_MAX_MACS = 20;

export const demoCommand = defineCommand<Args>({
  command: 'demo',
  describe: 'search a subnet for stm32f746, compile it to firmware, run it in QEMU and print a summary (under a minute)',
  flags: { seed: { default: 1, describe: 'seed of the search and of the weights' }, out: { describe: 'keep the compiled firmware folder here (absent, empty, or an earlier mcu-nas output)' } },
  examples: [['$0 demo', 'the main job end to end on the default board']],
  run: async (a) => {
    if (a.out !== undefined) claimOutputFolder(a.out);
    const t0 = performance.now();
    const board = loadBoard(DEFAULT_BOARD);
    // Layer-by-layer plans: the planner's fast path, so the search itself takes well under a second.
    const { measure, budget } = boardMeasure(board, { patch: 'off' });
    const constraints = { millionMACs: DEMO_MAX_MACS, ...budget };
    if (!a.json) log(`searching (evolution, population 50, 20 generations, seed ${a.seed}) under ${board.name}: planned SRAM <= ${budget.sramKB} KB, flash <= ${budget.flashKB} KB, <= ${DEMO_MAX_MACS} M MACs ...`);
    const result = evolutionSearch(loadAccuracyModel(), measure, constraints, new Rng(a.seed), {
      ...LAB_EVOLUTION_DEFAULTS,
      population: 50,
      generations: 20,
    });
    const searchSeconds = (performance.now() - t0) / 1000;
    if (!a.json) log(`compiling, building and running the best candidate ...`);
    const [v] = await verifyCandidates(result.evaluated, { board, top: 1, patch: 'off', seed: a.seed, outDir: a.out, log: a.json ? undefined : log });
    const summary = {
      ok: v.ok,
      board: board.name,
      arch: v.arch,
      predictedAccuracy: v.predictedAccuracy,
      millionMACs: result.best.figures.millionMACs,
      patch: v.patch,
      instructions: v.instructions,
      instructionsPerMac: v.instructionsPerMac,
      latencyMs: v.latencyMs,
      latencyDerivation: v.latencyDerivation,
      sramUsedBytes: v.sramUsedBytes,
      predictedSramBytes: v.predictedSramBytes,
      flashUsedBytes: v.flashUsedBytes,
      predictedFlashBytes: v.predictedFlashBytes,
      searchSeconds,
      totalSeconds: (performance.now() - t0) / 1000,
      firmware: v.dir,
      dropped: v.dropped,
    };
    if (!v.ok) throw new CheckFailure(`demo: the best candidate failed verification: ${v.dropped}`, summary);
    if (a.json) return printJson(summary);
    printLine(`mcu-nas demo on ${board.name} (seed ${a.seed}), ${summary.totalSeconds.toFixed(1)} s`);
    printLine(`  searched       ${result.stats.predictions} predictions in ${searchSeconds.toFixed(1)} s`);
    printLine(`  best subnet    ${JSON.stringify(v.arch)}`);
    printLine(`  predicted      ${v.predictedAccuracy.toFixed(2)} % top-1 on Visual Wake Words (the shipped accuracy predictor, for the lab's trained weights), ${summary.millionMACs} M MACs`);
    printLine(`  plan           ${v.patch ? `${v.patch.n}x${v.patch.n} patches up to ${v.patch.splitLayer}` : 'layer by layer'}; SRAM ${v.predictedSramBytes} B, flash ${v.predictedFlashBytes} B`);
    printLine(`  firmware       runs bit-exact on ${board.name} in QEMU; SRAM ${v.sramUsedBytes} B, flash ${v.flashUsedBytes} B measured`);
    printLine('  weights        seeded, untrained (no trained super network here): the figures above are cost and fit; the accuracy needs training');
    printLine(`  cost           ${v.instructions} instructions (${v.instructionsPerMac?.toFixed(2)}/MAC), ~${v.latencyMs?.toFixed(1)} ms`);
    printLine(`                 ${v.latencyDerivation}`);
    if (v.dir) printLine(`  folder         ${v.dir} (mcu-nas run ${v.dir})`);
  },
});
