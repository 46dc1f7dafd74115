// Shared output conventions of every command (DESIGN.md): --json prints one JSON object on stdout and
// nothing else there; human text also goes to stdout; progress and logs go to stderr.
import { printable } from '../errors.ts';

export interface GlobalFlags {
  json?: boolean;
  debug?: boolean;
  quiet?: boolean;
}

let quiet = false;

/** --quiet: no progress or log lines on stderr (main sets it before a command runs; errors still print). */
export function setQuiet(on: boolean): void {
  quiet = on;
}

export function isQuiet(): boolean {
  return quiet;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Human text may carry names from a user's model: each line goes out without control characters. */
const safe = (text: string) => text.split('\n').map(printable).join('\n');

export function printLine(text = ''): void {
  process.stdout.write(`${safe(text)}\n`);
}

/** A log or progress line on stderr, unless --quiet. */
export function log(text: string): void {
  if (quiet) return;
  process.stderr.write(`${safe(text)}\n`);
}
