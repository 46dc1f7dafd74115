// The fields of a board file (boards/*.json), each parsed on its own: addresses are hex strings
// ("0x20000000") and sizes are bytes or "<n>K" / "<n>M" strings, so a file reads like the datasheet it
// comes from. Checks across fields are consistency.ts's; schema.ts runs both.
import { z } from 'zod';
import { ClockSchema, VariantSchema } from './clock.ts';
import { CORES } from './cores.ts';

const Address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{1,8}$/, { message: 'must be a hex address like "0x20000000"' })
  .transform((s) => Number.parseInt(s, 16));

const UNIT: Record<string, number> = { '': 1, K: 1024, M: 1024 * 1024 };
const SIZE_TEXT = /^([1-9][0-9]*)([KM]?)$/;
/** One check with one message (a zod union would only say "Invalid input"). */
const Size = z.unknown().transform((v, ctx) => {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  const m = typeof v === 'string' ? SIZE_TEXT.exec(v) : null;
  if (m) return Number(m[1]) * UNIT[m[2]];
  ctx.addIssue({ code: 'custom', message: 'must be a positive byte count or a size like "64K" or "2M"' });
  return z.NEVER;
});


// Strings below reach a Makefile, a shell, a linker script or a Renode script: each has a strict pattern.
/** One line of prose (descriptions, notes): it only reaches comments, escaped there; no control characters. */
const Prose = z.string().min(1).max(500).regex(/^[^\x00-\x1f\x7f-\x9f]*$/, { message: 'must be one line without control characters' });
/** QEMU machine and CPU names (qemu-system-arm -M help). */
const QemuName = z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, { message: 'must be a QEMU name: lower-case letters, digits, "." and "-"' }).max(40);
/** A Renode platform file: relative path segments that cannot be "..", ending in .repl. */
const RenodePlatform = z.string().max(200).regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*\.repl$/, {
  message: 'must be a platform path like "platforms/cpus/stm32f746.repl"',
});
/**
 * A flash command line, pasted into the Makefile's flash rule: words of plain characters, double quotes
 * that pair up, and the {elf} {bin} {hex} {uf2} placeholders; no $, backquote, ;, |, &, <, >, #, \, ( ) or newline.
 */
const FlashCommand = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9 _./:=,+@%"{}-]*$/, { message: 'must be one command of letters, digits, spaces, quotes and _ . / : = , + @ % - (no shell syntax)' })
  .refine((c) => (c.match(/"/g) ?? []).length % 2 === 0, { message: 'has an unpaired double quote' })
  .refine((c) => c.replace(/\{(elf|bin|hex|uf2)\}/g, '').search(/[{}]/) < 0, { message: 'may use only the placeholders {elf}, {bin}, {hex} and {uf2}' });

const Region = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be a C/linker identifier' }).max(32),
  base: Address,
  size: Size,
  /** General data RAM the firmware may use (arena, stack, data); false keeps it out (e.g. ITCM, left for code). */
  arena: z.boolean(),
  note: Prose.optional(),
});

const Window = z.strictObject({ base: Address, size: Size });

const Qemu = z.strictObject({
  machine: QemuName,
  cpu: QemuName,
  /** Where the stand-in runs code from and where its RAM is: the emulator link's addresses. */
  code: Window,
  ram: Window,
  uart: z.strictObject({ kind: z.enum(['cmsdk', 'stm32-usart']), base: Address }).optional(),
  /** SysTick reference clock under -icount, to turn ticks into instructions (toolchain.md). */
  systickHz: z.number().int().positive().optional(),
});

/** A line store in front of a memory (ART accelerator or L1 cache): what the cycle model's line misses see. */
const LinePath = z
  .strictObject({
    kind: z.enum(['none', 'art', 'cache']),
    /** Capacity; absent for 'none'. */
    bytes: Size.optional(),
    lineBytes: z.number().int().positive(),
    ways: z.number().int().positive().optional(),
    /** Sequential flash lines are fetched ahead (their wait states hidden). */
    prefetch: z.boolean().optional(),
    /** The data cache also holds (non-TCM) SRAM lines (Cortex-M7 AXI SRAM). */
    cachesSram: z.boolean().optional(),
    /** Cycles of an SRAM line fill behind the data cache. */
    sramMissCycles: z.number().min(0).optional(),
    /**
     * Bytes one memory read brings, when a line is filled in several reads (the ST ART in dual-bank mode:
     * rows of 4 x 64 bits, flash read 64 bits at a time); each part not yet read is a miss. Default lineBytes.
     */
    readBytes: z.number().int().positive().optional(),
  })
  .refine((p) => p.readBytes === undefined || (p.readBytes <= p.lineBytes && p.lineBytes % p.readBytes === 0 && p.lineBytes / p.readBytes <= 32), {
    message: 'readBytes must divide lineBytes (at most 32 reads a line)',
    path: ['readBytes'],
  });

/**
 * Memory timing at `clockHz`, for the cycle model (src/emu/cycle-model.ts). Optional: a board without it
 * is modelled with zero-wait memories, and the model says so. Its flash wait states are not written here:
 * they are clock.flashWaitStates (the value the start-up code programs), added on load.
 */
const MemoryTiming = z.strictObject({
  /** Refused: the one source is clock.flashWaitStates (checked against the reference manual). */
  flashWaitStates: z.unknown().optional(),
  /** Extra cycles of a flash line read beyond the wait states (bus, e.g. AXI). */
  flashBusCycles: z.number().int().min(0).optional(),
  instructionPath: LinePath,
  dataPath: LinePath,
  /** SRAM regions (names from "sram") that are tightly coupled: zero wait and not behind the data cache. */
  tcm: z.array(z.string()).optional(),
  source: z.string().min(1),
});

export const BoardObject = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, { message: 'must be lower-case letters, digits, ".", "_" or "-"' }).max(64),
  description: Prose,
  core: z.enum(CORES),
  cores: z.number().int().min(1).max(16).optional(),
  clockHz: z.number().int().positive(),
  /** The clock tree the start-up code sets up (src/board/clock.ts recomputes it; clockHz must be its core clock). */
  clock: ClockSchema,
  /** Carrier boards of the same chip (--variant): oscillator, PLL and console UART. */
  variants: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/).max(32), VariantSchema).optional(),
  fpu: z.enum(['none', 'sp', 'dp']),
  dsp: z.boolean(),
  /** Helium (M-profile vector extension). */
  mve: z.boolean().optional(),
  cache: z.strictObject({ instruction: Size, data: Size }).optional(),
  memoryTiming: MemoryTiming.optional(),
  /** True for the emulator targets themselves (mps2/mps3): there is no hardware to flash. */
  emulated: z.boolean().optional(),
  sram: z.array(Region).min(1),
  flash: z.strictObject({ base: Address, size: Size, note: Prose.optional() }),
  /** Target options only, from an allow-list checked against core and fpu (gcc-flags.ts). */
  gccFlags: z.array(z.string().min(1).max(100)).min(1).max(16),
  emulator: z.strictObject({
    qemu: Qemu.nullable(),
    renode: RenodePlatform.optional(),
    note: Prose.optional(),
  }),
  /** How to flash, best first; {elf}, {bin}, {hex}, {uf2} stand for the firmware files. */
  flashCommands: z.array(FlashCommand).max(16),
  /** Where the numbers come from. */
  source: Prose,
});
/** A board's fields as the file has them (before load derives memoryTiming's wait states and the variant). */
export type BoardFields = z.output<typeof BoardObject>;
