// End to end on the emulators: generate a project around the toy model, build both links with
// arm-none-eabi-gcc, run the emulator link in QEMU. Skipped (and reported as skipped) when the
// toolchain or QEMU is not installed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { CheckFailure } from '../../src/errors.ts';
import {
  benchImage,
  buildFirmware,
  loaderArguments,
  findExecutable,
  haveBuildAndQemu,
  parseElf,
  runProject,
  runQemu,
  type Firmware,
  type RunResult,
} from '../../src/emu/index.ts';
import { vectorsBlob } from '../../src/codegen/test-vectors.ts';
import { toyInput, toyOutput, writeToyProject } from './toy-model.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-emu-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const asBytes = (a: Int8Array) => new Uint8Array(a.buffer, a.byteOffset, a.length);

describe.skipIf(!haveBuildAndQemu())('firmware on QEMU', () => {
  describe('stm32f746 (Cortex-M7, emulated on mps2-an500 with the F746 memory map)', () => {
    const board = loadBoard('stm32f746');
    const second = toyInput(5);
    let fw: Firmware;
    let runs: RunResult[];

    beforeAll(async () => {
      const input = toyInput(0);
      const project = writeToyProject(path.join(tmp, 'f746'), board, {
        // A name full of C syntax: it must reach the C only escaped, and the project must still build.
        modelName: 'toy */ #include <x>\n"name" ??/',
        testSets: [{ input, expected: toyOutput(input) }, { input: second }],
      });
      fw = await buildFirmware(project);
      runs = [await runQemu(fw.qemuElf!, board, { timeoutMs: 20_000 }), await runQemu(fw.qemuElf!, board, { timeoutMs: 20_000 })];
      console.log(
        `stm32f746 toy model: build ${fw.seconds.toFixed(2)} s, run ${runs[0].wallSeconds.toFixed(2)} s, ` +
          `${runs[0].instructions.total} instructions (ops ${runs[0].instructions.perOp.join(', ')}), stack ${runs[0].stackBytes} B, ` +
          `flash ${fw.size.board.flashBytes} B, static SRAM ${fw.size.board.staticSramBytes} B`,
      );
    });

    it('passes, exit code 0, with the bytes the TypeScript model computes', () => {
      const r = runs[0];
      expect(r.exitCode).toBe(0);
      expect(r.outcome).toBe('pass');
      expect(r.pass).toBe(true);
      expect(r.protocol.verdict).toBe('PASS');
      expect(hex(r.output)).toBe(hex(asBytes(toyOutput(toyInput(0)))));
      expect(r.sets[0].match).toBe(true);
      expect(r.protocol.begin).toMatchObject({ model: 'model_toy_include_x_name', board: 'board_stm32f746', link: 'qemu' });
    });

    it('runs every test set; an unchecked set prints its output', () => {
      const r = runs[0];
      expect(r.sets.map((s) => s.index)).toEqual([0, 1]);
      expect(r.sets[1].match).toBeNull();
      expect(hex(r.sets[1].output)).toBe(hex(asBytes(toyOutput(second))));
    });

    it('counts instructions deterministically, per op and in total', () => {
      const [a, b] = runs;
      expect(a.instructions.total).toBeGreaterThan(0);
      expect(b.instructions).toEqual(a.instructions);
      expect(b.sets.map((s) => s.ticks)).toEqual(a.sets.map((s) => s.ticks));
      expect(a.instructions.perOp).toHaveLength(2);
      // op 0 hashes 2048 bytes, op 1 folds 8 lanes; the total brackets both.
      expect(a.instructions.perOp[0]).toBeGreaterThan(2048 * 4);
      expect(a.instructions.perOp[0]).toBeGreaterThan(a.instructions.perOp[1]);
      expect(a.instructions.total).toBeGreaterThanOrEqual(a.instructions.perOp[0] + a.instructions.perOp[1]);
      expect(a.instructionsPerTick).toBe(40);
    });

    it('measures a sane stack high-water mark', () => {
      const r = runs[0];
      expect(r.stackReserveBytes).toBe(2048);
      expect(r.stackBytes).toBeGreaterThan(32);
      expect(r.stackBytes).toBeLessThan(1024);
    });

    it('prints the same protocol on the UART as on semihosting', () => {
      expect(runs[0].uartText).toContain('MCUNAS PASS');
      expect(runs[0].uartText.replace(/\r/g, '')).toBe(runs[0].semihostingText);
    });

    it('links the board firmware at the F746 addresses and the emulator firmware at mps2 addresses, same sizes', () => {
      const boardElf = parseElf(fs.readFileSync(fw.elf));
      const qemuElf = parseElf(fs.readFileSync(fw.qemuElf!));
      const section = (e: typeof boardElf, name: string) => e.sections.find((s) => s.name === name)!;
      expect(section(boardElf, '.isr_vector').address).toBe(0x08000000);
      expect(section(boardElf, '.text').address).toBeGreaterThan(0x08000000);
      expect(section(boardElf, '.text').address).toBeLessThan(0x08100000);
      expect(section(boardElf, '.stack').address).toBe(0x20000000);
      expect(section(boardElf, '.bss').address).toBeGreaterThanOrEqual(0x20000800);
      // The board link is the application: no test data in it at all.
      expect(boardElf.sections.find((x) => x.name === '.mcunas_test')).toBeUndefined();
      expect(boardElf.symbols.find((x) => x.name === 'mcunas_test_blob')).toBeUndefined();
      expect(boardElf.symbols.find((x) => x.name === 'mcunas_vectors_at')?.value).toBe(0x080000c0);
      expect(boardElf.entry & ~1).toBeGreaterThan(0x08000000);
      expect(section(qemuElf, '.isr_vector').address).toBe(0);
      expect(section(qemuElf, '.stack').address).toBe(0x20000000);
      // Test vectors sit past the board's 1 MB in the emulator link: they never count as firmware.
      expect(section(qemuElf, '.mcunas_test').address).toBe(0x00100000);
      const vectors = fs.readFileSync(fw.bin).subarray(0, 8);
      expect(vectors.readUInt32LE(0)).toBe(0x20000800); // initial SP: top of the 2 KB stack
      expect(vectors.readUInt32LE(4) & ~1).toBe(boardElf.entry & ~1);
      expect(fs.readFileSync(fw.hex, 'utf8').startsWith(':020000040800')).toBe(true);
      for (const size of [fw.size.board, fw.size.qemu!]) {
        expect(size.flashBytes).toBeGreaterThan(1000);
        expect(size.flashBytes).toBeLessThan(16 * 1024);
        expect(size.stackReserveBytes).toBe(2048);
        expect(size.staticSramBytes).toBeGreaterThanOrEqual(72 + 8); // the toy arena + per-op ticks
      }
      expect(fw.size.board.testDataBytes).toBe(0);
      expect(fw.size.qemu!.testDataBytes).toBe(fs.statSync(path.join(fw.project.dir, 'vectors.bin')).size);
      expect(fw.flashCommands[0]).toBe('st-flash write firmware.bin 0x8000000');
    });

    it('a project that is up to date is not rebuilt', async () => {
      const again = await buildFirmware(fw.project);
      expect(again.seconds).toBe(0);
    });

    it.skipIf(!findExecutable('make'))('the generated Makefile builds the same ELF files as mcu-nas', async () => {
      const dir = fw.project.dir;
      const ours = [fs.readFileSync(fw.elf), fs.readFileSync(fw.qemuElf!)];
      await execa('make', ['clean'], { cwd: dir });
      await execa('make', ['-j2'], { cwd: dir });
      expect(fs.readFileSync(fw.elf).equals(ours[0])).toBe(true);
      expect(fs.readFileSync(fw.qemuElf!).equals(ours[1])).toBe(true);
      const run = await execa('make', ['run'], { cwd: dir, reject: false });
      expect(run.stdout).toContain('MCUNAS PASS');
    });
  });

  it('mps2-an386 (Cortex-M4): passes, with a latency estimate that says how it is derived', async () => {
    const board = loadBoard('mps2-an386');
    const project = writeToyProject(path.join(tmp, 'an386'), board);
    const r = await runProject(project, { timeoutMs: 20_000 });
    expect(r.run.exitCode).toBe(0);
    expect(r.run.pass).toBe(true);
    expect(hex(r.run.output)).toBe(hex(asBytes(toyOutput(toyInput(0)))));
    expect(r.run.instructions.total).toBeGreaterThan(0);
    expect(r.sramUsedBytes).toBe(r.firmware.size.board.staticSramBytes + r.run.stackBytes!);
    expect(r.timing.derivation).toContain('cycles/instruction from the mix');
    expect(r.timing.derivation).toContain('cortex-m4');
    console.log(`mps2-an386 toy model: ${r.run.instructions.total} instructions; ${r.timing.derivation}`);
  });

  it('stm32f405 on netduinoplus2: STM32 USART output, code at 0x08000000, SysTick at 168 MHz', async () => {
    const an386 = await runProject(writeToyProject(path.join(tmp, 'an386-ref'), loadBoard('mps2-an386')), { timeoutMs: 20_000 });
    const r = await runProject(writeToyProject(path.join(tmp, 'f405'), loadBoard('stm32f405')), { timeoutMs: 20_000 });
    expect(r.run.exitCode).toBe(0);
    expect(r.run.uartText).toContain('MCUNAS PASS');
    expect(r.run.instructionsPerTick).toBeCloseTo(1e9 / 168e6, 9);
    // Same -mcpu, same code: the hashing op costs the same instructions, up to one mps2 tick (40).
    expect(Math.abs(r.run.instructions.perOp[0] - an386.run.instructions.perOp[0])).toBeLessThanOrEqual(40);
  });

  describe('the board link (mps2-an386 is its own board, so its board link runs in QEMU too)', () => {
    // No semihosting: it never exits, so the wall-clock timeout ends it, and the result is read from the UART.
    const board = loadBoard('mps2-an386');
    let fw: Firmware;
    beforeAll(async () => {
      fw = await buildFirmware(writeToyProject(path.join(tmp, 'an386-board'), board));
    });

    it('is the application: one inference on the example input (the input zero point), output printed, core parked', async () => {
      const r = await runQemu(fw.elf, board, { timeoutMs: 1500 });
      expect(r.outcome).toBe('timeout');
      expect(r.exitCode).toBeNull();
      expect(r.semihostingText).toBe('');
      expect(r.uartText).toContain('link=board counter=cycles tick_hz=0 mode=app sets=0');
      expect(r.uartText).toContain('MCUNAS done 1');
      expect(r.protocol.verdict).toBeNull();
      expect(r.protocol.exitCode).toBe(0);
      expect(hex(r.output)).toBe(hex(asBytes(toyOutput(new Int8Array(64)))));
    });

    it('runs its self-test when a bench loads vectors.bin and writes its address after the vector table (what firmware.resc does)', async () => {
      const at = 0x21000000; // mps2's PSRAM: memory the board link does not use
      const image = benchImage(fw.elf, at, path.join(tmp, 'an386-bench.elf'));
      const r = await runQemu(image, board, { timeoutMs: 1500, extraArgs: loaderArguments(path.join(fw.project.dir, 'vectors.bin'), at) });
      expect(r.uartText).toContain('link=board counter=cycles tick_hz=0 mode=test sets=1');
      expect(r.protocol.verdict).toBe('PASS');
      expect(r.sets[0].match).toBe(true);
      expect(hex(r.output)).toBe(hex(asBytes(toyOutput(toyInput(0)))));
      // The same bench with vectors for another model is refused, not misread.
      const other = path.join(tmp, 'other-vectors.bin');
      fs.writeFileSync(other, vectorsBlob([{ input: new Int8Array(65) }]));
      const bad = await runQemu(image, board, { timeoutMs: 1500, extraArgs: loaderArguments(other, at) });
      expect(bad.uartText).toContain('MCUNAS FAIL vectors');
      expect(bad.protocol.exitCode).toBe(6);
    });
  });

  it('a wrong expected output gives exit code 1 and names the first differing byte', async () => {
    const board = loadBoard('stm32f746');
    const input = toyInput(0);
    const wrong = toyOutput(input);
    wrong[3] ^= 1;
    const project = writeToyProject(path.join(tmp, 'mismatch'), board, { testSets: [{ input, expected: wrong }] });
    const r = await runProject(project, { timeoutMs: 20_000 });
    expect(r.run.exitCode).toBe(1);
    expect(r.run.outcome).toBe('mismatch');
    expect(r.run.pass).toBe(false);
    expect(r.run.sets[0].mismatchAt).toBe(3);
    expect(r.run.protocol.failReason).toBe('mismatch');
  });

  it('a fault (a jump to an address without Thumb code) gives exit code 3 and a fault report', async () => {
    const board = loadBoard('stm32f746');
    const project = writeToyProject(path.join(tmp, 'fault'), board, { defines: ['TOY_FAULT'] });
    const r = await runProject(project, { timeoutMs: 20_000 });
    expect(r.run.exitCode).toBe(3);
    expect(r.run.outcome).toBe('fault');
    expect(r.run.fault?.exception).toBe('HardFault');
    expect(r.run.fault?.fields.pc).toBe(0x1000);
  });

  it('an over-budget static buffer fails at link time with one line naming the region and the overflow in KB', async () => {
    const board = loadBoard('stm32f746');
    const project = writeToyProject(path.join(tmp, 'too-big'), board, { defines: ['TOY_BIG_BSS'] });
    const err = await buildFirmware(project).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailure);
    const message = (err as CheckFailure).message;
    console.log(`over budget: ${message}`);
    expect(message.includes('\n')).toBe(false);
    expect(message).toMatch(/^firmware does not fit stm32f746: SRAM region DTCM_SRAM1_SRAM2 \(DTCM\+SRAM1\+SRAM2, 320 KB\) overflowed by \d+\.\d KB: needs \d+\.\d KB \(\.bss did not fit\)$/);
    const overflow = ((err as CheckFailure).detail.overflows as { overflowBytes: number }[])[0].overflowBytes;
    // 400 KB of buffer + 2 KB of stack + a little runtime, less 320 KB.
    expect(overflow).toBeGreaterThan(82 * 1024);
    expect(overflow).toBeLessThan(83 * 1024);
    expect(fs.existsSync(path.join(project.dir, 'firmware.elf'))).toBe(false);
  });
});
