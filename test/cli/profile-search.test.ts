// `mcu-nas profile` and `mcu-nas search` as a user runs them: exact lab figures, byte-for-byte
// reproducible searches, budgets met, and bad input ending in exit 2 (or 1) with one `error:` line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliAsync as runCli } from '../helpers/run-cli.ts';
import { labVectors, sharedPath } from '../helpers/shared.ts';
import { profileArch } from '../../src/predict/efficiency.ts';
import { fitArch } from '../../src/schedule/index.ts';
import { loadBoard } from '../../src/board/index.ts';
import { parseArchConfig } from '../../src/space/config.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-cli-'));
const smallest = { wid: 0, ks: Array(20).fill(3), e: Array(20).fill(3), d: Array(6).fill(0), image_size: 96 };

/** One `error:` line on stderr, nothing on stdout, no stack trace. */
function expectOneErrorLine(r: { stdout: string; stderr: string }, pattern: RegExp): void {
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('mcu-nas profile', () => {
  it('--jsonl gives the exact lab figures of all 115 vectors, in order', async () => {
    const vectors = labVectors();
    const r = await runCli(['profile', '--jsonl', '-'], { input: vectors.map((v) => JSON.stringify(v.config)).join('\n') });
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(115);
    out.forEach((o, i) => {
      expect(o).toEqual({
        millionMACs: vectors[i].million_macs,
        KBPeakMemory: vectors[i].kb_peak,
        params: vectors[i].params,
        macs: vectors[i].macs,
        peakBytes: vectors[i].peak_bytes,
      });
    });
    expect(out[0]).toMatchObject({ millionMACs: 8.302128, KBPeakMemory: 72 });
    expect(out[1]).toMatchObject({ millionMACs: 79.416432, KBPeakMemory: 270 });
  });

  it('reads a file and prints one JSON object with --json', async () => {
    const f = path.join(tmp, 'smallest.json');
    fs.writeFileSync(f, JSON.stringify(smallest));
    const r = await runCli(['profile', f, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ millionMACs: 8.302128, KBPeakMemory: 72, params: 304538 });
  });

  it.each([
    ['a missing key', { ...smallest, wid: undefined }, /line 1: missing field "wid"/],
    ['a list of the wrong length', { ...smallest, e: [3] }, /line 1: field "e": must have exactly 20 entries, got 1/],
    ['a kernel of 4', { ...smallest, ks: [4, ...smallest.ks.slice(1)] }, /line 1: field "ks\[0\]": 4 is not one of 3, 5, 7/],
    ['an image size of 100', { ...smallest, image_size: 100 }, /line 1: field "image_size": 100 is not one of/],
  ])('%s exits 2 naming the field', async (_name, cfg, pattern) => {
    const r = await runCli(['profile', '--jsonl', '-', '--json'], { input: `${JSON.stringify(cfg)}\n` });
    expect(r.code).toBe(2);
    // The line's answer names the field; the command's one error line counts the bad lines.
    const [answer] = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(answer).toMatchObject({ line: 1, error: expect.stringMatching(pattern) });
    expectOneErrorLine(r, /stdin: 1 of 1 lines could not be profiled/);
  });

  it('a bad line in a batch is answered in its place; the good lines before it are all printed', async () => {
    const r = await runCli(['profile', '--jsonl', '-'], { input: `${JSON.stringify(smallest)}\n{"wid": 0,\n` });
    expect(r.code).toBe(2);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ millionMACs: 8.302128 }), { line: 2, error: expect.stringMatching(/^stdin line 2: not valid JSON/) }]);
    expectOneErrorLine(r, /^error: stdin: 1 of 2 lines could not be profiled/);
  });

  it('a missing file exits 2 naming it', async () => {
    const r = await runCli(['profile', path.join(tmp, 'nope.json')]);
    expect(r.code).toBe(2);
    expectOneErrorLine(r, /nope\.json: no such file/);
  });
});

