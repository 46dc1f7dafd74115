// What `search --board B` picks links, flashes and runs, on three boards: an M7 (stm32f746), a small M4
// (stm32f411, 128 KB SRAM) and the M0+ rp2040. Each search is small (a few subnets under a MAC budget,
// so the builds stay quick); its winner is compiled with a full build (the board image and the emulator
// image) under the default --patch, and run in QEMU, bit-exact against the golden model.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { haveBuildAndQemu } from '../../src/emu/index.ts';
import { pool } from '../helpers/pool.ts';
import { runCliAsync as runCli } from '../helpers/run-cli.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-search-boards-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Small MAC budgets keep the winners small (about 0.4-0.9 MB of weights) and the builds quick.
const BOARDS = ['stm32f746', 'stm32f411', 'rp2040'];
const MAX_MACS = '20';

it.skipIf(!haveBuildAndQemu())('search --board B on an M7, a small M4 and rp2040: the winner builds for the board and runs bit-exact in QEMU', async () => {
  const lines: string[] = [];
  await pool(
    BOARDS.map((board) => async () => {
      const best = path.join(tmp, `${board}.json`);
      const s = await runCli(['search', '--board', board, '--max-macs', MAX_MACS, '--population', '4', '--generations', '1', '--seed', '3', '--out', best, '--json']);
      expect(s.code, s.stderr).toBe(0);
      const found = JSON.parse(s.stdout);
      expect(found.millionMACs).toBeLessThanOrEqual(Number(MAX_MACS));
      const out = path.join(tmp, `${board}-fw`);
      const c = await runCli(['compile', best, '--board', board, '--out', out, '--json', '--test-sets', '1', '--calibration-samples', '1']);
      expect(c.code, c.stderr).toBe(0);
      const compiled = JSON.parse(c.stdout);
      expect(compiled).toMatchObject({ ok: true, status: 'built', fits: true });
      // The board image fits the board's flash, as planned.
      expect(compiled.firmware.flashBytes).toBeLessThanOrEqual(compiled.firmware.flashPredicted * 1.02);
      const r = await runCli(['run', out, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const run = JSON.parse(r.stdout);
      expect(run).toMatchObject({ ok: true, outputsMatch: true });
      expect(run.sets.every((x: { match: boolean; firmwareMatch: boolean }) => x.match && x.firmwareMatch)).toBe(true);
      lines.push(
        `${board}: ${found.arch.image_size} px wid ${found.arch.wid}, ${found.millionMACs} M MACs, patch ${compiled.patch ? `${compiled.patch.n}x${compiled.patch.n}` : 'none'}; ` +
          `board ELF flash ${compiled.firmware.flashBytes} B (planned ${compiled.flashBytes} B), SRAM planned ${compiled.sramBytes} B; QEMU ${run.instructions} instructions, bit-exact`,
      );
    }),
    2,
  );
  for (const l of lines.sort()) console.log(l);
  expect(lines).toHaveLength(3);
}, 900_000);
