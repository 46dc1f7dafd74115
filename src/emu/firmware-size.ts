// What a linked firmware occupies, read from its ELF: flash (everything stored in the FLASH region:
// vectors, code, constants, .data's initial values) and static SRAM (.data + .bss + buffers placed in
// named regions), with the stack reserve and the test vectors apart. These are the figures the
// planner's predictions are checked against.
import fs from 'node:fs';
import { parseElf, SHF_ALLOC, SHT_NOBITS, type ElfSection } from './elf.ts';
import type { LinkLayout, LinkRegion } from '../codegen/link-layout.ts';

export interface FirmwareSize {
  /** Bytes stored in the board's flash. */
  flashBytes: number;
  flash: { code: number; rodata: number; data: number };
  /** .data + .bss + .sram_* sections: SRAM taken before the program runs (the stack reserve apart). */
  staticSramBytes: number;
  sram: { data: number; bss: number; regionBuffers: number };
  stackReserveBytes: number;
  /** Test inputs and expected outputs (outside the board's flash in the emulator link). */
  testDataBytes: number;
  sections: { name: string; address: number; loadAddress: number; size: number }[];
}

const inRegion = (address: number, r: LinkRegion) => address >= r.origin && address < r.origin + r.length;

export function measureSections(sections: ElfSection[], layout: LinkLayout): FirmwareSize {
  const size: FirmwareSize = {
    flashBytes: 0,
    flash: { code: 0, rodata: 0, data: 0 },
    staticSramBytes: 0,
    sram: { data: 0, bss: 0, regionBuffers: 0 },
    stackReserveBytes: 0,
    testDataBytes: 0,
    sections: [],
  };
  for (const s of sections) {
    if (!(s.flags & SHF_ALLOC) || s.size === 0) continue;
    size.sections.push({ name: s.name, address: s.address, loadAddress: s.loadAddress, size: s.size });
    if (s.name === '.mcunas_test') {
      size.testDataBytes += s.size;
      continue;
    }
    if (s.type !== SHT_NOBITS && inRegion(s.loadAddress, layout.flash)) {
      size.flashBytes += s.size;
      if (s.name === '.rodata') size.flash.rodata += s.size;
      else if (s.name === '.data') size.flash.data += s.size;
      else size.flash.code += s.size;
    }
    if (layout.ram.some((r) => inRegion(s.address, r))) {
      if (s.name === '.stack') size.stackReserveBytes += s.size;
      else if (s.name === '.data') size.sram.data += s.size;
      else if (s.name === '.bss') size.sram.bss += s.size;
      else size.sram.regionBuffers += s.size;
    }
  }
  size.staticSramBytes = size.sram.data + size.sram.bss + size.sram.regionBuffers;
  return size;
}

export function measureFirmware(elfPath: string, layout: LinkLayout): FirmwareSize {
  return measureSections(parseElf(fs.readFileSync(elfPath), elfPath).sections, layout);
}
