// `mcu-nas run DIR`: wiring only (src/pipeline/run.ts).
import type { CommandModule } from 'yargs';
import { CheckFailure, InputError } from '../errors.ts';
import { runCompiled, type RunReport } from '../pipeline/run.ts';
import { printJson, printLine, type GlobalFlags } from './output.ts';

interface Args extends GlobalFlags {
  dir?: string;
  emulator: 'qemu' | 'renode';
  timeout: number;
}

export function printRun(r: RunReport): void {
  printLine(`${r.model} on ${r.board} (${r.kernels} kernels), emulated on ${r.machine}: ${r.ok ? 'PASS' : 'FAIL'} (${r.outcome})`);
  printLine(`  outputs         ${r.outputsMatch ? 'bit-exact with the TypeScript int8 model' : 'DIFFER from the TypeScript int8 model'} (${r.sets.length} test set(s))`);
  printLine(`  instructions    ${r.instructions} (${r.instructionsPerMac.toFixed(2)} per MAC, ${r.macs} MACs)`);
  printLine(`  latency         ${r.latencyMs.toFixed(2)} ms: ${r.latency.derivation}`);
  printLine(`  SRAM            ${r.sramUsedBytes} B measured (static + stack ${r.stackUsedBytes} B), ${r.predicted.sramBytes} B planned (${r.predicted.sramErrorPercent.toFixed(2)}%)`);
  printLine(`  flash           ${r.flashUsedBytes} B measured, ${r.predicted.flashBytes} B planned (${r.predicted.flashErrorPercent.toFixed(2)}%)`);
  const top = [...r.perOp].sort((a, b) => b.instructions - a.instructions).slice(0, 5);
  printLine('  costliest ops   ' + top.map((o) => `${o.name} ${o.instructions}${o.instructionsPerMac ? ` (${o.instructionsPerMac.toFixed(2)}/MAC)` : ''}`).join(', '));
}

export const runCommand: CommandModule<GlobalFlags, Args> = {
  command: 'run [dir]',
  describe: 'build a compiled folder if needed, run it in the emulator, check its output bit for bit and report its cost',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', description: 'a folder written by mcu-nas compile' })
      .option('emulator', { choices: ['qemu', 'renode'] as const, default: 'qemu' as const, description: 'renode also runs the board link on Renode, where installed' })
      .option('timeout', { type: 'number', default: 120, description: 'wall-clock limit of the emulator run, in seconds' }),
  handler: async (a) => {
    if (a.dir === undefined) throw new InputError('run: give the folder written by mcu-nas compile');
    if (!(a.timeout > 0)) throw new InputError(`--timeout: expected a positive number of seconds, got ${a.timeout}`);
    const { report } = await runCompiled(a.dir, { emulator: a.emulator, timeoutMs: a.timeout * 1000 });
    if (!report.ok) {
      const why = report.outcome !== 'pass' ? `the firmware ended with ${report.outcome}` : `output of set ${report.sets.find((s) => !s.match)?.index} differs from the golden model`;
      if (!a.json) printRun(report);
      throw new CheckFailure(`${report.model} on ${report.board}: ${why}`, { ...report });
    }
    if (a.json) return printJson(report);
    printRun(report);
  },
};
