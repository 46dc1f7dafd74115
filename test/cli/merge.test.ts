// Sharding search --verify-top over a CI matrix: two shards, each verifying its share of the top 2 (one
// thread each), merged, give exactly what one machine gives verifying both with two worker threads; the
// merge refuses parts that are missing, repeated or from another search.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haveBuildAndQemu } from '../../src/emu/index.ts';
import { runCliAsync } from '../helpers/run-cli.ts';
import { runInProcess } from '../helpers/run-in-process.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-merge-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// The smallest corner of the space (about 12 M MACs at 96 px) keeps each candidate's build and run short.
const SEARCH = ['search', '--board', 'stm32f746', '--max-macs', '12', '--population', '8', '--generations', '1', '--seed', '3', '--verify-top', '2'];
// Four candidate builds and QEMU runs (about a minute on an idle 2-core machine); generous on a busy one.
const LONG = 900_000;
const part = (i: number) => path.join(tmp, `part-${i}.json`);

describe.skipIf(!haveBuildAndQemu())('search --shard i/n and merge', () => {
  let single: Record<string, unknown>;
  let merged: Record<string, unknown>;

  it('two shards merged equal one machine verifying the top 2 in parallel', async () => {
    const [one, s1, s2] = await Promise.all([
      runCliAsync([...SEARCH, '--jobs', '2', '--json'], { timeoutMs: LONG }),
      runCliAsync([...SEARCH, '--jobs', '1', '--shard', '1/2', '--out', part(1)], { timeoutMs: LONG }),
      runCliAsync([...SEARCH, '--jobs', '1', '--shard', '2/2', '--out', part(2), '--json'], { timeoutMs: LONG }),
    ]);
    for (const r of [one, s1, s2]) expect(r.code, r.stderr).toBe(0);
    expect(s1.stdout).toMatch(/^shard 1\/2: verified 1 of the top 2 \(places 1\), written to /);
    const p2 = JSON.parse(s2.stdout);
    expect(p2).toEqual(JSON.parse(fs.readFileSync(part(2), 'utf8')));
    expect(p2.verified.map((e: { place: number }) => e.place)).toEqual([1]);
    single = JSON.parse(one.stdout);
    // Order given does not matter.
    const m = await runInProcess(['merge', part(2), part(1), '--out', path.join(tmp, 'result.json'), '--json']);
    expect(m.code, m.stderr).toBe(0);
    merged = JSON.parse(m.stdout);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'result.json'), 'utf8'))).toEqual(merged);
    // Byte for byte the same JSON: the winner's summary, both verified places with their measured figures, the front.
    expect(m.stdout).toBe(one.stdout);
    const verified = single.verified as { ok: boolean; instructions: number | null }[];
    expect(verified).toHaveLength(2);
    expect(verified.every((v) => v.ok && typeof v.instructions === 'number' && v.instructions > 1e6)).toBe(true);
  }, 2 * LONG);

  it('refuses a missing shard, a shard given twice, and a part of another search (exit 2)', async () => {
    const missing = await runInProcess(['merge', part(1)]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('error: merge: shard 2/2 missing\n');
    const twice = await runInProcess(['merge', part(1), part(1), part(2)]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('given twice');
    const other = JSON.parse(fs.readFileSync(part(2), 'utf8'));
    other.summaries[0].predictedAccuracy += 1;
    fs.writeFileSync(path.join(tmp, 'other.json'), JSON.stringify(other));
    const mixed = await runInProcess(['merge', part(1), path.join(tmp, 'other.json')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/^error: .*other\.json: from a different search than .*part-1\.json/);
    // --shard needs --verify-top and --out; a bad shard is named.
    expect((await runInProcess(['search', '--shard', '1/2'])).stderr).toMatch(/^error: --shard i\/n verifies a share of --verify-top K/);
    expect((await runInProcess([...SEARCH, '--shard', '3/2', '--out', part(9)])).stderr).toBe('error: --shard: expected i/n with 1 <= i <= n <= 1000 (e.g. 2/4), got "3/2"\n');
  }, 60_000);
});
