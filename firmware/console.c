/*
 * Text out and program exit: semihosting (emulator link) and one UART (both links where the machine or
 * board has one). Every line goes to every enabled sink, so the same protocol is readable from QEMU's
 * semihosting chardev, a UART log file, Renode's terminal tester or a board's USB serial port.
 */
#include <stdint.h>
#include "mcunas_clock.h" /* MCUNAS_REG_READ/WRITE: memory-mapped here, a mock in the host test */
#include "mcunas_runtime.h"

#ifndef MCUNAS_SEMIHOSTING
#define MCUNAS_SEMIHOSTING 0
#endif
#ifndef MCUNAS_UART_KIND
#define MCUNAS_UART_KIND MCUNAS_UART_NONE
#endif

/* ---- semihosting: r0 = operation, r1 = argument, BKPT 0xAB ---- */
#if MCUNAS_SEMIHOSTING
#define SYS_WRITE0 0x04u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static uint32_t semihost(uint32_t op, const void *arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}
#endif

/* ---- UART ---- */
#if MCUNAS_UART_KIND != MCUNAS_UART_NONE
#ifndef MCUNAS_UART_BASE
#error "MCUNAS_UART_BASE must be set with MCUNAS_UART_KIND"
#endif
#define UART_ADDR(off) ((uint32_t)(MCUNAS_UART_BASE) + (off))
/* A bounded wait: a UART that never gets ready must not hang a run (QEMU's models are always ready). */
#define UART_SPINS 100000u
#endif

#if MCUNAS_UART_KIND == MCUNAS_UART_STM32_V1 || MCUNAS_UART_KIND == MCUNAS_UART_STM32_V2
#ifndef MCUNAS_UART_CLOCK_HZ
#define MCUNAS_UART_CLOCK_HZ 16000000u /* HSI after reset on F4/F7 */
#endif
#if defined(MCUNAS_UART_APB) && MCUNAS_UART_APB
/* Board link with clock set-up: the USART's bus clock as set up (or the reset clock after a time-out). */
#define UART_CLOCK_HZ (MCUNAS_UART_APB == 1 ? mcunas_clock.pclk1_hz : mcunas_clock.pclk2_hz)
#else
#define UART_CLOCK_HZ MCUNAS_UART_CLOCK_HZ
#endif
#ifndef MCUNAS_UART_BAUD
#define MCUNAS_UART_BAUD 115200u
#endif
/* Board bring-up: clock the GPIO port and the USART, put the TX pin in its alternate function.
 * Values come from the board's console entry (src/codegen/console.ts); emulators ignore these writes. */
static void stm32_pinmux(void) {
#if defined(MCUNAS_UART_GPIO_BASE)
  uint32_t pin = MCUNAS_UART_TX_PIN;
#if defined(MCUNAS_UART_IOSUPPLY_REG)
  /* The pin's port has a supply of its own (L4+ port G: VDDIO2): clock the power controller, then
   * declare the supply valid, before the port is touched. */
  MCUNAS_REG_SET(MCUNAS_UART_IOSUPPLY_CLK_EN, 1u << MCUNAS_UART_IOSUPPLY_CLK_BIT);
  (void)MCUNAS_REG_READ(MCUNAS_UART_IOSUPPLY_CLK_EN);
  MCUNAS_REG_SET(MCUNAS_UART_IOSUPPLY_REG, 1u << MCUNAS_UART_IOSUPPLY_BIT);
#endif
  MCUNAS_REG_SET(MCUNAS_UART_RCC_GPIO_EN, 1u << MCUNAS_UART_RCC_GPIO_BIT);
  MCUNAS_REG_SET(MCUNAS_UART_RCC_UART_EN, 1u << MCUNAS_UART_RCC_UART_BIT);
  (void)MCUNAS_REG_READ(MCUNAS_UART_RCC_UART_EN); /* read back: the clock is on before the first access */
  MCUNAS_REG_FIELD(MCUNAS_UART_GPIO_BASE + 0x00u, 3u << (2 * pin), 2u << (2 * pin)); /* MODER: alternate function */
  MCUNAS_REG_FIELD(MCUNAS_UART_GPIO_BASE + (pin < 8 ? 0x20u : 0x24u), 0xFu << (4 * (pin & 7u)), (uint32_t)MCUNAS_UART_TX_AF << (4 * (pin & 7u)));
#endif
}

/* BRR: clock / baud on a USART; 256 x clock / baud on an LPUART (RM0432, LPUART baud rate generation), in 32-bit steps
 * (256 x 120 MHz does not fit 32 bits, and a 64-bit division would pull in a libgcc routine). */
static uint32_t stm32_brr(void) {
#if defined(MCUNAS_UART_LPUART) && MCUNAS_UART_LPUART
  uint32_t clk = UART_CLOCK_HZ;
  return (clk / MCUNAS_UART_BAUD) * 256u + ((clk % MCUNAS_UART_BAUD) * 256u) / MCUNAS_UART_BAUD;
#else
  return UART_CLOCK_HZ / MCUNAS_UART_BAUD;
#endif
}
#endif

