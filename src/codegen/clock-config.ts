// The board link's clock set-up: which firmware/clock_*.c file it compiles, and the register values
// of mcunas_clock_config.h (templates/clock_config.h.hbs), computed from the board's clock section
// (src/board/clock.ts checked it against the reference manual when the board was loaded). Register
// layouts: RM0090/RM0383/RM0402 (RCC_PLLCFGR, RCC_CFGR, FLASH_ACR, PWR_CR), RM0385 (the same, plus
// PWR_CR1 over-drive), RM0433 (RCC_PLLCKSELR, RCC_PLLCFGR, RCC_PLL1DIVR, RCC_D1CFGR/D2CFGR/D3CFGR,
// FLASH_ACR), RM0432 (RCC_PLLCFGR, RCC_CFGR), RP2040 datasheet §2.16 (XOSC_STARTUP).
import { clockSourceFile, clockTree, STM32_LIMITS, type ClockSpec, type Stm32ClockSpec } from '../board/clock.ts';
import type { Board } from '../board/schema.ts';
import { cComment } from './escape.ts';
import { hex32 } from './literals.ts';
import { renderTemplate } from './render.ts';

export const CLOCK_CONFIG_HEADER = 'mcunas_clock_config.h';

export interface ClockDefine {
  name: string;
  value: string;
  comment: string;
}

export interface ClockSetup {
  /** The runtime file that programs it (runtime/clock_<family>.c). */
  source: string;
  defines: ClockDefine[];
  summary: string;
}

const hex = (n: number) => `${hex32(n >>> 0)}u`;
const u = (n: number) => `${Math.round(n)}u`;
/** RCC HPRE / D1CPRE encoding (4 bits): 1 -> 0, 2 -> 8, 4 -> 9, ... 512 -> 15 (64 follows 16). */
const hpre = (d: number) => (d === 1 ? 0 : 8 + [2, 4, 8, 16, 64, 128, 256, 512].indexOf(d));
/** RCC PPRE encoding (3 bits): 1 -> 0, 2 -> 4, 4 -> 5, 8 -> 6, 16 -> 7. */
const ppre = (d: number) => (d === 1 ? 0 : 4 + [2, 4, 8, 16].indexOf(d));

