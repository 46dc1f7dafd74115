/*
 * Clock set-up of the nRF52840 (Product Specification v1.7 §6.4, §4.3): the CPU runs at 64 MHz from
 * HFINT after reset; this starts the 32 MHz crystal (HFXO), which then drives HFCLK (accurate UART baud
 * rates and timers), and turns on the flash instruction cache. There is no PLL or wait state to program.
 * A crystal that does not start leaves HFCLK on HFINT (still 64 MHz) and records the time-out.
 */
#include <stdint.h>
#include "mcunas_clock.h"
#include "mcunas_clock_config.h"

#define CLOCK 0x40000000u
#define TASKS_HFCLKSTART (CLOCK + 0x000u)
#define TASKS_HFCLKSTOP (CLOCK + 0x004u)
#define EVENTS_HFCLKSTARTED (CLOCK + 0x100u)
#define NVMC_ICACHECNF 0x4001E540u

struct mcunas_clock mcunas_clock = {MCUNAS_CLOCK_NOT_RUN, MCUNAS_CLOCK_CORE_HZ, MCUNAS_CLOCK_CORE_HZ, 16000000u, 16000000u};

void mcunas_clock_init(void) {
  mcunas_clock.status = MCUNAS_CLOCK_OK;
#if MCUNAS_CLOCK_HFXO
  MCUNAS_REG_WRITE(EVENTS_HFCLKSTARTED, 0u);
  MCUNAS_REG_WRITE(TASKS_HFCLKSTART, 1u);
  if (!mcunas_clock_wait(EVENTS_HFCLKSTARTED, 1u, 1u)) {
    MCUNAS_REG_WRITE(TASKS_HFCLKSTOP, 1u);
    mcunas_clock.status = MCUNAS_CLOCK_OSC_TIMEOUT;
  }
#endif
#if MCUNAS_CLOCK_ICACHE
  MCUNAS_REG_SET(NVMC_ICACHECNF, 1u); /* CACHEEN */
#endif
}
