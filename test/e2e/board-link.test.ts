// The board link of every board in boards/: the image to flash is the application (model, kernels,
// runtime, main), with no test data, a vector table at the board's flash base (after the boot stage 2 on
// the RP2040, whose CRC the boot ROM checks), the clock set-up called by the reset handler (every board
// but the fixed-clock emulation targets), and the flash the plan says (within 2%). A small real model (onnx-mnist8) is planned, generated and linked at each board's
// own addresses; only the board link is built (the emulator link is what the QEMU tests run).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBoards } from '../../src/board/index.ts';
import type { Board } from '../../src/board/schema.ts';
import { execFileSync } from 'node:child_process';
import { BOOT2_CODE, crc32Mpeg2 } from '../../src/codegen/boot2.ts';
import { clockSetup } from '../../src/codegen/clock-config.ts';
import { VECTOR_TABLE_BYTES } from '../../src/codegen/link-layout.ts';
import { findArmToolchain, findExecutable, parseElf } from '../../src/emu/index.ts';
import { readUf2, RP2040_FAMILY_ID } from '../../src/emu/uf2.ts';
import { measureBoardFit, type BoardFit } from '../../src/pipeline/board-fit.ts';
import { CODE_SIZE_FILE, codeSizeSources } from '../../src/schedule/flash.ts';
import { fileSource } from '../../src/pipeline/file-source.ts';
import { prepare } from '../../src/pipeline/prepare.ts';
import { sharedPath } from '../helpers/shared.ts';
import { pool } from '../helpers/pool.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-board-link-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const boards = listBoards();
const results = new Map<string, { fit: BoardFit; board: Board; image: Buffer }>();

