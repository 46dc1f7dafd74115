// The QEMU 7.2 machines this tool can run a firmware on: the CPU each one models (qemu-system-arm
// -M help), the clock SysTick counts under -icount shift=0 (../shared/spec/toolchain.md: mps2 25 MHz,
// an547 32 MHz; netduinoplus2 runs its STM32F405 system clock at 168 MHz) and the console UART the
// firmware's runtime can drive there. A board's emulator stand-in must be one of these: the machine
// name reaches a Makefile and a command line, and an unknown one would only fail after a build.
import type { Core } from './cores.ts';

export interface QemuMachine {
  cpu: Core;
  tickHz: number;
  uart: 'cmsdk' | 'stm32-usart';
}

export const QEMU_MACHINES: Readonly<Record<string, QemuMachine>> = {
  'mps2-an385': { cpu: 'cortex-m3', tickHz: 25_000_000, uart: 'cmsdk' },
  'mps2-an386': { cpu: 'cortex-m4', tickHz: 25_000_000, uart: 'cmsdk' },
  'mps2-an500': { cpu: 'cortex-m7', tickHz: 25_000_000, uart: 'cmsdk' },
  'mps2-an505': { cpu: 'cortex-m33', tickHz: 25_000_000, uart: 'cmsdk' },
  'mps3-an547': { cpu: 'cortex-m55', tickHz: 32_000_000, uart: 'cmsdk' },
  netduinoplus2: { cpu: 'cortex-m4', tickHz: 168_000_000, uart: 'stm32-usart' },
};

export function qemuMachine(name: string): QemuMachine | undefined {
  return Object.hasOwn(QEMU_MACHINES, name) ? QEMU_MACHINES[name] : undefined;
}
