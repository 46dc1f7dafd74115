/* Host driver for the board console's bring-up (test/board/clock-startup.test.ts): firmware/console.c
 * built with a board's console defines against the register mock (clock_mock.c, MOCK_NO_MAIN), the
 * clocks as the board's clock set-up leaves them (MOCK_PCLK1/2), the UART's transmit register always
 * empty. Output: the mock's "W <addr> <value>" lines of the bring-up and of printing "ok\n". */
#include "mcunas_clock.h"
#include "mcunas_runtime.h"

struct mcunas_clock mcunas_clock = {MCUNAS_CLOCK_OK, MOCK_PCLK1, MOCK_PCLK1, MOCK_PCLK1, MOCK_PCLK2};

int main(void) {
#if MCUNAS_UART_KIND == MCUNAS_UART_STM32_V1
  mock_preset(MCUNAS_UART_BASE + 0x00u, 1u << 7); /* SR.TXE */
#else
  mock_preset(MCUNAS_UART_BASE + 0x1Cu, 1u << 7); /* ISR.TXE */
#endif
  mcunas_console_init();
  mcunas_print("ok\n");
  return 0;
}
