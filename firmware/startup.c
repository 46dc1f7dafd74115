/*
 * Vector table and reset handler for every Cortex-M core mcu-nas targets (ARMv6-M to ARMv8.1-M).
 * The linker script (templates/linker.ld.hbs) provides the symbols below and puts .isr_vector first
 * in flash. No CMSIS: the few system registers used are named here.
 */
#include <stdint.h>
#include "mcunas_runtime.h"
#if defined(MCUNAS_CLOCK_INIT) && MCUNAS_CLOCK_INIT
#include "mcunas_clock.h" /* board link: the board's clock tree (firmware/clock_*.c) */
#endif

extern uint32_t __stack_top[];
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];

int main(void);
void Reset_Handler(void) __attribute__((noreturn));
void SysTick_Handler(void);

#define REG(addr) (*(volatile uint32_t *)(addr))
#define SCB_CPACR REG(0xE000ED88u)

static inline void barriers(void) {
  __asm__ volatile("dsb\n\tisb" ::: "memory");
}

/* Every exception other than reset and SysTick lands here: pass the stacked frame (MSP: the firmware
 * never switches to PSP) and the exception number to the C report. Naked, so nothing is pushed on a
 * stack that may be what failed. A literal-pool jump reaches the report from any distance (ARMv6-M's
 * B has a 2 KB range). */
__attribute__((naked)) static void fault_entry(void) {
  __asm__ volatile(
      "mrs r0, msp\n\t"
      "mrs r1, ipsr\n\t"
      "ldr r2, =mcunas_fault_report\n\t"
      "bx r2\n\t"
      ".ltorg");
}

/* 16 system vectors and 32 interrupts; no interrupt is ever enabled, so any that fires is a fault. */
__attribute__((section(".isr_vector"), used)) void (*const mcunas_vectors[48])(void) = {
    (void (*)(void))__stack_top,
    Reset_Handler,
    fault_entry, /* NMI */
    fault_entry, /* HardFault */
    fault_entry, /* MemManage */
    fault_entry, /* BusFault */
    fault_entry, /* UsageFault */
    fault_entry, /* SecureFault (ARMv8-M) */
    0,
    0,
    0,
    fault_entry, /* SVCall */
    fault_entry, /* DebugMonitor */
    0,
    fault_entry, /* PendSV */
    SysTick_Handler,
    [16 ... 47] = fault_entry,
};

#if defined(MCUNAS_ENABLE_CACHES) && MCUNAS_ENABLE_CACHES
/* Cortex-M7 L1 caches (board link only: silicon runs several times slower without them; QEMU ignores
 * them). The data cache holds garbage after reset, so it is invalidated by set and way first. */
static void enable_caches(void) {
  uint32_t ccsidr, sets, ways;
  barriers();
  REG(0xE000EF50u) = 0; /* ICIALLU */
  barriers();
  REG(0xE000ED14u) |= 1u << 17; /* CCR.IC */
  barriers();
  REG(0xE000ED84u) = 0; /* CSSELR: level 1 data cache */
  barriers();
  ccsidr = REG(0xE000ED80u);
  sets = (ccsidr >> 13) & 0x7FFFu;
  do {
    ways = (ccsidr >> 3) & 0x3FFu;
    do {
      /* DCISW: set index from bit 5 (32-byte lines), way from bit 30 (4 ways) */
      REG(0xE000EF60u) = (sets << 5) | (ways << 30);
    } while (ways-- != 0);
  } while (sets-- != 0);
  barriers();
  REG(0xE000ED14u) |= 1u << 16; /* CCR.DC */
  barriers();
}
#endif

void Reset_Handler(void) {
#if defined(__ARM_FP)
  /* Full access to CP10/CP11 before any floating-point instruction, compiler-generated ones included. */
  SCB_CPACR |= 0xFu << 20;
  barriers();
#endif
  {
    const uint32_t *src = __data_load;
    uint32_t *dst = __data_start;
    while (dst < __data_end) *dst++ = *src++;
    for (dst = __bss_start; dst < __bss_end;) *dst++ = 0;
  }
#if defined(MCUNAS_CLOCK_INIT) && MCUNAS_CLOCK_INIT
  /* Board link: PLL, flash wait states, supply (after .data: it records its outcome in mcunas_clock). */
  mcunas_clock_init();
#endif
#if defined(MCUNAS_ENABLE_CACHES) && MCUNAS_ENABLE_CACHES
  enable_caches(); /* after the clock set-up */
#endif
  mcunas_stack_paint();
  mcunas_exit(main());
}
