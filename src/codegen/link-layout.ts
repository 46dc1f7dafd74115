// The two links of one firmware ("two links, one source", DESIGN.md). Both have the board's real
// region sizes; the board link has the board's addresses, the emulator link the QEMU stand-in's
// (board/regions.ts maps them). SRAM regions that touch on the board are one linker region, named
// after its parts (stm32f746: DTCM_SRAM1_SRAM2, 320 KB), so a linker message names what the datasheet
// names.
import type { Board } from '../board/schema.ts';
import { arenaSpans, emulatorLayout } from '../board/regions.ts';
import { BOOT2_BYTES } from './boot2.ts';
import { cComment } from './escape.ts';
import { hex32, kb } from './literals.ts';
import { renderTemplate } from './render.ts';

export type LinkKind = 'board' | 'qemu';

export interface LinkRegion {
  /** The MEMORY name in the linker script. */
  name: string;
  origin: number;
  length: number;
  /** The board's own regions this covers (SRAM) or what it is (flash, test data). */
  parts: string[];
}

export interface LinkLayout {
  link: LinkKind;
  flash: LinkRegion;
  ram: LinkRegion[];
  /** The RAM region that holds the stack, .data and .bss. */
  runtime: string;
  /** Where test vectors go when not in flash (emulator link only, past the board's flash size). */
  testData: LinkRegion | null;
  stackBytes: number;
  /** Bytes before the vector table at the flash base: the RP2040's boot stage 2 (board link), else 0. */
  boot2Bytes?: number;
}

export interface LayoutOptions {
  stackBytes: number;
  /** Board regions of the run the planner chose for stack and static data; default: the largest run. */
  runtimeRegions?: readonly string[];
}

/** Bytes of the vector table (firmware/startup.c: 16 system vectors + 32 interrupts). */
export const VECTOR_TABLE_BYTES = 48 * 4;
/**
 * Where a test bench (firmware.resc) puts the test-vector blob when it runs the board link: memory
 * it adds to the emulated chip at an address no board in boards/ has (the FMC/external-memory range of
 * the STM32s, unmapped on the nRF52840 and the RP2040), so the board image itself holds no test data.
 */
export const BENCH_VECTORS_BASE = 0x70000000;

/** The linker MEMORY names of flash and of the emulator link's test data. */
export const FLASH_REGION = 'FLASH';
export const TESTDATA_REGION = 'TESTDATA';

/**
 * The linker's name for a run of board regions: the regions joined by "_", renamed when it would clash
 * with the flash or test-data region. The one naming rule: the linker scripts' MEMORY regions and the
 * arena's sections (.sram.<name>, arena.ts) both take their names from here.
 */
export function regionName(parts: readonly string[]): string {
  const name = parts.join('_');
  return name === FLASH_REGION || name === TESTDATA_REGION ? `${name}_RAM` : name;
}

/** The linker layout of one link, or undefined for the emulator link of a board without a QEMU stand-in. */
export function linkLayout(board: Board, link: LinkKind, opts: LayoutOptions): LinkLayout | undefined {
  const emu = link === 'qemu' ? emulatorLayout(board) : undefined;
  if (link === 'qemu' && emu === undefined) return undefined;
  const spans = arenaSpans(board);
  const baseOf = (region: string, boardBase: number) => (emu ? emu.sram.find((r) => r.name === region)!.base : boardBase);
  const ram = spans.map((s) => ({ name: regionName(s.regions), origin: baseOf(s.regions[0], s.base), length: s.size, parts: [...s.regions] }));
  const wanted = opts.runtimeRegions?.[0];
  const runtime = wanted === undefined ? ram[0] : ram.find((r) => r.parts.includes(wanted));
  if (runtime === undefined) throw new Error(`runtime region ${wanted} is not an arena-usable SRAM region of ${board.name}`);
  const flash: LinkRegion = emu
    ? { name: FLASH_REGION, origin: emu.flash.base, length: emu.flash.size, parts: ['flash'] }
    : { name: FLASH_REGION, origin: board.flash.base, length: board.flash.size, parts: ['flash'] };
  let testData: LinkRegion | null = null;
  if (emu) {
    const q = board.emulator.qemu!;
    const rest = q.code.base + q.code.size - (flash.origin + flash.length);
    if (rest > 0) testData = { name: TESTDATA_REGION, origin: flash.origin + flash.length, length: rest, parts: ['test data'] };
  }
  // The RP2040 boot ROM runs the first 256 bytes of flash (boot stage 2); the vector table follows them.
  const boot2Bytes = link === 'board' && board.clock.chip === 'rp2040' ? BOOT2_BYTES : 0;
  return { link, flash, ram, runtime: runtime.name, testData, stackBytes: opts.stackBytes, boot2Bytes };
}

function regionComment(r: LinkRegion, what: string): string {
  return cComment(`${what}: ${r.parts.join(' + ')}, ${kb(r.length)}`);
}

export function renderLinkerScript(board: Board, layout: LinkLayout, file: string): string {
  const q = board.emulator.qemu;
  const linkComment =
    layout.link === 'board'
      ? `board link: ${board.name}'s own addresses`
      : `emulator link: ${q?.machine ?? '?'} addresses with ${board.name}'s region sizes`;
  const hexRegion = (r: LinkRegion, what: string) => ({ name: r.name, origin: hex32(r.origin), length: r.length, comment: regionComment(r, what) });
  return renderTemplate('linker.ld.hbs', {
    file,
    boardComment: cComment(`${board.name} (${board.description})`),
    linkComment: cComment(linkComment),
    flash: hexRegion(layout.flash, layout.link === 'board' ? 'board flash' : `board flash size at the ${q?.machine} code address`),
    ram: layout.ram.map((r) => hexRegion(r, 'SRAM')),
    testData: layout.testData ? hexRegion(layout.testData, `rest of the ${q?.machine} code memory`) : null,
    // Only the emulator link has test data; past the board's flash size where the stand-in has room.
    testDataRegion: layout.link === 'board' ? null : layout.testData ? layout.testData.name : layout.flash.name,
    testDataComment: cComment(
      layout.testData
        ? `in ${layout.testData.name}, past the board's flash size: they never count against the board`
        : `in flash: ${q?.machine ?? 'the stand-in'} has no code memory past the board's flash size, so this link needs room for them`,
    ),
    vectorsAtOffset: layout.link === 'board' ? (layout.boot2Bytes ?? 0) + VECTOR_TABLE_BYTES : null,
    boot2Bytes: layout.boot2Bytes ? layout.boot2Bytes : null,
    runtime: layout.runtime,
    stackBytes: layout.stackBytes,
  });
}
