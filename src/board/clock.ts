// The clock tree of a board, as data (the "clock" section of boards/*.json), recomputed here from its
// oscillator, PLL dividers and bus prescalers, and checked against the reference manual's limits: PLL
// input and VCO ranges, the largest SYSCLK/AHB/APB clocks of the voltage range, enough flash wait states
// for HCLK in that range, over-drive above 180 MHz on the F7, range 1 boost above 80 MHz on the L4+.
// No emulator here models the clock tree (QEMU's mps2/mps3 machines have no RCC), so this check and the
// host test of the start-up code (test/board/clock-startup.test.ts) are what stands between a board file
// and a board that boots at the wrong speed. The start-up code (firmware/clock_<family>.c) programs
// exactly these values, through the header templates/clock_config.h.hbs renders from them.
//
// Limits, per chip (all at VDD 2.7-3.6 V where a table depends on it):
//   STM32F405: RM0090 §6.3.2 (PLLCFGR: VCO input 1-2 MHz, VCO output 100-432 MHz, N 50-432, P 2/4/6/8,
//     Q 2-15), §3.5.1 Table 10 (wait states: 30 MHz steps), DS8626 (168 MHz at scale 1, 144 at scale 2;
//     APB1 42 MHz, APB2 84 MHz).
//   STM32F411 / STM32F412: RM0383 / RM0402 (same PLL; wait states 0-30, 64, 90, 100 MHz; scale 1 up to
//     100 MHz, scale 2 up to 84, scale 3 up to 64; APB1 50 MHz, APB2 100 MHz).
//   STM32F746: RM0385 §5.3.2 (same PLL), §3.3.2 Table 5 (30 MHz steps, 7 wait states up to 216 MHz),
//     §4.1.4 (over-drive: 216 MHz in scale 1 with over-drive, 180 MHz without; scale 2 180/168; scale 3
//     144), DS10916 (APB1 54 MHz, APB2 108 MHz with over-drive; 45/90 without).
//   STM32H743: RM0433 §8.7 (PLL input 1-16 MHz in four ranges, wide VCO 192-960 MHz on revision V,
//     DIVN 4-512, DIVP1 even 2-128, DIVQ/DIVR 1-128), §6.8 (VOS0 480 MHz / AXI 240 / APB 120; VOS1
//     400/200/100; VOS2 300/150/75; VOS3 200/100/50), Table 17 (wait states by AXI clock and VOS: 4 at
//     AXI 240 MHz in VOS0, as ST's STM32CubeH7 examples program it; the other rows are recalled from the
//     table and not cross-checked here [U]: only VOS0 at 240 MHz is used by a board in boards/).
//   STM32L4R5: RM0432 §6.2.5 (PLL input 2.66-16 MHz, VCO 64-344 MHz, N 8-127, R 2/4/6/8), §5.1.8 (range 1
//     boost up to 120 MHz, range 1 normal 80 MHz, range 2 26 MHz), §3.3.3 Table 12 (wait states).
//   nRF52840: PS v1.7 §6.4 (HFCLK 64 MHz from HFINT or the 32 MHz crystal HFXO; no PLL to program).
//   RP2040: datasheet §2.18.2 (PLL: FREF >= 5 MHz, VCO 750-1600 MHz, FBDIV 16-320, POSTDIV 1-7),
//     §2.15 (clk_sys up to 133 MHz), §2.16 (XOSC 1-15 MHz crystal; the Pico's is 12 MHz).
//   mps2/mps3: the FPGA image's fixed clock (AN386/AN500: 25 MHz, AN547: 32 MHz); no PLL.
import { z } from 'zod';

const Prose = z.string().min(1).max(1000).regex(/^[^\x00-\x1f\x7f-\x9f]*$/, { message: 'must be one line without control characters' });
const Hz = z.number().int().positive().max(2_000_000_000);
const Div = z.number().int().positive().max(1024);

/** The SSI clock divider firmware/boot2/boot2_rp2040.S programs (its CLOCK_DIVIDER). */
export const BOOT2_CLOCK_DIVIDER = 4;

export const STM32_CHIPS = ['stm32f405', 'stm32f411', 'stm32f412', 'stm32f746', 'stm32h743', 'stm32l4r5'] as const;
export type Stm32Chip = (typeof STM32_CHIPS)[number];

