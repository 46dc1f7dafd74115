import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { InputError } from '../../src/errors.ts';
import { linkLayout, renderLinkerScript } from '../../src/codegen/link-layout.ts';
import { buildRecipe } from '../../src/codegen/recipe.ts';

describe('the two links', () => {
  it('stm32f746: board addresses for the board link, mps2-an500 addresses for the emulator, same sizes', () => {
    const board = loadBoard('stm32f746');
    const b = linkLayout(board, 'board', { stackBytes: 2048 })!;
    const q = linkLayout(board, 'qemu', { stackBytes: 2048 })!;
    expect(b.flash).toMatchObject({ origin: 0x08000000, length: 1024 * 1024 });
    expect(q.flash).toMatchObject({ origin: 0, length: 1024 * 1024 });
    for (const l of [b, q]) {
      expect(l.ram).toEqual([{ name: 'DTCM_SRAM1_SRAM2', origin: 0x20000000, length: 320 * 1024, parts: ['DTCM', 'SRAM1', 'SRAM2'] }]);
      expect(l.runtime).toBe('DTCM_SRAM1_SRAM2');
    }
    expect(b.testData).toBeNull();
    expect(q.testData).toMatchObject({ origin: 0x00100000, length: 3 * 1024 * 1024 });
  });

  it('stm32h743: split SRAM stays split in the emulator, each run with its board size', () => {
    const board = loadBoard('stm32h743');
    const b = linkLayout(board, 'board', { stackBytes: 2048, runtimeRegions: ['DTCM'] })!;
    const q = linkLayout(board, 'qemu', { stackBytes: 2048, runtimeRegions: ['DTCM'] })!;
    const sizes = (l: typeof b) => l.ram.map((r) => [r.name, r.length]);
    expect(sizes(b)).toEqual(sizes(q));
    expect(sizes(b)).toContainEqual(['AXI_SRAM', 512 * 1024]);
    expect(sizes(b)).toContainEqual(['SRAM1_SRAM2_SRAM3', 288 * 1024]);
    expect(b.ram.find((r) => r.name === 'AXI_SRAM')!.origin).toBe(0x24000000);
    expect(b.runtime).toBe('DTCM');
    // In the emulator every run lies in mps2-an500's 4 MiB RAM window and none overlap.
    const sorted = [...q.ram].sort((x, y) => x.origin - y.origin);
    sorted.forEach((r, i) => {
      expect(r.origin).toBeGreaterThanOrEqual(0x20000000);
      expect(r.origin + r.length).toBeLessThanOrEqual(0x20400000);
      if (i > 0) expect(r.origin).toBeGreaterThanOrEqual(sorted[i - 1].origin + sorted[i - 1].length);
    });
  });

  it('stm32f405 on netduinoplus2: the stand-in has no code memory past the board flash, so test data stays in flash', () => {
    const q = linkLayout(loadBoard('stm32f405'), 'qemu', { stackBytes: 2048 })!;
    expect(q.flash.origin).toBe(0x08000000);
    expect(q.testData).toBeNull();
  });

  it('renders a linker script with the real regions and the stack at the bottom of the runtime region', () => {
    const board = loadBoard('stm32f746');
    const text = renderLinkerScript(board, linkLayout(board, 'board', { stackBytes: 4096 })!, 'link-board.ld');
    expect(text).toContain('FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 1048576');
    expect(text).toContain('DTCM_SRAM1_SRAM2 (rw) : ORIGIN = 0x20000000, LENGTH = 327680');
    expect(text).toContain('__stack_size = 4096;');
    expect(text).toContain('} > DTCM_SRAM1_SRAM2 AT > FLASH');
    expect(text).not.toContain('TESTDATA');
  });

  it('rejects a board flag that is not a plain compiler option (it would reach a Makefile)', () => {
    const board = { ...loadBoard('stm32f746'), gccFlags: ['-mcpu=cortex-m7', '-O2; rm -rf ~'] };
    expect(() => buildRecipe(board, { sources: [], includeDirs: [], optimize: 'O3', hasQemuLink: true })).toThrow(InputError);
  });

  it('uses the board flags per core, and undefines DSP on a core built without it', () => {
    const m0 = buildRecipe(loadBoard('rp2040'), { sources: [], includeDirs: [], optimize: 'Os', hasQemuLink: true });
    expect(m0.cpuFlags).toEqual(['-mcpu=cortex-m0plus', '-mthumb', '-mfloat-abi=soft']);
    expect(m0.cflags).toContain('-Os');
    const noDsp = buildRecipe({ ...loadBoard('stm32f412'), dsp: false }, { sources: [], includeDirs: [], optimize: 'O3', hasQemuLink: true });
    expect(noDsp.cpuFlags).toContain('-U__ARM_FEATURE_DSP');
    const m7 = buildRecipe(loadBoard('stm32f746'), { sources: [], includeDirs: [], optimize: 'O3', hasQemuLink: true });
    expect(m7.board.defines).toContain('-DMCUNAS_ENABLE_CACHES=1');
    expect(m7.qemu!.defines).toContain('-DMCUNAS_SEMIHOSTING=1');
    expect(m7.board.defines).toContain('-DMCUNAS_SEMIHOSTING=0');
  });
});
