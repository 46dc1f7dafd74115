// C initializers for constant arrays: numbers only (no names), a fixed count per line so the generated
// files diff well and stay readable.

/** Integer values, `perLine` to a line, each line ending in a comma. */
export function integerLines(values: ArrayLike<number>, perLine = 16): string[] {
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    const row: string[] = [];
    for (let k = i; k < Math.min(values.length, i + perLine); k++) row.push(cInt(values[k]));
    lines.push(`${row.join(', ')},`);
  }
  return lines;
}

/** One int32 literal. INT32_MIN has no literal form in C (2147483648 does not fit an int). */
export function cInt(v: number): string {
  if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw new RangeError(`bug: ${v} is not an int32`);
  return v === -2147483648 ? '(-2147483647 - 1)' : String(v);
}
