/*
 * The mcu-nas firmware runtime: console (semihosting and UART), the SysTick counter, stack painting,
 * exit codes. C99, no CMSIS. Which outputs exist is chosen by the build (-D flags, see README.md):
 *   MCUNAS_SEMIHOSTING=1        print and exit through semihosting (emulator link only: on a board
 *                               without a debugger, BKPT 0xAB would fault)
 *   MCUNAS_UART_KIND=<n>        0 none, 1 CMSDK (mps2/mps3), 2 STM32 USART (F1/F2/F4 register map),
 *                               3 STM32 USART (F7/H7/L4 register map); MCUNAS_UART_BASE its address
 */
#ifndef MCUNAS_RUNTIME_H
#define MCUNAS_RUNTIME_H

#include <stdint.h>

/* Exit codes (semihosting SYS_EXIT_EXTENDED makes them QEMU's exit status). */
#define MCUNAS_EXIT_PASS 0           /* every checked output matched */
#define MCUNAS_EXIT_MISMATCH 1       /* an output differed from the expected bytes */
#define MCUNAS_EXIT_FAULT 3          /* HardFault or another fault exception, or an unexpected interrupt */
#define MCUNAS_EXIT_MODEL_ERROR 4    /* mcunas_model_run() returned non-zero */
#define MCUNAS_EXIT_STACK_OVERFLOW 5 /* the painted stack was used to its last word */
#define MCUNAS_EXIT_BAD_VECTORS 6    /* a test-vector blob that is not for this model */

#define MCUNAS_UART_NONE 0
#define MCUNAS_UART_CMSDK 1
#define MCUNAS_UART_STM32_V1 2
#define MCUNAS_UART_STM32_V2 3

void mcunas_console_init(void);
void mcunas_print(const char *s);
void mcunas_print_u32(uint32_t v);
void mcunas_print_u64(uint64_t v);
void mcunas_print_hex32(uint32_t v);
/* Lower-case hex, two digits a byte, no separators. */
void mcunas_print_hex_bytes(const void *p, uint32_t n);
/* Ends the program: semihosting exit on the emulator, a parked core on a board. */
void mcunas_exit(int code) __attribute__((noreturn));

/* SysTick at the processor clock, free-running; wraps are counted in SysTick_Handler. Under QEMU
 * -icount shift=0 a tick is 1e9 / MCUNAS_TICK_HZ instructions; on silicon it is one core cycle. */
void mcunas_counter_start(void);
uint64_t mcunas_counter_now(void);

/* Fills the unused stack with a pattern (called by the reset handler); mcunas_stack_used() later
 * finds the deepest word that changed. */
void mcunas_stack_paint(void);
uint32_t mcunas_stack_used(void);
uint32_t mcunas_stack_size(void);

/* Exception report: the fault entry stub passes the stacked frame and the exception number. */
void mcunas_fault_report(const uint32_t *frame, uint32_t exception) __attribute__((noreturn));

#endif
