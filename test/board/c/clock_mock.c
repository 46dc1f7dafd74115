/* The hardware side of the mock: per family (MOCK_FAMILY), what a write to a control register makes
 * the chip report. MOCK_STUCK=<hex addr>:<hex mask> in the environment keeps those bits clear at that
 * address (a flag that never comes: the time-out path); MOCK_IDCODE sets the H7's DBGMCU_IDCODE.
 * Output: one line "W <addr> <value>" per write, then "S <status> <core> <hclk> <pclk1> <pclk2>".
 * With MOCK_NO_MAIN another driver (console_main.c) brings its own main and presets registers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock_mock.h"
#include "mcunas_clock.h"

#define MAX_REGS 128
static uint32_t reg_addr[MAX_REGS], reg_value[MAX_REGS];
static int reg_count;
static uint32_t stuck_addr, stuck_mask;

static uint32_t *slot(uint32_t addr) {
  int i;
  for (i = 0; i < reg_count; i++)
    if (reg_addr[i] == addr) return &reg_value[i];
  if (reg_count == MAX_REGS) {
    fprintf(stderr, "too many registers\n");
    exit(9);
  }
  reg_addr[reg_count] = addr;
  reg_value[reg_count] = 0;
  return &reg_value[reg_count++];
}

static void set(uint32_t addr, uint32_t bits, int on) {
  uint32_t *r = slot(addr);
  if (addr == stuck_addr) bits &= ~stuck_mask;
  *r = on ? (*r | bits) : (*r & ~bits);
}

uint32_t mock_read(uint32_t addr) { return *slot(addr); }

void mock_preset(uint32_t addr, uint32_t value) { *slot(addr) = value; }

void mock_write(uint32_t addr, uint32_t v) {
  printf("W %08x %08x\n", addr, v);
  *slot(addr) = v;
#if MOCK_FAMILY_STM32F4F7
  if (addr == 0x40023800u) { /* RCC_CR */
    set(addr, 1u << 17, (v >> 16) & 1u); /* HSEON -> HSERDY */
    set(addr, 1u << 25, (v >> 24) & 1u); /* PLLON -> PLLRDY */
  } else if (addr == 0x40023808u) { /* RCC_CFGR: SWS follows SW */
    *slot(addr) = v & ~(3u << 2);
    set(addr, (v & 3u) << 2, 1);
  } else if (addr == 0x40007000u) { /* PWR_CR(1): ODEN -> ODRDY, ODSWEN -> ODSWRDY */
    set(0x40007004u, 1u << 16, (v >> 16) & 1u);
    set(0x40007004u, 1u << 17, (v >> 17) & 1u);
  }
#elif MOCK_FAMILY_STM32H7
  if (addr == 0x58024400u) {
    set(addr, 1u << 17, (v >> 16) & 1u);
    set(addr, 1u << 25, (v >> 24) & 1u);
  } else if (addr == 0x58024410u) { /* RCC_CFGR: SWS[5:3] follows SW[2:0] */
    *slot(addr) = v & ~(7u << 3);
    set(addr, (v & 7u) << 3, 1);
  } else if (addr == 0x5802480Cu) { /* PWR_CR3 -> CSR1.ACTVOSRDY */
    set(0x58024804u, 1u << 13, 1);
  } else if (addr == 0x58024818u || addr == 0x5800042Cu) { /* VOS change -> D3CR.VOSRDY */
    set(0x58024818u, 1u << 13, 1);
  }
#elif MOCK_FAMILY_STM32L4
  if (addr == 0x40021000u) {
    set(addr, 1u << 10, (v >> 8) & 1u);  /* HSION -> HSIRDY */
    set(addr, 1u << 17, (v >> 16) & 1u); /* HSEON -> HSERDY */
    set(addr, 1u << 25, (v >> 24) & 1u); /* PLLON -> PLLRDY */
  } else if (addr == 0x40021008u) {
    *slot(addr) = v & ~(3u << 2);
    set(addr, (v & 3u) << 2, 1);
  }
