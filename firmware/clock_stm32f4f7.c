/*
 * Clock set-up of the STM32F4 (RM0090, RM0383, RM0402) and STM32F7 (RM0385): HSI or HSE -> main PLL ->
 * SYSCLK, with the flash latency, voltage scale and (F7) over-drive the target clock needs. Values from
 * mcunas_clock_config.h (the board's "clock" section). Order, as the reference manuals ask:
 *   1. PWR clock on, voltage scale set while the PLL is off (RM0385 §4.4.1, RM0383 §5.4.1);
 *   2. HSE on (bypass first for an external clock), wait HSERDY;
 *   3. PLL configured and on, wait PLLRDY;
 *   4. F7 over-drive: ODEN, wait ODRDY, then ODSWEN, wait ODSWRDY (RM0385 §4.1.4), before SYSCLK > 180 MHz;
 *      scale ready (VOSRDY) where the chip has the flag;
 *   5. flash latency raised (and read back) before the clock gets faster (RM0385 §3.3.2);
 *   6. AHB/APB prescalers, so no bus exceeds its limit at the switch;
 *   7. SYSCLK switched to the PLL, wait SWS.
 * A time-out at steps 2-5 undoes what it turned on and returns with the chip still on HSI 16 MHz.
 */
#include <stdint.h>
#include "mcunas_clock.h"
#include "mcunas_clock_config.h"
#include "clock_stm32_common.h"

#define RCC 0x40023800u
#define RCC_CR (RCC + 0x00u)
#define RCC_PLLCFGR (RCC + 0x04u)
#define RCC_CFGR (RCC + 0x08u)
#define RCC_APB1ENR (RCC + 0x40u)
#define PWR_CR (0x40007000u + 0x00u)  /* PWR_CR1 on the F7 */
#define PWR_CSR (0x40007000u + 0x04u) /* PWR_CSR1 on the F7 */
#define FLASH_ACR 0x40023C00u

#define APB1ENR_PWREN (1u << 28)
#define PWR_ODEN (1u << 16)
#define PWR_ODSWEN (1u << 17)
#define CSR_VOSRDY (1u << 14)
#define CSR_ODRDY (1u << 16)
#define CSR_ODSWRDY (1u << 17)
#define CFGR_SW_MASK 3u
#define CFGR_SW_PLL 2u
#define CFGR_SWS_MASK (3u << 2)
#define CFGR_SWS_PLL (2u << 2)
#define CFGR_PRESCALER_MASK ((0xFu << 4) | (7u << 10) | (7u << 13))

struct mcunas_clock mcunas_clock = {MCUNAS_CLOCK_NOT_RUN, MCUNAS_CLOCK_RESET_HZ, MCUNAS_CLOCK_RESET_HZ, MCUNAS_CLOCK_RESET_HZ, MCUNAS_CLOCK_RESET_HZ};

static void hse_off(void) {
#if MCUNAS_CLOCK_HSE
  MCUNAS_REG_CLEAR(RCC_CR, CR_HSEON);
#endif
}

static void pll_off(void) {
  MCUNAS_REG_CLEAR(RCC_CR, CR_PLLON);
  hse_off();
}

void mcunas_clock_init(void) {
  /* 1. voltage scale (the PLL is off after reset) */
  MCUNAS_REG_SET(RCC_APB1ENR, APB1ENR_PWREN);
  (void)MCUNAS_REG_READ(RCC_APB1ENR); /* the PWR clock is on before the first PWR access */
  MCUNAS_REG_FIELD(PWR_CR, MCUNAS_CLOCK_VOS_MASK, MCUNAS_CLOCK_VOS);

  /* 2. oscillator */
  if (!stm32_hse_start(RCC_CR)) return;

  /* 3. PLL (on a time-out the HSE goes off too) */
  MCUNAS_REG_FIELD(RCC_PLLCFGR, MCUNAS_CLOCK_PLLCFGR_MASK, MCUNAS_CLOCK_PLLCFGR);
  if (!stm32_enable(RCC_CR, CR_PLLON, RCC_CR, CR_PLLRDY, MCUNAS_CLOCK_PLL_TIMEOUT)) {
    hse_off();
    return;
  }

  /* 4. supply: over-drive (F7), then the scale's ready flag */
#if MCUNAS_CLOCK_OVERDRIVE
  if (!stm32_enable(PWR_CR, PWR_ODEN, PWR_CSR, CSR_ODRDY, MCUNAS_CLOCK_OVERDRIVE_TIMEOUT)) {
    pll_off();
    return;
  }
  MCUNAS_REG_SET(PWR_CR, PWR_ODSWEN);
  if (!mcunas_clock_wait(PWR_CSR, CSR_ODSWRDY, CSR_ODSWRDY)) {
    MCUNAS_REG_CLEAR(PWR_CR, PWR_ODEN | PWR_ODSWEN);
    pll_off();
    mcunas_clock.status = MCUNAS_CLOCK_OVERDRIVE_TIMEOUT;
    return;
  }
#endif
#if MCUNAS_CLOCK_VOSRDY
  if (!mcunas_clock_wait(PWR_CSR, CSR_VOSRDY, CSR_VOSRDY)) {
    pll_off();
    mcunas_clock.status = MCUNAS_CLOCK_SUPPLY_TIMEOUT;
    return;
  }
#endif

  /* 5. flash latency first: HSI 16 MHz runs with any latency, the PLL clock only with this one */
  if (!stm32_flash_latency(FLASH_ACR, 0xFu, MCUNAS_CLOCK_FLASH_LATENCY)) {
    pll_off();
    return;
  }

  /* 6. bus prescalers, 7. the switch */
  MCUNAS_REG_FIELD(RCC_CFGR, CFGR_PRESCALER_MASK, MCUNAS_CLOCK_CFGR_PRESCALERS);
  if (!stm32_switch(RCC_CFGR, CFGR_SW_MASK, CFGR_SW_PLL, CFGR_SWS_MASK, CFGR_SWS_PLL)) {
    /* Still on HSI: put the prescalers back so the recorded clocks stay true. */
    MCUNAS_REG_FIELD(RCC_CFGR, CFGR_SW_MASK | CFGR_PRESCALER_MASK, 0u);
    pll_off();
    return;
  }
  stm32_clock_done();
}