void mcunas_console_init(void) {
#if MCUNAS_UART_KIND == MCUNAS_UART_CMSDK
  MCUNAS_REG_WRITE(UART_ADDR(0x10), 16); /* BAUDDIV */
  MCUNAS_REG_WRITE(UART_ADDR(0x08), 1);  /* CTRL: TX enable */
#elif MCUNAS_UART_KIND == MCUNAS_UART_STM32_V1
  stm32_pinmux();
  MCUNAS_REG_WRITE(UART_ADDR(0x08), stm32_brr());           /* BRR */
  MCUNAS_REG_WRITE(UART_ADDR(0x0C), (1u << 13) | (1u << 3)); /* CR1: UE | TE */
#elif MCUNAS_UART_KIND == MCUNAS_UART_STM32_V2
  stm32_pinmux();
  MCUNAS_REG_WRITE(UART_ADDR(0x0C), stm32_brr());    /* BRR */
  MCUNAS_REG_WRITE(UART_ADDR(0x00), (1u << 3) | 1u); /* CR1: TE | UE */
#endif
}

#if MCUNAS_UART_KIND != MCUNAS_UART_NONE
static void uart_putc(char c) {
  uint32_t spins = UART_SPINS;
#if MCUNAS_UART_KIND == MCUNAS_UART_CMSDK
  while ((MCUNAS_REG_READ(UART_ADDR(0x04)) & 1u) && --spins) {} /* STATE.TXFULL */
  MCUNAS_REG_WRITE(UART_ADDR(0x00), (uint8_t)c);
#elif MCUNAS_UART_KIND == MCUNAS_UART_STM32_V1
  while (!(MCUNAS_REG_READ(UART_ADDR(0x00)) & (1u << 7)) && --spins) {} /* SR.TXE */
  MCUNAS_REG_WRITE(UART_ADDR(0x04), (uint8_t)c);
#else
  while (!(MCUNAS_REG_READ(UART_ADDR(0x1C)) & (1u << 7)) && --spins) {} /* ISR.TXE */
  MCUNAS_REG_WRITE(UART_ADDR(0x28), (uint8_t)c);
#endif
}
#endif

void mcunas_print(const char *s) {
#if MCUNAS_SEMIHOSTING
  semihost(SYS_WRITE0, s);
#endif
#if MCUNAS_UART_KIND != MCUNAS_UART_NONE
  for (; *s; s++) {
    if (*s == '\n') uart_putc('\r');
    uart_putc(*s);
  }
#else
  (void)s;
#endif
}

void mcunas_print_u64(uint64_t v) {
  char buf[21];
  int i = 20;
  buf[i] = 0;
  do {
    buf[--i] = (char)('0' + (int)(v % 10u));
    v /= 10u;
  } while (v != 0);
  mcunas_print(&buf[i]);
}

void mcunas_print_u32(uint32_t v) {
  mcunas_print_u64(v);
}

static const char hex_digits[] = "0123456789abcdef";

void mcunas_print_hex32(uint32_t v) {
  char buf[11];
  int i;
  buf[0] = '0';
  buf[1] = 'x';
  for (i = 0; i < 8; i++) buf[2 + i] = hex_digits[(v >> (28 - 4 * i)) & 0xFu];
  buf[10] = 0;
  mcunas_print(buf);
}

void mcunas_print_hex_bytes(const void *p, uint32_t n) {
  /* In chunks: one semihosting call per 32 bytes rather than per byte. */
  char buf[65];
  const uint8_t *b = (const uint8_t *)p;
  while (n > 0) {
    uint32_t k = n < 32u ? n : 32u, i;
    for (i = 0; i < k; i++) {
      buf[2 * i] = hex_digits[b[i] >> 4];
      buf[2 * i + 1] = hex_digits[b[i] & 0xFu];
    }
    buf[2 * k] = 0;
    mcunas_print(buf);
    b += k;
    n -= k;
  }
}

void mcunas_exit(int code) {
  mcunas_print("MCUNAS exit ");
  mcunas_print_u32((uint32_t)code);
  mcunas_print("\n");
#if MCUNAS_SEMIHOSTING
  {
    /* SYS_EXIT_EXTENDED: QEMU exits with code & 0xFF (plain SYS_EXIT only gives 0 or 1). */
    uint32_t block[2];
    block[0] = ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint32_t)code;
    semihost(SYS_EXIT_EXTENDED, block);
  }
#endif
  /* A board (or a semihosting host that returned): park the core; the result is on the UART. */
#if defined(__arm__)
  __asm__ volatile("cpsid i" ::: "memory");
  for (;;) __asm__ volatile("wfi");
#else
  for (;;) {} /* the host build of the console test never exits through here */
#endif
}
