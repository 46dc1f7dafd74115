/*
 * Clock set-up of the RP2040 (datasheet §2.15 clocks, §2.16 XOSC, §2.18 PLL): after the boot ROM and the
 * boot stage 2 (boot2_rp2040.S) clk_sys runs from the ring oscillator (about 6 MHz). This starts the
 * crystal, moves clk_ref onto it, brings PLL_SYS up and switches clk_sys to it; clk_peri follows clk_sys.
 * Values from mcunas_clock_config.h. Order (§2.18.2): clk_sys off the PLL (glitchless mux to clk_ref)
 * before the PLL is touched; PLL reset released; REFDIV and FBDIV set, then PD and VCOPD cleared; wait
 * LOCK; post dividers, then POSTDIVPD cleared; clk_sys's aux mux set while clk_sys is on clk_ref, then the
 * glitchless mux moved to aux. A time-out leaves clk_sys on the ring oscillator.
 */
#include <stdint.h>
#include "mcunas_clock.h"
#include "mcunas_clock_config.h"

#define XOSC 0x40024000u
#define XOSC_CTRL (XOSC + 0x00u)
#define XOSC_STATUS (XOSC + 0x04u)
#define XOSC_STARTUP (XOSC + 0x0Cu)
#define XOSC_FREQ_1_15MHZ 0xAA0u
#define XOSC_ENABLE (0xFABu << 12)
#define XOSC_STABLE (1u << 31)

#define CLOCKS 0x40008000u
#define CLK_REF_CTRL (CLOCKS + 0x30u)
#define CLK_REF_SELECTED (CLOCKS + 0x38u)
#define CLK_SYS_CTRL (CLOCKS + 0x3Cu)
#define CLK_SYS_SELECTED (CLOCKS + 0x44u)
#define CLK_PERI_CTRL (CLOCKS + 0x48u)
#define REF_SRC_XOSC 2u
#define SYS_SRC_AUX 1u
#define SYS_AUXSRC_MASK (7u << 5) /* 0: clk_pll_sys */
#define PERI_ENABLE (1u << 11)

#define RESETS_RESET 0x4000C000u
#define RESETS_DONE (0x4000C000u + 0x08u)
#define RESET_PLL_SYS (1u << 12)

#define PLL_SYS 0x40028000u
#define PLL_CS (PLL_SYS + 0x00u)
#define PLL_PWR (PLL_SYS + 0x04u)
#define PLL_FBDIV_INT (PLL_SYS + 0x08u)
#define PLL_PRIM (PLL_SYS + 0x0Cu)
#define PLL_LOCK (1u << 31)
#define PWR_PD (1u << 0)
#define PWR_POSTDIVPD (1u << 3)
#define PWR_VCOPD (1u << 5)

/* The ring oscillator is nominally 6.5 MHz (1.8-12 MHz over process, §2.17). */
#define ROSC_HZ 6500000u

struct mcunas_clock mcunas_clock = {MCUNAS_CLOCK_NOT_RUN, ROSC_HZ, ROSC_HZ, ROSC_HZ, ROSC_HZ};

void mcunas_clock_init(void) {
  /* crystal */
  MCUNAS_REG_WRITE(XOSC_CTRL, XOSC_FREQ_1_15MHZ);
  MCUNAS_REG_WRITE(XOSC_STARTUP, MCUNAS_CLOCK_XOSC_STARTUP);
  MCUNAS_REG_SET(XOSC_CTRL, XOSC_ENABLE);
  if (!mcunas_clock_wait(XOSC_STATUS, XOSC_STABLE, XOSC_STABLE)) {
    mcunas_clock.status = MCUNAS_CLOCK_OSC_TIMEOUT;
    return;
  }
  /* clk_sys onto clk_ref (glitchless), clk_ref onto the crystal */
  MCUNAS_REG_CLEAR(CLK_SYS_CTRL, SYS_SRC_AUX);
  if (!mcunas_clock_wait(CLK_SYS_SELECTED, 3u, 1u)) {
    mcunas_clock.status = MCUNAS_CLOCK_SWITCH_TIMEOUT;
    return;
  }
  MCUNAS_REG_FIELD(CLK_REF_CTRL, 3u, REF_SRC_XOSC);
  if (!mcunas_clock_wait(CLK_REF_SELECTED, 7u, 1u << REF_SRC_XOSC)) {
    mcunas_clock.status = MCUNAS_CLOCK_SWITCH_TIMEOUT;
    return;
  }
  mcunas_clock.core_hz = mcunas_clock.hclk_hz = mcunas_clock.pclk1_hz = mcunas_clock.pclk2_hz = MCUNAS_CLOCK_XOSC_HZ;
  /* PLL_SYS out of reset, programmed, locked */
  MCUNAS_REG_SET(RESETS_RESET, RESET_PLL_SYS);
  MCUNAS_REG_CLEAR(RESETS_RESET, RESET_PLL_SYS);
  if (!mcunas_clock_wait(RESETS_DONE, RESET_PLL_SYS, RESET_PLL_SYS)) {
    mcunas_clock.status = MCUNAS_CLOCK_PLL_TIMEOUT;
    return;
  }
  MCUNAS_REG_WRITE(PLL_CS, MCUNAS_CLOCK_PLL_REFDIV);
  MCUNAS_REG_WRITE(PLL_FBDIV_INT, MCUNAS_CLOCK_PLL_FBDIV);
  MCUNAS_REG_CLEAR(PLL_PWR, PWR_PD | PWR_VCOPD);
  if (!mcunas_clock_wait(PLL_CS, PLL_LOCK, PLL_LOCK)) {
    MCUNAS_REG_SET(PLL_PWR, PWR_PD | PWR_VCOPD);
    mcunas_clock.status = MCUNAS_CLOCK_PLL_TIMEOUT;
    return;
  }
  MCUNAS_REG_WRITE(PLL_PRIM, (MCUNAS_CLOCK_PLL_POSTDIV1 << 16) | (MCUNAS_CLOCK_PLL_POSTDIV2 << 12));
  MCUNAS_REG_CLEAR(PLL_PWR, PWR_POSTDIVPD);
  /* clk_sys: aux source PLL_SYS, then the glitchless mux onto aux */
  MCUNAS_REG_CLEAR(CLK_SYS_CTRL, SYS_AUXSRC_MASK);
  MCUNAS_REG_SET(CLK_SYS_CTRL, SYS_SRC_AUX);
  if (!mcunas_clock_wait(CLK_SYS_SELECTED, 3u, 2u)) {
    MCUNAS_REG_CLEAR(CLK_SYS_CTRL, SYS_SRC_AUX);
    mcunas_clock.status = MCUNAS_CLOCK_SWITCH_TIMEOUT;
    return;
  }
  MCUNAS_REG_WRITE(CLK_PERI_CTRL, PERI_ENABLE); /* AUXSRC 0: clk_sys */
  mcunas_clock.core_hz = mcunas_clock.hclk_hz = mcunas_clock.pclk1_hz = mcunas_clock.pclk2_hz = MCUNAS_CLOCK_CORE_HZ;
  mcunas_clock.status = MCUNAS_CLOCK_OK;
}
