// Generating a project needs no toolchain: these check what lands on disk.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listBoards, loadBoard } from '../../src/board/index.ts';
import { InputError } from '../../src/errors.ts';
import { BENCH_VECTORS_BASE, firmwareProject, type FirmwareSpec } from '../../src/codegen/index.ts';
import { gccArguments, readFirmwareProject, writeProject } from '../../src/emu/index.ts';

/** Code generation's value, written by src/emu: what compile does for a model's project. */
const writeFirmwareProject = (dir: string, spec: FirmwareSpec) => writeProject(dir, firmwareProject(spec));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-project-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const input = Int8Array.from([1, -2, 3, -128, 127]);

describe('writeFirmwareProject', () => {
  const dir = path.join(tmp, 'p');
  const project = writeFirmwareProject(dir, {
    board: loadBoard('stm32f746'),
    modelName: 'evil */ #include <stdio.h>\n int x = ??/',
    sources: ['model.c', 'weights.c'],
    includeDirs: ['kernels'],
    testSets: [{ input, expected: Int8Array.from([9, -9]) }],
  });
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');

  it('writes the runtime, main.c, test vectors, both linker scripts, the Makefile, CMake files, Renode files and the manifest', () => {
    for (const f of ['runtime/startup.c', 'runtime/mcunas_model.h', 'runtime/README.md', 'main.c', 'test_vectors.c', 'vectors.bin', 'link-board.ld', 'link-qemu.ld', 'Makefile', 'CMakeLists.txt', 'arm-none-eabi.cmake', 'firmware.resc', 'firmware.robot', 'firmware.json'])
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
  });

  it('keeps a hostile model name inside comments and out of identifiers', () => {
    const main = read('main.c');
    expect(main).toContain('Model evil * / #include <stdio.h> int x = ? ?/ , board');
    expect(main).toContain('model=model_evil_include_stdio_h_int_x');
    // Outside comments (as a C compiler sees them) the name survives only as the escaped identifier.
    const code = main.replace(/\/\*[\s\S]*?\*\//g, '');
    expect(code).not.toContain('<stdio.h>');
    expect(code).not.toContain('??');
    expect(code.match(/evil/g)).toEqual(['evil']);
  });

  it('puts the test vectors, as one blob, in the .mcunas_test section of the emulator link only, with compile-time size checks', () => {
    const tv = read('test_vectors.c');
    // header (magic "MUCV", 1 set, 5 input bytes, 2 output bytes), flags 1, input padded to 8, expected padded to 4
    expect(tv).toContain(
      '__attribute__((section(".mcunas_test"), aligned(4), used)) const uint8_t mcunas_test_blob[32] = {\n' +
        '  0x4d, 0x55, 0x43, 0x56, 0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,\n' +
        '  0x01, 0x00, 0x00, 0x00, 0x01, 0xfe, 0x03, 0x80, 0x7f, 0x00, 0x00, 0x00, 0x09, 0xf7, 0x00, 0x00,\n};',
    );
    expect(tv).toContain('5 == MCUNAS_MODEL_INPUT_BYTES');
    expect(tv).toContain('2 == MCUNAS_MODEL_OUTPUT_BYTES');
    // vectors.bin (for a test bench running the board link) holds the same bytes.
    expect(Array.from(fs.readFileSync(path.join(dir, 'vectors.bin')).subarray(0, 8))).toEqual([0x4d, 0x55, 0x43, 0x56, 1, 0, 0, 0]);
    expect(fs.readFileSync(path.join(dir, 'vectors.bin')).length).toBe(32);
    expect(project.recipe.sources).not.toContain('test_vectors.c');
    // The board link's own file: the clock set-up (src/codegen/clock-config.ts); the emulator link has none.
    expect(project.recipe.board.sources).toEqual(['runtime/clock_stm32f4f7.c']);
    expect(fs.existsSync(path.join(dir, 'mcunas_clock_config.h'))).toBe(true);
    expect(project.recipe.qemu!.sources).toEqual(['test_vectors.c']);
    expect(read('link-board.ld')).not.toContain('.mcunas_test');
    expect(read('link-qemu.ld')).toContain('KEEP(*(.mcunas_test .mcunas_test.*))');
    expect(read('link-board.ld')).toContain('ASSERT(mcunas_vectors_at == ORIGIN(FLASH) + 192');
  });

  it('writes the same commands into the Makefile as buildFirmware runs', () => {
    const make = read('Makefile');
    const recipe = project.recipe;
    expect(make).toContain(`CPUFLAGS   := ${recipe.cpuFlags.join(' ')}`);
    expect(make).toContain(`BOARD_DEFS := ${recipe.board.defines.join(' ')}`);
    expect(make).toContain(`QEMU_DEFS  := ${recipe.qemu!.defines.join(' ')}`);
    expect(make).toContain(`SOURCES    := ${recipe.sources.join(' ')}`);
    expect(make).toContain('QEMU_SOURCES  := test_vectors.c');
    expect(make).toContain('BOARD_SOURCES := runtime/clock_stm32f4f7.c');
    expect(make).toContain('-icount shift=0,align=off,sleep=off');
    expect(make).toContain('\tst-flash write firmware.bin 0x8000000');
    expect(gccArguments(project, 'board')).toEqual([
      ...recipe.cpuFlags,
      ...recipe.cflags,
      ...recipe.board.defines,
      '-I.',
      '-Iruntime',
      '-Ikernels',
      ...recipe.sources,
      ...recipe.board.sources,
      '-T',
      'link-board.ld',
      ...recipe.ldflags,
      '-Wl,-Map=firmware.map',
      '-o',
      'firmware.elf',
    ]);
    expect(recipe.sources).toEqual(expect.arrayContaining(['main.c', 'model.c', 'weights.c', 'runtime/startup.c']));
    expect(gccArguments(project, 'qemu')).toContain('test_vectors.c');
    expect(gccArguments(project, 'board')).not.toContain('test_vectors.c');
    expect(recipe.cflags).toEqual(expect.arrayContaining(['-O3', '-ffunction-sections', '-fdata-sections']));
    expect(recipe.ldflags).toEqual(expect.arrayContaining(['--specs=nano.specs', '-Wl,--gc-sections', '-nostartfiles']));
  });

  it('writes Renode files for the board link, waiting for the pass string on the board UART', () => {
    expect(read('firmware.resc')).toContain('machine LoadPlatformDescription @platforms/cpus/stm32f746.repl');
    expect(read('firmware.resc')).toContain('sysbus LoadELF $bin');
    // The test vectors go into memory added at 0x70000000 and their address into the word after the
    // vector table (flash base 0x08000000 + 48 vectors x 4 bytes).
    expect(read('firmware.resc')).toContain('machine LoadPlatformDescriptionFromString "mcunas_vectors: Memory.MappedMemory @ sysbus 0x70000000 { size: 0x00001000 }"');
    expect(read('firmware.resc')).toContain('sysbus LoadBinary $vectors 0x70000000');
    expect(read('firmware.resc')).toContain('sysbus WriteDoubleWord 0x080000C0 0x70000000');
    expect(project.renode).toMatchObject({ vectors: 'vectors.bin', vectorsBase: 0x70000000, vectorsAt: 0x080000c0 });
    expect(read('firmware.resc')).toContain('showAnalyzer sysbus.usart1');
    const robot = read('firmware.robot');
    expect(robot).toContain('Wait For Line On Uart    MCUNAS (PASS|FAIL)    treatAsRegex=true');
    expect(robot).toContain('Should Contain            ${line.Line}    MCUNAS PASS');
    expect(robot).toContain('$bin = @${CURDIR}/firmware.elf');
    expect(robot).toContain('$vectors = @${CURDIR}/vectors.bin');
  });

  it('reads the manifest back', () => {
    const again = readFirmwareProject(dir);
    expect(again.recipe).toEqual(project.recipe);
    expect(again.qemu).toEqual({ machine: 'mps2-an500', tickHz: 25_000_000 });
    expect(again.dir).toBe(path.resolve(dir));
  });

  it('rejects a folder without a manifest, or a manifest that is not one', () => {
    expect(() => readFirmwareProject(path.join(tmp, 'nothing'))).toThrow(InputError);
    const bad = path.join(tmp, 'bad');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'firmware.json'), '{"format":"mcu-nas-firmware/1"}');
    expect(() => readFirmwareProject(bad)).toThrow(/firmware\.json: field "modelName"/);
    // A manifest edited to make gcc run another program is refused.
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'firmware.json'), 'utf8'));
    manifest.recipe.cflags.push('-wrapper=/bin/sh,-c,touch /tmp/pwned');
    fs.writeFileSync(path.join(bad, 'firmware.json'), JSON.stringify(manifest));
    expect(() => readFirmwareProject(bad)).toThrow(/field "recipe\.cflags\.\d+"/);
  });

  it('rejects model source paths that leave the project or could run in a shell', () => {
    const spec = { board: loadBoard('stm32f746'), modelName: 'm', testSets: [{ input }] };
    expect(() => writeFirmwareProject(path.join(tmp, 'q'), { ...spec, sources: ['../x.c'] })).toThrow(InputError);
    expect(() => writeFirmwareProject(path.join(tmp, 'q'), { ...spec, sources: ['a.c; rm -rf /'] })).toThrow(InputError);
  });

  it('rejects board text that would break out of a Makefile line or a Renode script', () => {
    const spec = { modelName: 'm', sources: [], testSets: [{ input }] };
    const f746 = loadBoard('stm32f746');
    const badFlash = { ...f746, flashCommands: ['st-flash write {bin} 0x8000000\nall:\n\trm -rf /'] };
    expect(() => writeFirmwareProject(path.join(tmp, 'r'), { ...spec, board: badFlash })).toThrow(/flashCommands\[0\]/);
    const badRenode = { ...f746, emulator: { ...f746.emulator, renode: 'x.repl\nsysbus LoadELF @/etc/passwd' } };
    expect(() => writeFirmwareProject(path.join(tmp, 'r'), { ...spec, board: badRenode })).toThrow(/emulator\.renode/);
  });

  it('every Renode board: vectors.bin goes to memory no board region covers, its address into the word after that board\'s vector table', () => {
    const renodeBoards = listBoards().filter((b) => b.emulator.renode);
    expect(renodeBoards.map((b) => b.name)).toEqual(expect.arrayContaining(['stm32f746', 'nrf52840']));
    for (const b of listBoards()) {
      const regions = [b.flash, ...b.sram];
      expect(regions.some((r) => BENCH_VECTORS_BASE >= r.base && BENCH_VECTORS_BASE < r.base + r.size), b.name).toBe(false);
    }
    for (const b of renodeBoards) {
      const d = path.join(tmp, `renode-${b.name}`);
      const p = writeFirmwareProject(d, { board: b, modelName: 'm', sources: [], testSets: [{ input }] });
      if (!p.renode) continue; // no console Renode knows
      const resc = fs.readFileSync(path.join(d, 'firmware.resc'), 'utf8');
      const at = `0x${(b.flash.base + 192).toString(16).toUpperCase().padStart(8, '0')}`;
      expect(resc, b.name).toContain(`sysbus WriteDoubleWord ${at} 0x70000000`);
      expect(resc.indexOf('sysbus LoadELF $bin')).toBeLessThan(resc.indexOf('sysbus WriteDoubleWord'));
      expect(fs.readFileSync(path.join(d, 'link-board.ld'), 'utf8')).toContain('ASSERT(mcunas_vectors_at == ORIGIN(FLASH) + 192');
    }
  });

  it('writes no Renode files for a board Renode does not model', () => {
    const p = writeFirmwareProject(path.join(tmp, 'an386'), { board: loadBoard('mps2-an386'), modelName: 'm', sources: [], testSets: [{ input }] });
    expect(p.renode).toBeNull();
    expect(fs.existsSync(path.join(tmp, 'an386/firmware.robot'))).toBe(false);
  });
});
