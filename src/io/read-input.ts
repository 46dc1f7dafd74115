// Reading user files: every failure becomes an InputError that names the file.
// The bounds live in bounded-read.ts and json-depth.ts; this module is the door every caller uses.
import fs from 'node:fs';
import { InputError } from '../errors.ts';
import { removeTracked, track, untrack } from './cleanup.ts';
import { readBounded, sourceName, type ReadOptions } from './bounded-read.ts';
import { parseJson } from './json-depth.ts';

export { STDIN, sourceName, readHead, READ_LIMITS, type ReadKind, type ReadOptions } from './bounded-read.ts';
export { parseJson, MAX_JSON_DEPTH } from './json-depth.ts';

/**
 * A file's bytes (or stdin's, for "-"), .gz decompressed: regular files only, size-checked before
 * reading (default: the limit for a model file).
 */
export function readBytes(file: string, opts: ReadOptions = {}): Buffer {
  return readBounded(file, opts, 'model');
}

/** As readBytes, as UTF-8 text (default: the limit for a JSON file). */
export function readText(file: string, opts: ReadOptions = {}): string {
  return readBounded(file, opts, 'json').toString('utf8');
}

/** A JSON file (or stdin), bounded in size and in nesting depth. */
export function readJson(file: string, opts: ReadOptions = {}): unknown {
  return parseJson(readText(file, opts), sourceName(file));
}

/** Writes a file atomically (temp file + rename), so a failed run never leaves half an output. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = track(`${file}.tmp-${process.pid}`); // removed on a signal too
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
    untrack(tmp);
  } catch (e) {
    removeTracked(tmp);
    throw new InputError(`${file}: cannot write (${(e as Error).message})`);
  }
}
