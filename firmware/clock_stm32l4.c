/*
 * Clock set-up of the STM32L4+ (RM0432): MSI 4 MHz after reset; HSI16 or HSE -> PLL (R output) -> SYSCLK,
 * in voltage range 1 boost mode. Values from mcunas_clock_config.h. Order, as RM0432 asks:
 *   1. PWR clock on; range 1 (PWR_CR1.VOS, its reset value) and boost (PWR_CR5.R1MODE = 0) while still
 *      slow, wait VOSF cleared (§5.1.8);
 *   2. flash latency raised and read back (§3.3.3);
 *   3. HSI16 or HSE on, wait ready;
 *   4. PLL configured, R output on, on, wait PLLRDY;
 *   5. AHB at /2 for the switch above 80 MHz, switch to the PLL, wait SWS, then (after 1 us) the target
 *      prescalers (§6.2.8: the boost transition).
 */
#include <stdint.h>
#include "mcunas_clock.h"
#include "mcunas_clock_config.h"
#include "clock_stm32_common.h"

#define RCC 0x40021000u
#define RCC_CR (RCC + 0x00u)
#define RCC_CFGR (RCC + 0x08u)
#define RCC_PLLCFGR (RCC + 0x0Cu)
#define RCC_APB1ENR1 (RCC + 0x58u)
#define PWR_CR1 (0x40007000u + 0x00u)
#define PWR_SR2 (0x40007000u + 0x14u)
#define PWR_CR5 (0x40007000u + 0x80u)
#define FLASH_ACR 0x40022000u

#define CR_HSION (1u << 8)
#define CR_HSIRDY (1u << 10)
#define APB1ENR1_PWREN (1u << 28)
#define CR1_VOS_MASK (3u << 9)
#define CR1_VOS_RANGE1 (1u << 9)
#define CR5_R1MODE (1u << 8)
#define SR2_VOSF (1u << 10)
#define CFGR_SW_MASK 3u
#define CFGR_SW_PLL 3u
#define CFGR_SWS_MASK (3u << 2)
#define CFGR_SWS_PLL (3u << 2)
#define CFGR_PRESCALER_MASK ((0xFu << 4) | (7u << 8) | (7u << 11))
#define CFGR_HPRE_DIV2 (8u << 4)

struct mcunas_clock mcunas_clock = {MCUNAS_CLOCK_NOT_RUN, MCUNAS_CLOCK_RESET_HZ, MCUNAS_CLOCK_RESET_HZ, MCUNAS_CLOCK_RESET_HZ, MCUNAS_CLOCK_RESET_HZ};

void mcunas_clock_init(void) {
  uint32_t n;
  /* 1. range 1 (boost) */
  MCUNAS_REG_SET(RCC_APB1ENR1, APB1ENR1_PWREN);
  (void)MCUNAS_REG_READ(RCC_APB1ENR1);
  MCUNAS_REG_FIELD(PWR_CR1, CR1_VOS_MASK, CR1_VOS_RANGE1);
#if MCUNAS_CLOCK_BOOST
  MCUNAS_REG_CLEAR(PWR_CR5, CR5_R1MODE);
#endif
  if (!mcunas_clock_wait(PWR_SR2, SR2_VOSF, 0u)) {
    mcunas_clock.status = MCUNAS_CLOCK_SUPPLY_TIMEOUT;
    return;
  }
  /* 2. flash latency before the faster clock */
  if (!stm32_flash_latency(FLASH_ACR, 0xFu, MCUNAS_CLOCK_FLASH_LATENCY)) return;
  /* 3. oscillator */
#if MCUNAS_CLOCK_HSE
  if (!stm32_hse_start(RCC_CR)) return;
#else
  if (!stm32_enable(RCC_CR, CR_HSION, RCC_CR, CR_HSIRDY, MCUNAS_CLOCK_OSC_TIMEOUT)) return;
#endif
  /* 4. PLL */
  MCUNAS_REG_WRITE(RCC_PLLCFGR, MCUNAS_CLOCK_PLLCFGR);
  if (!stm32_enable(RCC_CR, CR_PLLON, RCC_CR, CR_PLLRDY, MCUNAS_CLOCK_PLL_TIMEOUT)) return;
  /* 5. the switch, through AHB /2 */
  MCUNAS_REG_FIELD(RCC_CFGR, CFGR_PRESCALER_MASK, CFGR_HPRE_DIV2 | (MCUNAS_CLOCK_CFGR_PRESCALERS & ~(0xFu << 4)));
  if (!stm32_switch(RCC_CFGR, CFGR_SW_MASK, CFGR_SW_PLL, CFGR_SWS_MASK, CFGR_SWS_PLL)) {
    MCUNAS_REG_FIELD(RCC_CFGR, CFGR_SW_MASK | CFGR_PRESCALER_MASK, 0u);
    MCUNAS_REG_CLEAR(RCC_CR, CR_PLLON);
    return;
  }
  /* at least 1 us at the halved clock (60 MHz): 60 loop passes of several cycles each */
  for (n = 0; n < 64u; n++) (void)MCUNAS_REG_READ(RCC_CFGR);
  MCUNAS_REG_FIELD(RCC_CFGR, CFGR_PRESCALER_MASK, MCUNAS_CLOCK_CFGR_PRESCALERS);
  stm32_clock_done();
}
