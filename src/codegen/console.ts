// Which UART each link prints on. The emulator link uses the stand-in's UART from the board file
// (mps2: CMSDK UART0; netduinoplus2: USART1) beside semihosting. The board link has no semihosting (a
// BKPT without a debugger faults), so it needs the board's own serial port: the table below names the
// one wired to the on-board debugger's virtual COM port, with the clock and pin set-up it needs.
// Register maps: RM0385 (STM32F7: CR1 0x00, BRR 0x0C, ISR 0x1C, TDR 0x28), RM0090/RM0383 (STM32F4:
// SR 0x00, DR 0x04, BRR 0x08, CR1 0x0C), RM0433 (STM32H7, the F7 map). The board entries are written
// from the reference manuals and user manuals and have not been run on silicon here.
import type { Board } from '../board/schema.ts';

export type UartKind = 'none' | 'cmsdk' | 'stm32-v1' | 'stm32-v2';

export interface Stm32Pinmux {
  /** RCC enable register and bit for the TX pin's GPIO port, and for the USART. */
  gpioEnable: { register: number; bit: number };
  uartEnable: { register: number; bit: number };
  gpioBase: number;
  txPin: number;
  alternateFunction: number;
  /** A supply the pin's port needs switched on first (L4+ port G: VDDIO2), behind its controller's clock. */
  ioSupply?: { clockEnable: { register: number; bit: number }; register: number; bit: number };
}

export interface ConsoleUart {
  kind: UartKind;
  base: number;
  /** The UART's name in the reference manual (a board variant's "console" names it). */
  uart?: string;
  /** Clock feeding the USART after reset, for the baud-rate divider when no clock set-up runs. */
  clockHz?: number;
  /** The APB bus that clocks it: with the board's clock set-up, the divider uses that bus's clock as set up. */
  apb?: 1 | 2;
  /** A low-power UART: the USART register map, but BRR is 256 x clock / baud. */
  lpuart?: true;
  pinmux?: Stm32Pinmux;
  /** Renode's name for it, for the .resc/.robot files. */
  renodeName?: string;
  note: string;
}

const NONE: ConsoleUart = { kind: 'none', base: 0, note: 'no UART console: results only through semihosting or a debugger' };

const RCC_F4_F7 = 0x40023800; // RCC on STM32F4 and F7 (AHB1ENR 0x30, APB1ENR 0x40, APB2ENR 0x44)
const GPIOA_F4_F7 = 0x40020000;

// USART2 TX on PA2, the NUCLEO-64 boards' virtual COM port (F411, F412).
const NUCLEO64_USART2: ConsoleUart = {
  kind: 'stm32-v1',
  base: 0x40004400,
  uart: 'USART2',
  apb: 1,
  clockHz: 16_000_000,
  pinmux: { gpioEnable: { register: RCC_F4_F7 + 0x30, bit: 0 }, uartEnable: { register: RCC_F4_F7 + 0x40, bit: 17 }, gpioBase: GPIOA_F4_F7, txPin: 2, alternateFunction: 7 },
  renodeName: 'sysbus.usart2',
  note: 'USART2 TX on PA2 (NUCLEO virtual COM port), 115200 baud from HSI 16 MHz',
};

/** Board link consoles (the ST-LINK virtual COM port of the board named in boards.md). */
const BOARD_CONSOLES: Record<string, ConsoleUart> = {
  stm32f746: {
    kind: 'stm32-v2',
    base: 0x40011000,
    uart: 'USART1',
    apb: 2,
    clockHz: 16_000_000,
    pinmux: { gpioEnable: { register: RCC_F4_F7 + 0x30, bit: 0 }, uartEnable: { register: RCC_F4_F7 + 0x44, bit: 4 }, gpioBase: GPIOA_F4_F7, txPin: 9, alternateFunction: 7 },
    renodeName: 'sysbus.usart1',
    note: 'USART1 TX on PA9 (STM32F746G-DISCO virtual COM port), 115200 baud from APB2',
  },
  // Variant consoles: "<board>/<variant>".
  'stm32f746/nucleo': {
    kind: 'stm32-v2',
    base: 0x40004800,
    uart: 'USART3',
    apb: 1,
    clockHz: 16_000_000,
    // RCC AHB1ENR bit 3 (GPIOD), APB1ENR bit 18 (USART3); GPIOD at 0x40020C00 (RM0385 §2.2.2).
    pinmux: { gpioEnable: { register: RCC_F4_F7 + 0x30, bit: 3 }, uartEnable: { register: RCC_F4_F7 + 0x40, bit: 18 }, gpioBase: 0x40020c00, txPin: 8, alternateFunction: 7 },
    renodeName: 'sysbus.usart3',
    note: 'USART3 TX on PD8 (NUCLEO-F746ZG virtual COM port), 115200 baud from APB1',
  },
  stm32f412: NUCLEO64_USART2,
  stm32f411: NUCLEO64_USART2,
  stm32f405: {
    kind: 'stm32-v1',
    base: 0x40011000,
    uart: 'USART1',
    apb: 2,
    clockHz: 16_000_000,
    pinmux: { gpioEnable: { register: RCC_F4_F7 + 0x30, bit: 0 }, uartEnable: { register: RCC_F4_F7 + 0x44, bit: 4 }, gpioBase: GPIOA_F4_F7, txPin: 9, alternateFunction: 7 },
    renodeName: 'sysbus.usart1',
    note: 'USART1 TX on PA9, 115200 baud from HSI 16 MHz',
  },
  // NUCLEO-L4R5ZI (UM2179): the ST-LINK virtual COM port is LPUART1, TX on PG7 (AF8). Port G's upper pins
  // are on VDDIO2, isolated until PWR_CR2.IOSV is set (RM0432, PWR chapter), which needs the PWR clock first.
  // RCC at 0x40021000: AHB2ENR 0x4C (GPIOG bit 6), APB1ENR1 0x58 (PWREN bit 28), APB1ENR2 0x5C (LPUART1EN
  // bit 0); PWR_CR2 at 0x40007004; GPIOG at 0x48001800; LPUART1 at 0x40008000, clocked by PCLK1 after reset
  // (RCC_CCIPR.LPUART1SEL 00); MSI 4 MHz is the reset clock.
  'nucleo-l4r5zi': {
    kind: 'stm32-v2',
    base: 0x40008000,
    uart: 'LPUART1',
    apb: 1,
    lpuart: true,
    clockHz: 4_000_000,
    pinmux: {
      ioSupply: { clockEnable: { register: 0x40021000 + 0x58, bit: 28 }, register: 0x40007004, bit: 9 },
      gpioEnable: { register: 0x40021000 + 0x4c, bit: 6 },
      uartEnable: { register: 0x40021000 + 0x5c, bit: 0 },
      gpioBase: 0x48001800,
      txPin: 7,
      alternateFunction: 8,
    },
    note: 'LPUART1 TX on PG7 (NUCLEO-L4R5ZI virtual COM port; VDDIO2 switched on first), 115200 baud from APB1',
  },
  stm32h743: {
    kind: 'stm32-v2',
    base: 0x40004800,
    uart: 'USART3',
    apb: 1,
    clockHz: 64_000_000,
    // RCC at 0x58024400: AHB4ENR 0xE0 (GPIOD bit 3), APB1LENR 0xE8 (USART3 bit 18); GPIOD at 0x58020C00.
    pinmux: { gpioEnable: { register: 0x58024400 + 0xe0, bit: 3 }, uartEnable: { register: 0x58024400 + 0xe8, bit: 18 }, gpioBase: 0x58020c00, txPin: 8, alternateFunction: 7 },
    renodeName: 'sysbus.usart3',
    note: 'USART3 TX on PD8 (NUCLEO-H743ZI virtual COM port), 115200 baud from HSI 64 MHz',
  },
};

