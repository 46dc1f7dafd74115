// search --verify-top builds its candidates for the board as the user named it, variant included: the
// kept candidate's firmware names the variant, and its clock set-up and console are the variant's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { haveBuildAndQemu } from '../../src/emu/index.ts';
import { verifyOne } from '../../src/search/verify.ts';
import { smallestArch } from '../../src/space/sample.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-verify-variant-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

it.skipIf(!haveBuildAndQemu())('a verified candidate on stm32f746 nucleo is built with the NUCLEO-144 clock and USART3', async () => {
  const board = loadBoard('stm32f746', { variant: 'nucleo' });
  const r = await verifyOne({ arch: smallestArch(96), accuracy: 0.9, k: 1, board, root: tmp, kept: true, patch: 'off' });
  expect(r.ok, r.dropped ?? '').toBe(true);
  const fw = JSON.parse(fs.readFileSync(path.join(tmp, 'candidate-1', 'firmware.json'), 'utf8'));
  expect(fw.board).toMatchObject({ name: 'stm32f746', variant: 'nucleo' });
  const config = fs.readFileSync(path.join(tmp, 'candidate-1', 'mcunas_clock_config.h'), 'utf8');
  const disco = loadBoard('stm32f746', { variant: 'disco' });
  expect(board.clock).not.toEqual(disco.clock); // the variants differ in their oscillator: the test tells them apart
  expect(config).toMatch(/8000000/); // NUCLEO-144: 8 MHz from the ST-LINK
  expect(config).not.toMatch(/25000000/); // DISCO-F746NG's 25 MHz crystal
  const makefile = fs.readFileSync(path.join(tmp, 'candidate-1', 'Makefile'), 'utf8');
  expect(makefile).toMatch(/-DMCUNAS_UART_BASE=0x40004800u/); // USART3 (DISCO: USART1 at 0x40011000)
}, 180_000);
