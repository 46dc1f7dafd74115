// compile, run and validate as a user runs them (bin/mcu-nas.js): a small model builds and runs
// bit-exact with `run --json` reporting instructions per MAC; the lab's largest subnet at 160 px with
// --patch off is stopped by the planner before gcc for stm32f746, with one error line naming SRAM and
// flash and their overflows (its ~2.6 MB of int8 weights overflow the F746's 1 MB flash, so --patch auto,
// which fixes its SRAM, cannot make it fit either); a subnet whose layer-by-layer SRAM overflows but whose
// weights fit runs with --patch auto.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haveBuildAndQemu } from '../../src/emu/index.ts';
import { largestArch, smallestArch } from '../../src/space/sample.ts';
import { runCliAsync as runCli } from '../helpers/run-cli.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-cli-e2e-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, v: unknown) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, JSON.stringify(v));
  return f;
};
const errors = (s: string) => s.split('\n').filter((l) => l.startsWith('error:'));

describe.skipIf(!haveBuildAndQemu())('compile / run / validate', () => {
  const small = write('small.json', smallestArch(96));

  it('compile builds firmware.elf/.bin/.hex and report.json; run --json is bit-exact and reports instructions per MAC', async () => {
    const out = path.join(tmp, 'small');
    const c = await runCli(['compile', small, '--board', 'stm32f746', '--out', out, '--json', '--calibration-samples', '4']);
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    const s = JSON.parse(c.stdout);
    expect(s).toMatchObject({ ok: true, status: 'built', fits: true, board: 'stm32f746' });
    expect(s.flashCommand).toMatch(/^st-flash write firmware\.bin 0x8000000/);
    for (const f of ['firmware.elf', 'firmware.bin', 'firmware.hex', 'model.c', 'weights.c', 'Makefile', 'link-board.ld', 'report.json']) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.status).toBe('built');
    for (const k of ['board', 'model', 'macs', 'params', 'flash', 'sram', 'fits', 'patch', 'layers']) expect(report).toHaveProperty(k);
    expect(Math.abs(report.firmware.flashErrorPercent)).toBeLessThan(2);

    const r = await runCli(['run', out, '--json']);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run).toMatchObject({ ok: true, outputsMatch: true, machine: 'mps2-an500' });
    expect(run.instructionsPerMac).toBeGreaterThan(1);
    expect(run.instructionsPerMac).toBeLessThan(20);
    expect(run.perOp).toHaveLength(report.layers.length);
    expect(run.latency.derivation).toMatch(/instructions .* cycles\/instruction .* MHz/);
    expect(Math.abs(run.predicted.flashErrorPercent)).toBeLessThan(2);
    expect(Math.abs(run.predicted.sramErrorPercent)).toBeLessThan(5);
    // run merges the measured cost of each op into the folder's report.html
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain(`<td class="n">${run.perOp[0].instructions.toLocaleString('en-US')}</td>`);
    expect(html).toContain(`${run.instructions.toLocaleString('en-US')} instructions`);
  });

  it('run exits 1 when the firmware no longer matches the golden output', async () => {
    const out = path.join(tmp, 'small');
    const vectors = JSON.parse(fs.readFileSync(path.join(out, 'test-vectors.json'), 'utf8'));
    const golden: string = vectors.sets[0].golden;
    vectors.sets[0].golden = (golden.startsWith('00') ? '01' : '00') + golden.slice(2);
    fs.writeFileSync(path.join(out, 'test-vectors.json'), JSON.stringify(vectors));
    const r = await runCli(['run', out]);
    expect(r.code).toBe(1);
    expect(errors(r.stderr)).toHaveLength(1);
  });

  it("the lab's largest subnet at 160 px, --patch off: the planner stops it before gcc, one error line naming each region and its overflow", async () => {
    const big = write('largest160.json', largestArch(160));
    const r = await runCli(['compile', big, '--board', 'stm32f746', '--patch', 'off', '--out', path.join(tmp, 'big'), '--calibration-samples', '1', '--test-sets', '1']);
    expect(r.code).toBe(1);
    const lines = errors(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/does not fit stm32f746: SRAM: needs [\d,]+ B .*offers 327,680 B: [\d,]+ B over/);
    expect(lines[0]).toMatch(/flash: needs [\d,]+ B .* has 1,048,576 B: [\d,]+ B over/);
    expect(lines[0]).toContain('stopped before gcc');
    const report = JSON.parse(fs.readFileSync(path.join(tmp, 'big', 'report.json'), 'utf8'));
    expect(report).toMatchObject({ status: 'planned', fits: false });
    expect(report.fitReasons).toHaveLength(2);
    expect(fs.existsSync(path.join(tmp, 'big', 'firmware.elf'))).toBe(false);
    // --patch auto lowers its SRAM below 320 KB, but its weights still need about 2.6 MB of flash.
    const auto = await runCli(['compile', big, '--board', 'stm32f746', '--patch', 'auto', '--out', path.join(tmp, 'big-auto'), '--no-build', '--json']);
    expect(auto.code).toBe(1);
    expect(JSON.parse(auto.stdout)).toMatchObject({ ok: false, fits: false });
    expect(errors(auto.stderr)[0]).toMatch(/flash/);
  }, 300_000);

  it('a subnet whose layer-by-layer SRAM overflows the F746 but whose weights fit runs with --patch auto', async () => {
    const arch = write('w1-144.json', { ...smallestArch(144), wid: 1 });
    const off = await runCli(['compile', arch, '--board', 'stm32f746', '--patch', 'off', '--out', path.join(tmp, 'w1-off'), '--no-build']);
    expect(off.code).toBe(1);
    expect(errors(off.stderr)[0]).toMatch(/with --patch auto .* fits/);
    const out = path.join(tmp, 'w1-auto');
    const c = await runCli(['compile', arch, '--board', 'stm32f746', '--patch', 'auto', '--out', out, '--json', '--calibration-samples', '2', '--test-sets', '1']);
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout).patch).toMatchObject({ n: expect.any(Number) });
    const r = await runCli(['run', out, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, outputsMatch: true });
  }, 300_000);

  it('validate --json: per set top-1, cosine, RMSE and max error against the float interpreter', async () => {
    const r = await runCli(['validate', small, '--board', 'stm32f746', '--json', '--test-sets', '2', '--calibration-samples', '4']);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v).toMatchObject({ ok: true, bitExact: true });
    expect(v.sets).toHaveLength(2);
    for (const s of v.sets) {
      expect(Object.keys(s)).toEqual(expect.arrayContaining(['top1Match', 'cosine', 'rmse', 'maxAbsErr']));
      expect(s.cosine).toBeGreaterThanOrEqual(0.99);
    }
  }, 300_000);

  it('bad input exits 2 with one error line', async () => {
    expect((await runCli(['run', path.join(tmp, 'nowhere')])).code).toBe(2);
    const r = await runCli(['compile', small, '--out', path.join(tmp, 'x'), '--kernels', 'cmsis-nn'], {});
    expect(r.code).toBe(process.env.CMSIS_NN_ROOT ? 0 : 2);
  });
});
