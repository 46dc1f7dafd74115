// The worker pool: results in the order asked for whatever order the workers finish in, work really
// spread over threads, a user's error keeps its exit code across the thread boundary, and the calls in
// flight are bounded by the job count.
import { describe, expect, it } from 'vitest';
import { threadId } from 'node:worker_threads';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from '../helpers/shared.ts';
import { CheckFailure, InputError } from '../../src/errors.ts';
import { defaultJobs, jobsFor, mapOrdered, PROBE, withPool, WorkerTaskError } from '../../src/pool/pool.ts';

describe('mapOrdered', () => {
  it('keeps item order and never has more than `jobs` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapOrdered([50, 10, 30, 0, 20], 2, async (ms, i) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40]);
    expect(most).toBe(2);
  });

  it('starts nothing new after a failure and throws the first one', async () => {
    const started: number[] = [];
    await expect(
      mapOrdered([0, 1, 2, 3, 4], 1, async (i) => {
        started.push(i);
        if (i === 1) throw new InputError('item 1');
        return i;
      }),
    ).rejects.toThrow('item 1');
    expect(started).toEqual([0, 1]);
  });
});

describe('jobs', () => {
  it('one per core by default, never more than the work', () => {
    expect(defaultJobs()).toBeGreaterThanOrEqual(1);
    expect(jobsFor(undefined, 1000)).toBe(defaultJobs());
    expect(jobsFor(8, 3)).toBe(3);
    expect(jobsFor(2, 0)).toBe(1);
  });
});

describe('WorkerPool', () => {
  it('runs tasks on worker threads (TypeScript through tsx) and returns results in order', async () => {
    const out = await withPool(2, (pool) => mapOrdered([5, 4, 3, 2, 1, 0], 2, (v) => pool.run(PROBE, { value: v, delayMs: (6 - v) * 15 })));
    expect(out.map((o) => o.value)).toEqual([10, 8, 6, 4, 2, 0]);
    const threads = new Set(out.map((o) => o.threadId));
    expect(threads.has(threadId)).toBe(false);
    expect(threads.size).toBe(2);
  });

  it("a worker's InputError arrives as an InputError (exit 2), a bug as a WorkerTaskError", async () => {
    await withPool(1, async (pool) => {
      const bad = await pool.run(PROBE, { value: 3, fail: 'input' }).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(InputError);
      expect((bad as InputError).message).toBe('probe 3: bad input');
      const bug = await pool.run(PROBE, { value: 4, fail: 'bug' }).catch((e: unknown) => e);
      expect(bug).toBeInstanceOf(WorkerTaskError);
      expect(bug).not.toBeInstanceOf(CheckFailure);
      // The worker survives a failed task.
      expect((await pool.run(PROBE, { value: 5 })).value).toBe(10);
    });
  });
});

// The compiled tree (npm run build) starts its workers from dist/cli/pool-worker.js with plain node, no tsx.
const DIST_POOL = path.join(REPO, 'dist/pool/pool.js');
describe.skipIf(!fs.existsSync(DIST_POOL))('WorkerPool from dist/', () => {
  it('runs tasks on JavaScript workers with plain node', () => {
    const code = `import(${JSON.stringify(DIST_POOL)}).then(async (m) => { const out = await m.withPool(2, (p) => m.mapOrdered([1, 2, 3], 2, (v) => p.run(m.PROBE, { value: v, delayMs: 20 }))); console.log(JSON.stringify(out)); })`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', code], { cwd: REPO, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })) as { value: number; threadId: number }[];
    expect(out.map((o) => o.value)).toEqual([2, 4, 6]);
    expect(new Set(out.map((o) => o.threadId)).size).toBe(2);
  });
});
