// Reading the lab's dataset layout; every bad row is reported with its file and row index.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { readAccDataset } from '../../src/predict/acc-dataset.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcu-nas-acc-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const good = { wid: 1, ks: Array(20).fill(3), e: Array(20).fill(4), d: [1, 1, 1, 1, 1, 1], image_size: 96 };

function write(dir: string, name: string, rows: unknown): void {
  fs.mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(rows);
  fs.writeFileSync(path.join(dir, name), name.endsWith('.gz') ? zlib.gzipSync(text) : text);
}

describe('readAccDataset', () => {
  it('reads DIR/src/*.json and *.json.gz in sorted name order', () => {
    const dir = path.join(tmp, 'lab');
    write(path.join(dir, 'src'), 'b.json.gz', [[{ ...good, image_size: 112 }, 91.5]]);
    write(path.join(dir, 'src'), 'a.json', [[good, 90], [{ ...good, wid: 0 }, 89]]);
    fs.writeFileSync(path.join(dir, 'src', 'notes.txt'), 'ignored');
    const d = readAccDataset(dir);
    expect(d.files.map((f) => path.basename(f.file))).toEqual(['a.json', 'b.json.gz']);
    expect(Array.from(d.accPercent)).toEqual([90, 89, 91.5]);
    expect(d.configs[2].image_size).toBe(112);
  });

  it('also accepts the folder holding the files', () => {
    const dir = path.join(tmp, 'flat');
    write(dir, 'x.json', [[good, 90]]);
    expect(readAccDataset(dir).configs).toHaveLength(1);
  });

  it('names the file and the row of a bad config', () => {
    const dir = path.join(tmp, 'bad');
    write(path.join(dir, 'src'), 'x.json.gz', [[good, 90], [good, 91], [{ ...good, ks: [3, 5] }, 90]]);
    const f = () => readAccDataset(dir);
    expect(f).toThrow(InputError);
    expect(f).toThrow(`${path.join(dir, 'src', 'x.json.gz')} row 2: field "ks": must have exactly 20 entries, got 2`);
  });

  it('names the row of a malformed row or accuracy', () => {
    const dir = path.join(tmp, 'bad2');
    write(dir, 'y.json', [[good, 90], [good]]);
    expect(() => readAccDataset(dir)).toThrow(/y\.json row 1: expected \[config, accuracy_percent\]/);
    write(dir, 'y.json', [[good, '90']]);
    expect(() => readAccDataset(dir)).toThrow(/y\.json row 0: accuracy must be a percentage/);
  });

  it('refuses a missing or empty directory', () => {
    expect(() => readAccDataset(path.join(tmp, 'nope'))).toThrow(/no such dataset directory/);
    fs.mkdirSync(path.join(tmp, 'empty'));
    expect(() => readAccDataset(path.join(tmp, 'empty'))).toThrow(/no \*\.json or \*\.json\.gz dataset files/);
  });
});
