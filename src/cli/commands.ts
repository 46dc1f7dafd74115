// The list of commands. Each lives in its own module (a yargs CommandModule), imported only when its
// command runs (or shows its help): `mcu-nas --help` and a search do not load the ONNX, TFLite, codegen
// and emulator code. `command` and `describe` here are what the top-level help lists; each module's own
// are the same (test/cli/help.test.ts checks), and a new command adds one entry.
import type { CommandModule } from 'yargs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandModule<any, any>;

export interface CommandEntry {
  /** yargs' command string: the name and its positionals. */
  command: string;
  describe: string;
  load: () => Promise<AnyCommand>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  profile: { command: 'profile [input]', describe: 'lab-compatible figures of an arch config: {millionMACs, KBPeakMemory, params}', load: async () => (await import('./profile.ts')).profileCommand },
  search: { command: 'search', describe: 'search the MCUNet space for the most accurate subnet under a budget', load: async () => (await import('./search.ts')).searchCommand },
  boards: { command: 'boards', describe: 'the board catalogue: core, clock, FPU/DSP, SRAM, flash, emulator stand-in, variants', load: async () => (await import('./boards.ts')).boardsCommand },
  compile: {
    command: 'compile [input]',
    describe: 'lower, quantize, plan, generate int8 C for a board, build the firmware (ELF/bin/hex) and write DIR/report.json',
    load: async () => (await import('./compile.ts')).compileCommand,
  },
  run: {
    command: 'run [dir]',
    describe: 'build a compiled folder if needed, run it in the emulator, check its output bit for bit and report its cost',
    load: async () => (await import('./run.ts')).runCommand,
  },
  validate: {
    command: 'validate [input]',
    describe: 'compile, run in the emulator on test inputs, and compare with the float reference (top-1, cosine, RMSE, max error)',
    load: async () => (await import('./validate.ts')).validateCommand,
  },
  demo: {
    command: 'demo',
    describe: 'search a subnet for stm32f746, compile it to firmware, run it in QEMU and print a summary (under a minute)',
    load: async () => (await import('./demo.ts')).demoCommand,
  },
  export: {
    command: 'export [input]',
    describe: 'write a float ONNX model (opset 13, NCHW, input "input", output "output") of an arch config: seeded weights, or a super network\'s trained ones',
    load: async () => (await import('./export.ts')).exportCommand,
  },
  predictor: { command: 'predictor', describe: 'train or evaluate the accuracy predictor', load: async () => (await import('./predictor.ts')).predictorCommand },
  evaluate: {
    command: 'evaluate [model]',
    describe: 'top-1 accuracy of a model on a labelled dataset, float vs int8, and optionally N images confirmed in QEMU',
    load: async () => (await import('./evaluate.ts')).evaluateCommand,
  },
  draw: {
    command: 'draw [input]',
    describe: "draw a subnet's architecture as SVG: stages, blocks with kernel size and expand ratio (the lab's visualize_subnet)",
    load: async () => (await import('./draw.ts')).drawCommand,
  },
  merge: {
    command: 'merge [parts..]',
    describe: 'combine the part files of `search --verify-top K --shard i/n` into the result one machine gives',
    load: async () => (await import('./merge.ts')).mergeCommand,
  },
  ci: {
    command: 'ci [model]',
    describe: 'write a CI workflow (GitHub Actions, or GitLab CI): per board, build the firmware, check it in QEMU, run its Renode tests',
    load: async () => (await import('./ci.ts')).ciCommand,
  },
};

/** The command a command line names: its first word that is not a flag (the global flags are switches). */
export function commandWord(argv: readonly string[]): string | undefined {
  for (const w of argv) {
    if (w === '--') return undefined;
    if (!w.startsWith('-')) return w;
  }
  return undefined;
}

/**
 * The modules yargs is given: the named command loaded in full, every other one a stand-in with its name
 * and description only (enough for the command list, "did you mean" and an unknown-command error).
 */
export async function commandModules(argv: readonly string[]): Promise<AnyCommand[]> {
  const word = commandWord(argv);
  return Promise.all(
    Object.entries(COMMANDS).map(async ([name, e]) =>
      name === word ? e.load() : { command: e.command, describe: e.describe, builder: {}, handler: () => undefined },
    ),
  );
}