const Stm32Oscillator = z.strictObject({
  /** HSI: the internal RC (16 MHz, 64 MHz on the H7); HSE: a crystal, or an external clock with bypass. */
  source: z.enum(['HSI', 'HSE']),
  hz: Hz,
  /** HSE fed by an external clock (e.g. the ST-LINK's MCO on a Nucleo), not a crystal. */
  bypass: z.boolean().optional(),
});

const Stm32Pll = z.strictObject({
  m: Div,
  n: Div,
  /** SYSCLK divider on F4/F7/H7 (DIVP); on the L4+ SYSCLK comes from R. */
  p: Div,
  q: Div,
  r: Div.optional(),
});

const Stm32Clock = z.strictObject({
  chip: z.enum(STM32_CHIPS),
  oscillator: Stm32Oscillator,
  /** null: SYSCLK is the oscillator itself. */
  pll: Stm32Pll.nullable(),
  dividers: z.strictObject({
    /** H7 only: D1CPRE, the core clock divider (sys_ck to the Cortex-M7). */
    cpu: Div.optional(),
    ahb: Div,
    apb1: Div,
    apb2: Div,
    /** H7 only: D1PPRE (APB3) and D3PPRE (APB4). */
    apb3: Div.optional(),
    apb4: Div.optional(),
  }),
  /** The flash controller's latency field (FLASH_ACR.LATENCY). */
  flashWaitStates: z.number().int().min(0).max(15),
  supply: z.strictObject({
    /** VDD of the board, for the wait-state table that applies. */
    vddMv: z.number().int().min(1700).max(3600),
    /** VOS scale (F4/F7: 1-3; H7: 0-3) or the L4 voltage range (1-2). */
    voltageScale: z.number().int().min(0).max(3),
    /** F7: over-drive mode (needed above 180 MHz). */
    overDrive: z.boolean().optional(),
    /** L4+: range 1 boost mode (needed above 80 MHz). */
    boost: z.boolean().optional(),
    /** H7: the supply configuration written once after reset; LDO is what every H743 board has. */
    regulator: z.enum(['LDO']).optional(),
  }),
  /** Flash read path: prefetch and the ART accelerator (F7: ARTEN; F4/L4: instruction and data caches). */
  flashAccelerator: z.strictObject({ prefetch: z.boolean(), art: z.boolean() }),
  /** Cortex-M7 L1 caches, enabled after the clock is set up. */
  coreCaches: z.strictObject({ instruction: z.boolean(), data: z.boolean() }).optional(),
  source: Prose,
});

const Nrf52Clock = z.strictObject({
  chip: z.literal('nrf52840'),
  /** HFINT: the internal RC (reset); HFXO: the 32 MHz crystal, started by the start-up code. */
  oscillator: z.strictObject({ source: z.enum(['HFINT', 'HFXO']), hz: Hz }),
  /** NVMC ICACHECNF.CACHEEN: the flash instruction cache. */
  instructionCache: z.boolean(),
  source: Prose,
});

const Rp2040Clock = z.strictObject({
  chip: z.literal('rp2040'),
  oscillator: z.strictObject({ source: z.literal('XOSC'), hz: Hz }),
  pll: z.strictObject({ refdiv: Div, fbdiv: Div, postdiv1: Div, postdiv2: Div }),
  /** SSI clock divider the boot stage 2 programs (flash SCK = clk_sys / divider; even, 2-65534). */
  flashClockDivider: z.number().int().min(2).max(65534),
  source: Prose,
});

const FixedClock = z.strictObject({
  chip: z.literal('fixed'),
  /** The one clock of an emulation target (an FPGA image's fixed oscillator). */
  hz: Hz,
  source: Prose,
});

export const ClockSchema = z.discriminatedUnion('chip', [Stm32Clock, Nrf52Clock, Rp2040Clock, FixedClock]);
export type ClockSpec = z.output<typeof ClockSchema>;
export type Stm32ClockSpec = z.output<typeof Stm32Clock>;

/** A board variant (a carrier board of the same chip): its own oscillator and PLL, its own console. */
export const VariantSchema = z.strictObject({
  description: Prose,
  /** The variant a board uses without --variant (exactly one has it). */
  default: z.boolean().optional(),
  /** The console UART's name (src/codegen/console.ts has its pins and registers). */
  console: z.string().regex(/^[A-Z][A-Z0-9]{1,15}$/, { message: 'must be a UART name like "USART3"' }).optional(),
  /** Replace the board clock's oscillator and PLL (STM32 boards). */
  oscillator: Stm32Oscillator.optional(),
  pll: Stm32Pll.nullable().optional(),
});
export type VariantSpec = z.output<typeof VariantSchema>;

