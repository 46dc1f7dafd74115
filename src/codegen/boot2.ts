// The RP2040's boot stage 2: the first 256 bytes of flash, which the boot ROM copies to SRAM, checks
// against the CRC32 in their last 4 bytes and runs (RP2040 datasheet §2.8.1). mcu-nas's own code is
// firmware/boot2/boot2_rp2040.S (XIP SSI set up for the plain 03h read, then the application entered
// through its vector table at 0x10000100); BOOT2_CODE below is that file assembled by arm-none-eabi-as
// (tools/boot2.ts writes it; test/emu/uf2.test.ts re-assembles the source and compares), so a project
// gets its boot2 bytes without a toolchain. The CRC is computed here, when the project is written.
import { cByte, rows } from './literals.ts';
import { renderTemplate } from './render.ts';

/** firmware/boot2/boot2_rp2040.S, assembled (tools/boot2.ts --write). */
export const BOOT2_CODE = '00b50c4b00209860042058610a4818600020586009480a4908600120986001bc002800d0004707480749086006c881f3088810470000001800031f0018020003f40000180001001008ed00e0';

export const BOOT2_BYTES = 256;
export const BOOT2_SOURCE = 'firmware/boot2/boot2_rp2040.S';
/** The file a project gets: the 256 bytes as data in section .boot2 (templates/boot2.S.hbs). */
export const BOOT2_FILE = 'boot2.S';

/**
 * CRC-32 as the RP2040 boot ROM checks it: polynomial 0x04C11DB7, initial value 0xFFFFFFFF, no bit
 * reflection, no final XOR (CRC-32/MPEG-2).
 */
export function crc32Mpeg2(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte << 24;
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? ((crc << 1) ^ 0x04c11db7) >>> 0 : (crc << 1) >>> 0;
  }
  return crc >>> 0;
}

/** The 256 bytes at the start of flash: code padded with zeros to 252 bytes, then its CRC (little-endian). */
export function boot2Image(code: Buffer = Buffer.from(BOOT2_CODE, 'hex')): Buffer {
  if (code.length > BOOT2_BYTES - 4) throw new Error(`boot2 code is ${code.length} bytes, more than ${BOOT2_BYTES - 4}`);
  const image = Buffer.alloc(BOOT2_BYTES);
  code.copy(image);
  image.writeUInt32LE(crc32Mpeg2(image.subarray(0, BOOT2_BYTES - 4)), BOOT2_BYTES - 4);
  return image;
}

/** boot2.S for a project: the image as .byte rows in section .boot2, which the board link puts first. */
export function renderBoot2(): string {
  const image = boot2Image();
  return renderTemplate('boot2.S.hbs', {
    source: BOOT2_SOURCE,
    crc: `0x${image.readUInt32LE(BOOT2_BYTES - 4).toString(16).padStart(8, '0')}`,
    codeBytes: Buffer.from(BOOT2_CODE, 'hex').length,
    rows: rows(image, 16, cByte),
  });
}
