// Reading user files: every failure becomes an InputError that names the file.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { InputError } from '../errors.ts';

/** The path that stands for standard input ("-" on the command line). */
export const STDIN = '/dev/stdin';

/** How a path is named in messages. */
export function sourceName(file: string): string {
  return file === STDIN || file === '-' ? 'stdin' : file;
}

/** Reads a file (or stdin for "-") as UTF-8 text; .gz files are decompressed. */
export function readText(file: string): string {
  return readBytes(file).toString('utf8');
}

export function readBytes(file: string): Buffer {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file === '-' || file === STDIN ? 0 : file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new InputError(`${sourceName(file)}: ${why}`);
  }
  if (file.endsWith('.gz')) {
    try {
      buf = zlib.gunzipSync(buf);
    } catch (e) {
      throw new InputError(`${file}: not a valid gzip file (${(e as Error).message})`);
    }
  }
  return buf;
}

export function readJson(file: string): unknown {
  const text = readText(file);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** Writes a file atomically (temp file + rename), so a failed run never leaves half an output. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new InputError(`${file}: cannot write (${(e as Error).message})`);
  }
}
