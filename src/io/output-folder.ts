// An output folder belongs to the tool (DESIGN.md): it writes only into a folder that is absent, empty or
// marked as its own, and never deletes a file it did not create. The marker lists the files the tool
// wrote there, so writing again replaces exactly those and leaves anything a user added beside them.
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { removeTracked, track, untrack } from './cleanup.ts';
import { writeFileAtomic } from './read-input.ts';

/** The marker file: `{"tool": "mcu-nas", "files": [relative paths written by the tool]}`. */
export const OUTPUT_MARKER = '.mcu-nas-output';

interface Marker {
  tool: 'mcu-nas';
  files: string[];
}

/** The path's stat, or undefined when there is nothing there. */
function statOf(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

function readMarker(dir: string): Marker | null {
  const file = path.join(dir, OUTPUT_MARKER);
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile() || st.size > 1 << 20) return null;
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Marker;
    if (m?.tool !== 'mcu-nas' || !Array.isArray(m.files) || !m.files.every((f) => typeof f === 'string' && isInside(f))) return null;
    return m;
  } catch {
    return null;
  }
}

/** A relative path that stays inside its folder (a marker is user-editable: never follow it outside). */
function isInside(rel: string): boolean {
  return rel !== '' && !path.isAbsolute(rel) && !rel.split(/[\\/]/).includes('..');
}

/**
 * Checks, before any work, that `dir` may be written: absent (its parent must be a folder), an empty
 * folder, or a folder with the tool's marker. Returns the absolute path. `flag` names the flag in errors.
 */
export function claimOutputFolder(dir: string, flag = '--out'): string {
  const abs = path.resolve(dir);
  const st = statOf(abs);
  if (st === undefined) {
    const parent = path.dirname(abs);
    const ok = statOf(parent)?.isDirectory() ?? false;
    // A missing parent is created (mkdir -p), but not through a file.
    if (!ok && fs.existsSync(parent)) throw new InputError(`${flag}: cannot create ${dir}: ${parent} is not a folder`);
    return abs;
  }
  if (!st.isDirectory()) throw new InputError(`${flag}: ${dir} is a file, not a folder; give a folder name`);
  const entries = fs.readdirSync(abs);
  if (entries.length === 0 || readMarker(abs)) return abs;
  throw new InputError(
    `${flag}: ${dir} holds files that mcu-nas did not write (no ${OUTPUT_MARKER} marker); give a new or empty folder`,
  );
}

/** Every file below `dir`, as relative paths. */
function filesBelow(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? path.join(rel, e.name) : e.name;
    if (e.isDirectory()) out.push(...filesBelow(dir, r));
    else out.push(r);
  }
  return out;
}

/**
 * Writes an output folder: `fill` writes into a temporary sibling folder, which then takes the place of
 * `dir`. If `dir` is the tool's own folder, only the files its marker lists are replaced (a user's file
 * beside them stays); on any failure the temporary folder is removed and `dir` is as it was.
 */
export async function writeOutputFolder<T>(dir: string, fill: (tmp: string) => Promise<T> | T, flag = '--out'): Promise<T> {
  const out = claimOutputFolder(dir, flag);
  const parent = path.dirname(out);
  try {
    fs.mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw new InputError(`${flag}: cannot create ${dir} (${(e as Error).message})`);
  }
  const tmp = track(path.join(parent, `.${path.basename(out)}.mcu-nas-tmp-${process.pid}`));
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  try {
    const result = await fill(tmp);
    const written = filesBelow(tmp).filter((f) => f !== OUTPUT_MARKER);
    fs.writeFileSync(path.join(tmp, OUTPUT_MARKER), `${JSON.stringify({ tool: 'mcu-nas', files: written.sort() } satisfies Marker, null, 1)}\n`);
    swapIn(tmp, out, flag);
    return result;
  } finally {
    removeTracked(tmp);
  }
}

