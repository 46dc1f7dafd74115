/*
 * Instruction counting with SysTick (DWT->CYCCNT reads 0 in QEMU). SysTick runs from the processor
 * clock, reloads from 0xFFFFFF and its handler counts the wraps, so mcunas_counter_now() is a 64-bit
 * tick count. Under QEMU -icount shift=0 one instruction is 1 ns of virtual time: the count is
 * deterministic and instructions = ticks x 1e9 / MCUNAS_TICK_HZ. On silicon a tick is a core cycle.
 */
#include <stdint.h>
#include "mcunas_runtime.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define SCB_ICSR REG(0xE000ED04u)
#define ICSR_PENDSTSET (1u << 26)
#define RELOAD 0xFFFFFFu

static volatile uint32_t wraps;

void SysTick_Handler(void) {
  wraps++;
}

void mcunas_counter_start(void) {
  SYST_CSR = 0;
  wraps = 0;
  SYST_RVR = RELOAD;
  SYST_CVR = 0;      /* any write clears it; the first tick reloads */
  SYST_CSR = 7;      /* ENABLE | TICKINT | CLKSOURCE = processor clock */
}

uint64_t mcunas_counter_now(void) {
  uint32_t w, v, primask;
  __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
  v = SYST_CVR;
  w = wraps;
  /* A wrap that happened but whose interrupt has not run yet: count it here, re-read after it. */
  if (SCB_ICSR & ICSR_PENDSTSET) {
    v = SYST_CVR;
    w++;
  }
  __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
  return ((uint64_t)w << 24) + (RELOAD - v);
}
