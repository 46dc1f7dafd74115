// The RP2040's boot files: the boot stage 2 image (code + CRC32 the boot ROM checks) and the UF2 writer.
import { describe, expect, it } from 'vitest';
import { BOOT2_CODE, boot2Image, crc32Mpeg2 } from '../../src/codegen/boot2.ts';
import { findExecutable } from '../../src/emu/index.ts';
import { readUf2, RP2040_FAMILY_ID, uf2FromBinary } from '../../src/emu/uf2.ts';
import { assembleBoot2 } from '../../tools/boot2.ts';

describe('boot stage 2', () => {
  it('CRC-32/MPEG-2, the boot ROM\'s CRC: the catalogue check value of "123456789" and of 252 zero bytes', () => {
    expect(crc32Mpeg2(Buffer.from('123456789'))).toBe(0x0376e6e7);
    // Register shift by hand for a one-byte input 0x80: init 0xFFFFFFFF, no reflection, no final XOR.
    let crc = 0xffffffff ^ (0x80 << 24);
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? ((crc << 1) ^ 0x04c11db7) >>> 0 : (crc << 1) >>> 0;
    expect(crc32Mpeg2(Buffer.from([0x80]))).toBe(crc >>> 0);
  });

  it('the image is 256 bytes: the code, zeros to 252, then the CRC of those 252 bytes, little-endian', () => {
    const image = boot2Image();
    const code = Buffer.from(BOOT2_CODE, 'hex');
    expect(image.length).toBe(256);
    expect(image.subarray(0, code.length)).toEqual(code);
    expect([...image.subarray(code.length, 252)].every((b) => b === 0)).toBe(true);
    expect(image.readUInt32LE(252)).toBe(crc32Mpeg2(image.subarray(0, 252)));
    // The code starts with push {lr} (0xb500), as the boot ROM's call needs, and fits with room to spare.
    expect(code.readUInt16LE(0)).toBe(0xb500);
    expect(code.length).toBeLessThan(252);
    expect(() => boot2Image(Buffer.alloc(253))).toThrow(/more than 252/);
  });

  it.skipIf(!findExecutable('arm-none-eabi-as'))('BOOT2_CODE is firmware/boot2/boot2_rp2040.S as arm-none-eabi-as assembles it', () => {
    expect(assembleBoot2().toString('hex')).toBe(BOOT2_CODE);
  });
});

describe('UF2', () => {
  it('512-byte blocks of 256 payload bytes at consecutive addresses, RP2040 family ID, magic numbers, padded last block', () => {
    const image = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 7) & 0xff));
    const file = uf2FromBinary(image, 0x10000000);
    expect(file.length).toBe(3 * 512);
    const blocks = readUf2(file);
    expect(blocks.map((b) => [b.address, b.blockNo, b.numBlocks, b.payloadBytes, b.flags, b.familyId])).toEqual([
      [0x10000000, 0, 3, 256, 0x2000, 0xe48bff56],
      [0x10000100, 1, 3, 256, 0x2000, 0xe48bff56],
      [0x10000200, 2, 3, 256, 0x2000, 0xe48bff56],
    ]);
    expect(RP2040_FAMILY_ID).toBe(0xe48bff56);
    expect(Buffer.concat(blocks.map((b) => b.payload)).subarray(0, 600)).toEqual(image);
    expect([...blocks[2].payload.subarray(600 - 512)].every((b) => b === 0)).toBe(true);
    // Raw layout of the first block, word by word.
    expect([0, 4, 8, 12, 16, 20, 24, 28, 508].map((o) => file.readUInt32LE(o))).toEqual([0x0a324655, 0x9e5d5157, 0x2000, 0x10000000, 256, 0, 3, 0xe48bff56, 0x0ab16f30]);
    // Bytes 32 + 256 .. 508 of a block are zero.
    expect([...file.subarray(288, 508)].every((b) => b === 0)).toBe(true);
    expect(() => uf2FromBinary(image, 0x10000080)).toThrow(/aligned/);
    expect(() => readUf2(Buffer.alloc(512))).toThrow(/bad magic/);
  });
});
