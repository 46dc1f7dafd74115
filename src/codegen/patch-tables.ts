// The patch loop's geometry in C: per patch-stage op, one record per patch with the output region and,
// per input, the region stored in the input's buffer, the window read and the border padding, exactly
// the planner's PatchGeometry (and exactly the bytes its flash figure counts: 8 + 20 per input). The
// generated op functions turn a record into kernel shapes and paddings at run time.
import type { PatchGeometry, PatchStageOp, Region } from '../schedule/index.ts';

export interface TileRecordValues {
  /** C initializer of one record. */
  init: string;
}

export interface PatchStageValues {
  /** 1 or 2: which record type (mcunas_tile1 / mcunas_tile2). */
  inputs: number;
  /** The op writes the split layer's whole output: one kernel call per output row. */
  rows: boolean;
  /**
   * Element-wise ops only: every input's stored region and the output region are the same for every
   * patch, so one call over the tile's bytes does (otherwise one call per row).
   */
  whole: boolean;
  records: TileRecordValues[];
}

const region = (r: Region) => `{ ${r.y0}, ${r.y1}, ${r.x0}, ${r.x1} }`;
const same = (a: Region, b: Region) => a.y0 === b.y0 && a.y1 === b.y1 && a.x0 === b.x0 && a.x1 === b.x1;

export function stageValues(op: PatchStageOp): PatchStageValues {
  const n = op.inputFull.length;
  if (n < 1 || n > 2) throw new Error(`bug: patch-stage op ${op.name} has ${n} activation inputs`);
  for (const t of op.tiles) {
    const r = [t.out, ...t.inputs.flatMap((i) => [i.stored, i.read])];
    if (r.some((x) => x.y0 < 0 || x.x0 < 0 || x.y1 > 32767 || x.x1 > 32767)) throw new Error(`bug: ${op.name}: a tile region exceeds int16`);
  }
  return {
    inputs: n,
    rows: op.outputFull,
    whole: !op.outputFull && op.tiles.every((t) => t.inputs.every((i) => same(i.stored, t.out))),
    records: op.tiles.map((t) => ({
      init: `{ ${region(t.out)}, { ${t.inputs.map((i) => `{ ${region(i.stored)}, ${region(i.read)}, { ${i.pad.top}, ${i.pad.left}, ${i.pad.bottom}, ${i.pad.right} } }`).join(', ')} } }`,
    })),
  };
}

/** The stage op of step i, or undefined when i runs layer by layer. */
export function stageOp(geo: PatchGeometry | null, i: number): PatchStageOp | undefined {
  return geo && i <= geo.splitStep ? geo.stage[i] : undefined;
}
