// JSON from users, parsed only after its nesting depth is known to be small. JSON.parse itself copes
// with deep input, but everything after it that walks the value (zod, JSON.stringify in messages,
// String()) recurses, and 100,000 nested "[" overflow the stack there. A scan that counts brackets
// outside strings finds the depth without recursion, in one pass.
import { InputError } from '../errors.ts';

/** Deeper than any file this tool reads (report.json, the deepest, nests 5 levels). */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * The position of the first bracket that opens level `maxDepth + 1`, or -1 when the text never nests
 * that deep. Brackets inside strings do not count; unbalanced text is left for JSON.parse to report.
 */
export function tooDeepAt(text: string, maxDepth = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return i;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return -1;
}

/** Parses JSON text from `source` (named in every message), refusing nesting deeper than `maxDepth`. */
export function parseJson(text: string, source: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (tooDeepAt(text, maxDepth) >= 0) throw new InputError(`${source}: JSON nested deeper than ${maxDepth} levels`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${source}: not valid JSON (${(e as Error).message})`);
  }
}
