/*
 * What the STM32 clock set-ups (clock_stm32f4f7.c, clock_stm32h7.c, clock_stm32l4.c) do alike: RCC_CR's
 * oscillator and PLL bits, which sit at the same positions on the F4/F7 (RM0090 §6.3.1, RM0385 §5.3.1),
 * the H7 (RM0433 §8.7.2, PLL1) and the L4+ (RM0432 §6.4.1); turning a unit on and waiting for its ready
 * flag, with the undo on a time-out; the HSE start-up; the flash latency read back; the system clock
 * switch; recording the clocks once they run. Include after mcunas_clock.h and mcunas_clock_config.h.
 * Each helper returns 1 on success; on a time-out it has undone its own step and recorded the status,
 * and the caller undoes the earlier steps and returns.
 */
#ifndef CLOCK_STM32_COMMON_H
#define CLOCK_STM32_COMMON_H
#include <stdint.h>
#include "mcunas_clock.h"

#define CR_HSEON (1u << 16)
#define CR_HSERDY (1u << 17)
#define CR_HSEBYP (1u << 18)
#define CR_PLLON (1u << 24)  /* PLL1ON on the H7 */
#define CR_PLLRDY (1u << 25) /* PLL1RDY on the H7 */

/* Sets `on` at `addr` and waits for `flag` at `flag_addr`; on a time-out clears `on` again and records `status`. */
static inline int stm32_enable(uint32_t addr, uint32_t on, uint32_t flag_addr, uint32_t flag, uint32_t status) {
  MCUNAS_REG_SET(addr, on);
  if (mcunas_clock_wait(flag_addr, flag, flag)) return 1;
  MCUNAS_REG_CLEAR(addr, on);
  mcunas_clock.status = status;
  return 0;
}

/* HSE on where the board uses it (HSEBYP first for an external clock), wait HSERDY. */
static inline int stm32_hse_start(uint32_t rcc_cr) {
#if MCUNAS_CLOCK_HSE
#if MCUNAS_CLOCK_HSE_BYPASS
  MCUNAS_REG_SET(rcc_cr, CR_HSEBYP);
#endif
  return stm32_enable(rcc_cr, CR_HSEON, rcc_cr, CR_HSERDY, MCUNAS_CLOCK_OSC_TIMEOUT);
#else
  (void)rcc_cr;
  return 1;
#endif
}

/* Writes MCUNAS_CLOCK_FLASH_ACR and waits until its latency field (`mask`) reads back as `latency`. */
static inline int stm32_flash_latency(uint32_t flash_acr, uint32_t mask, uint32_t latency) {
  MCUNAS_REG_WRITE(flash_acr, MCUNAS_CLOCK_FLASH_ACR);
  if (mcunas_clock_wait(flash_acr, mask, latency)) return 1;
  mcunas_clock.status = MCUNAS_CLOCK_FLASH_TIMEOUT;
  return 0;
}

/* Switches the system clock (RCC_CFGR.SW) and waits for RCC_CFGR.SWS to confirm it; the caller undoes a time-out. */
static inline int stm32_switch(uint32_t rcc_cfgr, uint32_t sw_mask, uint32_t sw, uint32_t sws_mask, uint32_t sws) {
  MCUNAS_REG_FIELD(rcc_cfgr, sw_mask, sw);
  if (mcunas_clock_wait(rcc_cfgr, sws_mask, sws)) return 1;
  mcunas_clock.status = MCUNAS_CLOCK_SWITCH_TIMEOUT;
  return 0;
}

/* The clocks now run: record them (the console's baud divider reads them). */
static inline void stm32_clock_done(void) {
  mcunas_clock.core_hz = MCUNAS_CLOCK_CORE_HZ;
  mcunas_clock.hclk_hz = MCUNAS_CLOCK_HCLK_HZ;
  mcunas_clock.pclk1_hz = MCUNAS_CLOCK_PCLK1_HZ;
  mcunas_clock.pclk2_hz = MCUNAS_CLOCK_PCLK2_HZ;
  mcunas_clock.status = MCUNAS_CLOCK_OK;
}
#endif
