// Generating a project needs no toolchain: these check what lands on disk.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { InputError } from '../../src/errors.ts';
import { gccArguments, readFirmwareProject, writeFirmwareProject } from '../../src/emu/index.ts';

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

  it('writes the runtime, main.c, test vectors, both linker scripts, the Makefile, Renode files and the manifest', () => {
    for (const f of ['runtime/startup.c', 'runtime/mcunas_model.h', 'runtime/README.md', 'main.c', 'test_vectors.c', 'link-board.ld', 'link-qemu.ld', 'Makefile', 'firmware.resc', 'firmware.robot', 'firmware.json'])
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

  it('puts the test vectors in the .mcunas_test section with a compile-time size check', () => {
    const tv = read('test_vectors.c');
    expect(tv).toContain('static const int8_t input_0[5] TEST_DATA("input0") = {\n  1, -2, 3, -128, 127,\n};');
    expect(tv).toContain('sizeof input_0 == MCUNAS_MODEL_INPUT_BYTES');
    expect(tv).toContain('{ input_0, expected_0 },');
  });

  it('writes the same commands into the Makefile as buildFirmware runs', () => {
    const make = read('Makefile');
    const recipe = project.recipe;
    expect(make).toContain(`CPUFLAGS   := ${recipe.cpuFlags.join(' ')}`);
    expect(make).toContain(`BOARD_DEFS := ${recipe.board.defines.join(' ')}`);
    expect(make).toContain(`QEMU_DEFS  := ${recipe.qemu!.defines.join(' ')}`);
    expect(make).toContain(`SOURCES    := ${recipe.sources.join(' ')}`);
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
      '-T',
      'link-board.ld',
      ...recipe.ldflags,
      '-Wl,-Map=firmware.map',
      '-o',
      'firmware.elf',
    ]);
    expect(recipe.sources).toEqual(expect.arrayContaining(['main.c', 'test_vectors.c', 'model.c', 'weights.c', 'runtime/startup.c']));
    expect(recipe.cflags).toEqual(expect.arrayContaining(['-O3', '-ffunction-sections', '-fdata-sections']));
    expect(recipe.ldflags).toEqual(expect.arrayContaining(['--specs=nano.specs', '-Wl,--gc-sections', '-nostartfiles']));
  });

  it('writes Renode files for the board link, waiting for the pass string on the board UART', () => {
    expect(read('firmware.resc')).toContain('machine LoadPlatformDescription @platforms/cpus/stm32f746.repl');
    expect(read('firmware.resc')).toContain('sysbus LoadELF $bin');
    expect(read('firmware.resc')).toContain('showAnalyzer sysbus.usart1');
    const robot = read('firmware.robot');
    expect(robot).toContain('Wait For Line On Uart    MCUNAS (PASS|FAIL)    treatAsRegex=true');
    expect(robot).toContain('Should Contain            ${line.Line}    MCUNAS PASS');
    expect(robot).toContain('$bin = @${CURDIR}/firmware.elf');
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

  it('writes no Renode files for a board Renode does not model', () => {
    const p = writeFirmwareProject(path.join(tmp, 'an386'), { board: loadBoard('mps2-an386'), modelName: 'm', sources: [], testSets: [{ input }] });
    expect(p.renode).toBeNull();
    expect(fs.existsSync(path.join(tmp, 'an386/firmware.robot'))).toBe(false);
  });
});