#elif MOCK_FAMILY_NRF52
  if (addr == 0x40000000u && v == 1u) set(0x40000100u, 1u, 1); /* TASKS_HFCLKSTART -> EVENTS_HFCLKSTARTED */
#elif MOCK_FAMILY_RP2040
  if (addr == 0x40024000u) set(0x40024004u, 1u << 31, ((v >> 12) & 0xFFFu) == 0xFABu); /* XOSC enable -> STABLE */
  else if (addr == 0x40008030u) *slot(0x40008038u) = 1u << (v & 3u);                 /* clk_ref SRC -> SELECTED */
  else if (addr == 0x4000803Cu) *slot(0x40008044u) = 1u << (v & 1u);                 /* clk_sys SRC -> SELECTED */
  else if (addr == 0x4000C000u) *slot(0x4000C008u) = ~v;                             /* RESET -> RESET_DONE */
  else if (addr == 0x40028004u) set(0x40028000u, 1u << 31, (v & 0x21u) == 0);        /* PD, VCOPD clear -> LOCK */
  else if (addr == 0x40028000u) set(0x40028000u, 1u << 31, (*slot(0x40028004u) & 0x21u) == 0);
#endif
}

static void reset_values(void) {
#if MOCK_FAMILY_STM32F4F7
  *slot(0x40023800u) = 0x83u;            /* RCC_CR: HSION, HSIRDY */
  *slot(0x40007000u) = MOCK_PWR_CR_RESET; /* VOS reset value */
  *slot(0x40007004u) = 1u << 14;          /* VOSRDY (the mock's scale is always ready) */
#elif MOCK_FAMILY_STM32H7
  *slot(0x58024400u) = 0x25u;     /* HSION, HSIRDY, HSIDIV 1 */
  *slot(0x5802480Cu) = 0x46u;     /* PWR_CR3 reset: SCUEN, LDOEN */
  *slot(0x58024818u) = 1u << 14;  /* VOS3 */
  {
    const char *id = getenv("MOCK_IDCODE");
    *slot(0x5C001000u) = id ? (uint32_t)strtoul(id, 0, 16) : 0x20036450u; /* revision V */
  }
#elif MOCK_FAMILY_STM32L4
  *slot(0x40021000u) = 0x63u; /* MSION, MSIRDY, MSI 4 MHz */
  *slot(0x40007000u) = 1u << 9;
  *slot(0x40007080u) = 1u << 8; /* R1MODE: range 1 normal */
#elif MOCK_FAMILY_RP2040
  *slot(0x40008038u) = 1u; /* clk_ref on the ring oscillator */
  *slot(0x40008044u) = 1u; /* clk_sys on clk_ref */
  *slot(0x40028004u) = 0x2Du;
  *slot(0x4000C000u) = 0x01FFFFFFu;
#endif
}

#ifndef MOCK_NO_MAIN
int main(void) {
  const char *stuck = getenv("MOCK_STUCK");
  if (stuck) {
    const char *colon = strchr(stuck, ':');
    stuck_addr = (uint32_t)strtoul(stuck, 0, 16);
    stuck_mask = colon ? (uint32_t)strtoul(colon + 1, 0, 16) : 0xFFFFFFFFu;
  }
  reset_values();
  printf("S %u %u %u %u %u\n", (unsigned)mcunas_clock.status, (unsigned)mcunas_clock.core_hz, (unsigned)mcunas_clock.hclk_hz, (unsigned)mcunas_clock.pclk1_hz, (unsigned)mcunas_clock.pclk2_hz);
  mcunas_clock_init();
  printf("S %u %u %u %u %u\n", (unsigned)mcunas_clock.status, (unsigned)mcunas_clock.core_hz, (unsigned)mcunas_clock.hclk_hz, (unsigned)mcunas_clock.pclk1_hz, (unsigned)mcunas_clock.pclk2_hz);
  return 0;
}
#endif
