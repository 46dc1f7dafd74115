// `mcu-nas compile` as a user runs it: report.json, exit codes 0 / 1 (does not fit, even with patches)
// / 2 (unknown board, bad board file, bad config, bad --patch), one `error:` line on stderr.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliAsync as runCli } from '../helpers/run-cli.ts';
import { REPO } from '../helpers/shared.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcu-nas-compile-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const small = { wid: 0, ks: Array(20).fill(3), e: Array(20).fill(3), d: [0, 0, 0, 0, 0, 0], image_size: 96 };
const archFile = path.join(tmp, 'small.json');
fs.writeFileSync(archFile, JSON.stringify(small));

// A board with 24 KB of SRAM: the smallest subnet needs ~72 KB layer by layer and more than 24 KB with patches.
const boardsDir = path.join(tmp, 'boards');
fs.mkdirSync(boardsDir);
const f746 = JSON.parse(fs.readFileSync(path.join(REPO, 'boards/stm32f746.json'), 'utf8'));
fs.writeFileSync(
  path.join(boardsDir, 'tiny.json'),
  // memoryTiming names the F746's TCM regions, which this board does not have: left out (it is optional).
  JSON.stringify({ ...f746, name: 'tiny', description: 'test board with 24K SRAM', sram: [{ name: 'SRAM', base: '0x20000000', size: '24K', arena: true }], memoryTiming: undefined }),
);
fs.writeFileSync(path.join(boardsDir, 'broken.json'), '{"name": "broken", ');

const errorLines = (s: string) => s.split('\n').filter((l) => l.startsWith('error:'));

describe('mcu-nas compile', () => {
  it('plans a model that fits: exit 0, one JSON object, report.json with the DESIGN fields', async () => {
    const out = path.join(tmp, 'ok');
    const r = await runCli(['compile', archFile, '--board', 'stm32f746', '--out', out, '--json', '--no-build']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]);
    expect(summary).toMatchObject({ ok: true, fits: true, board: 'stm32f746' });
    expect(summary.status).toBe('generated');
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    for (const k of ['board', 'model', 'macs', 'params', 'flash', 'sram', 'fits', 'patch', 'layers']) expect(report).toHaveProperty(k);
    expect(Object.keys(report.flash)).toEqual(expect.arrayContaining(['weights', 'bias', 'quantParams', 'code', 'total']));
    expect(Object.keys(report.sram)).toEqual(expect.arrayContaining(['arena', 'lowerBound', 'scratch', 'io', 'stack', 'total']));
    expect(Object.keys(report.layers[0])).toEqual(
      expect.arrayContaining(['name', 'op', 'inShape', 'outShape', 'macs', 'arenaOffset', 'liveBytes', 'scratchBytes', 'weightBytes']),
    );
    expect(report.macs).toBe(7237104); // the lab's macs_pure of the smallest subnet @96
    expect(report.params).toBe(304538);
    // Both kinds of count, each named (src/ir/cost.ts): products vs the lab's thop count, lab vs deployed params.
    const counts = { macsPure: 7237104, labMacs: 8302128, labParams: 304538, deployedParams: 300898 };
    expect(report).toMatchObject(counts);
    expect(summary).toMatchObject({ ...counts, macs: 7237104, millionMACs: 8.302128 });
    expect(fs.existsSync(path.join(out, 'report.html'))).toBe(true);
  });

  it('--test-sets 0: the board project only (no emulator link, no test vectors), and run says there is nothing to check', async () => {
    const out = path.join(tmp, 'no-tests');
    const r = await runCli(['compile', archFile, '--board', 'stm32f746', '--out', out, '--json', '--no-build', '--test-sets', '0']);
    expect(r.code).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.tests.sets).toBe(0);
    expect(fs.existsSync(path.join(out, 'test_vectors.c'))).toBe(false);
    expect(fs.existsSync(path.join(out, 'vectors.bin'))).toBe(false);
    expect(fs.existsSync(path.join(out, 'link-qemu.ld'))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'firmware.json'), 'utf8'))).toMatchObject({ testSets: 0, renode: null, layouts: { qemu: null } });
    const run = await runCli(['run', out]);
    expect(run.code).toBe(2);
    expect(errorLines(run.stderr)).toEqual([expect.stringMatching(/compiled with --test-sets 0 .*nothing to run and compare/)]);
  });

  it('prints the per-layer table without --json, and writes the patch geometry with --patch', async () => {
    const out = path.join(tmp, 'patched');
    const r = await runCli(['compile', archFile, '--board', 'stm32f746', '--out', out, '--patch', '4x4@blocks.2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/first_conv .*conv2d/);
    expect(r.stdout).toMatch(/patch 4x4 patches up to blocks\.2\.point_linear/);
    const geo = JSON.parse(fs.readFileSync(path.join(out, 'patch-plan.json'), 'utf8'));
    expect(geo.n).toBe(4);
    expect(geo.stage[0].tiles).toHaveLength(16);
  });

  it('exits 1 when the model does not fit even with patches, naming the overflow, the peak layer and the patch outcome', async () => {
    const out = path.join(tmp, 'tiny');
    const r = await runCli(['compile', archFile, '--board', 'tiny', '--boards-dir', boardsDir, '--out', out]);
    expect(r.code).toBe(1);
    const errs = errorLines(r.stderr);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/does not fit tiny: SRAM: needs .* B over; the peak is at \S+/);
    expect(errs[0]).toMatch(/no patch plan fits either: the smallest patch plan .*still does not fit/);
    expect(errs[0]).toMatch(/report\.json written with fits: false/);
    const planned = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(planned).toMatchObject({ fits: false, status: 'planned', macs: 7237104, labMacs: 8302128, params: 304538, deployedParams: 300898 });
  });

  it('under --json a misfit still prints one JSON object, with ok: false and the figures', async () => {
    const r = await runCli(['compile', archFile, '--board', 'tiny', '--boards-dir', boardsDir, '--out', path.join(tmp, 'tiny2'), '--patch', 'auto', '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout.trim());
    expect(j).toMatchObject({ ok: false, fits: false });
    expect(j.sramBytes).toBeGreaterThan(24 * 1024);
  });

  it.each([
    ['unknown board', ['--board', 'no-such-board'], /unknown board "no-such-board"/],
    ['bad board JSON', ['--board', 'broken', '--boards-dir', boardsDir], /broken\.json: not valid JSON/],
    ['bad --patch', ['--patch', '4x3@blocks.2'], /--patch: patches are n x n/],
    ['a split layer past the first SE block', ['--patch', '2x2@blocks.5'], /--patch: the patch stage cannot end at/],
  ])('exits 2 on %s with one error line', async (_what, extra, message) => {
    const r = await runCli(['compile', archFile, '--out', path.join(tmp, 'x'), ...extra]);
    expect(r.code).toBe(2);
    const errs = errorLines(r.stderr);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('exits 2 on a bad config, naming the field', async () => {
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ ...small, wid: 5 }));
    const r = await runCli(['compile', bad, '--out', path.join(tmp, 'y')]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/bad\.json: field "wid": 5/)]);
  });
});
