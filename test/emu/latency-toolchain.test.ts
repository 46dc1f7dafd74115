import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { findArmToolchain, findQemu } from '../../src/emu/toolchain.ts';

describe('toolchain discovery', () => {
  it('names the Debian packages when the tools are missing', () => {
    const env = { PATH: '/nonexistent' };
    expect(() => findArmToolchain(env)).toThrow(InputError);
    expect(() => findArmToolchain(env)).toThrow(/gcc-arm-none-eabi libnewlib-arm-none-eabi/);
    expect(() => findQemu(env)).toThrow(/apt-get install --no-install-recommends qemu-system-arm/);
  });
});