function stm32Defines(c: Stm32ClockSpec): ClockDefine[] {
  const L = STM32_LIMITS[c.chip];
  const t = clockTree(c);
  const d: ClockDefine[] = [];
  const def = (name: string, value: string, comment: string) => d.push({ name: `MCUNAS_CLOCK_${name}`, value, comment });
  const hse = c.oscillator.source === 'HSE';
  const p = c.pll;
  if (!p) throw new Error(`${c.chip}: a clock without PLL is not generated yet`);
  const resetHz = L.family === 'stm32l4' ? 4_000_000 : L.hsiHz;
  def('RESET_HZ', u(resetHz), L.family === 'stm32l4' ? 'MSI 4 MHz after reset' : `HSI ${resetHz / 1e6} MHz after reset`);
  def('CORE_HZ', u(t.cpuHz), 'core clock once set up (the board\'s clockHz)');
  def('HCLK_HZ', u(t.hclkHz), 'AHB clock');
  def('PCLK1_HZ', u(t.pclkHz[0]), 'APB1 clock');
  def('PCLK2_HZ', u(t.pclkHz[1]), 'APB2 clock');
  def('HSE', hse ? '1' : '0', hse ? `HSE ${c.oscillator.bypass ? 'bypass clock' : 'crystal'} ${c.oscillator.hz} Hz` : `HSI ${c.oscillator.hz} Hz`);
  def('HSE_BYPASS', c.oscillator.bypass ? '1' : '0', 'HSE from an external clock (RCC_CR.HSEBYP)');
  def('FLASH_LATENCY', u(c.flashWaitStates), 'flash wait states (FLASH_ACR.LATENCY)');
  if (L.family === 'stm32f4' || L.family === 'stm32f7') {
    // RCC_PLLCFGR: PLLM[5:0], PLLN[14:6], PLLP[17:16] = P/2 - 1, PLLSRC bit 22, PLLQ[27:24].
    const pll = p.m | (p.n << 6) | ((p.p / 2 - 1) << 16) | ((hse ? 1 : 0) << 22) | (p.q << 24);
    def('PLLCFGR', hex(pll), `M=${p.m} N=${p.n} P=${p.p} Q=${p.q}, source ${hse ? 'HSE' : 'HSI'}`);
    def('PLLCFGR_MASK', hex(0x3f | (0x1ff << 6) | (3 << 16) | (1 << 22) | (0xf << 24)), 'the fields above (the rest keep their reset values)');
    def('CFGR_PRESCALERS', hex((hpre(c.dividers.ahb) << 4) | (ppre(c.dividers.apb1) << 10) | (ppre(c.dividers.apb2) << 13)), `AHB /${c.dividers.ahb}, APB1 /${c.dividers.apb1}, APB2 /${c.dividers.apb2}`);
    // PWR_CR(1).VOS: one bit (14) on the F405 (1 = scale 1), two bits [15:14] on F411/F412/F7 (3 = scale 1).
    const oneBit = c.chip === 'stm32f405';
    const vos = oneBit ? (c.supply.voltageScale === 1 ? 1 : 0) << 14 : (4 - c.supply.voltageScale) << 14;
    def('VOS_MASK', hex(oneBit ? 1 << 14 : 3 << 14), 'PWR_CR VOS field');
    def('VOS', hex(vos), `voltage scale ${c.supply.voltageScale}`);
    def('VOSRDY', oneBit ? '0' : '1', oneBit ? 'the F405 has no VOSRDY flag to poll' : 'poll PWR_CSR.VOSRDY once the PLL runs');
    def('OVERDRIVE', c.supply.overDrive ? '1' : '0', 'F7 over-drive (ODEN, then ODSWEN) before the switch above 180 MHz');
    // FLASH_ACR: LATENCY[3:0], PRFTEN bit 8; F4: ICEN bit 9, DCEN bit 10; F7: ARTEN bit 9.
    const accel = (c.flashAccelerator.prefetch ? 1 << 8 : 0) | (c.flashAccelerator.art ? (L.family === 'stm32f7' ? 1 << 9 : (1 << 9) | (1 << 10)) : 0);
    def('FLASH_ACR', hex(c.flashWaitStates | accel), `latency ${c.flashWaitStates}${c.flashAccelerator.prefetch ? ', prefetch' : ''}${c.flashAccelerator.art ? (L.family === 'stm32f7' ? ', ART' : ', instruction + data cache') : ''}`);
  } else if (L.family === 'stm32h7') {
    const rge = [[1e6, 2e6], [2e6, 4e6], [4e6, 8e6], [8e6, 16e6]].findIndex(([lo, hi]) => t.pllInputHz! >= lo && t.pllInputHz! <= hi);
    def('PLLCKSELR', hex((hse ? 2 : 0) | (p.m << 4)), `PLLSRC ${hse ? 'HSE' : 'HSI'}, DIVM1 ${p.m}`);
    def('PLLCFGR', hex((rge << 2) | (1 << 16) | (1 << 17) | (1 << 18)), `PLL1RGE ${rge} (input ${t.pllInputHz! / 1e6} MHz), wide VCO, integer mode, DIVP1/Q1/R1 outputs on`);
    def('PLLCFGR_MASK', hex(0xf | (7 << 16)), 'PLL1 fields of RCC_PLLCFGR');
    def('PLL1DIVR', hex((p.n - 1) | ((p.p - 1) << 9) | ((p.q - 1) << 16) | (((p.r ?? 2) - 1) << 24)), `DIVN1 ${p.n}, DIVP1 ${p.p}, DIVQ1 ${p.q}, DIVR1 ${p.r ?? 2}`);
    const dv = c.dividers;
    def('D1CFGR', hex(hpre(dv.ahb) | (ppre(dv.apb3!) << 4) | (hpre(dv.cpu!) << 8)), `D1CPRE /${dv.cpu}, HPRE /${dv.ahb}, D1PPRE /${dv.apb3}`);
    def('D2CFGR', hex((ppre(dv.apb1) << 4) | (ppre(dv.apb2) << 8)), `D2PPRE1 /${dv.apb1}, D2PPRE2 /${dv.apb2}`);
    def('D3CFGR', hex(ppre(dv.apb4!) << 4), `D3PPRE /${dv.apb4}`);
    def('VOS0', c.supply.voltageScale === 0 ? '1' : '0', 'VOS0 (VOS1 + SYSCFG_PWRCR.ODEN), revision V only');
    def('VOS', hex((c.supply.voltageScale === 0 ? 3 : 4 - c.supply.voltageScale) << 14), `PWR_D3CR.VOS for VOS${c.supply.voltageScale === 0 ? '1 (then VOS0)' : c.supply.voltageScale}`);
    const wrhighfreq = t.hclkHz <= 70e6 ? 0 : t.hclkHz <= 185e6 ? 1 : 2;
    def('FLASH_ACR', hex(c.flashWaitStates | (wrhighfreq << 4)), `LATENCY ${c.flashWaitStates}, WRHIGHFREQ ${wrhighfreq}`);
  } else {
    // RCC_PLLCFGR (L4+): PLLSRC[1:0] (2 HSI16, 3 HSE), PLLM[7:4] = M-1, PLLN[14:8], PLLQEN 20, PLLQ[22:21],
    // PLLREN 24, PLLR[26:25] = R/2 - 1, PLLPDIV[31:27] = P.
    const pll = (hse ? 3 : 2) | ((p.m - 1) << 4) | (p.n << 8) | ((p.q / 2 - 1) << 21) | (1 << 24) | (((p.r ?? 2) / 2 - 1) << 25) | (p.p << 27);
    def('PLLCFGR', hex(pll), `source ${hse ? 'HSE' : 'HSI16'}, M=${p.m} N=${p.n} R=${p.r} (output R on), Q=${p.q}, P=${p.p}`);
    def('CFGR_PRESCALERS', hex((hpre(c.dividers.ahb) << 4) | (ppre(c.dividers.apb1) << 8) | (ppre(c.dividers.apb2) << 11)), `AHB /${c.dividers.ahb}, APB1 /${c.dividers.apb1}, APB2 /${c.dividers.apb2}`);
    def('BOOST', c.supply.boost ? '1' : '0', 'range 1 boost (PWR_CR5.R1MODE = 0); the switch goes through AHB /2');
    const accel = (c.flashAccelerator.prefetch ? 1 << 8 : 0) | (c.flashAccelerator.art ? (1 << 9) | (1 << 10) : 0);
    def('FLASH_ACR', hex(c.flashWaitStates | accel), `latency ${c.flashWaitStates}${c.flashAccelerator.prefetch ? ', prefetch' : ''}${c.flashAccelerator.art ? ', instruction + data cache' : ''}`);
  }
  return d;
}

