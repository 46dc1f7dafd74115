import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILTIN_BOARDS_DIR, arenaSpans, emulatorLayout, largestArenaSpan, listBoards, loadBoard, usableSram, type Board } from '../../src/board/index.ts';
import { InputError } from '../../src/errors.ts';
import { runCliAsync as runCli } from '../helpers/run-cli.ts';

const K = 1024;
const NAMES = ['mps2-an386', 'mps2-an500', 'mps3-an547', 'nrf52840', 'nucleo-l4r5zi', 'rp2040', 'stm32f405', 'stm32f411', 'stm32f412', 'stm32f746', 'stm32h743'];

const tmpDirs: string[] = [];
function userDir(files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boards-'));
  tmpDirs.push(dir);
  for (const [name, content] of Object.entries(files))
    fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const raw = (name: string) => JSON.parse(fs.readFileSync(path.join(BUILTIN_BOARDS_DIR, `${name}.json`), 'utf8'));

function inputErrorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('the built-in catalogue', () => {
  it('has every board the issue names, each valid', async () => {
    expect(listBoards().map((b) => b.name)).toEqual(NAMES);
  });

  it('stm32f746: M7 @ 216 MHz, 320K contiguous from 0x20000000, 1M flash at 0x08000000, mps2-an500', async () => {
    const b = loadBoard('stm32f746');
    expect([b.core, b.clockHz, b.fpu, b.dsp]).toEqual(['cortex-m7', 216e6, 'sp', true]);
    expect(largestArenaSpan(b)).toEqual({ regions: ['DTCM', 'SRAM1', 'SRAM2'], base: 0x20000000, size: 320 * K });
    expect(b.flash).toEqual({ base: 0x08000000, size: 1024 * K });
    expect(b.emulator.qemu).toMatchObject({ machine: 'mps2-an500', cpu: 'cortex-m7', code: { base: 0 } });
    expect(b.gccFlags).toContain('-mfpu=fpv5-sp-d16');
  });

  it('stm32h743: split SRAM, 1M-ish usable, largest contiguous 512K', async () => {
    const b = loadBoard('stm32h743');
    expect(usableSram(b)).toBe((128 + 512 + 128 + 128 + 32 + 64) * K);
    expect(arenaSpans(b).map((s) => [s.regions.join('+'), s.size / K])).toEqual([
      ['AXI_SRAM', 512],
      ['SRAM1+SRAM2+SRAM3', 288],
      ['DTCM', 128],
      ['SRAM4', 64],
    ]);
  });

  it('rp2040 is an M0+ without FPU or DSP, with XIP flash at 0x10000000', async () => {
    const b = loadBoard('rp2040');
    expect([b.core, b.fpu, b.dsp, b.flash.base, usableSram(b)]).toEqual(['cortex-m0plus', 'none', false, 0x10000000, 264 * K]);
  });

  it('sizes for the smaller boards', async () => {
    const sram = (n: string) => usableSram(loadBoard(n)) / K;
    expect([sram('stm32f412'), sram('stm32f411'), sram('stm32f405'), sram('nrf52840'), sram('mps3-an547')]).toEqual([256, 128, 192, 256, 512]);
    expect(loadBoard('stm32f411').flash.size).toBe(512 * K);
    expect(loadBoard('nrf52840').flash.base).toBe(0);
  });

  it('every board that is not itself an emulator names its stand-in and a way to flash it', async () => {
    for (const b of listBoards()) {
      if (b.emulated) {
        expect(b.emulator.qemu?.machine).toBe(b.name);
        continue;
      }
      expect(b.emulator.qemu).not.toBeNull();
      expect(b.flashCommands.length).toBeGreaterThan(0);
      expect(b.source.length).toBeGreaterThan(0);
    }
  });
});

describe('emulator layout (two links, one source)', () => {
  const layout = (n: string) => emulatorLayout(loadBoard(n))!;

  it('keeps stm32f746 addresses and sizes inside mps2-an500, with flash moved to its code RAM at 0x0', async () => {
    const l = layout('stm32f746');
    expect(l.flash).toEqual({ base: 0, size: 1024 * K });
    expect(l.sram.map((r) => [r.name, r.base, r.size])).toEqual([
      ['DTCM', 0x20000000, 64 * K],
      ['SRAM1', 0x20010000, 240 * K],
      ['SRAM2', 0x2004c000, 16 * K],
    ]);
  });

  it('packs stm32h743 regions into the 4 MiB window, keeping touching regions together', async () => {
    const l = layout('stm32h743');
    const at = Object.fromEntries(l.sram.map((r) => [r.name, r]));
    expect(at.DTCM.base).toBe(0x20000000);
    expect(at.SRAM2.base).toBe(at.SRAM1.base + at.SRAM1.size);
    expect(at.SRAM3.base).toBe(at.SRAM2.base + at.SRAM2.size);
    expect(at.AXI_SRAM.boardBase).toBe(0x24000000);
    for (const r of l.sram) expect(r.base + r.size).toBeLessThanOrEqual(0x20000000 + 4 * K * K);
    expect(new Set(l.sram.map((r) => r.base)).size).toBe(l.sram.length);
  });

  it('puts stm32f405 CCM after its SRAM in netduinoplus2, filling its 192K exactly', async () => {
    const l = layout('stm32f405');
    const ccm = l.sram.find((r) => r.name === 'CCM')!;
    expect(ccm.base).toBe(0x20020000);
    expect(ccm.base + ccm.size).toBe(0x20000000 + 192 * K);
  });
});

describe('errors', () => {
  it('an unknown board lists the known names', async () => {
    expect(inputErrorOf(() => loadBoard('stm32f999'))).toBe(`unknown board "stm32f999"; known boards: ${NAMES.join(', ')}`);
  });

  it.each([
    ['a size that is not a size', (b: Record<string, any>) => (b.sram[1].size = '64KB'), /: field "sram\[1\]\.size": "64KB" must be a positive byte count/],
    ['a decimal address', (b: Record<string, any>) => (b.flash.base = '134217728'), /: field "flash\.base": "134217728" must be a hex address/],
    ['overlapping regions', (b: Record<string, any>) => (b.sram[2].base = '0x20008000'), /: field "sram\[2\]\.base": "0x20008000" overlaps region "DTCM"/],
    ['an unknown core', (b: Record<string, any>) => (b.core = 'cortex-a53'), /: field "core": "cortex-a53"/],
    ['a missing field', (b: Record<string, any>) => delete b.clockHz, /: missing field "clockHz"/],
    ['an unknown key', (b: Record<string, any>) => (b.ram = 1), /: unknown key "ram"/],
    ['no arena region', (b: Record<string, any>) => b.sram.forEach((r: { arena: boolean }) => (r.arena = false)), /: field "sram": .* has no region marked "arena": true/],
    ['more SRAM than the stand-in has', (b: Record<string, any>) => (b.sram[3].size = '8M'), /: field "emulator.qemu": SRAM of \d+ B does not fit the mps2-an500 RAM window/],
    ['a flash read that does not divide the line', (b: Record<string, any>) => (b.memoryTiming.dataPath.readBytes = 12), /: field "memoryTiming\.dataPath\.readBytes": .*readBytes must divide lineBytes/],
  ])('bad board JSON (%s) names the file and field', async (_what, change, message) => {
    const b = raw('stm32f746');
    change(b);
    const dir = userDir({ 'stm32f746.json': b });
    const msg = inputErrorOf(() => loadBoard('stm32f746', { boardsDir: dir }));
    expect(msg.startsWith(path.join(dir, 'stm32f746.json'))).toBe(true);
    expect(msg).toMatch(message);
  });

  it('a syntax error or a name that does not match the file is reported', async () => {
    const dir = userDir({ 'broken.json': '{"name": ', 'mine.json': { ...raw('stm32f411'), name: 'other' } });
    expect(inputErrorOf(() => loadBoard('broken', { boardsDir: dir }))).toMatch(/broken\.json: not valid JSON/);
    expect(inputErrorOf(() => loadBoard('mine', { boardsDir: dir }))).toMatch(/mine\.json: field "name": "other" must match the file name "mine"/);
  });

  it('a boards dir that does not exist', async () => {
    expect(inputErrorOf(() => listBoards({ boardsDir: '/no/such/dir' }))).toBe('--boards-dir: /no/such/dir is not a folder');
  });
});

describe('--boards-dir', () => {
  it('adds boards and overrides built-in ones by name', async () => {
    // A board's clockHz is what its clock section sets up (src/board/clock.ts): both change together.
    const f411 = raw('stm32f411') as { clock: Record<string, unknown> };
    const f746 = raw('stm32f746') as { clock: Record<string, unknown> };
    const custom: Board | Record<string, unknown> = { ...f411, name: 'my-f411', clockHz: 84000000, clock: { ...f411.clock, pll: { m: 8, n: 84, p: 2, q: 4 }, flashWaitStates: 2 } };
    const slower = { ...f746, clockHz: 200000000, clock: { ...f746.clock, pll: { m: 25, n: 400, p: 2, q: 9 }, flashWaitStates: 6 }, variants: undefined };
    const dir = userDir({ 'my-f411.json': custom, 'stm32f746.json': slower, 'notes.txt': 'ignored' });
    expect(listBoards({ boardsDir: dir }).map((b) => b.name)).toEqual([...NAMES.slice(0, 3), 'my-f411', ...NAMES.slice(3)]);
    expect(loadBoard('my-f411', { boardsDir: dir }).clockHz).toBe(84e6);
    expect(loadBoard('stm32f746', { boardsDir: dir }).clockHz).toBe(200e6);
    expect(loadBoard('stm32f746').clockHz).toBe(216e6);
  });
});

describe('mcu-nas boards', () => {
  it('prints the catalogue as a table', async () => {
    const r = await runCli(['boards']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^board\s+core\s+MHz/);
    expect(r.stdout).toMatch(/stm32f746 \*\s+cortex-m7\s+216\s+sp\s+yes\s+320K\s+320K \(DTCM\+SRAM1\+SRAM2\)\s+1024K\s+mps2-an500/);
    expect(r.stdout).toMatch(/rp2040\s+cortex-m0plus\s+125\s+none\s+no/);
  });

  it('--json prints one object and nothing else', async () => {
    const r = await runCli(['boards', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.default).toBe('stm32f746');
    expect(out.boards.map((b: Board) => b.name)).toEqual(NAMES);
    expect(out.boards.find((b: Board) => b.name === 'stm32h743').largestArenaBytes).toBe(512 * K);
  });

  it('a bad board file exits 2 with one error line', async () => {
    const dir = userDir({ 'x.json': { ...raw('stm32f411'), name: 'x', fpu: 'quad' } });
    const r = await runCli(['boards', '--boards-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*x\.json: field "fpu": "quad"/);
  });
});
