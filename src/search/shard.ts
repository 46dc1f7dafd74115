// Sharding `search --verify-top K` over the machines of a CI matrix: every shard runs the same seeded
// search (cheap: predictions only) and verifies its share of the top K (places i-1, i-1+n, ...); its part
// file holds the search's figures for every place and its own verified places. `mcu-nas merge` checks that
// the parts come from one search and cover every place once, and gives the result one machine gives.
import { CheckFailure, InputError } from '../errors.ts';
import type { ParetoEntry, SearchSummary } from './report.ts';
import type { VerifiedCandidate } from './verify.ts';
import type { Candidate } from './candidate.ts';
import { shardPlaces, type Shard } from './shard-places.ts';

export { shardPlaces, type Shard };

export const PART_FORMAT = 'mcu-nas-search-part/1';

/** A part file: what one shard of `search --verify-top K --shard i/n` found. */
export interface SearchPart<V extends VerifiedCandidate = VerifiedCandidate> {
  format: typeof PART_FORMAT;
  shard: Shard;
  /** K as asked, and the distinct candidates there were to verify (at most K). */
  top: number;
  picks: number;
  /** The search's summary with each place as the winner, in place order (the same in every part). */
  summaries: SearchSummary[];
  pareto: ParetoEntry[];
  /** What search --json prints after the summary and before the verified places (what predicted, which weights). */
  head: Record<string, unknown>;
  /** This shard's places, in order, with what verification measured. */
  verified: { place: number; result: V }[];
}

/** A shard's part: the search's summary with each pick as the winner, and this shard's verified places. */
export function makePart<V extends VerifiedCandidate>(
  shard: Shard,
  top: number,
  picks: readonly Candidate[],
  summaryOf: (best: Candidate) => SearchSummary,
  pareto: ParetoEntry[],
  head: Record<string, unknown>,
  verified: readonly V[],
): SearchPart<V> {
  const places = shardPlaces(picks.length, shard);
  if (places.length !== verified.length) throw new Error('bug: one verified result per place of the shard');
  return { format: PART_FORMAT, shard, top, picks: picks.length, summaries: picks.map(summaryOf), pareto, head, verified: places.map((place, i) => ({ place, result: verified[i] })) };
}

/** "i/n" with 1 <= i <= n <= 1000. */
export function parseShard(text: string): Shard {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > 1000 || index < 1 || index > count) throw new InputError(`--shard: expected i/n with 1 <= i <= n <= 1000 (e.g. 2/4), got ${JSON.stringify(text)}`);
  return { index, count };
}

/** What `search --json` prints after verification: the winner's summary, the head, every verified place, the Pareto front. */
export function searchOutput<V extends VerifiedCandidate>(summary: SearchSummary, head: Record<string, unknown>, verified: V[] | undefined, pareto: ParetoEntry[]) {
  return { ...summary, ...head, ...(verified ? { verified } : {}), pareto };
}

/** The winner's place: the best candidate that passed (the measured firmware decides, not the prediction). */
export function winnerPlace(verified: readonly VerifiedCandidate[]): number {
  const k = verified.findIndex((v) => v.ok);
  if (k < 0)
    throw new CheckFailure(`none of the ${verified.length} best candidates passed verification: ${verified.map((v) => v.dropped).join('; ')}`, {
      verified: verified as unknown as Record<string, unknown>[],
    });
  return k;
}

/** True when the bytes are a part file (so --out may replace it). */
export function isPartFile(bytes: Buffer): boolean {
  try {
    return (JSON.parse(bytes.toString('utf8')) as { format?: unknown }).format === PART_FORMAT;
  } catch {
    return false;
  }
}

/** A part file's JSON, checked field by field (a part is a user's file). */
export function readPart(text: string, file: string): SearchPart {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not JSON (${(e as Error).message})`);
  }
  const o = v as Partial<SearchPart>;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new InputError(`${file}: not a part file of search --shard (expected a JSON object)`);
  if (o.format !== PART_FORMAT) throw new InputError(`${file}: field "format" must be "${PART_FORMAT}" (a file written by search --verify-top K --shard i/n --out FILE)`);
  const int = (x: unknown, lo: number, hi: number) => typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;
  if (!o.shard || !int(o.shard.count, 1, 1000) || !int(o.shard.index, 1, o.shard.count)) throw new InputError(`${file}: field "shard" must be {index, count} with 1 <= index <= count <= 1000`);
  if (!int(o.top, 1, 1000) || !int(o.picks, 0, o.top!)) throw new InputError(`${file}: fields "top" and "picks" must be integers with 0 <= picks <= top <= 1000`);
  if (!Array.isArray(o.summaries) || o.summaries.length !== o.picks) throw new InputError(`${file}: field "summaries" must hold one summary per place (${o.picks})`);
  if (!Array.isArray(o.pareto)) throw new InputError(`${file}: field "pareto" must be an array`);
  if (o.head === null || typeof o.head !== 'object' || Array.isArray(o.head)) throw new InputError(`${file}: field "head" must be an object`);
  if (!Array.isArray(o.verified)) throw new InputError(`${file}: field "verified" must be an array`);
  o.verified.forEach((e, i) => {
    if (!e || !int(e.place, 0, o.picks! - 1) || (e.place % o.shard!.count) !== o.shard!.index - 1 || typeof e.result !== 'object' || e.result === null || typeof e.result.ok !== 'boolean')
      throw new InputError(`${file}: verified[${i}] must be {place, result} with a place of shard ${o.shard!.index}/${o.shard!.count}`);
  });
  return o as SearchPart;
}

/**
 * The parts of one sharded search, merged: every shard once, one search (same top K, summaries and Pareto
 * front), every place verified once. Returns what `search --json` prints on one machine, or throws its
 * CheckFailure when no candidate passed.
 */
export function mergeParts(parts: readonly { file: string; part: SearchPart }[]) {
  if (parts.length === 0) throw new InputError('merge: give the part files (search --verify-top K --shard i/n --out FILE)');
  const first = parts[0];
  const n = first.part.shard.count;
  const seen = new Map<number, string>();
  const same = (p: SearchPart) => JSON.stringify([p.top, p.picks, p.summaries, p.pareto, p.head]);
  const sameSearch = same(first.part);
  for (const { file, part } of parts) {
    if (part.shard.count !== n) throw new InputError(`${file}: shard ${part.shard.index}/${part.shard.count}, but ${first.file} is one of ${n}`);
    const twin = seen.get(part.shard.index);
    if (twin !== undefined) throw new InputError(`${file}: shard ${part.shard.index}/${n} given twice (also ${twin})`);
    seen.set(part.shard.index, file);
    if (same(part) !== sameSearch)
      throw new InputError(`${file}: from a different search than ${first.file} (top K, the candidates or the Pareto front differ: run every shard with the same flags)`);
  }
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) throw new InputError(`merge: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${n}`).join(', ')} missing`);
  const byPlace = new Map<number, VerifiedCandidate>();
  for (const { file, part } of parts)
    for (const e of part.verified) {
      if (byPlace.has(e.place)) throw new InputError(`${file}: place ${e.place} verified twice`);
      byPlace.set(e.place, e.result);
    }
  const verified = Array.from({ length: first.part.picks }, (_, k) => {
    const v = byPlace.get(k);
    if (!v) throw new InputError(`merge: place ${k} of the top ${first.part.picks} was verified by no part (shard ${(k % n) + 1}/${n} is incomplete)`);
    return v;
  });
  const k = winnerPlace(verified);
  return searchOutput(first.part.summaries[k], first.part.head, verified, first.part.pareto);
}
