// Reading a user's file without trusting it: a path may name a FIFO that never ends, a device that
// never stops (/dev/zero, through a symlink), a folder, or a file far larger than any real input.
// So the kind of file and its size are settled from stat before a byte is read, the open cannot block
// (O_NONBLOCK), the checks are repeated on the opened descriptor (the path may change in between), and
// the read itself stops one byte past the limit whatever stat said.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { InputError } from '../errors.ts';

export const MiB = 1024 * 1024;

/** The most bytes one input of each kind may hold (after decompression for .gz). */
export const READ_LIMITS = {
  /** ONNX, TFLite, PyTorch checkpoints, test tensors (.pb): the largest real model here is 16 MB. */
  model: 256 * MiB,
  /** Arch configs, board files, report.json, predictor files (the shipped predictor is 2 MB). */
  json: 16 * MiB,
  /** One image of an image folder. */
  image: 64 * MiB,
} as const;

export type ReadKind = keyof typeof READ_LIMITS;

export interface ReadOptions {
  /** Which limit applies (READ_LIMITS); readBytes defaults to "model", readText and readJson to "json". */
  kind?: ReadKind;
  /** A limit in bytes that replaces the kind's. */
  maxBytes?: number;
}

/** The path that stands for standard input ("-" on the command line). */
export const STDIN = '/dev/stdin';

export const isStdin = (file: string): boolean => file === '-' || file === STDIN;

/** How a path is named in messages. */
export function sourceName(file: string): string {
  return isStdin(file) ? 'stdin' : file;
}

const KIND_NAME: Record<ReadKind, string> = { model: 'a model file', json: 'a JSON file', image: 'an image' };

export interface ReadLimit {
  bytes: number;
  /** "the 16 MiB limit for a JSON file", for messages. */
  what: string;
}

export function limitOf(opts: ReadOptions, fallback: ReadKind): ReadLimit {
  if (opts.maxBytes !== undefined) return { bytes: opts.maxBytes, what: `the ${formatBytes(opts.maxBytes)} limit` };
  const kind = opts.kind ?? fallback;
  return { bytes: READ_LIMITS[kind], what: `the ${formatBytes(READ_LIMITS[kind])} limit for ${KIND_NAME[kind]}` };
}

/** "256 MiB", "1.5 GiB", "900 B": for messages; rounded up, so a size just over a limit never reads as equal to it. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : (Math.ceil(v * 10) / 10).toFixed(1)} ${units[u]}`;
}

/** What a non-regular file is, for "not a regular file (a FIFO)". */
function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

const WHY: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many levels of symbolic links',
  ENOTDIR: 'a part of the path is not a folder',
  ENAMETOOLONG: 'the path is too long',
};

function failure(file: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  return new InputError(`${file}: ${(code && WHY[code]) ?? `cannot read (${code ?? (e as Error).message})`}`);
}

/** "it links to /dev/zero, " when `file` is a symlink, so the message names what was refused. */
function linkNote(file: string): string {
  try {
    return fs.lstatSync(file).isSymbolicLink() ? `it links to ${fs.realpathSync(file)}, ` : '';
  } catch {
    return '';
  }
}

/** Throws unless `st` is a regular file of at most `limit` bytes. */
function checkStat(file: string, st: fs.Stats, limit: ReadLimit): void {
  if (!st.isFile()) throw new InputError(`${file}: not a regular file (${linkNote(file)}${kindOf(st)})`);
  if (st.size > limit.bytes) throw new InputError(`${file}: ${formatBytes(st.size)} is more than ${limit.what}`);
}

const CHUNK = 1 << 16;

/** Reads from `fd` until EOF, refusing once more than `limit.bytes` arrive. */
function readAll(fd: number, name: string, limit: ReadLimit, sizeHint: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    // One byte more than allowed tells "exactly at the limit" from "over it".
    const want = Math.min(Math.max(sizeHint - total, CHUNK), limit.bytes + 1 - total);
    const buf = Buffer.allocUnsafe(want);
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, want, null);
    } catch (e) {
      // A non-blocking stdin pipe with nothing in it yet: wait a little rather than spin.
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      throw failure(name, e);
    }
    if (n === 0) break;
    chunks.push(n === want ? buf : buf.subarray(0, n));
    total += n;
    if (total > limit.bytes) throw new InputError(`${name}: more than ${limit.what}`);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}

/** Standard input, bounded like a file. */
function readStdin(limit: ReadLimit): Buffer {
  return readAll(0, 'stdin', limit, 0);
}

/** Opens a regular file (symlinks followed) that passes `check`, without ever blocking; checks again on the descriptor. */
function openRegular<T>(file: string, check: (st: fs.Stats) => void, use: (fd: number, st: fs.Stats) => T): T {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw failure(file, e);
  }
  check(st);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (e) {
    throw failure(file, e);
  }
  try {
    const opened = fs.fstatSync(fd);
    check(opened);
    return use(fd, opened);
  } finally {
    fs.closeSync(fd);
  }
}

/** The bytes of a regular file (symlinks followed), or an InputError; never blocks, never reads past the limit. */
export function readRegularFile(file: string, limit: ReadLimit): Buffer {
  return openRegular(file, (st) => checkStat(file, st, limit), (fd, st) => readAll(fd, file, limit, st.size));
}

/** At most the first `bytes` bytes of a regular file, whatever its size: to recognise a file by its head. */
export function readHead(file: string, bytes: number): Buffer {
  const anySize: ReadLimit = { bytes: Number.MAX_SAFE_INTEGER, what: '' };
  return openRegular(file, (st) => checkStat(file, st, anySize), (fd) => {
    const buf = Buffer.alloc(bytes);
    let n = 0;
    while (n < bytes) {
      let got: number;
      try {
        got = fs.readSync(fd, buf, n, bytes - n, null);
      } catch (e) {
        throw failure(file, e);
      }
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  });
}

/** Decompresses gzip data, stopping at the limit (a small .gz can expand to gigabytes). */
export function gunzipBounded(data: Buffer, name: string, limit: ReadLimit): Buffer {
  try {
    return zlib.gunzipSync(data, { maxOutputLength: limit.bytes });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
      throw new InputError(`${name}: decompresses to more than ${limit.what}`);
    throw new InputError(`${name}: not a valid gzip file (${(e as Error).message})`);
  }
}

/** A user's file or stdin ("-"), bounded; .gz files are decompressed, bounded too. */
export function readBounded(file: string, opts: ReadOptions, fallback: ReadKind): Buffer {
  const limit = limitOf(opts, fallback);
  const name = sourceName(file);
  const raw = isStdin(file) ? readStdin(limit) : readRegularFile(file, limit);
  return file.endsWith('.gz') ? gunzipBounded(raw, name, limit) : raw;
}
