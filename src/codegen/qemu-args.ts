// The deterministic QEMU command line (../shared/spec/toolchain.md): semihosting text on stdio through
// a chardev (without chardev= it goes to stderr), the UART to a file, and -icount shift=0 so that
// one guest instruction is 1 ns of virtual time and SysTick counts are identical run after run. The
// generated Makefile's run target and firmware.json carry them; src/emu's runQemu runs them.
import type { Board } from '../board/schema.ts';
import { InputError } from '../errors.ts';

/** `plugin`: a TCG plugin and its arguments ("file.so,key=value,..."), e.g. the cycle model's counter. */
export function qemuArguments(machine: string, elf: string, uartFile: string, plugin?: string): string[] {
  return [
    ...(plugin ? ['-plugin', plugin] : []),
    '-M', machine,
    '-display', 'none',
    '-monitor', 'none',
    '-serial', `file:${uartFile}`,
    '-chardev', 'stdio,id=sh0',
    '-semihosting-config', 'enable=on,target=native,chardev=sh0',
    '-icount', 'shift=0,align=off,sleep=off',
    '-kernel', elf,
  ];
}

/**
 * SysTick's clock (CLKSOURCE = processor clock) on QEMU 7.2 machines, for boards whose file does not
 * say: mps2/mps3 from toolchain.md; netduinoplus2 (STM32F405 SoC) runs its system clock at 168 MHz.
 */
export const MACHINE_TICK_HZ: Record<string, number> = {
  'mps2-an385': 25_000_000,
  'mps2-an386': 25_000_000,
  'mps2-an500': 25_000_000,
  'mps2-an505': 25_000_000,
  'mps3-an547': 32_000_000,
  netduinoplus2: 168_000_000,
};

/** The QEMU machine a board's emulator link runs on, and its SysTick clock. */
export interface QemuTarget {
  machine: string;
  /** SysTick clock of the machine (processor clock). */
  tickHz: number;
}

export function qemuTarget(board: Board): QemuTarget {
  const q = board.emulator.qemu;
  if (!q) throw new InputError(`board ${board.name} has no QEMU stand-in`);
  const tickHz = q.systickHz ?? MACHINE_TICK_HZ[q.machine];
  if (tickHz === undefined) throw new InputError(`board ${board.name}: field "emulator.qemu.systickHz" is needed for machine ${q.machine}`);
  return { machine: q.machine, tickHz };
}
