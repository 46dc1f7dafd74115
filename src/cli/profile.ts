import { parseArchConfig, parseArchJson } from '../space/config.ts';
import { profileArch, type Efficiency } from '../predict/efficiency.ts';
import { parseJson, readText, sourceName } from '../io/read-input.ts';
import { InputError, isUserError } from '../errors.ts';
import { printJson, printLine, type GlobalFlags } from './output.ts';
import { defineCommand } from './flags.ts';

interface Args extends GlobalFlags {
  input: string;
  jsonl?: boolean;
}

/** The lab's figures plus the exact integers they come from. */
function labFigures(p: Efficiency) {
  return { millionMACs: p.millionMACs, KBPeakMemory: p.KBPeakMemory, params: p.params, macs: p.macs, peakBytes: p.peakBytes };
}

/**
 * One output line per input line, in order: a blank or bad line gets `{"line": N, "error": "..."}` in its
 * place, so line N of the output always answers line N of the input and one bad line loses no good result.
 * Returns how many lines were bad.
 */
function profileLines(text: string, source: string): { lines: string[]; bad: number } {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop(); // the final newline ends the last line; it does not start another
  let bad = 0;
  const out = lines.map((line, i) => {
    const where = `${source} line ${i + 1}`;
    try {
      if (line.trim() === '') throw new InputError(`${where}: empty line`);
      const value = parseJson(line, where);
      return JSON.stringify(labFigures(profileArch(parseArchConfig(value, where))));
    } catch (e) {
      if (!isUserError(e)) throw e;
      bad++;
      return JSON.stringify({ line: i + 1, error: e.message });
    }
  });
  return { lines: out, bad };
}

export const profileCommand = defineCommand<Args>({
  command: 'profile [input]',
  describe: 'lab-compatible figures of an arch config: {millionMACs, KBPeakMemory, params}',
  positionals: { input: { describe: 'arch config JSON file (with --jsonl: one config per line), or - for stdin', required: 'profile: give an arch config file, or - for stdin' } },
  flags: { jsonl: true },
  examples: [
    ['$0 profile arch.json', "the lab's figures of one subnet"],
    ['$0 profile --jsonl configs.jsonl > figures.jsonl', 'one result per input line, same order'],
  ],
  run: (a) => {
    const source = sourceName(a.input);
    if (a.jsonl) {
      const { lines, bad } = profileLines(readText(a.input), source);
      if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
      if (bad > 0) throw new InputError(`${source}: ${bad} of ${lines.length} lines could not be profiled (their output lines carry the error)`);
      return;
    }
    const p = profileArch(parseArchJson(readText(a.input), source));
    if (a.json) return printJson({ ...labFigures(p), macsPure: p.macsPure });
    printLine(`millionMACs   ${p.millionMACs}`);
    printLine(`KBPeakMemory  ${p.KBPeakMemory}`);
    printLine(`params        ${p.params}`);
  },
});
