// The start-up code of every board (firmware/clock_*.c with the board's mcunas_clock_config.h), compiled
// for the host against mocked registers (test/board/c/clock_mock.c: registers in host memory, every
// write logged, ready flags set when enable bits are written) and run: the order of the writes is the
// reference manual's (flash latency before the switch, over-drive before the F7 goes above 180 MHz,
// supply before VOS0 on the H7), the values written decode to the board's clock, and a flag that never
// comes leaves the chip on its reset clock with the time-out recorded. No emulator here models a clock
// controller, so this is the only run the code gets before hardware. Each file is also compiled with
// arm-none-eabi-gcc for the board's core (-Werror), as the board link compiles it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clockTree } from '../../src/board/clock.ts';
import { listBoards, loadBoard, type Board } from '../../src/board/index.ts';
import { clockSetup, CLOCK_CONFIG_HEADER, renderClockConfig } from '../../src/codegen/clock-config.ts';
import { consoleDefines, consoleFor } from '../../src/codegen/console.ts';
import { FIRMWARE_DIR } from '../../src/codegen/firmware.ts';
import { findExecutable } from '../../src/emu/index.ts';
import { REPO } from '../helpers/shared.ts';

const MOCK_DIR = path.join(REPO, 'test/board/c');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-clock-startup-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Run {
  writes: { addr: number; value: number }[];
  before: number[];
  after: { status: number; core: number; hclk: number; pclk1: number; pclk2: number };
}

const built = new Map<string, string>();
/** Builds the mock program for a board (once) and runs it. */
function run(board: Board, env: Record<string, string> = {}): Run {
  const key = `${board.name}/${board.variant ?? ''}`;
  let exe = built.get(key);
  if (!exe) {
    const setup = clockSetup(board)!;
    const dir = path.join(tmp, key.replace('/', '_'));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, CLOCK_CONFIG_HEADER), renderClockConfig(board, setup));
    const family = path.basename(setup.source, '.c').replace(/^clock_/, '').toUpperCase();
    exe = path.join(dir, 'clock');
    const pwrReset = board.name === 'stm32f411' || board.name === 'stm32f412' ? '0x8000u' : board.name === 'stm32f405' ? '0x4000u' : '0xC000u';
    execFileSync('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', `-DMOCK_FAMILY_${family}=1`, `-DMOCK_PWR_CR_RESET=${pwrReset}`, '-include', path.join(MOCK_DIR, 'clock_mock.h'), `-I${dir}`, `-I${FIRMWARE_DIR}`,
      path.join(FIRMWARE_DIR, path.basename(setup.source)), path.join(MOCK_DIR, 'clock_mock.c'), '-o', exe], { stdio: 'pipe' });
    built.set(key, exe);
  }
  const out = execFileSync(exe, { env: { ...process.env, ...env }, encoding: 'utf8' });
  const writes: Run['writes'] = [];
  const states: number[][] = [];
  for (const line of out.trim().split('\n')) {
    const w = line.split(' ');
    if (w[0] === 'W') writes.push({ addr: Number.parseInt(w[1], 16), value: Number.parseInt(w[2], 16) });
    else if (w[0] === 'S') states.push(w.slice(1).map(Number));
  }
  const [status, core, hclk, pclk1, pclk2] = states[1];
  return { writes, before: states[0], after: { status, core, hclk, pclk1, pclk2 } };
}

/** Index of the first write to `addr` whose value satisfies `pred` (-1: none). */
const first = (r: Run, addr: number, pred: (v: number) => boolean = () => true) => r.writes.findIndex((w) => w.addr === addr && pred(w.value));
const last = (r: Run, addr: number, pred: (v: number) => boolean = () => true) => r.writes.reduce((at, w, i) => (w.addr === addr && pred(w.value) ? i : at), -1);

const boards = listBoards().filter((b) => clockSetup(b) !== null);
const f746 = (variant?: string) => loadBoard('stm32f746', variant ? { variant } : {});

// STM32F4/F7 registers (RM0090, RM0385)
const RCC_CR = 0x40023800, RCC_PLLCFGR = 0x40023804, RCC_CFGR = 0x40023808, PWR_CR = 0x40007000, FLASH_ACR = 0x40023c00;
const bit = (n: number) => (v: number) => ((v >>> n) & 1) === 1;
const swPll = (v: number) => (v & 3) === 2;

