/* Host mock of the clock controllers (test/board/clock-startup.test.ts): the start-up code's register
 * accesses go to mock_read/mock_write (MCUNAS_REG_READ/WRITE, firmware/mcunas_clock.h), which keep the
 * registers in host memory, log every write in order, and set ready flags when enable bits are written. */
#include <stdint.h>
uint32_t mock_read(uint32_t addr);
void mock_write(uint32_t addr, uint32_t value);
void mock_preset(uint32_t addr, uint32_t value); /* a register's value as the hardware shows it, not logged */
#define MCUNAS_REG_READ(addr) mock_read((uint32_t)(addr))
#define MCUNAS_REG_WRITE(addr, value) mock_write((uint32_t)(addr), (uint32_t)(value))
#define MCUNAS_CLOCK_POLLS 1000u
