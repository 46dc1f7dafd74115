// How numbers are written in generated text: C initializers for constant arrays (numbers only, no
// names, a fixed count per line so the generated files diff well and stay readable), addresses and
// sizes for linker scripts and comments. Every array literal of the project comes from rows() below.

/** The values formatted, `perLine` to a row, joined by ", ". */
export function rows<T>(values: ArrayLike<T>, perLine: number, format: (v: T) => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    const row: string[] = [];
    for (let k = i; k < Math.min(values.length, i + perLine); k++) row.push(format(values[k]));
    out.push(row.join(', '));
  }
  return out;
}

/** Integer values, `perLine` to a line, each line ending in a comma. */
export function integerLines(values: ArrayLike<number>, perLine = 16): string[] {
  return rows(values, perLine, cInt).map((r) => `${r},`);
}

/** One byte as a C hex literal: 0x0a. */
export const cByte = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

/** Byte values as C hex literals, 16 to a line, each line ending in a comma. */
export function byteLines(bytes: Uint8Array, perLine = 16): string[] {
  return rows(bytes, perLine, cByte).map((r) => `${r},`);
}

/** One int32 literal. INT32_MIN has no literal form in C (2147483648 does not fit an int). */
export function cInt(v: number): string {
  if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw new RangeError(`bug: ${v} is not an int32`);
  return v === -2147483648 ? '(-2147483647 - 1)' : String(v);
}

/** 0x-prefixed, upper-case, 8 digits: how addresses read in datasheets and linker scripts. */
export function hex32(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** "320 KB" / "1 MB" / "84.5 KB" (1 KB = 1024 B), for comments and messages. */
export function kb(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  const k = bytes / 1024;
  return `${Number.isInteger(k) ? k : k.toFixed(1)} KB`;
}