describe.skipIf(!findExecutable('gcc'))('start-up code against mocked registers (host gcc)', () => {
  it('covers every board with a clock to set up (all but the fixed-clock emulation targets)', () => {
    expect(boards.map((b) => b.name).sort()).toEqual(['nrf52840', 'nucleo-l4r5zi', 'rp2040', 'stm32f405', 'stm32f411', 'stm32f412', 'stm32f746', 'stm32h743']);
  });

  it.each(boards.map((b) => b.name))('%s: runs to the board\'s clock, and its recorded clocks are the recomputed ones', (name) => {
    const b = boards.find((x) => x.name === name)!;
    const r = run(b);
    expect(r.before[0]).toBe(1); // MCUNAS_CLOCK_NOT_RUN before the call
    expect(r.after.status).toBe(0);
    expect(r.after.core).toBe(b.clockHz);
    const t = clockTree(b.clock);
    expect(r.after.hclk).toBe(t.hclkHz);
    if (b.clock.chip.startsWith('stm32')) expect([r.after.pclk1, r.after.pclk2]).toEqual(t.pclkHz.slice(0, 2));
  });

  it('stm32f746 (DISCO, 25 MHz crystal): PWR on and scale set with the PLL off, HSE, PLL, over-drive, flash latency, prescalers, then the switch', () => {
    const r = run(f746());
    const vos = first(r, PWR_CR, (v) => ((v >>> 14) & 3) === 3);
    const hse = first(r, RCC_CR, bit(16));
    const pllCfg = first(r, RCC_PLLCFGR);
    const pllOn = first(r, RCC_CR, bit(24));
    const oden = first(r, PWR_CR, bit(16));
    const odswen = first(r, PWR_CR, bit(17));
    const latency = first(r, FLASH_ACR, (v) => (v & 0xf) === 7);
    const prescalers = first(r, RCC_CFGR, (v) => ((v >>> 4) & 0xf) === 0 && ((v >>> 10) & 7) === 5 && ((v >>> 13) & 7) === 4 && (v & 3) === 0);
    const sw = first(r, RCC_CFGR, swPll);
    for (const i of [vos, hse, pllCfg, pllOn, oden, odswen, latency, prescalers, sw]) expect(i).toBeGreaterThanOrEqual(0);
    expect(vos).toBeLessThan(pllOn);
    expect(hse).toBeLessThan(pllOn);
    expect(pllCfg).toBeLessThan(pllOn);
    expect(pllOn).toBeLessThan(oden);
    expect(oden).toBeLessThan(odswen);
    expect(odswen).toBeLessThan(sw); // over-drive before SYSCLK exceeds 180 MHz
    expect(latency).toBeLessThan(sw); // flash latency raised before the clock switch
    expect(prescalers).toBeLessThan(sw);
    expect(last(r, FLASH_ACR)).toBe(latency); // never lowered afterwards
    // The PLL word decodes (independently of clock-config.ts) to 25 MHz / M * N / P = 216 MHz from HSE.
    const v = r.writes[pllCfg].value;
    const [m, n, p, src, q] = [v & 0x3f, (v >>> 6) & 0x1ff, ((v >>> 16) & 3) * 2 + 2, (v >>> 22) & 1, (v >>> 24) & 0xf];
    expect({ m, n, p, src, q }).toEqual({ m: 25, n: 432, p: 2, src: 1, q: 9 });
    expect(((25e6 / m) * n) / p).toBe(216e6);
    // FLASH_ACR: 7 wait states, prefetch (bit 8) and ART (bit 9) on.
    expect(r.writes[latency].value).toBe(7 | (1 << 8) | (1 << 9));
    // No HSE bypass on the DISCO (a crystal).
    expect(first(r, RCC_CR, bit(18))).toBe(-1);
  });

  it('stm32f746 --variant nucleo: the 8 MHz ST-LINK clock with HSE bypass set before HSEON, and M = 8', () => {
    const r = run(f746('nucleo'));
    const bypass = first(r, RCC_CR, bit(18));
    const hse = first(r, RCC_CR, bit(16));
    expect(bypass).toBeGreaterThanOrEqual(0);
    expect(bypass).toBeLessThan(hse);
    expect(r.writes[first(r, RCC_PLLCFGR)].value & 0x3f).toBe(8);
    expect(r.after.status).toBe(0);
    expect(r.after.core).toBe(216e6);
  });

  it('a time-out leaves the chip on its reset clock and records why (HSE, PLL, over-drive never ready)', () => {
    const cases: [string, number][] = [
      [`${RCC_CR.toString(16)}:20000`, 2], // HSERDY
      [`${RCC_CR.toString(16)}:2000000`, 3], // PLLRDY
      ['40007004:10000', 5], // ODRDY
    ];
    for (const [stuck, status] of cases) {
      const r = run(f746(), { MOCK_STUCK: stuck });
      expect(r.after.status, stuck).toBe(status);
      expect(first(r, RCC_CFGR, swPll), stuck).toBe(-1); // never switched
      expect(first(r, FLASH_ACR), stuck).toBe(-1); // latency not touched before the clock is sure
      expect([r.after.core, r.after.hclk, r.after.pclk1, r.after.pclk2], stuck).toEqual([16e6, 16e6, 16e6, 16e6]);
      // What it turned on, it turned off again: the PLL (and the HSE) end up off.
      const cr = r.writes.filter((w) => w.addr === RCC_CR).at(-1)!.value;
      expect(cr & ((1 << 24) | (1 << 16)), stuck).toBe(0);
    }
  });

  it('stm32f411: scale 1 (VOS = 11, its reset value is scale 2) before the PLL, 3 wait states before the switch', () => {
    const r = run(boards.find((b) => b.name === 'stm32f411')!);
    const vos = first(r, PWR_CR, (v) => ((v >>> 14) & 3) === 3);
    expect(vos).toBeGreaterThanOrEqual(0);
    expect(vos).toBeLessThan(first(r, RCC_CR, bit(24)));
    expect(first(r, FLASH_ACR, (v) => (v & 0xf) === 3)).toBeLessThan(first(r, RCC_CFGR, swPll));
    expect(first(r, RCC_CR, bit(16))).toBe(-1); // HSI: no HSE
  });

  it('stm32h743: LDO supply first, VOS1 then VOS0 (revision V) before the PLL, 4 wait states + WRHIGHFREQ 2 before the switch; revision Y stays on HSI', () => {
    const h7 = boards.find((b) => b.name === 'stm32h743')!;
    const r = run(h7);
    const supply = first(r, 0x5802480c);
    expect(supply).toBe(0);
    expect(r.writes[supply].value & 7).toBe(2); // LDOEN only: no bypass, SCUEN cleared
    const vos1 = first(r, 0x58024818, (v) => ((v >>> 14) & 3) === 3);
    const oden = first(r, 0x5800042c, bit(0));
    const pllOn = first(r, 0x58024400, bit(24));
    const flash = first(r, 0x52002000, (v) => (v & 0x3f) === (4 | (2 << 4)));
    const sw = first(r, 0x58024410, (v) => (v & 7) === 3);
    expect([supply, vos1, oden, pllOn, flash, sw].every((i, k, a) => i >= 0 && (k === 0 || a[k - 1] < i))).toBe(true);
    const div = r.writes[first(r, 0x58024430)].value; // PLL1DIVR: N-1, P-1, Q-1, R-1
    expect([(div & 0x1ff) + 1, ((div >>> 9) & 0x7f) + 1]).toEqual([60, 2]);
    expect((r.writes[first(r, 0x58024428)].value >>> 4) & 0x3f).toBe(4); // DIVM1
    expect(((64e6 / 4) * 60) / 2).toBe(480e6);
    const y = run(h7, { MOCK_IDCODE: '10036450' });
    expect(y.after.status).toBe(8);
    expect(first(y, 0x58024400, bit(24))).toBe(-1);
    expect(y.after.core).toBe(64e6);
  });

  it('nucleo-l4r5zi: range 1 boost and 5 wait states before the PLL, the switch through AHB /2, then /1', () => {
    const r = run(boards.find((b) => b.name === 'nucleo-l4r5zi')!);
    const boost = first(r, 0x40007080, (v) => !bit(8)(v));
    const flash = first(r, 0x40022000, (v) => (v & 0xf) === 5);
    const pllOn = first(r, 0x40021000, bit(24));
    const sw = first(r, 0x40021008, (v) => (v & 3) === 3);
    expect([boost, flash, pllOn, sw].every((i, k, a) => i >= 0 && (k === 0 || a[k - 1] < i))).toBe(true);
    expect((r.writes[sw].value >>> 4) & 0xf).toBe(8); // HPRE /2 at the switch
    expect((r.writes[last(r, 0x40021008)].value >>> 4) & 0xf).toBe(0); // then /1
    expect(last(r, 0x40021008)).toBeGreaterThan(sw);
  });

  it('nrf52840: HFXO started, then the flash cache; a crystal that never starts is stopped and recorded', () => {
    const b = boards.find((x) => x.name === 'nrf52840')!;
    const r = run(b);
    expect(first(r, 0x40000000, (v) => v === 1)).toBeGreaterThanOrEqual(0);
    expect(first(r, 0x4001e540, bit(0))).toBeGreaterThan(first(r, 0x40000000));
    const stuck = run(b, { MOCK_STUCK: '40000100:1' });
    expect(stuck.after.status).toBe(2);
    expect(first(stuck, 0x40000004, (v) => v === 1)).toBeGreaterThanOrEqual(0);
  });

  it('rp2040: XOSC up, clk_sys off the PLL before it is touched, PLL locked before the post dividers, clk_sys onto the PLL last', () => {
    const b = boards.find((x) => x.name === 'rp2040')!;
    const r = run(b);
    const xosc = first(r, 0x40024000, (v) => ((v >>> 12) & 0xfff) === 0xfab);
    const sysToRef = first(r, 0x4000803c, (v) => (v & 1) === 0);
    const refToXosc = first(r, 0x40008030, (v) => (v & 3) === 2);
    const pllFirst = r.writes.findIndex((w) => w.addr >= 0x40028000 && w.addr < 0x40029000);
    const fbdiv = first(r, 0x40028008);
    const powerUp = first(r, 0x40028004, (v) => (v & 0x21) === 0);
    const prim = first(r, 0x4002800c);
    const sysToPll = first(r, 0x4000803c, (v) => (v & 1) === 1);
    expect([xosc, sysToRef, refToXosc, pllFirst, fbdiv, powerUp, prim, sysToPll].every((i, k, a) => i >= 0 && (k === 0 || a[k - 1] <= i))).toBe(true);
    expect(r.writes[fbdiv].value).toBe(125);
    const pv = r.writes[prim].value;
    expect((12e6 * 125) / (((pv >>> 16) & 7) * ((pv >>> 12) & 7))).toBe(125e6);
    const stuck = run(b, { MOCK_STUCK: '40024004:80000000' });
    expect(stuck.after.status).toBe(2);
    expect(stuck.writes.some((w) => w.addr >= 0x40028000 && w.addr < 0x40029000)).toBe(false);
    expect(stuck.after.core).toBe(6.5e6);
  });
});

