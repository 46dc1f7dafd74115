// A reader for the parts of a 32-bit little-endian ELF file (what arm-none-eabi-gcc links) that size
// reports need: section headers, program headers (to find a section's load address) and symbols.
import { InputError } from '../errors.ts';

export interface ElfSection {
  name: string;
  type: number;
  flags: number;
  address: number;
  /** Where its bytes are stored at load time (differs from address for .data: flash, copied to RAM). */
  loadAddress: number;
  offset: number;
  size: number;
}

export interface ElfSegment {
  type: number;
  offset: number;
  virtualAddress: number;
  physicalAddress: number;
  fileSize: number;
  memorySize: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
}

export interface ElfFile {
  entry: number;
  sections: ElfSection[];
  segments: ElfSegment[];
  symbols: ElfSymbol[];
}

export const SHT_SYMTAB = 2;
export const SHT_NOBITS = 8;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
const PT_LOAD = 1;

function cString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('latin1', at, end < 0 ? buf.length : end);
}

export function parseElf(buf: Buffer, what = 'ELF file'): ElfFile {
  const bad = (why: string) => new InputError(`${what}: not a 32-bit little-endian ELF file (${why})`);
  if (buf.length < 52 || buf.readUInt32BE(0) !== 0x7f454c46) throw bad('no ELF magic');
  if (buf[4] !== 1 || buf[5] !== 1) throw bad('class or byte order');
  const entry = buf.readUInt32LE(0x18);
  const phoff = buf.readUInt32LE(0x1c);
  const shoff = buf.readUInt32LE(0x20);
  const phentsize = buf.readUInt16LE(0x2a);
  const phnum = buf.readUInt16LE(0x2c);
  const shentsize = buf.readUInt16LE(0x2e);
  const shnum = buf.readUInt16LE(0x30);
  const shstrndx = buf.readUInt16LE(0x32);
  if (phnum > 0 && (phentsize < 32 || phoff + phnum * phentsize > buf.length)) throw bad('program headers out of range');
  if (shnum > 0 && (shentsize < 40 || shoff + shnum * shentsize > buf.length)) throw bad('section headers out of range');

  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    segments.push({
      type: buf.readUInt32LE(o),
      offset: buf.readUInt32LE(o + 4),
      virtualAddress: buf.readUInt32LE(o + 8),
      physicalAddress: buf.readUInt32LE(o + 12),
      fileSize: buf.readUInt32LE(o + 16),
      memorySize: buf.readUInt32LE(o + 20),
    });
  }
  const raw = Array.from({ length: shnum }, (_, i) => {
    const o = shoff + i * shentsize;
    return {
      nameOffset: buf.readUInt32LE(o),
      type: buf.readUInt32LE(o + 4),
      flags: buf.readUInt32LE(o + 8),
      address: buf.readUInt32LE(o + 12),
      offset: buf.readUInt32LE(o + 16),
      size: buf.readUInt32LE(o + 20),
      link: buf.readUInt32LE(o + 24),
      entsize: buf.readUInt32LE(o + 36),
    };
  });
  const strtab = raw[shstrndx];
  if (shnum > 0 && (strtab === undefined || strtab.offset + strtab.size > buf.length)) throw bad('section name table out of range');
  // A loaded section's load address: its segment's physical address plus its offset in the segment.
  const loadAddressOf = (s: { type: number; flags: number; address: number; size: number }) => {
    if (!(s.flags & SHF_ALLOC) || s.type === SHT_NOBITS) return s.address;
    const seg = segments.find(
      (p) => p.type === PT_LOAD && p.fileSize > 0 && s.address >= p.virtualAddress && s.address + s.size <= p.virtualAddress + p.memorySize,
    );
    return seg ? seg.physicalAddress + (s.address - seg.virtualAddress) : s.address;
  };
  const sections = raw.map((s) => ({
    name: cString(buf, strtab.offset + s.nameOffset),
    type: s.type,
    flags: s.flags,
    address: s.address,
    loadAddress: loadAddressOf(s),
    offset: s.offset,
    size: s.size,
  }));

  const symbols: ElfSymbol[] = [];
  const symtab = raw.find((s) => s.type === SHT_SYMTAB);
  if (symtab && symtab.entsize >= 16 && symtab.offset + symtab.size <= buf.length) {
    const names = raw[symtab.link];
    for (let o = symtab.offset; o + 16 <= symtab.offset + symtab.size; o += symtab.entsize) {
      const nameOffset = buf.readUInt32LE(o);
      if (nameOffset === 0 || names === undefined) continue;
      symbols.push({ name: cString(buf, names.offset + nameOffset), value: buf.readUInt32LE(o + 4), size: buf.readUInt32LE(o + 8) });
    }
  }
  return { entry, sections, segments, symbols };
}
