// The board file format (boards/*.json) and its validation. Addresses are hex strings ("0x20000000")
// and sizes are bytes or "<n>K" / "<n>M" strings, so a file reads like the datasheet it comes from.
import { z } from 'zod';

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

export const CORES = ['cortex-m0plus', 'cortex-m3', 'cortex-m4', 'cortex-m7', 'cortex-m33', 'cortex-m55'] as const;

const Region = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be a C/linker identifier' }),
  base: Address,
  size: Size,
  /** General data RAM the firmware may use (arena, stack, data); false keeps it out (e.g. ITCM, left for code). */
  arena: z.boolean(),
  note: z.string().optional(),
});

const Window = z.strictObject({ base: Address, size: Size });

const Qemu = z.strictObject({
  machine: z.string().min(1),
  cpu: z.string().min(1),
  /** Where the stand-in runs code from and where its RAM is: the emulator link's addresses. */
  code: Window,
  ram: Window,
  uart: z.strictObject({ kind: z.enum(['cmsdk', 'stm32-usart']), base: Address }).optional(),
  /** SysTick reference clock under -icount, to turn ticks into instructions (toolchain.md). */
  systickHz: z.number().int().positive().optional(),
});

export const BoardSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, { message: 'must be lower-case letters, digits, ".", "_" or "-"' }),
    description: z.string().min(1),
    core: z.enum(CORES),
    cores: z.number().int().positive().optional(),
    clockHz: z.number().int().positive(),
    fpu: z.enum(['none', 'sp', 'dp']),
    dsp: z.boolean(),
    /** Helium (M-profile vector extension). */
    mve: z.boolean().optional(),
    cache: z.strictObject({ instruction: Size, data: Size }).optional(),
    /** True for the emulator targets themselves (mps2/mps3): there is no hardware to flash. */
    emulated: z.boolean().optional(),
    sram: z.array(Region).min(1),
    flash: z.strictObject({ base: Address, size: Size, note: z.string().optional() }),
    gccFlags: z.array(z.string().min(1)).min(1),
    emulator: z.strictObject({
      qemu: Qemu.nullable(),
      renode: z.string().optional(),
      note: z.string().optional(),
    }),
    /** How to flash, best first; {elf}, {bin}, {hex}, {uf2} stand for the firmware files. */
    flashCommands: z.array(z.string().min(1)),
    /** Where the numbers come from. */
    source: z.string().min(1),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.sram.forEach((r, i) => {
      if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: ['sram', i, 'name'], message: 'is used by another region' });
      seen.add(r.name);
      if (r.base + r.size > 2 ** 32) ctx.addIssue({ code: 'custom', path: ['sram', i, 'size'], message: 'runs past the 4 GiB address space' });
      b.sram.slice(0, i).forEach((q) => {
        if (r.base < q.base + q.size && q.base < r.base + r.size)
          ctx.addIssue({ code: 'custom', path: ['sram', i, 'base'], message: `overlaps region "${q.name}"` });
      });
    });
    if (!b.sram.some((r) => r.arena)) ctx.addIssue({ code: 'custom', path: ['sram'], message: 'has no region marked "arena": true' });
  });

export type Board = z.output<typeof BoardSchema>;
export type SramRegion = Board['sram'][number];
export type QemuStandIn = NonNullable<Board['emulator']['qemu']>;
