// Patch-based inference (MCUNetV2): the first ops run once per spatial tile ("patch") of the output of a
// split layer, each patch computing only the region its tile needs, so the big early feature maps never
// exist whole; the split layer's output is assembled at full size, and the rest runs layer by layer.
//
// The regions come from walking the ops backwards from the tile: an op with window k, stride s and
// padding p needs input rows [y0*s - p, (y1-1)*s - p + k) for output rows [y0, y1); clipping that to the
// tensor gives the rows to read and, where it was clipped, the zero padding the kernel must apply at
// this patch's border. A tensor read by several ops (a residual block input: by the expansion conv with
// the depthwise halo, and by the add without) holds the bounding box of what they read. Neighbouring
// patches' regions overlap (the halo), and the overlap is computed twice: those are the extra MACs.
//
// The prefix must be spatially local. A squeeze-and-excitation block is not: its gate is a global
// average over the WHOLE feature map, which no single patch has, so the patch stage must end before the
// first SE block. In this design space that leaves the stem, the fused first block, stage 0 and the
// first block of stage 1 (spec §1: stage 0 and slot 0 of stage 1 have no SE); cutPoints() enforces it
// for any graph by refusing global pools, fully connected layers and broadcast multiplies.
//
// The result is meant to be executed: for every patch-stage op and every patch it records the output
// region, and per input the region held in the input's buffer, the window read and the border padding.
// Generated C loops over patches and over these records; tensors marked `full` (the network input and
// the split output) live at full size, all others as tiles in buffers reused by every patch.
import type { Padding, Step, StepGraph } from './steps.ts';
import { isSpatiallyLocal, spatial } from './steps.ts';

/** Rows [y0, y1) and columns [x0, x1), in the coordinates of the whole tensor. */
export interface Region {
  readonly y0: number;
  readonly y1: number;
  readonly x0: number;
  readonly x1: number;
}

export interface TileInput {
  /** The input tensor's region held in its buffer during this patch (the whole tensor if `full`). */
  readonly stored: Region;
  /** The window this op reads (inside `stored`). */
  readonly read: Region;
  /** Zero padding the op applies around `read` at this patch's borders (0 inside the image). */
  readonly pad: Padding;
}

export interface Tile {
  /** Output region computed by this op for this patch. */
  readonly out: Region;
  readonly inputs: readonly TileInput[];
  readonly macs: number;
}

export interface PatchStageOp {
  /** Index in the StepGraph's steps (= position in execution order). */
  readonly step: number;
  readonly name: string;
  /** Per input: stored at full size (the network input) rather than as a tile. */
  readonly inputFull: readonly boolean[];
  /** The output is stored at full size (only the split layer's output). */
  readonly outputFull: boolean;
  /** The largest output tile over all patches [h, w, c]: the size of the reused buffer. */
  readonly maxTile: readonly [number, number, number];
  /** One record per patch, patch index = row * n + column. */
  readonly tiles: readonly Tile[];
}

export interface PatchGeometry {
  /** n x n patches. */
  readonly n: number;
  /** Step index and name of the split layer (its output is assembled at full size). */
  readonly splitStep: number;
  readonly splitLayer: string;
  readonly splitShape: readonly number[];
  /** The split output's tile of every patch. */
  readonly patches: readonly Region[];
  /** Steps 0..splitStep in order. */
  readonly stage: readonly PatchStageOp[];
  /** MACs of the patch stage run layer by layer, and run patch by patch. */
  readonly stageMacs: number;
  readonly patchedMacs: number;
}

export const PATCH_COUNTS = [2, 3, 4, 5, 6, 7, 8] as const;

const area = (r: Region) => (r.y1 - r.y0) * (r.x1 - r.x0);

function union(a: Region | undefined, b: Region): Region {
  if (!a) return b;
  return { y0: Math.min(a.y0, b.y0), y1: Math.max(a.y1, b.y1), x0: Math.min(a.x0, b.x0), x1: Math.max(a.x1, b.x1) };
}

/** Even split of `size` into n parts: boundaries floor(k * size / n). */
function bounds(size: number, n: number): number[] {
  return Array.from({ length: n + 1 }, (_, k) => Math.floor((k * size) / n));
}

/** What an op reads of one input to produce `out`, and the padding it must apply at the borders. */
function readWindow(s: Step, out: Region, inH: number, inW: number): { read: Region; pad: Padding } {
  if (s.kind === 'add' || s.kind === 'mul' || s.kind === 'activation') return { read: out, pad: { top: 0, left: 0, bottom: 0, right: 0 } };
  // conv, depthwise, pointwise, pools, pad: a window (pad = 1x1 window shifted by its padding).
  const [kh, kw] = s.kernel;
  const [sh, sw] = s.stride;
  const lo = out.y0 * sh - s.padding.top;
  const hi = (out.y1 - 1) * sh - s.padding.top + kh;
  const le = out.x0 * sw - s.padding.left;
  const ri = (out.x1 - 1) * sw - s.padding.left + kw;
  return {
    read: { y0: Math.max(0, lo), y1: Math.min(inH, hi), x0: Math.max(0, le), x1: Math.min(inW, ri) },
    pad: { top: Math.max(0, -lo), bottom: Math.max(0, hi - inH), left: Math.max(0, -le), right: Math.max(0, ri - inW) },
  };
}

