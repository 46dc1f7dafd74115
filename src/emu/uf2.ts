// UF2, the file the RP2040's boot ROM takes over USB mass storage in BOOTSEL mode (and picotool loads):
// 512-byte blocks, each carrying 256 bytes of flash image at its target address
// (https://github.com/microsoft/uf2 format; RP2040 datasheet §2.8.4). Written from the board link's
// flat binary (objcopy -O binary, which starts at the flash base: the boot stage 2 first).

export const UF2_MAGIC_START0 = 0x0a324655;
export const UF2_MAGIC_START1 = 0x9e5d5157;
export const UF2_MAGIC_END = 0x0ab16f30;
/** Flag: the file-size field holds a family ID. */
export const UF2_FLAG_FAMILY_ID = 0x00002000;
export const RP2040_FAMILY_ID = 0xe48bff56;
export const UF2_BLOCK_BYTES = 512;
export const UF2_PAYLOAD_BYTES = 256;

/** A UF2 file of `image` placed at `base`: one block per 256 bytes, the last padded with zeros. */
export function uf2FromBinary(image: Buffer, base: number, familyId = RP2040_FAMILY_ID): Buffer {
  if (image.length === 0) throw new Error('uf2: empty image');
  if (base % UF2_PAYLOAD_BYTES !== 0) throw new Error(`uf2: base 0x${base.toString(16)} is not 256-byte aligned`);
  const blocks = Math.ceil(image.length / UF2_PAYLOAD_BYTES);
  const out = Buffer.alloc(blocks * UF2_BLOCK_BYTES);
  for (let i = 0; i < blocks; i++) {
    const b = out.subarray(i * UF2_BLOCK_BYTES, (i + 1) * UF2_BLOCK_BYTES);
    b.writeUInt32LE(UF2_MAGIC_START0, 0);
    b.writeUInt32LE(UF2_MAGIC_START1, 4);
    b.writeUInt32LE(UF2_FLAG_FAMILY_ID, 8);
    b.writeUInt32LE(base + i * UF2_PAYLOAD_BYTES, 12);
    b.writeUInt32LE(UF2_PAYLOAD_BYTES, 16);
    b.writeUInt32LE(i, 20);
    b.writeUInt32LE(blocks, 24);
    b.writeUInt32LE(familyId, 28);
    image.copy(b, 32, i * UF2_PAYLOAD_BYTES, Math.min(image.length, (i + 1) * UF2_PAYLOAD_BYTES));
    b.writeUInt32LE(UF2_MAGIC_END, UF2_BLOCK_BYTES - 4);
  }
  return out;
}

export interface Uf2Block {
  flags: number;
  address: number;
  payloadBytes: number;
  blockNo: number;
  numBlocks: number;
  familyId: number;
  payload: Buffer;
}

/** Reads a UF2 file back, checking every block's magic numbers. */
export function readUf2(file: Buffer): Uf2Block[] {
  if (file.length % UF2_BLOCK_BYTES !== 0) throw new Error(`uf2: ${file.length} bytes is not a whole number of 512-byte blocks`);
  const blocks: Uf2Block[] = [];
  for (let o = 0; o < file.length; o += UF2_BLOCK_BYTES) {
    const b = file.subarray(o, o + UF2_BLOCK_BYTES);
    if (b.readUInt32LE(0) !== UF2_MAGIC_START0 || b.readUInt32LE(4) !== UF2_MAGIC_START1 || b.readUInt32LE(508) !== UF2_MAGIC_END) throw new Error(`uf2: block ${o / UF2_BLOCK_BYTES}: bad magic`);
    const payloadBytes = b.readUInt32LE(16);
    blocks.push({ flags: b.readUInt32LE(8), address: b.readUInt32LE(12), payloadBytes, blockNo: b.readUInt32LE(20), numBlocks: b.readUInt32LE(24), familyId: b.readUInt32LE(28), payload: Buffer.from(b.subarray(32, 32 + payloadBytes)) });
  }
  return blocks;
}