function standInUart(board: Board): ConsoleUart {
  const uart = board.emulator.qemu?.uart;
  if (!uart) return NONE;
  // QEMU's STM32 machines model the F2/F4 USART, i.e. the v1 register map.
  return uart.kind === 'cmsdk'
    ? { kind: 'cmsdk', base: uart.base, renodeName: 'sysbus.uart0', note: `CMSDK UART0 at 0x${uart.base.toString(16)}` }
    : { kind: 'stm32-v1', base: uart.base, clockHz: 16_000_000, note: `STM32 USART at 0x${uart.base.toString(16)}` };
}

export function consoleFor(board: Board, link: 'board' | 'qemu'): ConsoleUart {
  if (link === 'qemu' || board.emulated) return standInUart(board);
  const c = (board.variant !== undefined ? BOARD_CONSOLES[`${board.name}/${board.variant}`] : undefined) ?? BOARD_CONSOLES[board.name] ?? NONE;
  const named = board.variant !== undefined ? board.variants?.[board.variant]?.console : undefined;
  if (named !== undefined && c.uart !== named) throw new Error(`board ${board.name}, variant ${board.variant}: console ${named} has no entry in src/codegen/console.ts (found ${c.uart ?? 'none'})`);
  return c;
}

const KIND_NUMBER: Record<UartKind, number> = { none: 0, cmsdk: 1, 'stm32-v1': 2, 'stm32-v2': 3 };

/** The -D flags that select this console in firmware/console.c. */
export function consoleDefines(c: ConsoleUart): string[] {
  if (c.kind === 'none') return ['-DMCUNAS_UART_KIND=0'];
  const hex = (n: number) => `0x${n.toString(16).toUpperCase()}u`;
  const defs = [`-DMCUNAS_UART_KIND=${KIND_NUMBER[c.kind]}`, `-DMCUNAS_UART_BASE=${hex(c.base)}`];
  if (c.clockHz !== undefined) defs.push(`-DMCUNAS_UART_CLOCK_HZ=${c.clockHz}u`);
  if (c.lpuart) defs.push('-DMCUNAS_UART_LPUART=1');
  if (c.pinmux) {
    const p = c.pinmux;
    if (p.ioSupply) {
      defs.push(
        `-DMCUNAS_UART_IOSUPPLY_CLK_EN=${hex(p.ioSupply.clockEnable.register)}`,
        `-DMCUNAS_UART_IOSUPPLY_CLK_BIT=${p.ioSupply.clockEnable.bit}`,
        `-DMCUNAS_UART_IOSUPPLY_REG=${hex(p.ioSupply.register)}`,
        `-DMCUNAS_UART_IOSUPPLY_BIT=${p.ioSupply.bit}`,
      );
    }
    defs.push(
      `-DMCUNAS_UART_RCC_GPIO_EN=${hex(p.gpioEnable.register)}`,
      `-DMCUNAS_UART_RCC_GPIO_BIT=${p.gpioEnable.bit}`,
      `-DMCUNAS_UART_RCC_UART_EN=${hex(p.uartEnable.register)}`,
      `-DMCUNAS_UART_RCC_UART_BIT=${p.uartEnable.bit}`,
      `-DMCUNAS_UART_GPIO_BASE=${hex(p.gpioBase)}`,
      `-DMCUNAS_UART_TX_PIN=${p.txPin}u`,
      `-DMCUNAS_UART_TX_AF=${p.alternateFunction}u`,
    );
  }
  return defs;
}