export interface ClockProblem {
  path: (string | number)[];
  message: string;
}

/** What the clock section sets up, recomputed from its dividers. */
export interface ClockTree {
  chip: ClockSpec['chip'];
  /** Oscillator feeding the PLL (or SYSCLK). */
  oscillatorHz: number;
  pllInputHz?: number;
  vcoHz?: number;
  sysclkHz: number;
  /** The core's clock: HCLK on F4/F7/L4, sys_ck / D1CPRE on the H7 (whose HCLK is the AXI clock). */
  cpuHz: number;
  hclkHz: number;
  /** APB clocks in order: APB1, APB2 (and APB3, APB4 on the H7). */
  pclkHz: number[];
  /** Flash wait states the section programs (0 where the chip has no such setting). */
  flashWaitStates: number;
  /** The smallest number the reference manual allows at this HCLK and voltage (STM32 only). */
  requiredWaitStates?: number;
  /** One line for tables and the output README. */
  summary: string;
}

interface Stm32Limits {
  family: 'stm32f4' | 'stm32f7' | 'stm32h7' | 'stm32l4';
  manual: string;
  hsiHz: number;
  hseHz: [number, number];
  hseBypassHz: [number, number];
  pllInHz: [number, number];
  vcoHz: [number, number];
  n: [number, number];
  /** Allowed SYSCLK dividers (P, or R on the L4+). */
  sysDividers: number[];
  q: [number, number];
  /** Per voltage scale: largest SYSCLK, HCLK and APB clock; `odSysclk`: with over-drive (F7). */
  scales: Record<number, { sysclk: number; hclk: number; apb: number[]; odSysclk?: number; odApb?: number[]; boostSysclk?: number }>;
  /** Upper HCLK bound of each wait-state count, per scale (index = wait states); `boost` for the L4+. */
  waitStates: Record<string, number[]>;
  /** VDD range the wait-state table is for. */
  vddMv: [number, number];
}

const MHz = 1_000_000;
const steps = (step: number, last: number) => {
  const out: number[] = [];
  for (let f = step; f < last; f += step) out.push(f * MHz);
  out.push(last * MHz);
  return out;
};
const AHB_DIVIDERS = [1, 2, 4, 8, 16, 64, 128, 256, 512];
const APB_DIVIDERS = [1, 2, 4, 8, 16];

type ScaleLimits = Stm32Limits['scales'][number];
/** One voltage scale's limits, in MHz: SYSCLK (= HCLK unless `hclk` is given) and the APB clocks. */
function scale(sysclk: number, apb: number[], more: { hclk?: number; od?: [number, number[]]; boost?: number } = {}): ScaleLimits {
  const out: ScaleLimits = { sysclk: sysclk * MHz, hclk: (more.hclk ?? sysclk) * MHz, apb: apb.map((f) => f * MHz) };
  if (more.od) [out.odSysclk, out.odApb] = [more.od[0] * MHz, more.od[1].map((f) => f * MHz)];
  if (more.boost !== undefined) out.boostSysclk = more.boost * MHz;
  return out;
}
const mhzList = (...f: number[]) => f.map((x) => x * MHz);
type OscillatorLimits = Pick<Stm32Limits, 'hsiHz' | 'hseHz' | 'hseBypassHz' | 'pllInHz' | 'vcoHz'>;
/** Oscillator and PLL frequency limits written in MHz. */
const inMHz = (o: OscillatorLimits): OscillatorLimits => {
  const hz = (f: number) => Math.round(f * MHz);
  const pair = ([lo, hi]: [number, number]): [number, number] => [hz(lo), hz(hi)];
  return { hsiHz: hz(o.hsiHz), hseHz: pair(o.hseHz), hseBypassHz: pair(o.hseBypassHz), pllInHz: pair(o.pllInHz), vcoHz: pair(o.vcoHz) };
};

/** What the F4 and F7 share (RM0090 §6.3.2, RM0383, RM0402, RM0385 §5.3.2): oscillators, PLL ranges, VDD of the wait-state tables. */
const F4F7: Omit<Stm32Limits, 'family' | 'manual' | 'scales' | 'waitStates'> = {
  ...inMHz({ hsiHz: 16, hseHz: [4, 26], hseBypassHz: [1, 50], pllInHz: [1, 2], vcoHz: [100, 432] }),
  n: [50, 432],
  sysDividers: [2, 4, 6, 8],
  q: [2, 15],
  vddMv: [2700, 3600],
};

