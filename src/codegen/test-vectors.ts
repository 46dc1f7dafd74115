// Test inputs and expected outputs as one blob (the layout in firmware/mcunas_test_vectors.h): compiled
// into the emulator link by test_vectors.c (templates/test_vectors.c.hbs), and written as vectors.bin
// for a test bench that runs the board link (firmware.resc). The board link never holds it.
import { byteLines } from './literals.ts';
import { renderTemplate } from './render.ts';

export interface TestSet {
  /** The model's input tensor, as bytes (int8 values; a Uint8Array is reinterpreted). */
  input: Int8Array | Uint8Array;
  /** The expected output; without it the firmware prints the output and does not check it. */
  expected?: Int8Array | Uint8Array;
}

export const VECTORS_MAGIC = 0x5643554d;
export const VECTORS_FILE = 'vectors.bin';
const HAS_EXPECTED = 1;

const padded = (n: number) => (n + 3) & ~3;
const bytesOf = (a: Int8Array | Uint8Array) => new Uint8Array(a.buffer, a.byteOffset, a.length);

/** The blob of some test sets; every input has one length, and every expected output another. */
export function vectorsBlob(sets: readonly TestSet[]): Uint8Array {
  if (sets.length === 0) throw new Error('a test-vector blob needs at least one test set');
  const inputBytes = sets[0].input.length;
  const outputBytes = sets.find((s) => s.expected)?.expected?.length ?? 0;
  sets.forEach((s, i) => {
    if (s.input.length === 0 || s.input.length !== inputBytes) throw new Error(`test set ${i}: input of ${s.input.length} bytes, expected ${inputBytes} (and more than 0)`);
    if (s.expected && (s.expected.length === 0 || s.expected.length !== outputBytes))
      throw new Error(`test set ${i}: expected output of ${s.expected.length} bytes, expected ${outputBytes} (and more than 0)`);
  });
  const size = 16 + sets.reduce((n, s) => n + 4 + padded(inputBytes) + (s.expected ? padded(outputBytes) : 0), 0);
  const blob = new Uint8Array(size);
  const view = new DataView(blob.buffer);
  [VECTORS_MAGIC, sets.length, inputBytes, outputBytes].forEach((v, i) => view.setUint32(4 * i, v, true));
  let at = 16;
  for (const s of sets) {
    view.setUint32(at, s.expected ? HAS_EXPECTED : 0, true);
    at += 4;
    blob.set(bytesOf(s.input), at);
    at += padded(inputBytes);
    if (s.expected) {
      blob.set(bytesOf(s.expected), at);
      at += padded(outputBytes);
    }
  }
  return blob;
}

export function renderTestVectors(sets: readonly TestSet[], modelComment: string): string {
  const blob = vectorsBlob(sets);
  return renderTemplate('test_vectors.c.hbs', {
    modelComment,
    setCount: sets.length,
    inputBytes: sets[0].input.length,
    outputBytes: sets.find((s) => s.expected)?.expected?.length ?? 0,
    blobBytes: blob.length,
    lines: byteLines(blob),
  });
}
