// Finding and loading boards: the package's boards/ folder, plus a user's folder (--boards-dir) whose
// files add boards or replace built-in ones of the same name. Every problem is an InputError that
// names the file and the field.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, show } from '../errors.ts';
import { describeIssue } from '../space/config.ts';
import { readJson } from '../io/read-input.ts';
import { variantClock } from './clock.ts';
import { BoardSchema, type Board } from './schema.ts';
import { emulatorLayout } from './regions.ts';

export { DEFAULT_BOARD } from './default-board.ts';
/** The built-in board files are about 2 KB; a user's board is no different in kind. */
export const MAX_BOARD_FILE_BYTES = 256 * 1024;
/** A catalogue reads every file of --boards-dir: this many at most, so the whole read stays bounded. */
export const MAX_BOARD_FILES = 1000;
/** The package's own boards/ folder, found from this file so it works from any working directory. */
export const BUILTIN_BOARDS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../boards');

export interface BoardOptions {
  /** A folder of extra boards (*.json); a file there overrides the built-in board of the same name. */
  boardsDir?: string;
  /** One of the board's "variants" (--variant): its oscillator, PLL and console; default: the default one. */
  variant?: string;
}

/** The board set up for one of its variants (a carrier board): that variant's oscillator, PLL and console. */
export function selectVariant(board: Board, variant: string): Board {
  const variants = board.variants ?? {};
  const names = Object.keys(variants);
  if (!Object.hasOwn(variants, variant))
    throw new InputError(names.length > 0 ? `--variant: board ${board.name} has no variant ${show(variant)}; its variants: ${names.join(', ')}` : `--variant: board ${board.name} has no variants (got ${show(variant)})`);
  return { ...board, clock: variantClock(board.clock, variants[variant]), variant };
}

/** Validates a parsed board file; `file` is only for messages and the name check. */
export function parseBoard(value: unknown, file: string): Board {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InputError(`${file}: a board must be a JSON object, got ${show(value)}`);
  const r = BoardSchema.safeParse(value);
  if (!r.success) throw new InputError(`${file}: ${describeIssue(r.error.issues[0], value)}`);
  const board = r.data;
  const stem = path.basename(file, '.json');
  if (board.name !== stem) throw new InputError(`${file}: field "name": ${show(board.name)} must match the file name "${stem}"`);
  try {
    emulatorLayout(board);
  } catch (e) {
    if (e instanceof RangeError) throw new InputError(`${file}: field "emulator.qemu": ${e.message}`);
    throw e;
  }
  return board;
}

/** A board file through the bounded reader: a FIFO, a device or a huge file is refused before reading. */
export function readBoardFile(file: string): Board {
  return parseBoard(readJson(file, { maxBytes: MAX_BOARD_FILE_BYTES }), file);
}

/** name -> file, built-ins first, then the user's folder on top. */
function boardFiles(opts: BoardOptions): Map<string, string> {
  const files = new Map<string, string>();
  const add = (dir: string) => {
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    } catch (e) {
      throw new InputError(`--boards-dir: ${dir}: cannot list the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (names.length > MAX_BOARD_FILES) throw new InputError(`--boards-dir: ${dir} holds ${names.length} *.json files, more than the ${MAX_BOARD_FILES} a catalogue reads`);
    for (const f of names.sort()) files.set(f.slice(0, -5), path.join(dir, f));
  };
  add(BUILTIN_BOARDS_DIR);
  if (opts.boardsDir !== undefined) {
    let isDir = false;
    try {
      isDir = fs.statSync(opts.boardsDir).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new InputError(`--boards-dir: ${opts.boardsDir} is not a folder`);
    add(opts.boardsDir);
  }
  return files;
}

/** Every known board, sorted by name. A bad file anywhere is reported (a catalogue should not hide one). */
export function listBoards(opts: BoardOptions = {}): Board[] {
  return [...boardFiles(opts).entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, file]) => readBoardFile(file));
}

export function loadBoard(name: string, opts: BoardOptions = {}): Board {
  const files = boardFiles(opts);
  const file = files.get(name);
  if (file === undefined)
    throw new InputError(`unknown board ${show(name)}; known boards: ${[...files.keys()].sort().join(', ')}`);
  const board = readBoardFile(file);
  return opts.variant === undefined ? board : selectVariant(board, opts.variant);
}
