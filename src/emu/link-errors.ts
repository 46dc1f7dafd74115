// The linker's "does not fit" messages, turned into one line a user can act on. GNU ld prints, per
// overflowing region, "section `.bss' will not fit in region `X'" and "region `X' overflowed by N
// bytes"; X is a region of the board's real size (link-layout.ts), so N is what the board lacks.
import { CheckFailure } from '../errors.ts';
import type { LinkLayout, LinkRegion } from '../codegen/link-layout.ts';
import { kb } from '../codegen/literals.ts';

export interface RegionOverflow {
  region: string;
  overflowBytes: number;
  /** The region's length, when the layout knows it. */
  regionBytes?: number;
  sections: string[];
}

const OVERFLOW = /region [`'"]?([A-Za-z0-9_]+)['"]? overflowed by (\d+) bytes?/g;
const WONT_FIT = /section [`'"]?([^\s'"`]+)['"]? will not fit in region [`'"]?([A-Za-z0-9_]+)['"]?/g;

export function parseOverflows(stderr: string, layouts: readonly LinkLayout[] = []): RegionOverflow[] {
  const regions = new Map<string, RegionOverflow>();
  const find = (name: string): LinkRegion | undefined =>
    layouts.flatMap((l) => [l.flash, ...l.ram, ...(l.testData ? [l.testData] : [])]).find((r) => r.name === name);
  const entry = (name: string) => {
    let e = regions.get(name);
    if (e === undefined) {
      e = { region: name, overflowBytes: 0, regionBytes: find(name)?.length, sections: [] };
      regions.set(name, e);
    }
    return e;
  };
  for (const m of stderr.matchAll(OVERFLOW)) {
    const e = entry(m[1]);
    e.overflowBytes = Math.max(e.overflowBytes, Number(m[2]));
  }
  for (const m of stderr.matchAll(WONT_FIT)) {
    const e = entry(m[2]);
    if (!e.sections.includes(m[1])) e.sections.push(m[1]);
  }
  return [...regions.values()];
}

function describe(o: RegionOverflow, layouts: readonly LinkLayout[]): string {
  const region = layouts.flatMap((l) => [l.flash, ...l.ram, ...(l.testData ? [l.testData] : [])]).find((r) => r.name === o.region);
  const kind = region === undefined ? 'region' : region.parts.includes('flash') ? 'flash region' : region.parts.includes('test data') ? 'test-data region' : 'SRAM region';
  const parts = region && region.parts.length > 1 ? `${region.parts.join('+')}, ` : '';
  const size = o.regionBytes !== undefined ? ` (${parts}${kb(o.regionBytes)})` : '';
  const over = o.overflowBytes > 0 ? ` overflowed by ${kb(o.overflowBytes)}` : ' overflowed';
  const needs = o.regionBytes !== undefined && o.overflowBytes > 0 ? `: needs ${kb(o.regionBytes + o.overflowBytes)}` : '';
  const sections = o.sections.length > 0 ? ` (${o.sections.join(', ')} did not fit)` : '';
  return `${kind} ${o.region}${size}${over}${needs}${sections}`;
}

/** A CheckFailure with one line naming each overflowing region and by how many KB, or undefined. */
export function explainLinkFailure(stderr: string, boardName: string, layouts: readonly LinkLayout[]): CheckFailure | undefined {
  const overflows = parseOverflows(stderr, layouts);
  if (overflows.length === 0) return undefined;
  const line = `firmware does not fit ${boardName}: ${overflows.map((o) => describe(o, layouts)).join('; ')}`;
  return new CheckFailure(line, { board: boardName, overflows });
}
