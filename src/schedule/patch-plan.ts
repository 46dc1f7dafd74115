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
import { isSpatiallyLocal, receptiveField, spatial } from './steps.ts';

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

/** Even split of `size` into n parts: boundaries floor(k * size / n). */
function bounds(size: number, n: number): number[] {
  return Array.from({ length: n + 1 }, (_, k) => Math.floor((k * size) / n));
}

/** A half-open range [lo, hi) along one axis. */
interface Span {
  lo: number;
  hi: number;
}

/**
 * What an op reads of one input along one axis (0 = rows, 1 = columns) to produce `out`, and the zero
 * padding it must apply before and after. A window op with receptive field k, stride s and padding p reads
 * [lo*s - p, (hi-1)*s - p + k), clipped to the input; element-wise ops read what they write.
 */
function readAxis(s: Step, axis: 0 | 1, out: Span, size: number): { read: Span; before: number; after: number } {
  if (s.kind === 'add' || s.kind === 'mul' || s.kind === 'activation') return { read: out, before: 0, after: 0 };
  // conv, depthwise, pointwise, pools, pad: a window (pad = 1x1 window shifted by its padding); a dilated
  // conv's window spans (k - 1) x dilation + 1 inputs, and the kernel skips the rows between its taps.
  const k = receptiveField(s, axis);
  const st = s.stride[axis];
  const p = axis === 0 ? s.padding.top : s.padding.left;
  const lo = out.lo * st - p;
  const hi = (out.hi - 1) * st - p + k;
  return { read: { lo: Math.max(0, lo), hi: Math.min(size, hi) }, before: Math.max(0, -lo), after: Math.max(0, hi - size) };
}

/**
 * The patch stage along one axis: for each of the n tile positions along it, per step 0..L the output
 * range, per input the range read and the padding, and per tensor the range its buffer holds (the
 * bounding range of what every reader needs). A region is a rectangle and every window acts on rows and
 * columns apart, so a patch's regions are the row walk of its row times the column walk of its column:
 * 2n walks instead of n x n.
 */
export interface AxisWalk {
  /** out[i][step]: the output range of tile position i. */
  readonly out: Span[][];
  /** reads[i][step][k]: input k's read range and padding. */
  readonly reads: { read: Span; before: number; after: number }[][][];
  /** stored[i]: tensor -> the range held for tile position i. */
  readonly stored: Map<number, Span>[];
}

function walkAxis(g: StepGraph, L: number, edges: readonly number[], axis: 0 | 1): AxisWalk {
  const split = g.steps[L].output;
  const n = edges.length - 1;
  const out: Span[][] = [];
  const reads: AxisWalk['reads'] = [];
  const stored: Map<number, Span>[] = [];
  for (let i = 0; i < n; i++) {
    const need = new Map<number, Span>([[split, { lo: edges[i], hi: edges[i + 1] }]]);
    const o: Span[] = new Array(L + 1);
    const r: AxisWalk['reads'][number] = new Array(L + 1);
    for (let k = L; k >= 0; k--) {
      const s = g.steps[k];
      const range = need.get(s.output);
      if (!range) throw new RangeError(`${s.name}: its output is not needed by the split layer ${g.steps[L].name}`);
      o[k] = range;
      r[k] = s.inputs.map((t) => {
        const size = spatial(g.tensors[t])[axis];
        const w = readAxis(s, axis, range, size);
        const had = need.get(t);
        need.set(t, had ? { lo: Math.min(had.lo, w.read.lo), hi: Math.max(had.hi, w.read.hi) } : w.read);
        return w;
      });
    }
    out.push(o);
    reads.push(r);
    stored.push(need);
  }
  return { out, reads, stored };
}

/** Both axes of the patch stage for n x n patches of step L's output (see AxisWalk). */
export interface PatchAxes {
  readonly n: number;
  readonly splitStep: number;
  readonly rows: AxisWalk;
  readonly cols: AxisWalk;
}

/**
 * The two axis walks of n x n patches of step L's output, without the per-patch records: enough for the
 * MACs and the instruction estimate of a candidate (cost.ts) at the cost of 2n walks. Throws RangeError
 * as patchGeometry does.
 */