/** Moves the finished folder into place (see writeOutputFolder). */
function swapIn(tmp: string, out: string, flag: string): void {
  // Checked again: the folder may have changed while the work ran.
  claimOutputFolder(out, flag);
  if (!fs.existsSync(out)) {
    fs.renameSync(tmp, out);
    untrack(tmp);
    return;
  }
  const old = readMarker(out);
  const present = filesBelow(out);
  const onlyOurs = present.every((f) => f === OUTPUT_MARKER || old?.files.includes(f));
  if (onlyOurs) {
    // Nothing of the user's inside: swap whole folders, so a reader never sees a half-replaced one.
    const aside = track(`${tmp}-old`);
    fs.renameSync(out, aside);
    fs.renameSync(tmp, out);
    untrack(tmp);
    removeTracked(aside);
    return;
  }
  // A user's file lives beside ours: replace our files one by one and leave theirs.
  const ours = new Set([...(old?.files ?? []), OUTPUT_MARKER]);
  const incoming = filesBelow(tmp);
  const clash = incoming.find((f) => !ours.has(f) && fs.existsSync(path.join(out, f)));
  if (clash) throw new InputError(`${flag}: ${path.join(out, clash)} was not written by mcu-nas; move it away and try again`);
  for (const f of old?.files ?? []) fs.rmSync(path.join(out, f), { force: true });
  for (const f of incoming) {
    const to = path.join(out, f);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.renameSync(path.join(tmp, f), to);
  }
  removeEmptyFolders(out, old?.files ?? []);
}

/** Removes folders that held only files of the old output and are now empty. */
function removeEmptyFolders(out: string, oldFiles: string[]): void {
  const dirs = new Set<string>();
  for (const f of oldFiles) for (let d = path.dirname(f); d !== '.'; d = path.dirname(d)) dirs.add(d);
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    try {
      fs.rmdirSync(path.join(out, d));
    } catch {
      // not empty (a user's file) or already gone
    }
  }
}

/**
 * Checks, before any work, that a single output file may be written: absent, or recognised by `isOurs`
 * as the tool's own kind of file, or `force`. Returns the absolute path.
 */
export function claimOutputFile(file: string, flag: string, isOurs: (bytes: Buffer) => boolean, force: boolean): string {
  const abs = path.resolve(file);
  const st = statOf(abs);
  if (st === undefined) {
    if (!fs.existsSync(path.dirname(abs))) throw new InputError(`${flag}: cannot write ${file}: folder ${path.dirname(file)} does not exist`);
    return abs;
  }
  if (st.isDirectory()) throw new InputError(`${flag}: ${file} is a folder; give a file name`);
  if (!st.isFile()) throw new InputError(`${flag}: ${file} is not a regular file`);
  if (force) return abs;
  let ours = false;
  if (st.size <= 64 << 20) {
    try {
      ours = isOurs(fs.readFileSync(abs));
    } catch {
      ours = false;
    }
  }
  if (!ours) throw new InputError(`${flag}: ${file} exists and was not written by mcu-nas; give --force to replace it`);
  return abs;
}

/**
 * Adds files to an output folder in place (evaluate --report writing beside compile's report): the folder
 * must pass claimOutputFolder; each file is written atomically and the marker then lists it.
 */
export function addToOutputFolder(dir: string, files: Record<string, string | Uint8Array>, flag: string): void {
  const out = claimOutputFolder(dir, flag);
  try {
    fs.mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new InputError(`${flag}: cannot create ${dir} (${(e as Error).message})`);
  }
  const listed = new Set(readMarker(out)?.files ?? []);
  const clash = Object.keys(files).find((f) => !listed.has(f) && fs.existsSync(path.join(out, f)));
  if (clash) throw new InputError(`${flag}: ${path.join(dir, clash)} was not written by mcu-nas; move it away and try again`);
  try {
    for (const [name, data] of Object.entries(files)) {
      writeFileAtomic(path.join(out, name), data);
      listed.add(name);
    }
  } finally {
    fs.writeFileSync(path.join(out, OUTPUT_MARKER), `${JSON.stringify({ tool: 'mcu-nas', files: [...listed].sort() } satisfies Marker, null, 1)}\n`);
  }
}
