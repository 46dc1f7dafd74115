// Checks of numeric flag values, shared by the commands: each failure is one InputError naming the flag.
import { InputError } from '../errors.ts';

/** An integer in [min, max]. */
export function intInRange(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new InputError(`--${name}: expected an integer from ${min} to ${max}, got ${v}`);
  return v;
}

/** A positive number (a positive safe integer with `integer`); undefined passes (the flag was not given). */
export function positive<T extends number | undefined>(name: string, v: T, integer = false): T {
  if (v === undefined) return v;
  const ok = integer ? Number.isSafeInteger(v) && v >= 1 : Number.isFinite(v) && v > 0;
  if (!ok) throw new InputError(`--${name}: expected a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  return v;
}

/** A probability in [0, 1]. */
export function probability(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new InputError(`--${name}: expected a probability in [0, 1], got ${v}`);
  return v;
}
