// Shared output conventions of every command (DESIGN.md): --json prints one JSON object on stdout and
// nothing else there; human text also goes to stdout; progress and logs go to stderr.
import { printable } from '../errors.ts';

export interface GlobalFlags {
  json?: boolean;
  debug?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Human text may carry names from a user's model: each line goes out without control characters. */
const safe = (text: string) => text.split('\n').map(printable).join('\n');

export function printLine(text = ''): void {
  process.stdout.write(`${safe(text)}\n`);
}

export function log(text: string): void {
  process.stderr.write(`${safe(text)}\n`);
}