/** STM32F411 / STM32F412: the F4 PLL, 100 MHz parts. */
const F41X: Omit<Stm32Limits, 'manual'> = {
  ...F4F7,
  family: 'stm32f4',
  scales: { 1: scale(100, [50, 100]), 2: scale(84, [50, 84]), 3: scale(64, [50, 64]) },
  waitStates: { any: mhzList(30, 64, 90, 100) },
};

export const STM32_LIMITS: Record<Stm32Chip, Stm32Limits> = {
  stm32f405: {
    ...F4F7,
    family: 'stm32f4',
    manual: 'RM0090',
    scales: { 1: scale(168, [42, 84]), 2: scale(144, [42, 84]) },
    waitStates: { any: steps(30, 168) },
  },
  stm32f411: { ...F41X, manual: 'RM0383' },
  stm32f412: { ...F41X, manual: 'RM0402' },
  stm32f746: {
    ...F4F7,
    family: 'stm32f7',
    manual: 'RM0385',
    scales: { 1: scale(180, [45, 90], { od: [216, [54, 108]] }), 2: scale(168, [42, 84], { od: [180, [45, 90]] }), 3: scale(144, [36, 72]) },
    waitStates: { any: steps(30, 216) },
  },
  stm32h743: {
    family: 'stm32h7',
    manual: 'RM0433',
    ...inMHz({ hsiHz: 64, hseHz: [4, 48], hseBypassHz: [1, 50], pllInHz: [1, 16], vcoHz: [192, 960] }),
    n: [4, 512],
    sysDividers: Array.from({ length: 64 }, (_, i) => 2 * (i + 1)),
    q: [1, 128],
    // The H7's HCLK is the AXI clock (half of sys_ck at most).
    scales: { 0: scale(480, [120], { hclk: 240 }), 1: scale(400, [100], { hclk: 200 }), 2: scale(300, [75], { hclk: 150 }), 3: scale(200, [50], { hclk: 100 }) },
    waitStates: { 0: mhzList(70, 140, 185, 210, 240), 1: mhzList(70, 140, 185, 210, 225), 2: mhzList(55, 110, 165, 220), 3: mhzList(45, 90, 135, 180, 225) },
    vddMv: [1620, 3600],
  },
  stm32l4r5: {
    family: 'stm32l4',
    manual: 'RM0432',
    ...inMHz({ hsiHz: 16, hseHz: [4, 48], hseBypassHz: [1, 48], pllInHz: [2.66, 16], vcoHz: [64, 344] }),
    n: [8, 127],
    sysDividers: [2, 4, 6, 8],
    q: [2, 8],
    scales: { 1: scale(80, [80], { boost: 120 }), 2: scale(26, [26]) },
    waitStates: { boost: steps(20, 120), 1: steps(20, 80), 2: mhzList(8, 16, 26) },
    vddMv: [1710, 3600],
  },
};

export const stm32Family = (chip: Stm32Chip) => STM32_LIMITS[chip].family;

/** The C start-up file of a clock section (firmware/), or null for a fixed clock (nothing to set up). */
export function clockSourceFile(c: ClockSpec): string | null {
  if (c.chip === 'fixed') return null;
  if (c.chip === 'nrf52840') return 'clock_nrf52.c';
  if (c.chip === 'rp2040') return 'clock_rp2040.c';
  return `clock_${stm32Family(c.chip) === 'stm32f7' || stm32Family(c.chip) === 'stm32f4' ? 'stm32f4f7' : stm32Family(c.chip)}.c`;
}

const mhz = (hz: number) => `${+(hz / MHz).toFixed(3)} MHz`;
const range = ([lo, hi]: [number, number]) => `${+(lo / MHz).toFixed(3)}-${mhz(hi)}`;
const within = (v: number, [lo, hi]: [number, number]) => v >= lo && v <= hi;

