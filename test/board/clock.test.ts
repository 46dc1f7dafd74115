// Every board's clock section, recomputed from its oscillator, dividers and prescalers and checked against
// the reference manual's limits (src/board/clock.ts): no emulator here models a clock tree, so this is
// where a wrong divider shows. Independent figures below are written out by hand from the manuals.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILTIN_BOARDS_DIR, listBoards, parseBoard } from '../../src/board/index.ts';
import { clockProblems, clockTree, STM32_LIMITS, variantClock, type ClockSpec, type Stm32ClockSpec } from '../../src/board/clock.ts';
import { runCliAsync as runCli } from '../helpers/run-cli.ts';
import { sharedPath } from '../helpers/shared.ts';

const boards = listBoards();
const raw = (name: string) => JSON.parse(fs.readFileSync(path.join(BUILTIN_BOARDS_DIR, `${name}.json`), 'utf8')) as Record<string, unknown> & { clock: Record<string, unknown> };
const MHz = 1e6;

/** Core clock, HCLK, flash wait states, from the manuals (worked by hand, not by clock.ts). */
const EXPECTED: Record<string, { cpu: number; hclk: number; ws: number; vco?: number; pclk?: number[] }> = {
  stm32f746: { cpu: 216 * MHz, hclk: 216 * MHz, ws: 7, vco: 432 * MHz, pclk: [54 * MHz, 108 * MHz] }, // (25/25)*432/2
  stm32f405: { cpu: 168 * MHz, hclk: 168 * MHz, ws: 5, vco: 336 * MHz, pclk: [42 * MHz, 84 * MHz] }, // (16/8)*168/2
  stm32f411: { cpu: 100 * MHz, hclk: 100 * MHz, ws: 3, vco: 200 * MHz, pclk: [50 * MHz, 100 * MHz] }, // (16/8)*100/2
  stm32f412: { cpu: 100 * MHz, hclk: 100 * MHz, ws: 3, vco: 200 * MHz, pclk: [50 * MHz, 100 * MHz] },
  stm32h743: { cpu: 480 * MHz, hclk: 240 * MHz, ws: 4, vco: 960 * MHz, pclk: [120 * MHz, 120 * MHz, 120 * MHz, 120 * MHz] }, // (64/4)*60/2
  'nucleo-l4r5zi': { cpu: 120 * MHz, hclk: 120 * MHz, ws: 5, vco: 240 * MHz }, // (16/2)*30/2
  nrf52840: { cpu: 64 * MHz, hclk: 64 * MHz, ws: 0 },
  rp2040: { cpu: 125 * MHz, hclk: 125 * MHz, ws: 0, vco: 1500 * MHz }, // 12*125/(6*2)
  'mps2-an386': { cpu: 25 * MHz, hclk: 25 * MHz, ws: 0 },
  'mps2-an500': { cpu: 25 * MHz, hclk: 25 * MHz, ws: 0 },
  'mps3-an547': { cpu: 32 * MHz, hclk: 32 * MHz, ws: 0 },
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-clock-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('every board: the clock section recomputes to the rated clock, within the manual', () => {
  it('every board in boards/ has a clock and an expected figure here', () => {
    expect(boards.map((b) => b.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(boards.map((b) => b.name))('%s', (name) => {
    const b = boards.find((x) => x.name === name)!;
    const problems: { path: (string | number)[]; message: string }[] = [];
    const t = clockTree(b.clock, problems);
    expect(problems).toEqual([]);
    const e = EXPECTED[name];
    expect(t.cpuHz).toBe(e.cpu);
    expect(t.hclkHz).toBe(e.hclk);
    // The rated clock, the one latency is quoted at, is what the start-up code sets up.
    expect(b.clockHz).toBe(t.cpuHz);
    expect(t.flashWaitStates).toBe(e.ws);
    if (e.vco) expect(t.vcoHz).toBe(e.vco);
    if (e.pclk) expect(t.pclkHz).toEqual(e.pclk);
    if (t.requiredWaitStates !== undefined) expect(t.flashWaitStates).toBeGreaterThanOrEqual(t.requiredWaitStates);
    // One source: the cycle model's wait states are the clock section's.
    if (b.memoryTiming) expect(b.memoryTiming.flashWaitStates).toBe(t.flashWaitStates);
    expect(JSON.stringify(raw(name).memoryTiming ?? {})).not.toContain('flashWaitStates');
    // Limits, restated: PLL input and VCO ranges, bus maxima.
    if (b.clock.chip !== 'fixed' && b.clock.chip !== 'nrf52840' && b.clock.chip !== 'rp2040') {
      const L = STM32_LIMITS[b.clock.chip];
      expect(t.pllInputHz!).toBeGreaterThanOrEqual(L.pllInHz[0]);
      expect(t.pllInputHz!).toBeLessThanOrEqual(L.pllInHz[1]);
      expect(t.vcoHz!).toBeGreaterThanOrEqual(L.vcoHz[0]);
      expect(t.vcoHz!).toBeLessThanOrEqual(L.vcoHz[1]);
    }
    for (const [v, spec] of Object.entries(b.variants ?? {})) expect(clockTree(variantClock(b.clock, spec)).cpuHz, v).toBe(b.clockHz);
  });

  it('stm32f746 names its two carrier boards; the Nucleo runs the same 216 MHz from an 8 MHz bypass clock', () => {
    const b = boards.find((x) => x.name === 'stm32f746')!;
    expect(Object.keys(b.variants!)).toEqual(['disco', 'nucleo']);
    expect(b.variant).toBe('disco');
    const n = variantClock(b.clock, b.variants!.nucleo);
    expect(n.chip !== 'fixed' && n.chip !== 'nrf52840' && n.chip !== 'rp2040' && n.oscillator).toEqual({ source: 'HSE', hz: 8 * MHz, bypass: true });
    expect(clockTree(n).pllInputHz).toBe(1 * MHz);
  });
});

/** The stm32f746 file with its clock changed: the problems clock.ts finds, as "path: message". */
function f746With(clock: Partial<Stm32ClockSpec>, clockHz = 216e6) {
  const b = raw('stm32f746');
  const c = { ...b.clock, ...clock } as ClockSpec;
  return clockProblems({ clockHz, core: 'cortex-m7', clock: c }).map((p) => `${p.path.join('.')}: ${p.message}`);
}

describe('the limits catch what a wrong divider does', () => {
  it('216 MHz without over-drive', () => {
    const p = f746With({ supply: { vddMv: 3300, voltageScale: 1, overDrive: false } });
    expect(p[0]).toMatch(/^clock\.pll\.p: gives SYSCLK 216 MHz, above the 180 MHz of voltage scale 1: above 180 MHz the F7 needs over-drive/);
    // Without over-drive the bus limits are lower too (45/90 MHz).
    expect(p.slice(1).map((x) => x.split(':')[0])).toEqual(['clock.dividers.ahb', 'clock.dividers.apb1', 'clock.dividers.apb2']);
  });
  it('too few wait states for the clock and voltage range', () => {
    expect(f746With({ flashWaitStates: 6 })).toEqual([expect.stringMatching(/^clock\.flashWaitStates: is too few for HCLK 216 MHz: RM0385 asks for at least 7/)]);
  });
  it('a VCO above 432 MHz and a PLL input outside 1-2 MHz', () => {
    expect(f746With({ pll: { m: 25, n: 440, p: 2, q: 9 } }).join('\n')).toMatch(/clock\.pll\.n: gives a VCO of 440 MHz, outside 100-432 MHz/);
    expect(f746With({ pll: { m: 10, n: 172, p: 2, q: 9 } }).join('\n')).toMatch(/clock\.pll\.m: gives a PLL input of 2\.5 MHz, outside 1-2 MHz/);
  });
  it('an APB clock above its maximum', () => {
    // APB1 is at most 54 MHz on the F7 with over-drive, APB2 108 MHz.
    expect(f746With({ dividers: { ahb: 1, apb1: 2, apb2: 2 } })).toEqual(['clock.dividers.apb1: gives APB1 108 MHz, above the 54 MHz allowed (RM0385)']);
    expect(clockProblems({ clockHz: 216e6, core: 'cortex-m7', clock: { ...raw('stm32f746').clock, dividers: { ahb: 1, apb1: 1, apb2: 1 } } as ClockSpec }).map((p) => p.path.join('.'))).toEqual(['clock.dividers.apb1', 'clock.dividers.apb2']);
  });
  it('clockHz that the clock section does not set up', () => {
    expect(f746With({}, 200e6)).toEqual([expect.stringMatching(/^clockHz: is not the core clock "clock" sets up \(216000000 Hz/)]);
  });
  it('an RP2040 VCO out of range and a flash clock above the 03h read', () => {
    const rp = raw('rp2040').clock as Extract<ClockSpec, { chip: 'rp2040' }>;
    const p = (c: object) => clockProblems({ clockHz: 125e6, core: 'cortex-m0plus', clock: { ...rp, ...c } as ClockSpec }).map((x) => `${x.path.join('.')}: ${x.message}`).join('\n');
    expect(p({ pll: { ...rp.pll, fbdiv: 140 } })).toMatch(/clock\.pll\.fbdiv: gives a VCO of 1680 MHz, outside 750-1600 MHz/);
    expect(p({ flashClockDivider: 2 })).toMatch(/clock\.flashClockDivider: gives a flash clock of 62\.5 MHz/);
  });
});

describe('board loading refuses an inconsistent clock', () => {
  it('parseBoard names the file and the field', () => {
    const b = raw('stm32f411');
    expect(() => parseBoard({ ...b, clock: { ...b.clock, flashWaitStates: 2 } }, 'stm32f411.json')).toThrow(/stm32f411\.json: field "clock\.flashWaitStates": .*at least 3/);
    expect(() => parseBoard({ ...b, memoryTiming: { ...(b.memoryTiming as object), flashWaitStates: 3 } }, 'stm32f411.json')).toThrow(/field "memoryTiming\.flashWaitStates": .*clock\.flashWaitStates/);
    const f7 = raw('stm32f746') as unknown as Record<string, unknown> & { variants: Record<string, Record<string, unknown>> };
    const badVariant = { ...f7, variants: { ...f7.variants, nucleo: { ...f7.variants.nucleo, pll: { m: 2, n: 108, p: 2, q: 9 } } } };
    expect(() => parseBoard(badVariant, 'stm32f746.json')).toThrow(/field "variants\.nucleo\.pll\.m": .*PLL input of 4 MHz|field "variants\.nucleo\.pll": /);
  });

  it('mcu-nas boards --boards-dir exits 2 with one line naming the board file and field', async () => {
    const b = raw('stm32f746');
    fs.writeFileSync(path.join(tmp, 'slow.json'), JSON.stringify({ ...b, name: 'slow', clock: { ...b.clock, supply: { vddMv: 3300, voltageScale: 1 } } }));
    const r = await runCli(['boards', '--boards-dir', tmp]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*slow\.json: field "clock\.pll\.p": .*over-drive/);
  }, 30_000);
});

describe('compile --variant', () => {
  const model = sharedPath('data/onnx-mnist8/model.onnx');
  const testData = sharedPath('data/onnx-mnist8');

  it('an unknown variant exits 2 before any work, listing the board\'s variants', async () => {
    const out = path.join(tmp, 'bad-variant');
    const r = await runCli(['compile', model, '--test-data', testData, '--board', 'stm32f746', '--variant', 'nucleo144', '--out', out, '--no-build']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: --variant: board stm32f746 has no variant "nucleo144"; its variants: disco, nucleo/);
    expect(fs.existsSync(path.join(out, 'report.json'))).toBe(false);
    const r2 = await runCli(['compile', model, '--test-data', testData, '--board', 'rp2040', '--variant', 'disco', '--out', out, '--no-build']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/^error: --variant: board rp2040 has no variants/);
  }, 60_000);

  it('--variant nucleo: the 8 MHz bypass clock and USART3 on PD8 in the board link; the default is the DISCO', async () => {
    const nucleo = path.join(tmp, 'nucleo');
    const disco = path.join(tmp, 'disco');
    const [a, b] = await Promise.all([
      runCli(['compile', model, '--test-data', testData, '--board', 'stm32f746', '--variant', 'nucleo', '--out', nucleo, '--no-build']),
      runCli(['compile', model, '--test-data', testData, '--board', 'stm32f746', '--out', disco, '--no-build']),
    ]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    const header = (dir: string) => fs.readFileSync(path.join(dir, 'mcunas_clock_config.h'), 'utf8');
    expect(header(nucleo)).toMatch(/#define MCUNAS_CLOCK_HSE_BYPASS 1/);
    expect(header(nucleo)).toMatch(/HSE bypass 8 MHz, PLL M=8 N=432 P=2/);
    expect(header(disco)).toMatch(/#define MCUNAS_CLOCK_HSE_BYPASS 0/);
    expect(header(disco)).toMatch(/HSE crystal 25 MHz, PLL M=25 N=432 P=2/);
    const defs = (dir: string) => (JSON.parse(fs.readFileSync(path.join(dir, 'firmware.json'), 'utf8')) as { recipe: { board: { defines: string[]; sources: string[] } } }).recipe.board;
    expect(defs(nucleo).defines).toEqual(expect.arrayContaining(['-DMCUNAS_UART_BASE=0x40004800u', '-DMCUNAS_UART_TX_PIN=8u', '-DMCUNAS_UART_APB=1', '-DMCUNAS_CLOCK_INIT=1']));
    expect(defs(disco).defines).toEqual(expect.arrayContaining(['-DMCUNAS_UART_BASE=0x40011000u', '-DMCUNAS_UART_TX_PIN=9u', '-DMCUNAS_UART_APB=2', '-DMCUNAS_CLOCK_INIT=1', '-DMCUNAS_ENABLE_CACHES=1']));
    expect(defs(disco).sources).toEqual(['runtime/clock_stm32f4f7.c']);
    // The emulator link sets up no clock.
    const qemu = (JSON.parse(fs.readFileSync(path.join(disco, 'firmware.json'), 'utf8')) as { recipe: { qemu: { defines: string[] } } }).recipe.qemu.defines;
    expect(qemu.join(' ')).not.toMatch(/MCUNAS_CLOCK_INIT|MCUNAS_ENABLE_CACHES/);
    // The README says which variant, at which clock, and what has not run on hardware.
    const readme = fs.readFileSync(path.join(nucleo, 'README.md'), 'utf8');
    expect(readme).toMatch(/variant \*\*nucleo\*\*: NUCLEO-F746ZG/);
    expect(readme).toMatch(/latency figures are for this 216 MHz clock/);
    expect(readme).toMatch(/\| clock, caches, console UART on the board \| \*\*untested on hardware\*\* \|/);
    expect(readme).toMatch(/`disco` \(STM32F746G-DISCO/);
  }, 120_000);
});

