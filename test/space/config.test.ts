import { describe, expect, it } from 'vitest';
import { parseArchConfig, parseArchJson, archKey, cloneArch } from '../../src/space/config.ts';
import { smallestArch } from '../../src/space/sample.ts';
import { InputError } from '../../src/errors.ts';

const good = () => smallestArch(96) as unknown as Record<string, unknown>;

function errorOf(v: unknown): string {
  try {
    parseArchConfig(v, 'arch.json');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('arch config validation', () => {
  it('accepts the lab dict and keeps its values', () => {
    expect(parseArchConfig(good(), 'x')).toEqual(smallestArch(96));
  });

  it.each([
    ['missing key', { ...good(), wid: undefined }, 'arch.json: missing field "wid"'],
    ['short list', { ...good(), ks: [3, 3] }, 'arch.json: field "ks": must have exactly 20 entries, got 2'],
    ['long d', { ...good(), d: [0, 0, 0, 0, 0, 0, 0] }, 'arch.json: field "d": must have exactly 6 entries, got 7'],
    ['kernel 4', { ...good(), ks: [...Array(7).fill(3), 4, ...Array(12).fill(3)] }, 'arch.json: field "ks[7]": 4 is not one of 3, 5, 7'],
    ['image size 100', { ...good(), image_size: 100 }, 'arch.json: field "image_size": 100 is not one of 96, 112, 128, 144, 160'],
    ['expand 5', { ...good(), e: [5, ...Array(19).fill(3)] }, 'arch.json: field "e[0]": 5 is not one of 3, 4, 6'],
    ['wid 3', { ...good(), wid: 3 }, 'arch.json: field "wid": 3 is not one of 0, 1, 2'],
    ['string wid', { ...good(), wid: '1' }, 'arch.json: field "wid": expected number, got "1"'],
    ['extra key', { ...good(), n_classes: 2 }, 'arch.json: unknown key "n_classes"'],
    ['not an object', [1, 2], 'arch.json: an arch config must be a JSON object'],
  ])('%s is rejected naming the field', (_name, value, message) => {
    expect(errorOf(value)).toContain(message);
  });

  it('rejects malformed JSON naming the file', () => {
    expect(() => parseArchJson('{"wid": 0,', 'a.json')).toThrow(/^a\.json: not valid JSON/);
  });

  it('clones deeply and keys canonically', () => {
    const a = smallestArch(96);
    const b = cloneArch(a);
    b.ks[0] = 7;
    expect(a.ks[0]).toBe(3);
    expect(archKey(a)).not.toBe(archKey(b));
    expect(Object.keys(b)).toEqual(['wid', 'ks', 'e', 'd', 'image_size']);
  });
});