describe.skipIf(!findExecutable('arm-none-eabi-gcc'))('the board link of every board is the application, as planned', () => {
  beforeAll(async () => {
    const src = await fileSource(sharedPath('data/onnx-mnist8/model.onnx'), { seed: 0, calibrationSamples: 2, testSets: 0, testData: sharedPath('data/onnx-mnist8') });
    await pool(
      boards.map((board) => async () => {
        const p = prepare(src, board, { patch: 'off', backend: 'own' });
        const fit = await measureBoardFit(p, board, path.join(tmp, board.name));
        results.set(board.name, { fit, board, image: fs.readFileSync(fit.elf) });
      }),
      2,
    );
    for (const { fit } of results.values())
      console.log(`${fit.board}: flash ${fit.flash.elf} B (planned ${fit.flash.planned} B, ${fit.flash.errorPercent.toFixed(2)}%), static SRAM ${fit.staticSram.elf} B (planned ${fit.staticSram.planned} B)`);
  }, 240_000);

  beforeAll(() => {
    // A stale table is what the 2% checks below would catch; say why first (kernels change often).
    const table = JSON.parse(fs.readFileSync(CODE_SIZE_FILE, 'utf8')) as { sources: string };
    if (table.sources !== codeSizeSources()) console.warn('src/schedule/code-size.json was measured on other kernels or runtime: re-run npx tsx tools/bench/code-size.ts --write');
  });

  it('covers every board in boards/', () => {
    expect(boards.length).toBeGreaterThanOrEqual(10);
    expect([...results.keys()].sort()).toEqual(boards.map((b) => b.name).sort());
  });

  it.each(boards.map((b) => b.name))('%s: vector table at the flash base, initial SP at the top of the stack in SRAM, reset vector a Thumb address in flash', (name) => {
    const { fit, board, image } = results.get(name)!;
    const elf = parseElf(image);
    const table = elf.sections.find((s) => s.name === '.isr_vector')!;
    // On the RP2040 the first 256 bytes of flash are the boot stage 2; the vector table follows.
    const boot2 = board.name === 'rp2040' ? 256 : 0;
    const flashBase = board.flash.base;
    expect(table.address).toBe(flashBase + boot2);
    const word = (i: number) => image.readUInt32LE(table.offset + 4 * i);
    const symbol = (n: string) => elf.symbols.find((s) => s.name === n);
    expect(word(0)).toBe(symbol('__stack_top')!.value);
    const inSram = board.sram.some((r) => word(0) > r.base && word(0) <= r.base + r.size);
    expect(inSram, `initial SP 0x${word(0).toString(16)}`).toBe(true);
    expect(word(1) & 1).toBe(1);
    expect(word(1) & ~1).toBe(symbol('Reset_Handler')!.value & ~1);
    expect(word(1)).toBeGreaterThan(flashBase);
    expect(word(1)).toBeLessThan(flashBase + board.flash.size);
    expect(elf.entry & ~1).toBe(word(1) & ~1);
    // Every fault vector goes somewhere in flash; reserved slots 8-10 and 13 are 0.
    for (const i of [2, 3, 15, 16, 47]) expect(word(i) & ~1, `vector ${i}`).toBeGreaterThan(flashBase);
    expect([8, 9, 10, 13].map(word)).toEqual([0, 0, 0, 0]);
    // The word a test bench may fill sits right after the table, and is 0: the board runs the application.
    expect(symbol('mcunas_vectors_at')!.value).toBe(flashBase + boot2 + VECTOR_TABLE_BYTES);
    expect(word(VECTOR_TABLE_BYTES / 4)).toBe(0);
    expect(fit.size.stackReserveBytes).toBe(2048);
  });

  it.each(boards.map((b) => b.name))('%s: no test data in the image (no .mcunas_test section, no test-vector symbols)', (name) => {
    const { fit, image } = results.get(name)!;
    const elf = parseElf(image);
    expect(elf.sections.map((s) => s.name)).not.toContain('.mcunas_test');
    expect(elf.symbols.filter((s) => /test_blob|test_set|mcunas_test|expected_\d|input_\d/.test(s.name)).map((s) => s.name)).toEqual([]);
    expect(fit.size.testDataBytes).toBe(0);
    // The application's pieces are there: the weak hooks and the model.
    for (const s of ['mcunas_fill_input', 'mcunas_output_ready', 'mcunas_model_run', 'main']) expect(elf.symbols.some((x) => x.name === s), s).toBe(true);
  });

  it.each(boards.map((b) => b.name))('%s: flash measured on the ELF is within 2% of the plan', (name) => {
    const { fit } = results.get(name)!;
    expect(fit.fits).toBe(true);
    expect(Math.abs(fit.flash.planned - fit.flash.elf) / fit.flash.elf).toBeLessThanOrEqual(0.02);
    // The model's constants are in it, byte for byte what the plan counts.
    expect(fit.flash.elf).toBeGreaterThan(6368);
  });

  it.each(boards.map((b) => b.name))('%s: the reset handler calls the clock set-up (boards with a clock to set up), before main', (name) => {
    const { board, image, fit } = results.get(name)!;
    const elf = parseElf(image);
    const init = elf.symbols.find((x) => x.name === 'mcunas_clock_init');
    if (clockSetup(board) === null) {
      // mps2/mps3: a fixed FPGA clock, nothing to set up.
      expect(init).toBeUndefined();
      return;
    }
    expect(init, 'mcunas_clock_init').toBeDefined();
    expect(elf.symbols.some((x) => x.name === 'mcunas_clock')).toBe(true);
    const objdump = findArmToolchain().gcc.replace(/gcc$/, 'objdump');
    const reset = execFileSync(objdump, ['-d', '--disassemble=Reset_Handler', fit.elf], { encoding: 'utf8' });
    const calls = [...reset.matchAll(/\bbl\s+[0-9a-f]+ <([A-Za-z_0-9]+)>/g)].map((m) => m[1]);
    expect(calls).toContain('mcunas_clock_init');
    expect(calls.indexOf('mcunas_clock_init')).toBeLessThan(calls.indexOf('mcunas_stack_paint'));
  });

  it('rp2040: the boot stage 2 at the flash base with the CRC the boot ROM checks, and a UF2 of the image', () => {
    const { board, image, fit } = results.get('rp2040')!;
    const elf = parseElf(image);
    const boot2 = elf.sections.find((s) => s.name === '.boot2')!;
    expect(boot2.address).toBe(board.flash.base);
    expect(boot2.size).toBe(256);
    const bytes = image.subarray(boot2.offset, boot2.offset + 256);
    expect(bytes.subarray(0, BOOT2_CODE.length / 2).toString('hex')).toBe(BOOT2_CODE);
    expect(bytes.readUInt32LE(252)).toBe(crc32Mpeg2(bytes.subarray(0, 252)));
    const bin = fs.readFileSync(fit.elf.replace(/firmware\.elf$/, 'firmware.bin'));
    const blocks = readUf2(fs.readFileSync(fit.elf.replace(/firmware\.elf$/, 'firmware.uf2')));
    expect(blocks.length).toBe(Math.ceil(bin.length / 256));
    expect(blocks.every((b, i) => b.address === board.flash.base + 256 * i && b.familyId === RP2040_FAMILY_ID && b.blockNo === i && b.numBlocks === blocks.length)).toBe(true);
    expect(Buffer.concat(blocks.map((b) => b.payload)).subarray(0, bin.length)).toEqual(bin);
    expect(blocks[0].payload).toEqual(Buffer.from(bytes));
  });

  it.skipIf(!findExecutable('make'))('rp2040: after a relink, make converts the new ELF with picotool, or removes the stale UF2 without it', () => {
    const dir = path.dirname(results.get('rp2040')!.fit.elf);
    const uf2 = path.join(dir, 'firmware.uf2');
    const make = (picotool: string) => execFileSync('make', ['firmware.uf2', `PICOTOOL=${picotool}`], { cwd: dir, encoding: 'utf8' });
    // A stand-in picotool that logs its arguments and writes the output file.
    const log = path.join(tmp, 'picotool.log');
    const fake = path.join(tmp, 'picotool');
    fs.writeFileSync(fake, `#!/bin/sh\necho "$@" >> ${log}\necho converted > "$4"\n`, { mode: 0o755 });
    const relink = () => {
      const later = new Date(Date.now() + 10_000);
      fs.utimesSync(path.join(dir, 'firmware.elf'), later, later);
    };
    // As mcu-nas left it, the UF2 is newer than the ELF: nothing to do.
    expect(make(fake)).toMatch(/up to date/);
    expect(fs.existsSync(log)).toBe(false);
    relink();
    make(fake);
    expect(fs.readFileSync(log, 'utf8').trim()).toBe('uf2 convert firmware.elf firmware.uf2');
    expect(fs.readFileSync(uf2, 'utf8')).toBe('converted\n');
    relink();
    expect(make(path.join(tmp, 'no-such-picotool'))).toMatch(/firmware\.uf2 not built: .* not found; mcu-nas run \. writes it \(an older one is removed/);
    expect(fs.existsSync(uf2)).toBe(false);
  });
});
