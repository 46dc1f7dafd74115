// `mcu-nas run DIR`: wiring only (src/pipeline/run.ts).
import { CheckFailure } from '../errors.ts';
import { defineCommand } from './flags.ts';
import { runCompiled, type RunReport } from '../pipeline/run.ts';
import { mergeRunIntoReport } from '../pipeline/report.ts';
import { log, printJson, printLine, type GlobalFlags } from './output.ts';

interface Args extends GlobalFlags {
  dir: string;
  emulator: 'qemu' | 'renode';
  timeout: number;
  'allow-misfit': boolean;
}

export function printRun(r: RunReport): void {
  printLine(`${r.model} on ${r.board} (${r.kernels} kernels), emulated on ${r.machine}: ${r.ok ? 'PASS' : 'FAIL'} (${r.outcome})`);
  printLine(`  outputs         ${r.outputsMatch ? 'bit-exact with the TypeScript int8 model' : 'DIFFER from the TypeScript int8 model'} (${r.sets.length} test set(s))`);
  printLine(`  instructions    ${r.instructions} (${r.instructionsPerMac.toFixed(2)} per MAC, ${r.macs} MACs)`);
  if (r.latencyMs === null || r.cycles === null) printLine(`  latency         not modelled: ${r.latency.derivation}`);
  else printLine(`  latency         ${r.latencyMs.toFixed(2)} ms: ${r.latency.derivation}`);
  printLine(`  SRAM            ${r.sramUsedBytes} B measured (static + stack ${r.stackUsedBytes} B), ${r.predicted.sramBytes} B planned (${r.predicted.sramErrorPercent.toFixed(2)}%)`);
  printLine(`  flash           ${r.flashUsedBytes} B measured, ${r.predicted.flashBytes} B planned (${r.predicted.flashErrorPercent.toFixed(2)}%)`);
  // Ranked by cycles when the cycle model ran: a kernel with more instructions can still be the faster one.
  const cost = (o: RunReport['perOp'][number]) => o.cycles ?? o.instructions;
  const top = [...r.perOp].sort((a, b) => cost(b) - cost(a)).slice(0, 5);
  const describe = (o: RunReport['perOp'][number]) =>
    o.cycles === null
      ? `${o.name} ${o.instructions} instr${o.instructionsPerMac ? ` (${o.instructionsPerMac.toFixed(2)}/MAC)` : ''}`
      : `${o.name} ${o.cycles} cycles / ${o.instructions} instr (${(o.cycles / Math.max(1, o.instructions)).toFixed(2)} c/instr${o.macs > 0 ? `, ${(o.cycles / o.macs).toFixed(2)} c/MAC` : ''})`;
  printLine('  costliest ops   ' + top.map(describe).join(', '));
}

export const runCommand = defineCommand<Args>({
  command: 'run [dir]',
  describe: 'build a compiled folder if needed, run it in the emulator, check its output bit for bit and report its cost',
  positionals: { dir: { describe: 'a folder written by mcu-nas compile', required: 'run: give the folder written by mcu-nas compile' } },
  flags: { emulator: true, timeout: true, 'allow-misfit': true },
  examples: [['$0 run fw', 'run the firmware in fw/ on the board\'s QEMU stand-in']],
  run: async (a) => {
    if (!a.json) log(`run: ${a.dir}: building if needed, then running it in ${a.emulator === 'renode' ? 'Renode' : 'QEMU'} ...`);
    const { report } = await runCompiled(a.dir, { emulator: a.emulator, timeoutMs: a.timeout * 1000, allowMisfit: a['allow-misfit'] });
    if (!report.ok) {
      const why = report.outcome !== 'pass' ? `the firmware ended with ${report.outcome}` : `output of set ${report.sets.find((s) => !s.match)?.index} differs from the golden model`;
      if (!a.json) printRun(report);
      throw new CheckFailure(`${report.model} on ${report.board}: ${why}`, { ...report });
    }
    // The measured per-op cost goes into the folder's report.html beside the plan.
    const notMerged = mergeRunIntoReport(a.dir, report);
    if (a.json) return printJson(report);
    printRun(report);
    printLine(notMerged === null ? `  report          ${a.dir}/report.html (with the measured cost per layer)` : `  report          not updated: ${notMerged}`);
  },
});
