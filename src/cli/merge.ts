// `mcu-nas merge part-*.json`: the parts of a sharded `search --verify-top K --shard i/n` combined into the
// result one machine gives (src/search/shard.ts): the same JSON as `search --verify-top K --json`.
import { InputError } from '../errors.ts';
import { claimOutputFile } from '../io/output-folder.ts';
import { readText, writeFileAtomic } from '../io/read-input.ts';
import { mergeParts, readPart } from '../search/shard.ts';
import { defineCommand } from './flags.ts';
import { printJson, printLine, type GlobalFlags } from './output.ts';

interface Args extends GlobalFlags {
  parts: string[];
  out?: string;
  force: boolean;
}

/** A file merge --out wrote: a search result with its verified places. */
function isMergedResult(bytes: Buffer): boolean {
  try {
    const o = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    return typeof o.arch === 'object' && Array.isArray(o.verified) && Array.isArray(o.pareto);
  } catch {
    return false;
  }
}

export const mergeCommand = defineCommand<Args>({
  command: 'merge [parts..]',
  describe: 'combine the part files of `search --verify-top K --shard i/n` into the result one machine gives',
  positionals: { parts: { describe: 'the part files, one per shard (any order)', required: 'merge: give the part files (search --verify-top K --shard i/n --out FILE)', variadic: true } },
  flags: { out: { describe: 'write the merged result (the JSON `search --json` prints) to this file' }, force: true },
  examples: [['$0 merge part-*.json --out result.json', 'the winner of four shards, as one machine finds it']],
  run: (a) => {
    const out = a.out === undefined ? undefined : claimOutputFile(a.out, '--out', isMergedResult, a.force);
    const files = a.parts.map(String);
    if (new Set(files).size !== files.length) throw new InputError(`merge: ${files.find((f, i) => files.indexOf(f) !== i)} given twice`);
    const result = mergeParts(files.map((file) => ({ file, part: readPart(readText(file), file) })));
    if (out) writeFileAtomic(out, `${JSON.stringify(result)}\n`);
    if (a.json) return printJson(result);
    printLine(`best subnet (${result.algo}, seed ${result.seed}), verified on ${files.length} shard(s): predicted accuracy ${result.predictedAccuracy.toFixed(2)}%`);
    printLine(`  millionMACs   ${result.millionMACs}`);
    printLine(`  KBPeakMemory  ${result.KBPeakMemory}`);
    printLine(`  params        ${result.params}`);
    printLine(`  arch          ${JSON.stringify(result.arch)}`);
    for (const v of result.verified ?? [])
      printLine(
        v.ok
          ? `  verified      ${v.predictedAccuracy.toFixed(2)}%: ${v.instructions} instructions, ${v.latencyMs === null ? 'no measured latency' : `${v.latencyMs.toFixed(2)} ms measured`}, SRAM ${v.sramUsedBytes} B, flash ${v.flashUsedBytes} B`
          : `  dropped       ${v.predictedAccuracy.toFixed(2)}%: ${v.dropped}`,
      );
    if (a.out) printLine(`  written to    ${a.out}`);
  },
});