describe('mcu-nas search', () => {
  const evo = ['search', '--population', '50', '--generations', '20', '--seed', '1', '--json'];

  it.each([
    [60, 250, 92.5],
    [30, 200, 90],
  ])("evolution 50 x 20, seed 1, under %i M MACs and %i KB reaches the lab's bar of %f%%", async (macs, kb, bar) => {
    const out = path.join(tmp, `best-${macs}.json`);
    const r = await runCli([...evo, '--max-macs', String(macs), '--max-peak-kb', String(kb), '--out', out]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.predictedAccuracy).toBeGreaterThanOrEqual(bar);
    // Every returned config (the winner and the whole Pareto front) re-profiles within its budget.
    for (const arch of [s.arch, ...s.pareto.map((p: { arch: unknown }) => p.arch)]) {
      const p = profileArch(parseArchConfig(arch, 'search output'));
      expect(p.millionMACs).toBeLessThanOrEqual(macs);
      expect(p.KBPeakMemory).toBeLessThanOrEqual(kb);
    }
    // --out holds the winner in the arch format, which profile accepts.
    const written = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(written).toEqual(s.arch);
    expect(Object.keys(written)).toEqual(['wid', 'ks', 'e', 'd', 'image_size']);
    expect(s.pareto.length).toBeGreaterThan(1);
  });

  it('the same seed gives the same output byte for byte; another seed differs', async () => {
    const a = await runCli([...evo, '--max-macs', '40', '--max-peak-kb', '220']);
    const b = await runCli([...evo, '--max-macs', '40', '--max-peak-kb', '220']);
    const c = await runCli([...evo, '--max-macs', '40', '--max-peak-kb', '220', '--seed', '2']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(c.stdout).not.toBe(a.stdout);
  });

  it('random search of 300 stays within budget', async () => {
    const r = await runCli(['search', '--algo', 'random', '--samples', '300', '--seed', '3', '--max-macs', '30', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.algo).toBe('random');
    expect(s.predictions).toBe(300);
    expect(s.millionMACs).toBeLessThanOrEqual(30);
  });

  it('a peak budget below 72 KB exits 1 and says why (nothing in the space needs less)', async () => {
    const r = await runCli(['search', '--max-peak-kb', '70', '--population', '10', '--generations', '2']);
    expect(r.code).toBe(1);
    expectOneErrorLine(r, /--max-peak-kb 70 is below 72 KB of peak activation.*smallest subnet/);
  });

  it('--board stm32f746 returns only configs the planner fits on the board', async () => {
    const r = await runCli(['search', '--board', 'stm32f746', '--population', '30', '--generations', '10', '--seed', '4', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    const board = loadBoard('stm32f746');
    for (const arch of [s.arch, ...s.pareto.map((p: { arch: unknown }) => p.arch)]) {
      const f = fitArch(parseArchConfig(arch, 'search output'), board, { patch: 'auto' });
      expect(f.fits).toBe(true);
      expect(f.sramBytes).toBeLessThanOrEqual(320 * 1024);
      expect(f.flashBytes).toBeLessThanOrEqual(1024 * 1024);
    }
    expect(s.sramKB).toBeGreaterThan(0);
    // DESIGN.md's field names: the planner's figures for the winner, in bytes.
    const f = fitArch(parseArchConfig(s.arch, 'search output'), board, { patch: 'auto' }); // search's default --patch
    expect([s.sramBytes, s.flashBytes]).toEqual([f.sramBytes, f.flashBytes]);
    expect(s.constraints).toMatchObject({ sramKB: expect.any(Number), flashKB: 1024 });
  });

  it.each([
    [['--max-sram-kb', '100'], /give --board too/],
    [['--board', 'nosuchboard'], /nosuchboard/],
    [['--population', '0'], /--population: expected an integer from 1 to 100000, got 0/],
    [['--arch-mutate-prob', '2'], /--arch-mutate-prob: expected a number from 0 to 1, got 2/],
    [['--predictor', '/nonexistent.pth'], /nonexistent\.pth: no such file/],
    [['--max-latency-ms', '5'], /--max-latency-ms is predicted for a board: give --board too/],
    [['--variant', 'nucleo'], /--variant names a variant of a board: give --board too/],
    [['--board', 'stm32f746', '--variant', 'nope'], /board stm32f746 has no variant "nope"; its variants: disco, nucleo/],
  ])('bad usage %j exits 2 with one error line', async (args, pattern) => {
    const r = await runCli(['search', '--generations', '1', ...args]);
    expect(r.code).toBe(2);
    expectOneErrorLine(r, pattern);
  });

  it('a truncated lab checkpoint exits 2 naming the file', async () => {
    const src = fs.readFileSync(sharedPath('data/mcunet-acc-predictor/OFAMCUNets_acc_predictor.pth'));
    const f = path.join(tmp, 'truncated.pth');
    fs.writeFileSync(f, src.subarray(0, Math.floor(src.length / 2)));
    const r = await runCli(['search', '--generations', '1', '--predictor', f]);
    expect(r.code).toBe(2);
    expectOneErrorLine(r, /truncated\.pth/);
  });
});