/** Whether steps 0..L can run patch by patch (every op local, no broadcast operand). */
function localPrefixLength(g: StepGraph): number {
  let n = 0;
  for (const s of g.steps) {
    if (!isSpatiallyLocal(s)) break;
    const outBytes = g.tensors[s.output].bytes;
    if ((s.kind === 'add' || s.kind === 'mul') && s.inputs.some((t) => g.tensors[t].bytes !== outBytes)) break;
    if (g.tensors[s.output].shape.length !== 4) break;
    n++;
  }
  return n;
}

/**
 * Steps after which the patch stage may end: inside the local prefix, and only one tensor made so far is
 * still needed later (the split output), and the network input is not needed later.
 */
export function cutPoints(g: StepGraph): number[] {
  const prefix = localPrefixLength(g);
  const lastRead = new Int32Array(g.tensors.length).fill(-1);
  g.steps.forEach((s, i) => s.inputs.forEach((t) => (lastRead[t] = i)));
  for (const t of g.outputs) lastRead[t] = g.steps.length;
  const producedAt = new Int32Array(g.tensors.length).fill(-1);
  g.steps.forEach((s, i) => (producedAt[s.output] = i));
  const cuts: number[] = [];
  for (let L = 0; L < prefix; L++) {
    const split = g.steps[L].output;
    if (g.outputs.includes(split)) continue;
    let ok = g.inputs.every((t) => lastRead[t] <= L);
    for (let t = 0; ok && t < g.tensors.length; t++)
      if (t !== split && producedAt[t] >= 0 && producedAt[t] <= L && lastRead[t] > L) ok = false;
    if (ok) cuts.push(L);
  }
  return cuts;
}

/** Step index of a split layer given by name: an op name, or a block prefix (`blocks.3` = its last op). */
export function findSplitStep(g: StepGraph, layer: string): number {
  for (let i = g.steps.length - 1; i >= 0; i--) if (g.steps[i].name === layer) return i;
  for (let i = g.steps.length - 1; i >= 0; i--) if (g.steps[i].name.startsWith(`${layer}.`)) return i;
  return -1;
}

/**
 * The patch geometry for n x n patches of step L's output. Throws RangeError if L is not a cut point
 * or the split output is smaller than n in either direction. `knownCut` skips the cut check for a
 * caller that took L from cutPoints (the auto search calls this ~70 times per network).
 */
export function patchGeometry(g: StepGraph, L: number, n: number, knownCut = false): PatchGeometry {
  if (!knownCut && !cutPoints(g).includes(L)) throw new RangeError(`step ${L} is not a point where a patch stage can end`);
  const split = g.steps[L].output;
  const [H, W] = spatial(g.tensors[split]);
  if (!Number.isInteger(n) || n < 1 || n > H || n > W) throw new RangeError(`${n}x${n} patches do not fit a ${H}x${W} map`);
  const rows = bounds(H, n);
  const cols = bounds(W, n);
  const patches: Region[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) patches.push({ y0: rows[i], y1: rows[i + 1], x0: cols[j], x1: cols[j + 1] });

  const full = new Set<number>([...g.inputs, split]);
  const tiles: { out: Region; reads: { read: Region; pad: Padding }[]; macs: number }[][] = [];
  const storedPerPatch: Map<number, Region>[] = [];
  let patchedMacs = 0;
  for (const tile of patches) {
    const need = new Map<number, Region>([[split, tile]]);
    const perStep: (typeof tiles)[number] = new Array(L + 1);
    for (let i = L; i >= 0; i--) {
      const s = g.steps[i];
      const out = need.get(s.output);
      if (!out) throw new RangeError(`${s.name}: its output is not needed by the split layer ${g.steps[L].name}`);
      const reads = s.inputs.map((t) => {
        const [h, w] = spatial(g.tensors[t]);
        const r = readWindow(s, out, h, w);
        need.set(t, union(need.get(t), r.read));
        return r;
      });
      const [ho, wo] = spatial(g.tensors[s.output]);
      const macs = (s.macs / (ho * wo)) * area(out);
      patchedMacs += macs;
      perStep[i] = { out, reads, macs };
    }
    tiles.push(perStep);
    storedPerPatch.push(need);
  }

  const stage: PatchStageOp[] = [];
  let stageMacs = 0;
  for (let i = 0; i <= L; i++) {
    const s = g.steps[i];
    stageMacs += s.macs;
    const c = g.tensors[s.output].shape[3];
    let mh = 0;
    let mw = 0;
    let maxBytes = 0;
    const opTiles: Tile[] = patches.map((_, p) => {
      const t = tiles[p][i];
      const h = t.out.y1 - t.out.y0;
      const w = t.out.x1 - t.out.x0;
      if (h * w * c > maxBytes) {
        maxBytes = h * w * c;
        mh = h;
        mw = w;
      }
      return {
        out: t.out,
        inputs: s.inputs.map((tensor, k) => {
          const [th, tw] = spatial(g.tensors[tensor]);
          const stored = full.has(tensor) ? { y0: 0, y1: th, x0: 0, x1: tw } : storedPerPatch[p].get(tensor)!;
          return { stored, read: t.reads[k].read, pad: t.reads[k].pad };
        }),
        macs: t.macs,
      };
    });
    stage.push({
      step: i,
      name: s.name,
      inputFull: s.inputs.map((t) => full.has(t)),
      outputFull: s.output === split,
      maxTile: [mh, mw, c],
      tiles: opTiles,
    });
  }
  return { n, splitStep: L, splitLayer: g.steps[L].name, splitShape: g.tensors[split].shape.slice(), patches, stage, stageMacs, patchedMacs };
}
