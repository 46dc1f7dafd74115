import { describe, expect, it } from 'vitest';
import { C_KEYWORDS, CIdentifierScope, cComment, cIdentifier, MAX_IDENTIFIER_LENGTH } from '../../src/codegen/escape.ts';

const HOSTILE = [
  '*/ #include <x>',
  'conv\n#define int long\n',
  'a??/\nb',
  '名前',
  '',
  '   ',
  '__reserved',
  '_Upper',
  '9lives',
  'int',
  'a.b-c/d:e',
  'x'.repeat(500),
  'café/naïve',
  '/*/',
  'back\\slash\\',
  '\u2028line separator',
  '\u0000nul',
];

const SAFE_ID = /^[A-Za-z][A-Za-z0-9_]*$/;

describe('cIdentifier', () => {
  it.each(HOSTILE)('makes a valid, non-reserved identifier of %j', (name) => {
    const id = cIdentifier(name);
    expect(id).toMatch(SAFE_ID);
    expect(id.includes('__')).toBe(false);
    expect(id.length).toBeLessThanOrEqual(MAX_IDENTIFIER_LENGTH);
    expect(C_KEYWORDS.has(id)).toBe(false);
  });

  it('keeps readable names readable', () => {
    expect(cIdentifier('conv2d_3/weights:0')).toBe('m_conv2d_3_weights_0');
    expect(cIdentifier('café')).toBe('m_cafe');
    expect(cIdentifier('')).toBe('m_unnamed');
    expect(cIdentifier('名前')).toBe('m_unnamed');
    expect(cIdentifier('layer', 'w')).toBe('w_layer');
    expect(cIdentifier('9', 'w')).toBe('w9');
  });

  it('never yields a keyword, even with a prefix that could make one', () => {
    expect(cIdentifier('', 'int')).toBe('int_unnamed');
    expect(C_KEYWORDS.has(cIdentifier('t', 'static_asser'))).toBe(false);
  });

  it('cuts long names but keeps different long names apart', () => {
    const a = cIdentifier(`${'x'.repeat(100)}a`);
    const b = cIdentifier(`${'x'.repeat(100)}b`);
    expect(a.length).toBeLessThanOrEqual(MAX_IDENTIFIER_LENGTH);
    expect(a).not.toBe(b);
  });

  it('rejects a prefix that is not itself safe (a bug in the caller, not user input)', () => {
    expect(() => cIdentifier('x', '1a')).toThrow();
    expect(() => cIdentifier('x', '_a')).toThrow();
    expect(() => cIdentifier('x', 'a b')).toThrow();
  });
});

describe('CIdentifierScope', () => {
  it('gives names that escape alike distinct identifiers, stably', () => {
    const scope = new CIdentifierScope('t_');
    const ids = ['a.b', 'a-b', 'a b', 'a.b'].map((n) => scope.id(n));
    expect(ids).toEqual(['t_a_b', 't_a_b_2', 't_a_b_3', 't_a_b']);
  });

  it('avoids identifiers reserved by the template', () => {
    const scope = new CIdentifierScope('m_', ['m_input']);
    expect(scope.id('input')).toBe('m_input_2');
  });

  it('stays unique and valid over many hostile names', () => {
    const scope = new CIdentifierScope();
    const names = [...HOSTILE, ...HOSTILE.map((h) => `${h}!`), ...Array.from({ length: 50 }, (_, i) => `${'y'.repeat(80)}${i % 3}`)];
    const ids = [...new Set(names)].map((n) => scope.id(n));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(SAFE_ID);
      expect(id.length).toBeLessThanOrEqual(MAX_IDENTIFIER_LENGTH);
    }
  });
});

describe('cComment', () => {
  it.each(HOSTILE)('cannot escape a comment: %j', (text) => {
    const c = cComment(text);
    expect(c).toMatch(/^[\x20-\x7e]*$/);
    expect(c.includes('*/')).toBe(false);
    expect(c.includes('/*')).toBe(false);
    expect(c.includes('??')).toBe(false);
    expect(c.includes('\\')).toBe(false);
    expect(c.length).toBeLessThanOrEqual(121);
    // Placed as templates place it, the comment is one piece that ends where the template ends it.
    const block = `/* ${c} */`;
    expect(block.indexOf('*/')).toBe(block.length - 2);
    expect(block.lastIndexOf('/*')).toBe(0);
  });

  it('keeps ordinary text as it is', () => {
    expect(cComment('conv 3x3, stride 2 (layer 4)')).toBe('conv 3x3, stride 2 (layer 4)');
    expect(cComment('naïve')).toBe('naive');
  });

  it('breaks delimiters without losing the text', () => {
    expect(cComment('*/ #include <x>')).toBe('* / #include <x>');
    expect(cComment('a\nb')).toBe('a b');
    expect(cComment('/*/')).toBe('/ * / ');
    expect(cComment('what??/')).toBe('what? ?/ ');
  });

  it('cuts long text', () => {
    expect(cComment('z'.repeat(300), 20)).toBe(`${'z'.repeat(17)}...`);
  });
});
