// A search-style winner at 160 px on stm32f746: its weights and code take about 0.9 MB of the 1 MB flash,
// and two 160x160x3 test inputs (150 KB) on top used to make the board link overflow. Now the board image
// holds no test data: it links, and the emulator link (same model code, the board's region sizes, the
// test vectors in a region of their own) runs bit-exact in QEMU.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { haveBuildAndQemu, parseElf } from '../../src/emu/index.ts';
import { runCliAsync as runCli } from '../helpers/run-cli.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-winner160-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

it.skipIf(!haveBuildAndQemu())('a 160 px subnet that fills the F746 flash links with a full build and runs bit-exact in QEMU', async () => {
  const arch = path.join(tmp, 'r160.json');
  fs.writeFileSync(arch, JSON.stringify({ wid: 0, ks: Array.from({ length: 20 }, (_, i) => [3, 5, 7][i % 3]), e: Array(20).fill(4), d: [2, 2, 2, 2, 2, 2], image_size: 160 }));
  const out = path.join(tmp, 'fw');
  const c = await runCli(['compile', arch, '--board', 'stm32f746', '--patch', 'off', '--out', out, '--json', '--test-sets', '2', '--calibration-samples', '2']);
  expect(c.stderr).toBe('');
  expect(c.code).toBe(0);
  const s = JSON.parse(c.stdout);
  expect(s).toMatchObject({ ok: true, status: 'built', fits: true });
  const f = s.firmware;
  console.log(`160 px winner on stm32f746: board ELF flash ${f.flashBytes} B (planned ${f.flashPredicted} B, ${f.flashErrorPercent.toFixed(2)}%), test data ${f.emulator.testDataBytes} B in the emulator link only`);
  // Two inputs of 160 x 160 x 3 bytes and their outputs: together with the image they exceed the 1 MB flash.
  expect(f.emulator.testDataBytes).toBeGreaterThan(2 * 160 * 160 * 3);
  expect(f.flashBytes + f.emulator.testDataBytes).toBeGreaterThan(1024 * 1024);
  expect(f.flashBytes).toBeLessThanOrEqual(1024 * 1024);
  expect(Math.abs(f.flashErrorPercent)).toBeLessThanOrEqual(2);
  const elf = parseElf(fs.readFileSync(path.join(out, 'firmware.elf')));
  expect(elf.sections.some((x) => x.name === '.mcunas_test')).toBe(false);

  const r = await runCli(['run', out, '--json']);
  expect(r.code).toBe(0);
  const run = JSON.parse(r.stdout);
  expect(run).toMatchObject({ ok: true, outputsMatch: true, machine: 'mps2-an500' });
  expect(run.sets).toHaveLength(2);
  expect(run.sets.every((x: { match: boolean; firmwareMatch: boolean }) => x.match && x.firmwareMatch)).toBe(true);
}, 600_000);