function stm32Tree(c: Stm32ClockSpec, problems: ClockProblem[]): ClockTree {
  const L = STM32_LIMITS[c.chip];
  const at = (...p: (string | number)[]) => ['clock', ...p];
  const osc = c.oscillator;
  if (osc.source === 'HSI' && osc.hz !== L.hsiHz) problems.push({ path: at('oscillator', 'hz'), message: `is not the HSI of ${c.chip} (${L.hsiHz}, ${L.manual})` });
  if (osc.source === 'HSI' && osc.bypass) problems.push({ path: at('oscillator', 'bypass'), message: 'applies to HSE only' });
  const hseRange = osc.bypass ? L.hseBypassHz : L.hseHz;
  if (osc.source === 'HSE' && !within(osc.hz, hseRange))
    problems.push({ path: at('oscillator', 'hz'), message: `is outside the HSE ${osc.bypass ? 'bypass clock' : 'crystal'} range ${range(hseRange)} (${L.manual})` });
  let sysclk = osc.hz;
  let pllInputHz: number | undefined;
  let vcoHz: number | undefined;
  const p = c.pll;
  if (p) {
    pllInputHz = osc.hz / p.m;
    vcoHz = pllInputHz * p.n;
    if (!within(pllInputHz, L.pllInHz))
      problems.push({ path: at('pll', 'm'), message: `gives a PLL input of ${mhz(pllInputHz)}, outside ${range(L.pllInHz)} (${L.manual})` });
    if (!within(p.n, L.n)) problems.push({ path: at('pll', 'n'), message: `is outside ${L.n[0]}-${L.n[1]} (${L.manual})` });
    if (!within(vcoHz, L.vcoHz)) problems.push({ path: at('pll', 'n'), message: `gives a VCO of ${mhz(vcoHz)}, outside ${range(L.vcoHz)} (${L.manual})` });
    const sysField = L.family === 'stm32l4' ? 'r' : 'p';
    const sysDiv = L.family === 'stm32l4' ? p.r : p.p;
    if (sysDiv === undefined) problems.push({ path: at('pll', sysField), message: `is needed: SYSCLK comes from the PLL's ${sysField.toUpperCase()} output on ${c.chip}` });
    else if (!L.sysDividers.includes(sysDiv)) problems.push({ path: at('pll', sysField), message: `must be one of ${L.sysDividers.length > 8 ? 'the even numbers 2-128' : L.sysDividers.join(', ')} (${L.manual})` });
    if (!within(p.q, L.q)) problems.push({ path: at('pll', 'q'), message: `is outside ${L.q[0]}-${L.q[1]} (${L.manual})` });
    if (L.family === 'stm32h7' && p.r !== undefined && !within(p.r, [1, 128])) problems.push({ path: at('pll', 'r'), message: `is outside 1-128 (${L.manual})` });
    if (L.family === 'stm32l4' && p.r !== undefined && !L.sysDividers.includes(p.r)) problems.push({ path: at('pll', 'r'), message: `must be one of 2, 4, 6, 8 (${L.manual})` });
    sysclk = vcoHz / (sysDiv ?? 1);
  }
  const d = c.dividers;
  const isH7 = L.family === 'stm32h7';
  if (isH7) {
    for (const k of ['cpu', 'apb3', 'apb4'] as const) if (d[k] === undefined) problems.push({ path: at('dividers', k), message: `is needed on ${c.chip}` });
  } else {
    for (const k of ['cpu', 'apb3', 'apb4'] as const) if (d[k] !== undefined) problems.push({ path: at('dividers', k), message: `is an STM32H7 divider; ${c.chip} has none` });
  }
  const check = (k: 'cpu' | 'ahb' | 'apb1' | 'apb2' | 'apb3' | 'apb4', allowed: number[]) => {
    const v = d[k];
    if (v !== undefined && !allowed.includes(v)) problems.push({ path: at('dividers', k), message: `must be one of ${allowed.join(', ')} (${L.manual})` });
  };
  check('cpu', AHB_DIVIDERS);
  check('ahb', AHB_DIVIDERS);
  for (const k of ['apb1', 'apb2', 'apb3', 'apb4'] as const) check(k, APB_DIVIDERS);
  const cpuHz = sysclk / (d.cpu ?? 1);
  const hclkHz = cpuHz / d.ahb;
  const pclkHz = [d.apb1, d.apb2, ...(isH7 ? [d.apb3 ?? 1, d.apb4 ?? 1] : [])].map((x) => hclkHz / x);

  // Supply: the voltage range sets the largest clocks and the wait-state table.
  const s = c.supply;
  const scale = L.scales[s.voltageScale];
  if (!scale) problems.push({ path: at('supply', 'voltageScale'), message: `is not a voltage scale of ${c.chip} (${Object.keys(L.scales).join(', ')})` });
  let requiredWaitStates: number | undefined;
  if (scale) {
    if (s.overDrive && scale.odSysclk === undefined) problems.push({ path: at('supply', 'overDrive'), message: `is not available ${L.family === 'stm32f7' ? `in voltage scale ${s.voltageScale}` : `on ${c.chip}`} (${L.manual})` });
    if (s.boost && scale.boostSysclk === undefined) problems.push({ path: at('supply', 'boost'), message: `is not available ${L.family === 'stm32l4' ? `in range ${s.voltageScale}` : `on ${c.chip}`} (${L.manual})` });
    if (isH7 && s.regulator !== 'LDO') problems.push({ path: at('supply', 'regulator'), message: `must be "LDO" on ${c.chip} (the supply configuration is written once; a wrong one can leave the board unbootable)` });
    if (!isH7 && s.regulator !== undefined) problems.push({ path: at('supply', 'regulator'), message: `is an STM32H7 setting; ${c.chip} has no supply configuration register` });
    const od = s.overDrive === true && scale.odSysclk !== undefined;
    const boost = s.boost === true && scale.boostSysclk !== undefined;
    const maxSys = od ? scale.odSysclk! : boost ? scale.boostSysclk! : scale.sysclk;
    const maxHclk = isH7 ? scale.hclk : maxSys;
    const maxApbs = od ? scale.odApb! : boost ? [scale.boostSysclk!] : scale.apb;
    if (sysclk > maxSys) {
      const hint =
        L.family === 'stm32f7' && scale.odSysclk !== undefined && sysclk <= scale.odSysclk && !od
          ? `: above ${mhz(scale.sysclk)} the F7 needs over-drive ("supply.overDrive": true)`
          : L.family === 'stm32l4' && scale.boostSysclk !== undefined && sysclk <= scale.boostSysclk && !boost
            ? `: above ${mhz(scale.sysclk)} the L4+ needs range 1 boost ("supply.boost": true)`
            : '';
      problems.push({ path: at(p ? 'pll' : 'oscillator', p ? (L.family === 'stm32l4' ? 'r' : 'p') : 'hz'), message: `gives SYSCLK ${mhz(sysclk)}, above the ${mhz(maxSys)} of voltage scale ${s.voltageScale}${hint} (${L.manual})` });
    }
    if (hclkHz > maxHclk) problems.push({ path: at('dividers', 'ahb'), message: `gives HCLK ${mhz(hclkHz)}, above the ${mhz(maxHclk)} of voltage scale ${s.voltageScale} (${L.manual})` });
    (['apb1', 'apb2', 'apb3', 'apb4'] as const).slice(0, pclkHz.length).forEach((k, i) => {
      const maxApb = maxApbs[Math.min(i, maxApbs.length - 1)];
      if (pclkHz[i] > maxApb) problems.push({ path: at('dividers', k), message: `gives ${k.toUpperCase()} ${mhz(pclkHz[i])}, above the ${mhz(maxApb)} allowed (${L.manual})` });
    });
    if (L.family === 'stm32f7' && s.overDrive && sysclk <= scale.sysclk)
      problems.push({ path: at('supply', 'overDrive'), message: `is not needed at ${mhz(sysclk)} (at most ${mhz(scale.sysclk)} without it); leave it off` });
    if (L.family !== 'stm32h7' && !within(s.vddMv, L.vddMv))
      problems.push({ path: at('supply', 'vddMv'), message: `is outside ${L.vddMv[0]}-${L.vddMv[1]} mV, the range whose wait-state table mcu-nas has (${L.manual})` });
    const table = L.waitStates[boost ? 'boost' : String(s.voltageScale)] ?? L.waitStates.any;
    if (table) {
      const ws = table.findIndex((bound) => hclkHz <= bound);
      if (ws < 0) problems.push({ path: at('dividers', 'ahb'), message: `gives HCLK ${mhz(hclkHz)}, above every wait-state row of ${L.manual} for this voltage range` });
      else {
        requiredWaitStates = ws;
        if (c.flashWaitStates < ws)
          problems.push({ path: at('flashWaitStates'), message: `is too few for HCLK ${mhz(hclkHz)}: ${L.manual} asks for at least ${ws} in this voltage range` });
      }
    }
  }
  if (c.coreCaches && !['stm32f7', 'stm32h7'].includes(L.family)) problems.push({ path: at('coreCaches'), message: `are Cortex-M7 L1 caches; ${c.chip} has none` });
  const osctext = `${osc.source}${osc.source === 'HSE' ? (osc.bypass ? ' bypass' : ' crystal') : ''} ${mhz(osc.hz)}`;
  const plltext = p && vcoHz !== undefined ? `, PLL M=${p.m} N=${p.n} ${L.family === 'stm32l4' ? `R=${p.r}` : `P=${p.p}`} (VCO ${mhz(vcoHz)})` : '';
  return {
    chip: c.chip,
    oscillatorHz: osc.hz,
    pllInputHz,
    vcoHz,
    sysclkHz: sysclk,
    cpuHz,
    hclkHz,
    pclkHz,
    flashWaitStates: c.flashWaitStates,
    requiredWaitStates,
    summary: `${osctext}${plltext}, ${isH7 ? `CPU ${mhz(cpuHz)}, ` : ''}HCLK ${mhz(hclkHz)}, ${pclkHz.map((f, i) => `APB${i + 1} ${mhz(f)}`).join(', ')}, ${c.flashWaitStates} flash wait states, ${L.family === 'stm32h7' ? `VOS${s.voltageScale}` : L.family === 'stm32l4' ? `range ${s.voltageScale}${s.boost ? ' boost' : ''}` : `scale ${s.voltageScale}${s.overDrive ? ' + over-drive' : ''}`}`,
  };
}

