// One emulator run's timing: with the plugin, the exact instruction count and the cycle model of test
// set 0 (the inference the report shows), per op and in total; without it, the SysTick instruction
// counts only, and a sentence saying why there are no cycles.
import { makeTempDir } from '../io/cleanup.ts';
import fs from 'node:fs';
import path from 'node:path';
import { loadBoard } from '../board/load.ts';
import type { Board } from '../board/schema.ts';
import { cycleDerivation, cycleModel, countCycles, boardPenalties, type CycleModel } from './cycle-model.ts';
import { loadCoreTable } from './cycle-table.ts';
import { parseElf } from './elf.ts';
import { ensurePlugin, mixInstructions, parseMix, pluginArgument, type InstructionMix } from './plugin.ts';
import type { RunResult } from './qemu.ts';

export interface RunTiming {
  /** Instructions of one inference: the plugin's exact count, else SysTick's (40-instruction steps on mps2). */
  instructions: number;
  perOp: { instructions: number; cycles: number | null }[];
  /** null without the plugin: no cycles are made up from instructions. */
  cycles: number | null;
  latencyMs: number | null;
  clockHz: number;
  cycleModel: CycleModel | null;
  /** One sentence: how the figures were derived, or why there are no cycles. */
  derivation: string;
  /** The raw counts, for tools that want more than set 0. */
  mix: InstructionMix | null;
}

/** What a run needs to collect the mix: the -plugin argument and where its output goes. */
export interface PluginRun {
  argument: string | null;
  outFile: string | null;
  /** Why there is no plugin in this run (null when there is). */
  reason: string | null;
  cleanup: () => void;
}

/**
 * The full board behind a firmware manifest (which keeps only the board's name and clock): the one the
 * caller has, else the built-in board of that name; a string says why there is none.
 */
export function timingBoard(name: string, given?: Board): Board | string {
  if (given) return given;
  try {
    return loadBoard(name);
  } catch {
    return `board ${name} is not a built-in board and none was given: its memory timing is unknown`;
  }
}

const noPlugin = (reason: string): PluginRun => ({ argument: null, outFile: null, reason, cleanup: () => {} });

export function preparePluginRun(elfFile: string, board: Board | string, env?: NodeJS.ProcessEnv): PluginRun {
  if (typeof board === 'string') return noPlugin(board);
  const status = ensurePlugin(env);
  if (status.path === null) return noPlugin(status.reason);
  const dir = makeTempDir('mcunas-mix-');
  const outFile = path.join(dir, 'mix.txt');
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  const argument = pluginArgument(status.path, parseElf(fs.readFileSync(elfFile), elfFile), board, outFile);
  if (argument === null) {
    cleanup();
    return noPlugin('the firmware has no op markers (mcunas_op_ticks) or the board no QEMU layout');
  }
  return { argument, outFile, reason: null, cleanup };
}

export function runTiming(run: RunResult, board: Board | string, plugin: PluginRun, clockHz: number): RunTiming {
  const fallback = (why: string): RunTiming => ({
    instructions: run.instructions.total,
    perOp: run.instructions.perOp.map((n) => ({ instructions: n, cycles: null })),
    cycles: null,
    latencyMs: null,
    clockHz,
    cycleModel: null,
    derivation: `instructions only (${run.instructions.total}, SysTick under QEMU -icount), no cycles: ${why}`,
    mix: null,
  });
  if (typeof board === 'string') return fallback(board);
  if (plugin.reason !== null || plugin.outFile === null) return fallback(plugin.reason ?? 'no plugin');
  if (!fs.existsSync(plugin.outFile)) return fallback('the QEMU plugin wrote no counts (the run did not exit normally)');
  const mix = parseMix(fs.readFileSync(plugin.outFile, 'utf8'));
  const set0 = mix.sets[0];
  if (!set0?.total) return fallback('the QEMU plugin saw no complete inference window');
  const table = loadCoreTable(board.core);
  const { model, count, note } = cycleModel(set0.total, board, table);
  const { penalties } = boardPenalties(board);
  const perOp = run.instructions.perOp.map((_, i) => {
    const op = set0.ops[i];
    if (!op) return { instructions: 0, cycles: 0 };
    return { instructions: mixInstructions(op), cycles: countCycles(op, table, penalties).cycles };
  });
  return {
    instructions: count.instructions,
    perOp,
    cycles: count.cycles,
    latencyMs: (count.cycles * 1000) / board.clockHz,
    clockHz: board.clockHz,
    cycleModel: model,
    derivation: cycleDerivation(count, board, note),
    mix,
  };
}
