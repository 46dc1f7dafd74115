// The output folder a firmware engineer gets from compile: README.md (files, API, memory figures, how
// to build/flash/integrate, what ran where), model.h's interface, a CMake build beside the Makefile
// that links the same image, `make flash` with the board's command; and one fit decision: a plan that
// does not fit stops before gcc (exit 1, one line per region and overflow, fits: false with reasons),
// a link that fails although the plan fits gives fits: false with the linker's region and overflow.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { findExecutable, haveBuildAndQemu, parseElf } from '../../src/emu/index.ts';
import { compileModel, type CompileOutcome } from '../../src/pipeline/compile.ts';
import { fileSource } from '../../src/pipeline/file-source.ts';
import { prepare, type Prepared } from '../../src/pipeline/prepare.ts';
import { runCompiled } from '../../src/pipeline/run.ts';
import { runCliAsync as runCli } from '../helpers/run-cli.ts';
import { sharedPath } from '../helpers/shared.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-output-folder-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const board = loadBoard('stm32f746');

describe.skipIf(!haveBuildAndQemu())('compile output folder (onnx-mnist8 on stm32f746)', () => {
  let p: Prepared;
  let outcome: CompileOutcome;
  const out = path.join(tmp, 'mnist8');
  const read = (f: string) => fs.readFileSync(path.join(out, f), 'utf8');

  beforeAll(async () => {
    const src = await fileSource(sharedPath('data/onnx-mnist8/model.onnx'), { seed: 0, calibrationSamples: 2, testSets: 0, testData: sharedPath('data/onnx-mnist8') });
    p = prepare(src, board, { patch: 'off', backend: 'own' });
    outcome = await compileModel(p, board, { out, build: true });
  }, 120_000);

  it('README.md names the files, the API with shapes, scales and zero points, the measured figures, build/flash/integrate, and what ran only in an emulator', () => {
    const readme = read('README.md');
    for (const f of ['`model.h`', '`main.c`', '`link-board.ld`', '`link-qemu.ld`', '`vectors.bin`', '`CMakeLists.txt`', '`firmware.resc`', '`firmware.elf`'])
      expect(readme, f).toContain(f);
    const inQ = p.q.tensors[p.q.inputs[0]].quant!;
    const outQ = p.q.tensors[p.q.outputs[0]].quant!;
    expect(readme).toContain(`| input | 1 x 28 x 28 x 1 | ${inQ.scale[0].toPrecision(6)} | ${inQ.zeroPoint[0]} |`);
    expect(readme).toContain(`| output | 1 x 10 | ${outQ.scale[0].toPrecision(6)} | ${outQ.zeroPoint[0]} |`);
    expect(readme).toContain('int mcunas_fill_input(int8_t *input, uint32_t bytes);');
    expect(readme).toContain(`| flash | ${p.plan.flash.total.toLocaleString('en-US')} B of 1,048,576 B | ${outcome.firmware!.flashBytes.toLocaleString('en-US')} B`);
    expect(readme).toContain('make flash                # st-flash write firmware.bin 0x8000000');
    expect(readme).toContain('openocd -f board/st_nucleo_f7.cfg');
    expect(readme).toContain('cmake -B build -G Ninja -DCMAKE_TOOLCHAIN_FILE=arm-none-eabi.cmake');
    expect(readme).toMatch(/runs in QEMU mps2-an500/);
    expect(readme).toMatch(/not\*\* been run on hardware/);
    expect(readme).toMatch(/Untested on hardware: the start-up code/);
  });

  it('report.json: one verdict, measured on the board ELF (no test data), fits with no reasons', () => {
    const report = JSON.parse(read('report.json'));
    expect(report).toMatchObject({ status: 'built', fits: true, fitReasons: [], fitDecidedBy: 'plan', linkError: null });
    const elf = parseElf(fs.readFileSync(path.join(out, 'firmware.elf')));
    expect(elf.sections.some((s) => s.name === '.mcunas_test')).toBe(false);
    expect(report.firmware.flashBytes).toBe(outcome.firmware!.flashBytes);
    // The emulator link carries the three mnist8 test sets apart from its flash.
    expect(report.firmware.emulator.testDataBytes).toBe(fs.statSync(path.join(out, 'vectors.bin')).size);
    expect(report.firmware.emulator.testDataBytes).toBe(16 + 3 * (4 + 784 + 12));
  });

  it('make flash runs the board flash command; make -n shows it', async () => {
    const r = await execa('make', ['-n', 'flash'], { cwd: out });
    expect(r.stdout.split('\n').at(-1)).toBe('st-flash write firmware.bin 0x8000000');
  });

  it.skipIf(!findExecutable('cmake') || !findExecutable('ninja'))('CMakeLists.txt + arm-none-eabi.cmake build the same board image as the Makefile, and a mcunas_model library', async () => {
    const build = path.join(out, 'build');
    await execa('cmake', ['-B', build, '-G', 'Ninja', '-DCMAKE_TOOLCHAIN_FILE=arm-none-eabi.cmake'], { cwd: out });
    await execa('cmake', ['--build', build], { cwd: out });
    const sections = (f: string) =>
      parseElf(fs.readFileSync(f))
        .sections.filter((s) => s.size > 0 && s.address > 0)
        .map((s) => `${s.name}@${s.address.toString(16)}+${s.size}`);
    expect(sections(path.join(build, 'firmware.elf'))).toEqual(sections(path.join(out, 'firmware.elf')));
    expect(fs.readFileSync(path.join(build, 'firmware.bin')).equals(fs.readFileSync(path.join(out, 'firmware.bin')))).toBe(true);
    expect(fs.existsSync(path.join(build, 'firmware-qemu.elf'))).toBe(true);
    await execa('cmake', ['--build', build, '--target', 'mcunas_model'], { cwd: out });
    expect(fs.readdirSync(build).some((f) => /mcunas_model\.a$/.test(f))).toBe(true);
    const flash = await execa('ninja', ['-C', build, '-t', 'commands', 'flash']);
    expect(flash.stdout).toContain('st-flash write firmware.bin 0x8000000');
  }, 120_000);

  it('a link that fails although the plan fits: fits false, the linker names the region and the overflow', async () => {
    // A board whose flash is smaller than this image, with the plan told that it fits (a wrong estimate).
    const small = { ...board, flash: { ...board.flash, size: 16 * 1024 } };
    const wrong = { ...p, plan: { ...p.plan, fits: true, fitsFlash: true, flashCapacity: small.flash.size } };
    const o = await compileModel(wrong, small, { out: path.join(tmp, 'link-fails'), build: true });
    expect(o.fits).toBe(false);
    expect(o.status).toBe('does-not-fit');
    expect(o.fitReasons).toHaveLength(1);
    expect(o.fitReasons[0]).toMatch(/^link: firmware does not fit stm32f746: flash region FLASH \(16 KB\) overflowed by [\d.]+ KB/);
    const report = JSON.parse(fs.readFileSync(path.join(tmp, 'link-fails', 'report.json'), 'utf8'));
    expect(report).toMatchObject({ fits: false, status: 'does-not-fit', fitDecidedBy: 'linker' });
    expect(report.linkError).toMatch(/overflowed by/);
    // run keeps the verdict: nothing is run on the stand-in for a model that does not fit the board.
    await expect(runCompiled(path.join(tmp, 'link-fails'))).rejects.toThrow(/does not fit stm32f746 \(report\.json: fits: false: link: firmware does not fit/);
  }, 120_000);
});

describe('one fit decision on the command line', () => {
  it('a 160 px subnet on stm32f411 stops at the plan, before quantizing and gcc: exit 1, one line per region and overflow, report.json fits: false with reasons', async () => {
    const arch = path.join(tmp, 'r160.json');
    fs.writeFileSync(arch, JSON.stringify({ wid: 0, ks: Array(20).fill(3), e: Array(20).fill(3), d: [2, 2, 2, 2, 2, 2], image_size: 160 }));
    const out = path.join(tmp, 'f411');
    const started = performance.now();
    const r = await runCli(['compile', arch, '--board', 'stm32f411', '--patch', 'off', '--out', out]);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: .* does not fit stm32f411: SRAM: needs [\d,]+ B .*offers [\d,]+ B: [\d,]+ B over/);
    expect(lines[0]).toContain('stopped before gcc');
    expect(lines[0]).not.toMatch(/: \./);
    expect(performance.now() - started).toBeLessThan(30_000);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.fits).toBe(false);
    expect(report.fitReasons.length).toBeGreaterThan(0);
    expect(report.fitReasons.every((x: string) => x.length > 0)).toBe(true);
    expect(fs.existsSync(path.join(out, 'firmware.elf'))).toBe(false);
    expect(fs.existsSync(path.join(out, 'main.c'))).toBe(false);
  }, 60_000);
});
