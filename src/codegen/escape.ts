// Names from a model (ONNX node and tensor names, a user's model name) are untrusted text. They reach C
// source only through these two functions: as an identifier made of [A-Za-z0-9_] that cannot be a
// keyword or a reserved name, or as comment text that cannot end the comment, start a new line, splice
// lines or form a trigraph.

/** C99 and C11 keywords (C23 ones too, since a newer compiler may be used to build the output). */
export const C_KEYWORDS: ReadonlySet<string> = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum', 'extern',
  'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return', 'short', 'signed',
  'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void', 'volatile', 'while',
  '_Alignas', '_Alignof', '_Atomic', '_Bool', '_Complex', '_Generic', '_Imaginary', '_Noreturn',
  '_Static_assert', '_Thread_local', 'alignas', 'alignof', 'bool', 'constexpr', 'false', 'nullptr',
  'static_assert', 'thread_local', 'true', 'typeof', 'typeof_unqual',
]);

/** C99 guarantees 63 significant characters in an internal identifier (5.2.4.1). */
export const MAX_IDENTIFIER_LENGTH = 63;

const DEFAULT_PREFIX = 'm_';

/** Accented letters keep their base letter (café -> cafe); anything else non-ASCII is dropped later. */
function foldToAscii(s: string): string {
  return s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
}

/** FNV-1a over UTF-16 code units: a short, stable tag that keeps truncated names apart. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function checkPrefix(prefix: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(prefix) || prefix.includes('__'))
    throw new Error(`identifier prefix ${JSON.stringify(prefix)} must start with a letter and use only [A-Za-z0-9_]`);
}

/**
 * A C identifier for `name`: `prefix` + the name's letters, digits and single underscores (every other
 * run of characters becomes one "_"), at most 63 characters (longer names are cut and end in a hash of
 * the whole name). Never a keyword, never starts with "_" or a digit, never contains "__".
 * Not unique by itself: different names may map to the same identifier (use CIdentifierScope).
 */
export function cIdentifier(name: string, prefix = DEFAULT_PREFIX): string {
  checkPrefix(prefix);
  let body = foldToAscii(name)
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (body === '') body = 'unnamed';
  let id = prefix.endsWith('_') || /^[0-9]/.test(body) ? `${prefix}${body}` : `${prefix}_${body}`;
  id = id.replace(/_{2,}/g, '_');
  if (id.length > MAX_IDENTIFIER_LENGTH) id = `${id.slice(0, MAX_IDENTIFIER_LENGTH - 9).replace(/_+$/, '')}_${fnv1a(name)}`;
  if (C_KEYWORDS.has(id)) id = `${id}_`;
  return id;
}

/**
 * Unique identifiers within one C scope (a file or a struct). The same name always gets the same
 * identifier; different names that escape alike get "_2", "_3", ... suffixes, in the order they are
 * first asked for, so generated code is stable for a given model.
 */
export class CIdentifierScope {
  private readonly byName = new Map<string, string>();
  private readonly used = new Set<string>();

  constructor(
    private readonly prefix = DEFAULT_PREFIX,
    reserved: Iterable<string> = [],
  ) {
    checkPrefix(prefix);
    for (const r of reserved) this.used.add(r);
  }

  id(name: string): string {
    const known = this.byName.get(name);
    if (known !== undefined) return known;
    const base = cIdentifier(name, this.prefix);
    let id = base;
    for (let n = 2; this.used.has(id); n++) {
      const suffix = `_${n}`;
      id = `${base.slice(0, MAX_IDENTIFIER_LENGTH - suffix.length).replace(/_+$/, '')}${suffix}`;
    }
    this.used.add(id);
    this.byName.set(name, id);
    return id;
  }
}

/**
 * Text safe inside a C comment, whether a block comment or a line comment: printable ASCII only
 * (accents folded, other characters become "?"), no line breaks (they become spaces), no "*" next to
 * "/" (so neither "*\/" nor "/*" can appear), no backslash (a trailing one would splice the next line
 * into a "//" comment), no "??" (trigraphs). Cut to `maxLength` with "...". Templates put it between
 * spaces: `/* {{comment}} *\/`.
 */
export function cComment(text: string, maxLength = 120): string {
  const ascii = foldToAscii(text)
    .replace(/[\r\n\t\v\f\u2028\u2029]/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/\\/g, '/');
  let out = '';
  for (let i = 0; i < ascii.length; i++) {
    const c = ascii[i];
    const next = ascii[i + 1];
    out += c;
    // A space between any "*" and "/" and between two "?": neither a comment delimiter nor a trigraph
    // can form, and the space itself cannot pair with anything.
    if ((c === '*' && next === '/') || (c === '/' && next === '*') || (c === '?' && next === '?')) out += ' ';
  }
  out = out.replace(/ {2,}/g, ' ').trim();
  if (out.length > maxLength) out = `${out.slice(0, Math.max(0, maxLength - 3)).trimEnd()}...`;
  // The template's own delimiter follows: keep "*" or "/" from touching it.
  if (/[*/]$/.test(out)) out += ' ';
  return out;
}
