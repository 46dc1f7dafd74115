// Running the board link's self-test on an emulator: the board image holds no test data, and its
// word after the vector table (mcunas_vectors_at) is 0, so it runs the application. A test bench puts
// vectors.bin into memory the board does not have and writes that address into the word; firmware.resc
// does it with Renode's sysbus commands. For QEMU, where a -device loader write does not survive the
// ELF's own load, benchImage() writes the word into a copy of the ELF and loaderArguments() places the blob.
import fs from 'node:fs';
import { parseElf } from './elf.ts';

/** A copy of a board ELF at `out` whose mcunas_vectors_at holds `address`. */
export function benchImage(elf: string, address: number, out: string): string {
  const bytes = fs.readFileSync(elf);
  const image = parseElf(bytes, elf);
  // The word is where the link put the symbol (the linker script asserts: right after the vector table).
  const word = image.symbols.find((s) => s.name === 'mcunas_vectors_at');
  const table = image.sections.find((s) => s.name === '.isr_vector');
  if (!word || !table || word.value < table.address || word.value + 4 > table.address + table.size)
    throw new Error(`${elf}: no mcunas_vectors_at word after the vector table (not a board link of mcu-nas)`);
  const copy = Buffer.from(bytes);
  copy.writeUInt32LE(address >>> 0, table.offset + (word.value - table.address));
  fs.writeFileSync(out, copy);
  return out;
}

/** QEMU arguments that load a blob file, as raw bytes, at `address`. */
export function loaderArguments(blobFile: string, address: number): string[] {
  return ['-device', `loader,file=${blobFile},addr=0x${address.toString(16)},force-raw=on`];
}
