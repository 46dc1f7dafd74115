/*
 * Clock set-up before main (board link only): mcunas_clock_init() programs the clock tree of the board's
 * "clock" section (boards/<board>.json, checked by src/board/clock.ts), whose values reach C through
 * mcunas_clock_config.h (generated from templates/clock_config.h.hbs). One file per family:
 * clock_stm32f4f7.c, clock_stm32h7.c, clock_stm32l4.c, clock_nrf52.c, clock_rp2040.c.
 *
 * Every ready flag is polled a bounded number of times. A time-out leaves the chip on its reset clock
 * (anything half done is undone so the reset clock stays valid) and records why in mcunas_clock.status;
 * mcunas_clock's frequencies are always those the chip runs at, so the console's baud divider is right
 * either way. The emulator link never calls it: QEMU's mps2/mps3 machines have no clock controller.
 */
#ifndef MCUNAS_CLOCK_H
#define MCUNAS_CLOCK_H
#include <stdint.h>

enum mcunas_clock_status {
  MCUNAS_CLOCK_OK = 0,
  MCUNAS_CLOCK_NOT_RUN = 1,         /* mcunas_clock_init() has not run: reset clock */
  MCUNAS_CLOCK_OSC_TIMEOUT = 2,     /* the oscillator (HSE, HFXO, XOSC) never got ready */
  MCUNAS_CLOCK_PLL_TIMEOUT = 3,     /* the PLL never locked */
  MCUNAS_CLOCK_SUPPLY_TIMEOUT = 4,  /* voltage scaling / regulator never got ready */
  MCUNAS_CLOCK_OVERDRIVE_TIMEOUT = 5, /* F7 over-drive never got ready */
  MCUNAS_CLOCK_FLASH_TIMEOUT = 6,   /* the flash latency did not read back */
  MCUNAS_CLOCK_SWITCH_TIMEOUT = 7,  /* the system clock switch was not confirmed */
  MCUNAS_CLOCK_REVISION = 8         /* silicon revision without the rated clock (H7 rev Y: no VOS0) */
};

struct mcunas_clock {
  uint32_t status; /* enum mcunas_clock_status */
  uint32_t core_hz;
  uint32_t hclk_hz;
  uint32_t pclk1_hz;
  uint32_t pclk2_hz;
};

/* In .data: valid (the reset clock) before mcunas_clock_init() runs. */
extern struct mcunas_clock mcunas_clock;

void mcunas_clock_init(void);

/* Register access: memory-mapped on the target; a host test defines both to a mock (test/board/c/). */
#ifndef MCUNAS_REG_READ
#define MCUNAS_REG_READ(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define MCUNAS_REG_WRITE(addr, value) (*(volatile uint32_t *)(uintptr_t)(addr) = (uint32_t)(value))
#endif
#define MCUNAS_REG_SET(addr, bits) MCUNAS_REG_WRITE((addr), MCUNAS_REG_READ(addr) | (uint32_t)(bits))
#define MCUNAS_REG_CLEAR(addr, bits) MCUNAS_REG_WRITE((addr), MCUNAS_REG_READ(addr) & ~(uint32_t)(bits))
#define MCUNAS_REG_FIELD(addr, mask, value) MCUNAS_REG_WRITE((addr), (MCUNAS_REG_READ(addr) & ~(uint32_t)(mask)) | (uint32_t)(value))

/* Polls before a ready flag counts as never coming: about 0.25 s at a 16 MHz reset clock, far beyond
 * the datasheets' start-up times (HSE 2 ms, PLL lock 0.1-0.2 ms, XOSC 1 ms). */
#ifndef MCUNAS_CLOCK_POLLS
#define MCUNAS_CLOCK_POLLS 1000000u
#endif

/* 1 when (reg & mask) == value within MCUNAS_CLOCK_POLLS reads, else 0. */
static inline int mcunas_clock_wait(uint32_t addr, uint32_t mask, uint32_t value) {
  uint32_t n;
  for (n = MCUNAS_CLOCK_POLLS; n != 0; --n)
    if ((MCUNAS_REG_READ(addr) & mask) == value) return 1;
  return 0;
}
#endif
