/*
 * Clock set-up of the STM32H743 (RM0433): HSI 64 MHz or HSE -> PLL1 -> sys_ck, with the supply
 * configuration, VOS and flash latency the target clock needs. Values from mcunas_clock_config.h.
 * Order, as RM0433 asks:
 *   1. supply configuration: LDO (PWR_CR3, written once after reset: §6.8.4; the only configuration an
 *      H743 has, so no setting here can leave a board unbootable), wait ACTVOSRDY;
 *   2. VOS1 (PWR_D3CR.VOS), wait VOSRDY; then VOS0 through SYSCFG_PWRCR.ODEN, wait VOSRDY (§6.8.6),
 *      only on revision V silicon (DBGMCU_IDCODE.REV_ID 0x2003): older revisions have no 480 MHz, and
 *      the board stays on HSI 64 MHz with MCUNAS_CLOCK_REVISION recorded;
 *   3. HSE on where the board uses it, wait HSERDY;
 *   4. PLL1: source and DIVM1, input range, dividers, on, wait PLL1RDY;
 *   5. flash latency and WRHIGHFREQ raised (read back) before the clock gets faster;
 *   6. domain prescalers (D1CPRE, HPRE, D1PPRE, D2PPRE1/2, D3PPRE);
 *   7. sys_ck switched to PLL1, wait SWS.
 */
#include <stdint.h>
#include "mcunas_clock.h"
#include "mcunas_clock_config.h"
#include "clock_stm32_common.h"

#define RCC 0x58024400u
#define RCC_CR (RCC + 0x00u)
#define RCC_CFGR (RCC + 0x10u)
#define RCC_D1CFGR (RCC + 0x18u)
#define RCC_D2CFGR (RCC + 0x1Cu)
#define RCC_D3CFGR (RCC + 0x20u)
#define RCC_PLLCKSELR (RCC + 0x28u)
#define RCC_PLLCFGR (RCC + 0x2Cu)
#define RCC_PLL1DIVR (RCC + 0x30u)
#define RCC_APB4ENR (RCC + 0xF4u)
#define PWR_CSR1 (0x58024800u + 0x04u)
#define PWR_CR3 (0x58024800u + 0x0Cu)
#define PWR_D3CR (0x58024800u + 0x18u)
#define SYSCFG_PWRCR (0x58000400u + 0x2Cu)
#define FLASH_ACR 0x52002000u
#define DBGMCU_IDCODE 0x5C001000u

#define CR3_SUPPLY_MASK 7u /* SCUEN, LDOEN, BYPASS */
#define CR3_LDOEN (1u << 1)
#define CSR1_ACTVOSRDY (1u << 13)
#define D3CR_VOS_MASK (3u << 14)
#define D3CR_VOSRDY (1u << 13)
#define APB4ENR_SYSCFGEN (1u << 1)
#define PWRCR_ODEN 1u
#define REV_V 0x2003u
#define CFGR_SW_MASK 7u
#define CFGR_SW_PLL1 3u
#define CFGR_SWS_MASK (7u << 3)
#define CFGR_SWS_PLL1 (3u << 3)

struct mcunas_clock mcunas_clock = {MCUNAS_CLOCK_NOT_RUN, MCUNAS_CLOCK_RESET_HZ, MCUNAS_CLOCK_RESET_HZ, MCUNAS_CLOCK_RESET_HZ, MCUNAS_CLOCK_RESET_HZ};

void mcunas_clock_init(void) {
  /* 1. supply: LDO */
  MCUNAS_REG_FIELD(PWR_CR3, CR3_SUPPLY_MASK, CR3_LDOEN);
  if (!mcunas_clock_wait(PWR_CSR1, CSR1_ACTVOSRDY, CSR1_ACTVOSRDY)) {
    mcunas_clock.status = MCUNAS_CLOCK_SUPPLY_TIMEOUT;
    return;
  }
  /* 2. voltage scale */
#if MCUNAS_CLOCK_VOS0
  if ((MCUNAS_REG_READ(DBGMCU_IDCODE) >> 16) != REV_V) {
    mcunas_clock.status = MCUNAS_CLOCK_REVISION;
    return;
  }
#endif
  MCUNAS_REG_FIELD(PWR_D3CR, D3CR_VOS_MASK, MCUNAS_CLOCK_VOS);
  if (!mcunas_clock_wait(PWR_D3CR, D3CR_VOSRDY, D3CR_VOSRDY)) {
    mcunas_clock.status = MCUNAS_CLOCK_SUPPLY_TIMEOUT;
    return;
  }
#if MCUNAS_CLOCK_VOS0
  MCUNAS_REG_SET(RCC_APB4ENR, APB4ENR_SYSCFGEN);
  (void)MCUNAS_REG_READ(RCC_APB4ENR);
  MCUNAS_REG_SET(SYSCFG_PWRCR, PWRCR_ODEN);
  if (!mcunas_clock_wait(PWR_D3CR, D3CR_VOSRDY, D3CR_VOSRDY)) {
    MCUNAS_REG_CLEAR(SYSCFG_PWRCR, PWRCR_ODEN);
    mcunas_clock.status = MCUNAS_CLOCK_SUPPLY_TIMEOUT;
    return;
  }
#endif

  /* 3. oscillator */
  if (!stm32_hse_start(RCC_CR)) return;

  /* 4. PLL1 */
  MCUNAS_REG_FIELD(RCC_PLLCKSELR, 3u | (0x3Fu << 4), MCUNAS_CLOCK_PLLCKSELR);
  MCUNAS_REG_FIELD(RCC_PLLCFGR, MCUNAS_CLOCK_PLLCFGR_MASK, MCUNAS_CLOCK_PLLCFGR);
  MCUNAS_REG_WRITE(RCC_PLL1DIVR, MCUNAS_CLOCK_PLL1DIVR);
  if (!stm32_enable(RCC_CR, CR_PLLON, RCC_CR, CR_PLLRDY, MCUNAS_CLOCK_PLL_TIMEOUT)) return;

  /* 5. flash latency before the faster clock */
  if (!stm32_flash_latency(FLASH_ACR, 0x3Fu, MCUNAS_CLOCK_FLASH_ACR & 0x3Fu)) {
    MCUNAS_REG_CLEAR(RCC_CR, CR_PLLON);
    return;
  }

  /* 6. prescalers, 7. the switch */
  MCUNAS_REG_WRITE(RCC_D1CFGR, MCUNAS_CLOCK_D1CFGR);
  MCUNAS_REG_WRITE(RCC_D2CFGR, MCUNAS_CLOCK_D2CFGR);
  MCUNAS_REG_WRITE(RCC_D3CFGR, MCUNAS_CLOCK_D3CFGR);
  if (!stm32_switch(RCC_CFGR, CFGR_SW_MASK, CFGR_SW_PLL1, CFGR_SWS_MASK, CFGR_SWS_PLL1)) {
    MCUNAS_REG_FIELD(RCC_CFGR, CFGR_SW_MASK, 0u);
    MCUNAS_REG_WRITE(RCC_D1CFGR, 0u);
    MCUNAS_REG_WRITE(RCC_D2CFGR, 0u);
    MCUNAS_REG_WRITE(RCC_D3CFGR, 0u);
    MCUNAS_REG_CLEAR(RCC_CR, CR_PLLON);
    return;
  }
  stm32_clock_done();
}