function definesOf(c: ClockSpec): ClockDefine[] {
  const t = clockTree(c);
  switch (c.chip) {
    case 'fixed':
      return [];
    case 'nrf52840':
      return [
        { name: 'MCUNAS_CLOCK_CORE_HZ', value: u(t.cpuHz), comment: 'HFCLK' },
        { name: 'MCUNAS_CLOCK_HFXO', value: c.oscillator.source === 'HFXO' ? '1' : '0', comment: 'start the 32 MHz crystal (TASKS_HFCLKSTART)' },
        { name: 'MCUNAS_CLOCK_ICACHE', value: c.instructionCache ? '1' : '0', comment: 'NVMC ICACHECNF.CACHEEN' },
      ];
    case 'rp2040':
      return [
        { name: 'MCUNAS_CLOCK_CORE_HZ', value: u(t.cpuHz), comment: 'clk_sys once set up' },
        { name: 'MCUNAS_CLOCK_XOSC_HZ', value: u(c.oscillator.hz), comment: 'crystal' },
        // XOSC_STARTUP.DELAY counts 256 crystal cycles: 1 ms of start-up, rounded up (datasheet §2.16.3).
        { name: 'MCUNAS_CLOCK_XOSC_STARTUP', value: u(Math.ceil(c.oscillator.hz / 1000 / 256)), comment: 'XOSC_STARTUP.DELAY for 1 ms' },
        { name: 'MCUNAS_CLOCK_PLL_REFDIV', value: u(c.pll.refdiv), comment: 'PLL_SYS CS.REFDIV' },
        { name: 'MCUNAS_CLOCK_PLL_FBDIV', value: u(c.pll.fbdiv), comment: `PLL_SYS FBDIV_INT (VCO ${t.vcoHz! / 1e6} MHz)` },
        { name: 'MCUNAS_CLOCK_PLL_POSTDIV1', value: u(c.pll.postdiv1), comment: 'PLL_SYS PRIM.POSTDIV1' },
        { name: 'MCUNAS_CLOCK_PLL_POSTDIV2', value: u(c.pll.postdiv2), comment: 'PLL_SYS PRIM.POSTDIV2' },
      ];
    default:
      return stm32Defines(c);
  }
}

/** The board link's clock set-up, or null when the board has nothing to set up (a fixed clock). */
export function clockSetup(board: Board): ClockSetup | null {
  const file = clockSourceFile(board.clock);
  if (file === null) return null;
  return { source: `runtime/${file}`, defines: definesOf(board.clock), summary: clockTree(board.clock).summary };
}

export function renderClockConfig(board: Board, setup: ClockSetup): string {
  return renderTemplate('clock_config.h.hbs', {
    boardComment: cComment(board.name),
    variantComment: board.variant ? cComment(board.variant) : null,
    summaryComment: cComment(setup.summary, 400),
    sourceFile: setup.source,
    defines: setup.defines.map((d) => ({ ...d, comment: cComment(d.comment) })),
  });
}
