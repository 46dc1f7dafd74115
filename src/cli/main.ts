// The mcu-nas command line: wiring only. Each command lives in its own file and calls library code; only
// the command that runs is loaded (commands.ts).
import yargs from 'yargs';
import { isUserError, printable } from '../errors.ts';
import { installExitCleanup } from '../io/cleanup.ts';
import { checkSwitchWords, GLOBAL_FLAGS } from './flags.ts';
import { commandModules } from './commands.ts';
import { STDIN } from '../io/read-input.ts';
import { setQuiet } from './output.ts';

let pipeWatched = false;
/** `mcu-nas ... | head`: a reader that stops early ends the command quietly, not with a stack trace. */
function endOnClosedPipe(): void {
  if (pipeWatched) return;
  pipeWatched = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode === undefined ? 0 : Number(process.exitCode));
    throw e;
  });
}

/** Runs the CLI and returns the exit code (0 ok, 1 failed check, 2 bad input or usage). */
export async function main(argv: string[]): Promise<number> {
  let usageError: string | undefined;
  const debug = argv.includes('--debug');
  setQuiet(argv.includes('--quiet'));
  endOnClosedPipe();
  installExitCleanup();
  const commands = await commandModules(argv);
  // yargs-parser swallows a lone "-"; pass it through as the stdin path that readText understands.
  const parser = yargs(argv.map((a) => (a === '-' ? STDIN : a)))
    .scriptName('mcu-nas')
    .usage('$0 <command> [options]\n\nFind a neural network that fits a microcontroller and compile it to firmware.')
    .options(Object.fromEntries(Object.entries(GLOBAL_FLAGS).map(([k, f]) => [k, { type: f.type, description: f.describe }])))
    .command(commands)
    .example([
      ['$0 demo', 'search, compile, build and run in QEMU on stm32f746, end to end'],
      ['$0 search --board stm32f746 --max-macs 60 --out best.json', "the lab's evolution under the board's SRAM and flash"],
      ['$0 compile best.json --board stm32f746 --out fw && $0 run fw', 'firmware for the board, then checked bit for bit in QEMU'],
      ['$0 compile --help', "a command's flags, defaults and examples"],
    ])
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err && isUserError(err)) throw err;
      usageError = msg ?? err?.message;
    });
  // yargs renders the whole help of a command before running it (kept for a help screen after a failure,
  // which this CLI never shows: a failure is one `error:` line). That is most of a fast command's start-up.
  const usage = (parser as unknown as { getInternalMethods?: () => { getUsageInstance(): { cacheHelpMessage?: () => void } } }).getInternalMethods?.().getUsageInstance();
  if (usage?.cacheHelpMessage && !argv.includes('--help')) usage.cacheHelpMessage = () => {};
  try {
    checkSwitchWords(argv);
    await parser.parseAsync();
  } catch (e) {
    if (isUserError(e)) {
      process.stderr.write(`error: ${printable(e.message)}\n`);
      if (e.exitCode === 1 && argv.includes('--json') && 'detail' in e) {
        process.stdout.write(`${JSON.stringify({ ok: false, error: e.message, ...e.detail })}\n`);
      }
      return e.exitCode;
    }
    process.stderr.write(`error: internal error: ${printable((e as Error).message ?? String(e))}\n`);
    if (debug) process.stderr.write(`${(e as Error).stack}\n`);
    return 70;
  }
  if (usageError !== undefined) {
    process.stderr.write(`error: ${printable(usageError)}\n`);
    return 2;
  }
  return process.exitCode === undefined ? 0 : Number(process.exitCode);
}
