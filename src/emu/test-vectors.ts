// Test inputs and expected outputs as C initializers (templates/test_vectors.c.hbs places them).
import { renderTemplate } from './render.ts';

export interface TestSet {
  /** The model's input tensor, as bytes (int8 values; a Uint8Array is reinterpreted). */
  input: Int8Array | Uint8Array;
  /** The expected output; without it the firmware prints the output and does not check it. */
  expected?: Int8Array | Uint8Array;
}

/** int8 values, 16 to a line, each line ending in a comma. */
export function int8Lines(bytes: Int8Array | Uint8Array, perLine = 16): string[] {
  const values = Int8Array.from(bytes instanceof Int8Array ? bytes : new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += perLine) lines.push(`${Array.from(values.subarray(i, i + perLine)).join(', ')},`);
  return lines;
}

export function renderTestVectors(sets: readonly TestSet[], modelComment: string): string {
  return renderTemplate('test_vectors.c.hbs', {
    modelComment,
    setCount: sets.length,
    sets: sets.map((s, index) => ({
      index,
      inputLength: s.input.length,
      inputLines: int8Lines(s.input),
      expectedLength: s.expected?.length ?? 0,
      expectedLines: s.expected ? int8Lines(s.expected) : null,
    })),
  });
}