/** Recomputes a clock section; `problems` collects what breaks the reference manual's limits. */
export function clockTree(c: ClockSpec, problems: ClockProblem[] = []): ClockTree {
  const at = (...p: (string | number)[]) => ['clock', ...p];
  switch (c.chip) {
    case 'fixed':
      return { chip: c.chip, oscillatorHz: c.hz, sysclkHz: c.hz, cpuHz: c.hz, hclkHz: c.hz, pclkHz: [c.hz], flashWaitStates: 0, summary: `fixed ${mhz(c.hz)} (no PLL)` };
    case 'nrf52840': {
      // The nRF52840's HFCLK is 64 MHz from either source (PS §6.4.1): HFXO is a 32 MHz crystal, doubled.
      const want = c.oscillator.source === 'HFXO' ? 32 * MHz : 64 * MHz;
      if (c.oscillator.hz !== want) problems.push({ path: at('oscillator', 'hz'), message: `is not the nRF52840's ${c.oscillator.source} (${want}, PS §6.4)` });
      return { chip: c.chip, oscillatorHz: c.oscillator.hz, sysclkHz: 64 * MHz, cpuHz: 64 * MHz, hclkHz: 64 * MHz, pclkHz: [16 * MHz], flashWaitStates: 0, summary: `${c.oscillator.source} ${mhz(c.oscillator.hz)}, HFCLK 64 MHz${c.instructionCache ? ', flash instruction cache on' : ''}` };
    }
    case 'rp2040': {
      const p = c.pll;
      if (!within(c.oscillator.hz, [1 * MHz, 15 * MHz])) problems.push({ path: at('oscillator', 'hz'), message: 'is outside the XOSC crystal range 1-15 MHz (RP2040 datasheet §2.16)' });
      const fref = c.oscillator.hz / p.refdiv;
      const vco = fref * p.fbdiv;
      if (fref < 5 * MHz) problems.push({ path: at('pll', 'refdiv'), message: `gives a reference of ${mhz(fref)}, below the 5 MHz minimum (RP2040 datasheet §2.18.2)` });
      if (!within(p.fbdiv, [16, 320])) problems.push({ path: at('pll', 'fbdiv'), message: 'is outside 16-320 (RP2040 datasheet §2.18.2)' });
      if (!within(vco, [750 * MHz, 1600 * MHz])) problems.push({ path: at('pll', 'fbdiv'), message: `gives a VCO of ${mhz(vco)}, outside 750-1600 MHz (RP2040 datasheet §2.18.2)` });
      for (const k of ['postdiv1', 'postdiv2'] as const) if (!within(p[k], [1, 7])) problems.push({ path: at('pll', k), message: 'is outside 1-7 (RP2040 datasheet §2.18.2)' });
      if (!within(p.refdiv, [1, 63])) problems.push({ path: at('pll', 'refdiv'), message: 'is outside 1-63 (RP2040 datasheet §2.18.2)' });
      const sys = vco / (p.postdiv1 * p.postdiv2);
      if (sys > 133 * MHz) problems.push({ path: at('pll', 'postdiv1'), message: `gives clk_sys ${mhz(sys)}, above the 133 MHz rating (RP2040 datasheet §2.15)` });
      if (c.flashClockDivider !== BOOT2_CLOCK_DIVIDER) problems.push({ path: at('flashClockDivider'), message: `is not the divider mcu-nas's boot stage 2 programs (${BOOT2_CLOCK_DIVIDER}, firmware/boot2/boot2_rp2040.S)` });
      if (c.flashClockDivider % 2 !== 0) problems.push({ path: at('flashClockDivider'), message: 'must be even (SSI BAUDR, RP2040 datasheet §4.10)' });
      // The boot stage 2 reads with the 03h command, which W25Q-class flash runs up to 50 MHz.
      if (sys / c.flashClockDivider > 50 * MHz) problems.push({ path: at('flashClockDivider'), message: `gives a flash clock of ${mhz(sys / c.flashClockDivider)}, above the 50 MHz of the 03h read command` });
      return {
        chip: c.chip,
        oscillatorHz: c.oscillator.hz,
        pllInputHz: fref,
        vcoHz: vco,
        sysclkHz: sys,
        cpuHz: sys,
        hclkHz: sys,
        pclkHz: [sys],
        flashWaitStates: 0,
        summary: `XOSC ${mhz(c.oscillator.hz)}, PLL_SYS REFDIV=${p.refdiv} FBDIV=${p.fbdiv} (VCO ${mhz(vco)}) POSTDIV ${p.postdiv1}x${p.postdiv2}, clk_sys ${mhz(sys)}, flash SCK ${mhz(sys / c.flashClockDivider)}`,
      };
    }
    default:
      return stm32Tree(c, problems);
  }
}

