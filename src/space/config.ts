// The arch config: exactly the lab's dict {wid, ks[20], e[20], d[6], image_size} (spec §3).
// Validation is strict: exact keys, exact lengths, allowed values only; errors name the field and value.
import { z } from 'zod';
import { InputError, show } from '../errors.ts';
import { parseJson } from '../io/json-depth.ts';
import {
  DEPTHS,
  EXPAND_RATIOS,
  IMAGE_SIZES,
  KERNEL_SIZES,
  N_SLOTS,
  N_STAGES,
  type Depth,
  type ExpandRatio,
  type ImageSize,
  type KernelSize,
  type WidthIndex,
} from './constants.ts';

export interface ArchConfig {
  wid: WidthIndex;
  ks: KernelSize[];
  e: ExpandRatio[];
  d: Depth[];
  image_size: ImageSize;
}

const oneOf = <T extends number>(values: readonly T[]) =>
  z.number().refine((v): v is T => (values as readonly number[]).includes(v), {
    message: `is not one of ${values.join(', ')}`,
  });

const listOf = <T extends number>(values: readonly T[], n: number) =>
  z.array(oneOf(values)).refine((a) => a.length === n, { message: `must have exactly ${n} entries`, abort: true });

export const ArchConfigSchema = z.strictObject({
  wid: oneOf([0, 1, 2] as const),
  ks: listOf(KERNEL_SIZES, N_SLOTS),
  e: listOf(EXPAND_RATIOS, N_SLOTS),
  d: listOf(DEPTHS, N_STAGES),
  image_size: oneOf(IMAGE_SIZES),
});

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) v = v != null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** Describes the first problem of a zod failure as one line naming the field and the value found there. */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const where = pathText(issue.path);
  if (issue.code === 'unrecognized_keys') return `unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  const value = valueAt(input, issue.path);
  if (value === undefined && issue.code === 'invalid_type') return `missing field "${where}"`;
  if (issue.code === 'invalid_type') return `field "${where}": expected ${issue.expected}, got ${show(value)}`;
  if (issue.code === 'custom' && issue.message.startsWith('must have'))
    return `field "${where}": ${issue.message}, got ${Array.isArray(value) ? value.length : show(value)}`;
  return `field "${where}": ${show(value)} ${issue.message}`;
}

/** Returns the validated config, or throws InputError naming `source`, the field and the value. */
export function parseArchConfig(value: unknown, source: string): ArchConfig {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InputError(`${source}: an arch config must be a JSON object {wid, ks, e, d, image_size}, got ${show(value)}`);
  const r = ArchConfigSchema.safeParse(value);
  if (!r.success) throw new InputError(`${source}: ${describeIssue(r.error.issues[0], value)}`);
  return r.data as ArchConfig;
}

/** Parses JSON text (depth-bounded) then validates; a syntax error names the source too. */
export function parseArchJson(text: string, source: string): ArchConfig {
  return parseArchConfig(parseJson(text, source), source);
}

/** A deep copy in the lab's key order (wid, ks, e, d, image_size), so printed configs look like the lab's. */
export function cloneArch(c: ArchConfig): ArchConfig {
  return { wid: c.wid, ks: c.ks.slice(), e: c.e.slice(), d: c.d.slice(), image_size: c.image_size };
}

/** A canonical string key for a config (for de-duplication). */
export function archKey(c: ArchConfig): string {
  return `${c.wid}|${c.image_size}|${c.ks.join('')}|${c.e.join('')}|${c.d.join('')}`;
}
