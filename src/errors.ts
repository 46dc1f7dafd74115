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
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}
