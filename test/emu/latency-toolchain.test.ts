import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { InputError } from '../../src/errors.ts';
import { estimateLatency } from '../../src/emu/latency.ts';
import { findArmToolchain, findQemu } from '../../src/emu/toolchain.ts';

describe('estimateLatency', () => {
  it('is instructions x the stated cycles per instruction / the board clock, and says so', () => {
    const e = estimateLatency(21_600_000, loadBoard('stm32f746'));
    expect(e.cyclesPerInstruction).toBe(0.8);
    expect(e.ms).toBeCloseTo(80, 6);
    expect(e.derivation).toBe(
      '21600000 instructions (QEMU -icount) x 0.8 cycles/instruction (assumed for cortex-m7, not measured) / 216 MHz (stm32f746) = 80.00 ms',
    );
  });

  it('takes a given figure instead', () => {
    const e = estimateLatency(1_000_000, loadBoard('stm32f412'), 2);
    expect(e.ms).toBeCloseTo(20, 6);
    expect(e.derivation).toContain('2 cycles/instruction (given, not measured)');
  });
});

describe('toolchain discovery', () => {
  it('names the Debian packages when the tools are missing', () => {
    const env = { PATH: '/nonexistent' };
    expect(() => findArmToolchain(env)).toThrow(InputError);
    expect(() => findArmToolchain(env)).toThrow(/gcc-arm-none-eabi libnewlib-arm-none-eabi/);
    expect(() => findQemu(env)).toThrow(/apt-get install --no-install-recommends qemu-system-arm/);
  });
});
