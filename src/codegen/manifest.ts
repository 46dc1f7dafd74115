// firmware.json, the manifest of a generated C project: what the project is (board, model, both link
// layouts), how to build it (the recipe: the commands of the Makefile, which src/emu's build follows),
// how to run it (QEMU machine, Renode files). Code generation writes it; src/emu reads it back from a
// folder a user hands to `mcu-nas run` and validates it here first.
import { z } from 'zod';

export const MANIFEST = 'firmware.json';
export const FORMAT = 'mcu-nas-firmware/1';

// firmware.json is read back from a folder a user hands to `mcu-nas run`, and its flags go to gcc: only
// plain options and relative paths, none of the options that run other programs.
const RUNS_PROGRAMS = /^(-wrapper|-fplugin|-B|-Wl,-plugin|-Wl,--plugin|-fdump|--sysroot|-iprefix|-specs=\/|--specs=\/)/;
const Flag = z
  .string()
  .regex(/^--?[A-Za-z0-9][A-Za-z0-9_=+.,:-]*$/, { message: 'must be a plain compiler option' })
  .refine((f) => !RUNS_PROGRAMS.test(f), { message: 'is not an option mcu-nas writes' });
const RelativePath = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/, { message: 'must be a relative path' })
  .refine((p) => !p.split('/').includes('..'), { message: 'must stay inside the project' });

const LinkRegionSchema = z.object({ name: z.string(), origin: z.number(), length: z.number(), parts: z.array(z.string()) });
const LinkLayoutSchema = z.object({
  link: z.enum(['board', 'qemu']),
  flash: LinkRegionSchema,
  ram: z.array(LinkRegionSchema),
  runtime: z.string(),
  testData: LinkRegionSchema.nullable(),
  stackBytes: z.number(),
  boot2Bytes: z.number().optional(),
});
const LinkRecipeSchema = z.object({ script: RelativePath, sources: z.array(RelativePath), defines: z.array(Flag), elf: RelativePath, map: RelativePath });

export const ManifestSchema = z.object({
  format: z.literal(FORMAT),
  modelName: z.string(),
  /** variant: the board variant built for (--variant); clock: the clock tree the board link sets up (src/board/clock.ts). */
  board: z.object({ name: z.string(), description: z.string(), core: z.string(), clockHz: z.number(), emulated: z.boolean(), variant: z.string().nullable().optional(), clock: z.string().optional() }),
  /** The QEMU stand-in and its SysTick clock (instructions = ticks x 1e9 / tickHz under -icount shift=0). */
  qemu: z.object({ machine: z.string(), tickHz: z.number() }).nullable(),
  layouts: z.object({ board: LinkLayoutSchema, qemu: LinkLayoutSchema.nullable() }),
  recipe: z.object({
    cpuFlags: z.array(Flag),
    cflags: z.array(Flag),
    includeDirs: z.array(RelativePath.or(z.literal('.'))),
    sources: z.array(RelativePath),
    ldflags: z.array(Flag),
    board: LinkRecipeSchema.extend({ bin: RelativePath, hex: RelativePath, uf2: RelativePath.optional() }),
    qemu: LinkRecipeSchema.nullable(),
  }),
  flashCommands: z.array(z.string()),
  /** vectorsBase: where firmware.resc puts vectors.bin; vectorsAt: the board link's word it writes that address into. */
  renode: z.object({ resc: z.string(), robot: z.string(), uart: z.string(), vectors: z.string(), vectorsBase: z.number(), vectorsAt: z.number() }).nullable(),
  testSets: z.number(),
});

export type FirmwareManifest = z.infer<typeof ManifestSchema>;

/** One file of a project: its path inside the project folder and its bytes (text is UTF-8). */
export interface ProjectFile {
  path: string;
  content: string | Uint8Array;
}

/** A generated C project as a value: every file, and the manifest (also one of the files, firmware.json). */
export interface CProject {
  files: ProjectFile[];
  manifest: FirmwareManifest;
}
