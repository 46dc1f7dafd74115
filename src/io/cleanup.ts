// Temporary folders that must not outlive the command: removed when their work ends, and on every exit
// path the work cannot reach (Ctrl-C, SIGTERM, SIGHUP), so no `*.partial-*` or `mcunas-*` folder is left.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const pending = new Set<string>();

/** A new temporary folder under the system's temp folder, removed on exit if its owner has not. */
export function makeTempDir(prefix: string): string {
  return track(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** Registers a path (file or folder) for removal on exit; returns it. */
export function track(p: string): string {
  pending.add(p);
  return p;
}

/** Removes a tracked path now (and forgets it). */
export function removeTracked(p: string): void {
  fs.rmSync(p, { recursive: true, force: true });
  pending.delete(p);
}

/** Forgets a tracked path that became a real output (renamed into place). */
export function untrack(p: string): void {
  pending.delete(p);
}

function removeAll(): void {
  for (const p of pending) {
    try {
      fs.rmSync(p, { recursive: true, force: true });
    } catch {
      // best effort on the way out
    }
  }
  pending.clear();
}

let installed = false;

/**
 * On a signal: remove what is pending and exit with 128 + the signal's number, as a shell reports it.
 * Child processes (gcc, QEMU) are started so that they die with us (see emu/), not from here.
 */
export function installExitCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', removeAll);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const)
    process.on(signal, () => {
      removeAll();
      process.exit(code);
    });
}
