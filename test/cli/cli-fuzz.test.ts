// Fuzz of the command line itself: a seeded generator makes a few hundred command lines, each with at
// least one fault a careless user makes (a misspelt or unknown flag, a value out of range or not a number,
// a choice that does not exist, a switch given a value, a flag given twice, an extra argument, a required
// flag left out), among otherwise valid flags. Every one must be refused before any work: exit 2, exactly
// one `error:` line and no stack, nothing on stdout, and no file written anywhere in the working folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../helpers/run-in-process.ts';
import { FLAGS, type FlagSpec } from '../../src/cli/flags.ts';
import { smallestArch } from '../../src/space/sample.ts';

/** A small seeded generator (the test's own: a failing case is reproduced from its seed). */
function mulberry(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-cli-fuzz-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const arch = path.join(work, 'arch.json');
fs.writeFileSync(arch, JSON.stringify(smallestArch(96)));

/** The flags each command takes (as its --help lists them) and its positional, if any. */
const COMMANDS: { words: string[]; positional?: string; flags: string[] }[] = [
  { words: ['profile'], positional: arch, flags: ['jsonl'] },
  { words: ['search'], flags: ['board', 'patch', 'max-macs', 'max-peak-kb', 'algo', 'population', 'generations', 'parent-ratio', 'mutation-ratio', 'samples', 'seed', 'out', 'verify-top', 'max-latency-ms'] },
  { words: ['boards'], flags: [] },
  { words: ['compile'], positional: arch, flags: ['board', 'out', 'patch', 'kernels', 'calibration-samples', 'test-sets', 'seed', 'build'] },
  { words: ['run'], positional: work, flags: ['emulator', 'timeout', 'allow-misfit'] },
  { words: ['validate'], positional: arch, flags: ['board', 'kernels', 'patch', 'test-sets', 'seed', 'min-cosine'] },
  { words: ['export'], positional: arch, flags: ['onnx', 'seed'] },
  { words: ['evaluate'], positional: arch, flags: ['dataset', 'limit', 'calibration-samples', 'seed', 'channel-order', 'resize', 'interpolation', 'emulated', 'report-images'] },
  { words: ['predictor', 'train'], flags: ['data', 'out', 'epochs', 'lr', 'batch-size', 'schedule', 'dropout', 'progress'] },
  { words: ['predictor', 'eval'], flags: ['data', 'predictor'] },
  { words: ['demo'], flags: ['seed'] },
];

/** A value the flag accepts (files point into the fuzz folder; output paths are never created). */
function validValue(name: string, f: FlagSpec, r: () => number): string {
  if (f.choices) return f.choices[Math.floor(r() * f.choices.length)];
  if (f.type === 'number') {
    const lo = f.above !== undefined ? f.above + 1 : (f.min ?? 0);
    const hi = Math.min(f.max ?? lo + 10, lo + 10);
    return String(f.int ? Math.floor(lo + r() * (hi - lo)) : lo + r() * (hi - lo));
  }
  if (name === 'board') return 'stm32f746';
  if (name === 'patch') return 'off';
  return path.join(work, `out-${Math.floor(r() * 1000)}`);
}

type Fault = (cmd: (typeof COMMANDS)[number], args: string[], r: () => number) => void;

const pick = <T,>(xs: readonly T[], r: () => number) => xs[Math.floor(r() * xs.length)];
const numberFlags = Object.entries(FLAGS).filter(([, f]) => f.type === 'number') as [string, FlagSpec][];

const FAULTS: Record<string, Fault> = {
  unknownFlag: (_c, args, r) => args.push(`--${pick(['bord', 'no-biuld', 'max-mac', 'outt', 'seeds', 'x', 'kernel', 'populaton', 'jsn'], r)}`, '1'),
  outOfRange: (c, args, r) => {
    const own = numberFlags.filter(([n]) => c.flags.includes(n));
    if (own.length === 0) return FAULTS.unknownFlag(c, args, r);
    const [n, f] = pick(own, r);
    const bad = [f.max !== undefined ? String(f.max * 10 + 1) : '1e400', f.min !== undefined ? String(f.min - 1) : '-1', 'abc', 'NaN', 'Infinity', '1e9999'];
    const choice = pick(bad, r);
    // -1 below an exclusive bound or a min of -inf is still out of range for every number flag here.
    args.push(`--${n}`, choice);
  },
  badChoice: (c, args, r) => {
    const own = Object.entries(FLAGS).filter(([n, f]) => c.flags.includes(n) && 'choices' in f);
    if (own.length === 0) return FAULTS.unknownFlag(c, args, r);
    args.push(`--${pick(own, r)[0]}`, pick(['foo', '', 'OWN', 'qemu2', ' '], r));
  },
  switchWithValue: (c, args, r) => {
    const own = Object.entries(FLAGS).filter(([n, f]) => c.flags.includes(n) && f.type === 'boolean');
    if (own.length === 0) return FAULTS.unknownFlag(c, args, r);
    args.push(`--${pick(own, r)[0]}=maybe`);
  },
  twice: (c, args, r) => {
    if (c.flags.length === 0) return FAULTS.unknownFlag(c, args, r);
    const n = pick(c.flags, r);
    const f = FLAGS[n as keyof typeof FLAGS] as FlagSpec;
    if (f.type === 'boolean') return FAULTS.unknownFlag(c, args, r);
    args.push(`--${n}`, validValue(n, f, r), `--${n}`, validValue(n, f, r));
  },
  extraArgument: (_c, args) => args.push('stray-word', 'another'),
};

describe('command-line fuzz (seeded)', () => {
  it('300 faulty command lines: each refused with exit 2 and one error line before any work; nothing written', async () => {
    const r = mulberry(20261203);
    const counts = { tried: 0, clean: 0, internal: 0 };
    const cwd = process.cwd();
    process.chdir(work); // a relative path written by mistake would land here
    const before = new Set(fs.readdirSync(work));
    try {
      for (let i = 0; i < 300; i++) {
        const c = pick(COMMANDS, r);
        const args = [...c.words];
        if (c.positional) args.push(c.positional);
        // A few valid flags first, then at least one fault, at a random place.
        for (let k = Math.floor(r() * 3); k > 0 && c.flags.length > 0; k--) {
          const n = pick(c.flags, r);
          const f = FLAGS[n as keyof typeof FLAGS] as FlagSpec;
          if (f.type === 'boolean') args.push(`--${n}`);
          else args.push(`--${n}`, validValue(n, f, r));
        }
        const faultName = pick(Object.keys(FAULTS), r);
        FAULTS[faultName](c, args, r);
        if (r() < 0.3) args.push('--json');

        const { code, stdout: out, stderr: err } = await runInProcess(args);
        counts.tried++;
        if (code === 70) counts.internal++;
        const errorLines = err.split('\n').filter((l) => l.startsWith('error:'));
        const ok = code === 2 && errorLines.length === 1 && !/\n\s+at /.test(err) && out === '';
        if (ok) counts.clean++;
        const what = `${faultName}: mcu-nas ${args.join(' ')} -> ${code} ${err.trim()}`;
        expect(code, what).toBe(2);
        expect(out, what).toBe('');
        expect(errorLines, args.join(' ')).toHaveLength(1);
        expect(fs.readdirSync(work).filter((f) => !before.has(f)), args.join(' ')).toEqual([]);
      }
    } finally {
      process.chdir(cwd);
    }
    expect(counts).toEqual({ tried: 300, clean: 300, internal: 0 });
  });
});