export function patchAxes(g: StepGraph, L: number, n: number, knownCut = false): PatchAxes {
  if (!knownCut && !cutPoints(g).includes(L)) throw new RangeError(`step ${L} is not a point where a patch stage can end`);
  const [H, W] = spatial(g.tensors[g.steps[L].output]);
  if (!Number.isInteger(n) || n < 1 || n > H || n > W) throw new RangeError(`${n}x${n} patches do not fit a ${H}x${W} map`);
  return { n, splitStep: L, rows: walkAxis(g, L, bounds(H, n), 0), cols: walkAxis(g, L, bounds(W, n), 1) };
}

/** Sum over tile positions of the output extent of step k along one axis. */
export function axisExtent(w: AxisWalk, k: number): number {
  let n = 0;
  for (const o of w.out) n += o[k].hi - o[k].lo;
  return n;
}

/** MACs of the patch stage run patch by patch: per step, MACs per output pixel x (sum of tile heights) x (sum of tile widths). */
export function patchedMacsOf(g: StepGraph, axes: PatchAxes): number {
  let macs = 0;
  for (let k = 0; k <= axes.splitStep; k++) {
    const s = g.steps[k];
    const [ho, wo] = spatial(g.tensors[s.output]);
    macs += (s.macs / (ho * wo)) * axisExtent(axes.rows, k) * axisExtent(axes.cols, k);
  }
  return macs;
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
export function patchGeometry(g: StepGraph, L: number, n: number, knownCut = false, axes = patchAxes(g, L, n, knownCut)): PatchGeometry {
  const split = g.steps[L].output;
  const { rows, cols } = axes;
  const patches: Region[] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const r = rows.out[i][L];
      const c = cols.out[j][L];
      patches.push({ y0: r.lo, y1: r.hi, x0: c.lo, x1: c.hi });
    }

  const full = new Set<number>([...g.inputs, split]);
  const stage: PatchStageOp[] = [];
  let stageMacs = 0;
  let patchedMacs = 0;
  for (let k = 0; k <= L; k++) {
    const s = g.steps[k];
    stageMacs += s.macs;
    const [ho, wo] = spatial(g.tensors[s.output]);
    const perPixel = s.macs / (ho * wo);
    const c = g.tensors[s.output].shape[3];
    const fullRegion = s.inputs.map((t) => {
      const [th, tw] = spatial(g.tensors[t]);
      return full.has(t) ? { y0: 0, y1: th, x0: 0, x1: tw } : null;
    });
    let mh = 0;
    let mw = 0;
    let maxBytes = 0;
    const opTiles: Tile[] = new Array(n * n);
    for (let i = 0; i < n; i++) {
      const ro = rows.out[i][k];
      const rr = rows.reads[i][k];
      for (let j = 0; j < n; j++) {
        const co = cols.out[j][k];
        const cr = cols.reads[j][k];
        const h = ro.hi - ro.lo;
        const w = co.hi - co.lo;
        if (h * w * c > maxBytes) {
          maxBytes = h * w * c;
          mh = h;
          mw = w;
        }
        const macs = perPixel * h * w;
        patchedMacs += macs;
        opTiles[i * n + j] = {
          out: { y0: ro.lo, y1: ro.hi, x0: co.lo, x1: co.hi },
          inputs: s.inputs.map((t, q) => {
            const ys = rows.stored[i].get(t)!;
            const xs = cols.stored[j].get(t)!;
            return {
              stored: fullRegion[q] ?? { y0: ys.lo, y1: ys.hi, x0: xs.lo, x1: xs.hi },
              read: { y0: rr[q].read.lo, y1: rr[q].read.hi, x0: cr[q].read.lo, x1: cr[q].read.hi },
              pad: { top: rr[q].before, left: cr[q].before, bottom: rr[q].after, right: cr[q].after },
            };
          }),
          macs,
        };
      }
    }
    stage.push({
      step: k,
      name: s.name,
      inputFull: s.inputs.map((t) => full.has(t)),
      outputFull: s.output === split,
      maxTile: [mh, mw, c],
      tiles: opTiles,
    });
  }
  return { n, splitStep: L, splitLayer: g.steps[L].name, splitShape: g.tensors[split].shape.slice(), patches, stage, stageMacs, patchedMacs };
}
