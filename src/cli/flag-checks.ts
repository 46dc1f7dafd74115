// Checks of numeric flag values, shared by the commands: each failure is one InputError naming the flag.
import { InputError } from '../errors.ts';

/** An integer in [min, max]. */
export function intInRange(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new InputError(`--${name}: expected an integer from ${min} to ${max}, got ${v}`);
  return v;
}
