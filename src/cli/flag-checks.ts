// Checks and parsers of flag values, shared by the commands: each failure is one InputError naming the flag.
import { InputError } from '../errors.ts';
import type { PatchRequest } from '../schedule/index.ts';

/** An integer in [min, max]. */
export function intInRange(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new InputError(`--${name}: expected an integer from ${min} to ${max}, got ${v}`);
  return v;
}

/** `auto` (the fastest plan that fits), `min-sram`, `off` or `<n>x<n>@<layer>`. */
export function parsePatch(text: string): PatchRequest {
  if (text === 'auto' || text === 'off' || text === 'min-sram') return text;
  const m = /^(\d+)x(\d+)@(.+)$/.exec(text);
  if (!m) throw new InputError(`--patch: expected auto, min-sram, off or <n>x<n>@<layer> (e.g. 4x4@blocks.4), got "${text}"`);
  const n = Number(m[1]);
  if (Number(m[2]) !== n) throw new InputError(`--patch: patches are n x n, got ${m[1]}x${m[2]}`);
  if (n < 1 || n > 64) throw new InputError(`--patch: n must be between 1 and 64, got ${n}`);
  return { n, layer: m[3] };
}
