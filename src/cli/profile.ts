import type { CommandModule } from 'yargs';
import { parseArchConfig, parseArchJson } from '../space/config.ts';
import { profileArch, type Efficiency } from '../predict/efficiency.ts';
import { readText, sourceName } from '../io/read-input.ts';
import { InputError } from '../errors.ts';
import { printJson, printLine, type GlobalFlags } from './output.ts';

interface Args extends GlobalFlags {
  input?: string;
  jsonl?: boolean;
}

/** The lab's figures plus the exact integers they come from. */
function labFigures(p: Efficiency) {
  return { millionMACs: p.millionMACs, KBPeakMemory: p.KBPeakMemory, params: p.params, macs: p.macs, peakBytes: p.peakBytes };
}

export const profileCommand: CommandModule<GlobalFlags, Args> = {
  command: 'profile [input]',
  describe: 'lab-compatible figures of an arch config: {millionMACs, KBPeakMemory, params}',
  builder: (y) =>
    y
      .positional('input', { type: 'string', description: 'arch config JSON file (with --jsonl: one config per line), or - for stdin' })
      .option('jsonl', { type: 'boolean', description: 'batch: one config per input line, one result per output line, same order' })
      .demandOption('input', 'give an arch config file, or - for stdin'),
  handler: (a) => {
    if (a.input === undefined) throw new InputError('profile: give an arch config file, or - for stdin');
    const file = a.input;
    const source = sourceName(file);
    if (a.jsonl) {
      const lines = readText(file).split('\n');
      const out: string[] = [];
      lines.forEach((line, i) => {
        if (line.trim() === '') return;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (e) {
          throw new InputError(`${source} line ${i + 1}: not valid JSON (${(e as Error).message})`);
        }
        out.push(JSON.stringify(labFigures(profileArch(parseArchConfig(value, `${source} line ${i + 1}`)))));
      });
      // Validate every line before printing any, so a bad line never leaves a partial result on stdout.
      if (out.length) process.stdout.write(`${out.join('\n')}\n`);
      return;
    }
    const p = profileArch(parseArchJson(readText(file), source));
    if (a.json) return printJson({ ...labFigures(p), macsPure: p.macsPure });
    printLine(`millionMACs   ${p.millionMACs}`);
    printLine(`KBPeakMemory  ${p.KBPeakMemory}`);
    printLine(`params        ${p.params}`);
  },
};
