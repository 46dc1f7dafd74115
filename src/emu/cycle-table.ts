// The per-core timing tables (boards/cores/<core>.json): cycles per instruction class from the cores'
// Technical Reference Manuals and published measurements, each entry with its source. Stall costs that
// depend on the board's memories name a board-derived figure instead of a number.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { BUILTIN_BOARDS_DIR } from '../board/load.ts';
import { InputError } from '../errors.ts';

export const CORES_DIR = path.join(BUILTIN_BOARDS_DIR, 'cores');

/** Board-derived stall costs (src/emu/cycle-model.ts computes them from the board's memoryTiming). */
export const BOARD_PENALTIES = ['flashPenalty', 'flashSequentialPenalty', 'sramMissPenalty'] as const;
export type BoardPenalty = (typeof BOARD_PENALTIES)[number];

const ClassCost = z.strictObject({
  cycles: z.number().min(0),
  /** LDM/STM: cycles per register in the list (1+N cores). */
  perRegister: z.number().min(0).optional(),
  /** LDM/STM: cycles per started pair of registers (Cortex-M7: ceil(N/2)). */
  perRegisterPair: z.number().min(0).optional(),
  source: z.string().min(1),
});

const StallCost = z.strictObject({
  cycles: z.union([z.number().min(0), z.enum(BOARD_PENALTIES)]),
  source: z.string().min(1),
});

export const CoreTableSchema = z.strictObject({
  core: z.string().min(1),
  source: z.string().min(1),
  note: z.string(),
  /** Paired instructions (second of a dual-issue pair) cost nothing beyond their partner's cycle. */
  dualIssue: z.boolean(),
  classes: z.record(z.string(), ClassCost),
  stalls: z.record(z.string(), StallCost),
});

export type CoreTable = z.output<typeof CoreTableSchema>;

const cache = new Map<string, CoreTable>();

/** The timing table of `core` (a CORES name); an InputError names the file when it is missing or malformed. */
export function loadCoreTable(core: string, dir = CORES_DIR): CoreTable {
  const file = path.join(dir, `${core}.json`);
  const hit = cache.get(file);
  if (hit) return hit;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: no readable timing table for ${core} (${(e as Error).message.split('\n')[0]})`);
  }
  const parsed = CoreTableSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${file}: field "${issue.path.join('.')}" ${issue.message}`);
  }
  if (parsed.data.core !== core) throw new InputError(`${file}: field "core" is ${parsed.data.core}, expected ${core}`);
  cache.set(file, parsed.data);
  return parsed.data;
}
