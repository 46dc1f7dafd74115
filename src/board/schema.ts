// The board file format (boards/*.json) and its validation: each field parsed (fields.ts), then the
// checks across fields (consistency.ts), then what load derives.
import type { z } from 'zod';
import { clockTree } from './clock.ts';
import { boardProblems } from './consistency.ts';
import { CORES } from './cores.ts';
import { BoardObject } from './fields.ts';

export { CORES };
export type { BoardFields } from './fields.ts';

export const BoardSchema = BoardObject.superRefine((b, ctx) => {
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
  for (const p of boardProblems(b)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
  if (b.memoryTiming?.flashWaitStates !== undefined)
    ctx.addIssue({ code: 'custom', path: ['memoryTiming', 'flashWaitStates'], message: 'is not written here: the cycle model reads clock.flashWaitStates (one source)' });
  b.memoryTiming?.tcm?.forEach((name, i) => {
    if (!b.sram.some((r) => r.name === name)) ctx.addIssue({ code: 'custom', path: ['memoryTiming', 'tcm', i], message: `names no "sram" region (${b.sram.map((r) => r.name).join(', ')})` });
  });
}).transform((b) => {
  const variant = Object.entries(b.variants ?? {}).find(([, v]) => v.default)?.[0];
  const memoryTiming = b.memoryTiming && { ...b.memoryTiming, flashWaitStates: clockTree(b.clock).flashWaitStates };
  /** `variant`: the variant this board value is set up for (the default one on load; --variant picks another). */
  return { ...b, memoryTiming, variant };
});

export type Board = z.output<typeof BoardSchema>;
export type SramRegion = Board['sram'][number];
export type QemuStandIn = NonNullable<Board['emulator']['qemu']>;
export type MemoryTimingSpec = NonNullable<Board['memoryTiming']>;
