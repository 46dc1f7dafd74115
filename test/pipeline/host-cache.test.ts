// evaluate's host-build cache keeps its most recently used builds and never touches a file it did not name:
// MCUNAS_HOST_CACHE may be a user's folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { pruneHostCache } from '../../src/pipeline/host-int8.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-host-cache-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const build = (i: number) => `model-host-batch-${i.toString(16).padStart(24, '0')}`;

it('keeps the newest builds, removes the older ones, and leaves every other file alone', () => {
  const dir = path.join(tmp, 'cache');
  fs.mkdirSync(dir);
  const t0 = Date.now() / 1000 - 10_000;
  for (let i = 0; i < 6; i++) {
    fs.writeFileSync(path.join(dir, build(i)), 'x');
    fs.utimesSync(path.join(dir, build(i)), t0 + i, t0 + i); // build 5 is the newest
  }
  // Not the cache's: a user's file, a look-alike name, a partial copy in flight, a folder named like a build.
  const others = ['notes.txt', 'model-host-batch-xyz', `${build(7)}.123.partial`];
  for (const f of others) fs.writeFileSync(path.join(dir, f), 'keep');
  fs.mkdirSync(path.join(dir, build(8)));
  for (const f of others) fs.utimesSync(path.join(dir, f), t0 - 100, t0 - 100);

  expect(pruneHostCache(dir, 3).sort()).toEqual([build(0), build(1), build(2)]);
  expect(fs.readdirSync(dir).sort()).toEqual([...others, build(3), build(4), build(5), build(8)].sort());
  expect(pruneHostCache(dir, 3)).toEqual([]);
});

it('a missing cache folder is nothing to prune', () => {
  expect(pruneHostCache(path.join(tmp, 'none'), 3)).toEqual([]);
});
