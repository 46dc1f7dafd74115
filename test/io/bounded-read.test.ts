// The bounded reader: every user file is a regular file of bounded size before a byte of it is read,
// and JSON is depth-checked before anything walks it. Each case is one of the reproductions.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { MAX_JSON_DEPTH, parseJson, READ_LIMITS, readBytes, readJson, readText } from '../../src/io/read-input.ts';
import { tooDeepAt } from '../../src/io/json-depth.ts';
import { formatBytes } from '../../src/io/bounded-read.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bounded-read-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const at = (name: string) => path.join(tmp, name);

/** The InputError message of `f`, and how long it took to fail. */
function refusal(f: () => unknown): { message: string; ms: number } {
  const t0 = performance.now();
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return { message: (e as Error).message, ms: performance.now() - t0 };
  }
  throw new Error('accepted');
}

describe('only regular files', () => {
  it('a symlink to /dev/zero is refused at once, naming the link and its target', () => {
    const model = at('zero.onnx');
    fs.symlinkSync('/dev/zero', model);
    const r = refusal(() => readBytes(model));
    expect(r.message).toBe(`${model}: not a regular file (it links to /dev/zero, a character device)`);
    expect(r.ms).toBeLessThan(500);
  });

  it('a FIFO named x.json is refused without blocking, even with no writer', () => {
    const fifo = at('x.json');
    execFileSync('mkfifo', [fifo], { timeout: 5000 });
    // A blocking open would hang this test (and the worker) for good; vitest's timeout would not help.
    const r = refusal(() => readJson(fifo));
    expect(r.message).toBe(`${fifo}: not a regular file (a FIFO)`);
    expect(r.ms).toBeLessThan(500);
  });

  it('a directory and a missing file', () => {
    fs.mkdirSync(at('dir.json'));
    expect(refusal(() => readText(at('dir.json'))).message).toBe(`${at('dir.json')}: not a regular file (a directory)`);
    expect(refusal(() => readText(at('none.json'))).message).toBe(`${at('none.json')}: no such file`);
    fs.symlinkSync(at('gone.json'), at('dangling.json'));
    expect(refusal(() => readText(at('dangling.json'))).message).toBe(`${at('dangling.json')}: no such file`);
  });

  it('a symlink to a regular file is followed', () => {
    fs.writeFileSync(at('real.json'), '{"a": [1, 2]}');
    fs.symlinkSync(at('real.json'), at('link.json'));
    expect(readJson(at('link.json'))).toEqual({ a: [1, 2] });
  });
});

describe('size checked before reading', () => {
  it('a sparse 20 GiB file is refused from its size, without reading it', () => {
    // Sparse: no disk used, and reading it would take minutes, so a fast answer proves no read happened.
    const big = at('huge.onnx');
    const fd = fs.openSync(big, 'w');
    fs.ftruncateSync(fd, 20 * 1024 ** 3);
    fs.closeSync(fd);
    const r = refusal(() => readBytes(big));
    expect(r.message).toBe(`${big}: 20 GiB is more than the 256 MiB limit for a model file`);
    expect(r.ms).toBeLessThan(500);
  });

  it('a JSON file over its kind limit, and exactly at a given limit', () => {
    const f = at('big.json');
    fs.writeFileSync(f, Buffer.alloc(READ_LIMITS.json + 1, 0x20));
    expect(refusal(() => readJson(f)).message).toBe(`${f}: 16.1 MiB is more than the 16 MiB limit for a JSON file`);
    expect([formatBytes(900), formatBytes(1536), formatBytes(READ_LIMITS.model)]).toEqual(['900 B', '1.5 KiB', '256 MiB']);
    fs.writeFileSync(at('ten.json'), '[1,2,3,40]');
    expect(readJson(at('ten.json'), { maxBytes: 10 })).toEqual([1, 2, 3, 40]);
    expect(refusal(() => readJson(at('ten.json'), { maxBytes: 9 })).message).toBe(`${at('ten.json')}: 10 B is more than the 9 B limit`);
  });

  it('a .gz that expands past the limit stops at the limit (a gzip bomb)', () => {
    const bomb = at('bomb.json.gz');
    // 64 MiB of spaces compress to about 64 KB.
    fs.writeFileSync(bomb, zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 }));
    expect(fs.statSync(bomb).size).toBeLessThan(1024 * 1024);
    expect(refusal(() => readJson(bomb)).message).toBe(`${bomb}: decompresses to more than the 16 MiB limit for a JSON file`);
    const ok = at('ok.json.gz');
    fs.writeFileSync(ok, zlib.gzipSync('{"ok": true}'));
    expect(readJson(ok)).toEqual({ ok: true });
    fs.writeFileSync(at('bad.json.gz'), 'not gzip');
    expect(refusal(() => readJson(at('bad.json.gz'))).message).toMatch(/bad\.json\.gz: not a valid gzip file/);
  });
});

describe('JSON depth', () => {
  it('counts brackets outside strings only', () => {
    expect(tooDeepAt('[[[]]]', 3)).toBe(-1);
    expect(tooDeepAt('[[[[]]]]', 3)).toBe(3);
    expect(tooDeepAt('{"a":{"b":[1]}}', 3)).toBe(-1);
    expect(tooDeepAt('{"a":{"b":[{}]}}', 3)).toBe(11);
    expect(tooDeepAt('["[[[[", "\\"[[[["]', 2)).toBe(-1);
    expect([tooDeepAt('[[], [], [[]]]', 2), tooDeepAt('[[], [], [[]]]', 3)]).toEqual([10, -1]);
  });

  it('100,000 nested "[" are refused before anything recurses', () => {
    const f = at('deep.json');
    fs.writeFileSync(f, `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(refusal(() => readJson(f)).message).toBe(`${f}: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    const edge = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(JSON.stringify(parseJson(edge, 'edge'))).toBe(edge);
    expect(() => parseJson(`[${edge}]`, 'one more')).toThrow(`one more: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect(() => parseJson('{"a": ', 'cut.json')).toThrow(/^cut\.json: not valid JSON/);
  });
});
