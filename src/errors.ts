// Errors a user can cause carry the exit code the command-line contract gives them (DESIGN.md):
// 2 for bad input or usage, 1 for work that ran but failed its check. Anything else is a bug.

export class InputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export class CheckFailure extends Error {
  readonly exitCode = 1;
  /** Optional machine-readable detail, printed under --json. */
  constructor(message: string, readonly detail: Record<string, unknown> = {}) {
    super(message);
    this.name = 'CheckFailure';
  }
}

export type UserError = InputError | CheckFailure;

export function isUserError(e: unknown): e is UserError {
  return e instanceof InputError || e instanceof CheckFailure;
}

/** Shortens a value for an error line: users need to recognise it, not read all of it. */
export function show(value: unknown, max = 60): string {
  let s: string;
  try {
    s = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    s = String(value);
  }
  // JSON escapes C0 controls but not C1 ones (U+009B is a CSI to some terminals).
  s = printable(s);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

// ESC/CSI/OSC sequences first (so their parameters go too), then any C0/C1 control character left.
const TERMINAL_SEQUENCE = /\u001b(?:\[[0-?]*[ -\/]*[@-~]|\][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|[@-_])?|\u009b[0-?]*[ -\/]*[@-~]|\u009d[^\u0007\u001b\u009c]*(?:\u0007|\u009c)?/g;
// C0, DEL, C1, the Unicode line separators and the bidirectional overrides (which reorder what is shown).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from outside (model names, onnxruntime messages) made safe for one terminal line: escape sequences
 * removed, line breaks and tabs folded into one space, any other control character shown as \uXXXX, so
 * that no text can colour the terminal, move its cursor or forge a second `error:` line.
 */
export function printable(text: string): string {
  return text
    .replace(TERMINAL_SEQUENCE, '')
    .replace(/[\r\n\t\v\f\u0085\u2028\u2029]+/g, ' ')
    .replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
