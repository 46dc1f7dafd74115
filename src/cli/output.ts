// Shared output conventions of every command (DESIGN.md): --json prints one JSON object on stdout and
// nothing else there; human text also goes to stdout; progress and logs go to stderr.

export interface GlobalFlags {
  json?: boolean;
  debug?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function log(text: string): void {
  process.stderr.write(`${text}\n`);
}