/** A board's clock with a variant's oscillator and PLL in place of its own. */
export function variantClock(clock: ClockSpec, v: VariantSpec): ClockSpec {
  if (clock.chip === 'fixed' || clock.chip === 'nrf52840' || clock.chip === 'rp2040') return clock;
  return { ...clock, oscillator: v.oscillator ?? clock.oscillator, pll: v.pll === undefined ? clock.pll : v.pll };
}

interface BoardClockView {
  clockHz: number;
  core: string;
  clock: ClockSpec;
  variants?: Record<string, VariantSpec>;
}

/** Every clock problem of a board: its own clock, each variant's, and clockHz against the computed core clock. */
export function clockProblems(b: BoardClockView): ClockProblem[] {
  const problems: ClockProblem[] = [];
  const tree = clockTree(b.clock, problems);
  if (problems.length === 0 && Math.round(tree.cpuHz) !== b.clockHz)
    problems.push({ path: ['clockHz'], message: `is not the core clock "clock" sets up (${Math.round(tree.cpuHz)} Hz: ${tree.summary})` });
  if (b.clock.chip !== 'fixed' && b.clock.chip !== 'nrf52840' && b.clock.chip !== 'rp2040') {
    if (b.clock.coreCaches && b.core !== 'cortex-m7') problems.push({ path: ['clock', 'coreCaches'], message: `are Cortex-M7 L1 caches; ${b.core} has none` });
  }
  const variants = Object.entries(b.variants ?? {});
  if (variants.length > 0 && variants.filter(([, v]) => v.default).length !== 1)
    problems.push({ path: ['variants'], message: 'must mark exactly one variant "default": true' });
  for (const [name, v] of variants) {
    const isStm32 = (STM32_CHIPS as readonly string[]).includes(b.clock.chip);
    if (!isStm32 && (v.oscillator || v.pll !== undefined)) {
      problems.push({ path: ['variants', name], message: `may not change the oscillator or PLL of a ${b.clock.chip} clock` });
      continue;
    }
    const own: ClockProblem[] = [];
    const t = clockTree(variantClock(b.clock, v), own);
    for (const p of own) {
      const [, field, ...rest] = p.path;
      problems.push({ path: field === 'oscillator' || field === 'pll' ? ['variants', name, field, ...rest] : ['variants', name], message: field === 'oscillator' || field === 'pll' ? p.message : `with this variant, clock.${p.path.slice(1).join('.')} ${p.message}` });
    }
    if (own.length === 0 && Math.round(t.cpuHz) !== b.clockHz)
      problems.push({ path: ['variants', name, 'pll'], message: `gives a core clock of ${Math.round(t.cpuHz)} Hz, not the board's clockHz (${b.clockHz}): a variant runs at the board's rated clock` });
  }
  return problems;
}