// The board console's bring-up (firmware/console.c with the board's console defines), on the same mock:
// the pin's supply, port and UART clocks before the pin and the UART are touched, the pin in its
// alternate function, the divider for the bus clock the clock set-up leaves (checked against the formula,
// 256 x clock / baud on an LPUART), then the bytes of "ok\n" with the carriage return.
describe.skipIf(!findExecutable('gcc'))('board console bring-up against mocked registers (host gcc)', () => {
  const consoles = [...boards.map((b) => b), f746('nucleo')].filter((b) => consoleFor(b, 'board').pinmux !== undefined);

  it('covers the boards with a serial console wired to their debugger', () => {
    expect(consoles.map((b) => `${b.name}${b.variant ? `/${b.variant}` : ''}`).sort()).toEqual(['nucleo-l4r5zi', 'stm32f405', 'stm32f411', 'stm32f412', 'stm32f746/disco', 'stm32f746/nucleo', 'stm32h743']);
  });

  it.each(consoles.map((b) => [`${b.name}${b.variant ? `/${b.variant}` : ''}`, b] as const))('%s', (_name, b) => {
    const c = consoleFor(b, 'board');
    const p = c.pinmux!;
    const pclk = clockTree(b.clock).pclkHz.slice(0, 2);
    const dir = path.join(tmp, `console-${b.name}-${b.variant ?? ''}`);
    fs.mkdirSync(dir, { recursive: true });
    const exe = path.join(dir, 'console');
    execFileSync('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-Wno-unused-function', '-DMOCK_NO_MAIN=1', `-DMOCK_PCLK1=${pclk[0]}u`, `-DMOCK_PCLK2=${pclk[1]}u`, ...consoleDefines(c), `-DMCUNAS_UART_APB=${c.apb}`,
      '-include', path.join(MOCK_DIR, 'clock_mock.h'), `-I${FIRMWARE_DIR}`, path.join(FIRMWARE_DIR, 'console.c'), path.join(MOCK_DIR, 'console_main.c'), path.join(MOCK_DIR, 'clock_mock.c'), '-o', exe], { stdio: 'pipe' });
    const writes = execFileSync(exe, { encoding: 'utf8' }).trim().split('\n').map((l) => l.split(' ')).filter((w) => w[0] === 'W').map((w) => ({ addr: Number.parseInt(w[1], 16), value: Number.parseInt(w[2], 16) }));
    const r: Run = { writes, before: [], after: { status: 0, core: 0, hclk: 0, pclk1: 0, pclk2: 0 } };
    const v2 = c.kind === 'stm32-v2';
    const brrAt = c.base + (v2 ? 0x0c : 0x08);
    const gpio = first(r, p.gpioEnable.register, bit(p.gpioEnable.bit));
    const uart = first(r, p.uartEnable.register, bit(p.uartEnable.bit));
    const moder = first(r, p.gpioBase, (v) => ((v >>> (2 * p.txPin)) & 3) === 2);
    const afr = first(r, p.gpioBase + (p.txPin < 8 ? 0x20 : 0x24), (v) => ((v >>> (4 * (p.txPin & 7))) & 0xf) === p.alternateFunction);
    const brr = first(r, brrAt);
    const enable = first(r, c.base + (v2 ? 0x00 : 0x0c), (v) => (v2 ? (v & 9) === 9 : (v & 0x2008) === 0x2008));
    expect([gpio, uart, moder, afr, brr, enable].every((i) => i >= 0), JSON.stringify(writes)).toBe(true);
    expect(Math.max(gpio, uart)).toBeLessThan(Math.min(moder, afr, brr));
    expect(brr).toBeLessThan(enable);
    const clock = pclk[c.apb! - 1];
    expect(writes[brr].value).toBe(c.lpuart ? Math.floor((256 * clock) / 115200) : Math.floor(clock / 115200));
    if (p.ioSupply) {
      // The supply's controller clocked, then the supply declared valid, before its port is touched.
      const supplyClock = first(r, p.ioSupply.clockEnable.register, bit(p.ioSupply.clockEnable.bit));
      const supply = first(r, p.ioSupply.register, bit(p.ioSupply.bit));
      expect(supplyClock).toBeGreaterThanOrEqual(0);
      expect(supplyClock).toBeLessThan(supply);
      expect(supply).toBeLessThan(gpio);
    }
    const sent = writes.filter((w) => w.addr === c.base + (v2 ? 0x28 : 0x04)).map((w) => String.fromCharCode(w.value)).join('');
    expect(sent).toBe('ok\r\n');
  });
});

describe.skipIf(!findExecutable('arm-none-eabi-gcc'))('the start-up code compiles for each board as its board link compiles it', () => {
  it.each(boards.map((b) => b.name))('%s', (name) => {
    const b = boards.find((x) => x.name === name)!;
    const setup = clockSetup(b)!;
    const dir = path.join(tmp, `arm-${name}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, CLOCK_CONFIG_HEADER), renderClockConfig(b, setup));
    execFileSync('arm-none-eabi-gcc', [...b.gccFlags, '-O3', '-std=c99', '-Wall', '-Wextra', '-Werror', `-I${dir}`, `-I${FIRMWARE_DIR}`, '-c', path.join(FIRMWARE_DIR, path.basename(setup.source)), '-o', path.join(dir, 'clock.o')], { stdio: 'pipe' });
    expect(fs.statSync(path.join(dir, 'clock.o')).size).toBeGreaterThan(0);
  });
});
