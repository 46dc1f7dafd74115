// The planner's front door: a network (IR graph, or an arch config on the fast path) and a board in,
// a Plan out: every tensor's arena offset, the SRAM and flash figures, the per-layer table and the patch
// plan if one is used. Steps: StepGraph -> memory model (layer by layer, or patch stage + rest) ->
// buffers with lifetimes -> placement (best of the strategies) -> SRAM layout on the board.
import type { Board } from '../board/schema.ts';
import type { Graph } from '../ir/graph.ts';
import type { ArchConfig } from '../space/config.ts';
import { flashBreakdown, type FlashBreakdown } from './flash.ts';
import { stepsFromArch } from './from-arch.ts';
import { stepsFromIr } from './from-ir.ts';
import { backendOf, type KernelBackend } from '../backend/index.ts';
import { assignBuffers, liveBytesPerStep, type BufferAssignment, type MemoryModel } from './lifetimes.ts';
import { layerModel, patchModel } from './memory-model.ts';
import { cutPoints, findSplitStep, patchAxes, patchedMacsOf, patchGeometry, PATCH_COUNTS, type PatchAxes, type PatchGeometry } from './patch-plan.ts';
import { alignUp, DEFAULT_ALIGNMENT, lowerBound, placeBest, type Buffer, type Placement } from './placement.ts';
import { runtimeBytes, STACK_BYTES, sramLayout, type SramLayout } from './sram-layout.ts';
import { arenaSpans } from '../board/regions.ts';
import { axesInstructions, layerInstructions, planInstructions } from './cost.ts';
import { spatial, stepMacs, stepParams, type StepGraph } from './steps.ts';

/**
 * 'auto': the fastest plan that fits the board (layer by layer whenever it fits, else the patch plan with
 * the fewest estimated instructions among those that fit); 'min-sram': the plan with the smallest arena;
 * 'off': layer by layer; {n, layer}: that patch plan.
 */
export type PatchRequest = 'auto' | 'min-sram' | 'off' | { readonly n: number; readonly layer: string };

export interface PlanOptions {
  readonly patch?: PatchRequest;
  /** Kernel backend; decides in-place depthwise and scratch sizes. Default 'own'. */
  readonly kernels?: KernelBackend;
  readonly alignment?: number;
  /**
   * An SRAM budget (bytes, arena + stack + runtime) tighter than the board's, e.g. the search's
   * --max-sram-kb: `auto` then looks for the fastest plan within it. Does not change `fits`.
   */
  readonly sramLimit?: number;
}

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

/** The figures of a plan, without its tables: what the search loop needs. */
export interface Fit {
  readonly fits: boolean;
  readonly fitsSram: boolean;
  readonly fitsFlash: boolean;
  /** arena + stack + runtime. */
  readonly sramBytes: number;
  readonly flashBytes: number;
  readonly arena: number;
  readonly lowerBound: number;
  /** The board's SRAM the network may use (largest run, or all runs when split) and its flash. */
  readonly sramCapacity: number;
  readonly flashCapacity: number;
  /** The patch plan used, or null for layer by layer. */
  readonly patch: { readonly n: number; readonly layer: string; readonly extraMacs: number } | null;
  /** Estimated instructions of one inference under this plan (cost.ts: what --patch auto minimises). */
  readonly estimatedInstructions: number;
}

export interface SramFigures {
  /** Bytes of the arena: activations, kernel scratch and the network's input and output all live there. */
  arena: number;
  /** The most bytes live at once under this schedule and its in-place rules; no placement does better. */
  lowerBound: number;
  /** Largest scratch buffer of any op (part of the arena). */
  scratch: number;
  /** Network input + output bytes (part of the arena). */
  io: number;
  /** Stack estimate (outside the arena). */
  stack: number;
  /** Runtime static data (outside the arena): runtimeBytes(ops), as measured on board ELFs. */
  runtime: number;
  /** arena + stack + runtime. */
  total: number;
  /** What the board offers (see layout). */
  capacity: number;
  /** Placement strategy that produced the arena. */
  strategy: string;
  layout: SramLayout;
}

export interface LayerRow {
  name: string;
  op: string;
  kind: string;
  inShape: number[];
  outShape: number[];
  macs: number;
  /** Offset of the output tensor's buffer in the arena (of its run in split mode). */
  arenaOffset: number;
  /** Bytes of all buffers live while this op runs (its inputs, output, scratch and everything kept for later). */
  liveBytes: number;
  scratchBytes: number;
  /** int8 weight bytes. */
  weightBytes: number;
  /** All constants of the op in flash: weights, int32 bias, multipliers and shifts. */
  flashBytes: number;
  /** The output shares its input's buffer. */
  inPlace: boolean;
  /** Runs once per patch; `tile` is its largest output tile [h, w, c]. */
  patched: boolean;
  tile?: number[];
}

export interface TensorPlacement {
  name: string;
  bytes: number;
  offset: number;
  /** Index of its buffer in Plan.buffers (several tensors share one when ops work in place). */
  buffer: number;
  /** Run of the SRAM layout that holds it (0 unless split). */
  span: number;
}

export interface PlacedBuffer {
  id: string;
  size: number;
  offset: number;
  span: number;
  firstUse: number;
  lastUse: number;
}

export interface PatchSummary {
  n: number;
  splitLayer: string;
  splitShape: number[];
  /** Ops run patch by patch (steps 0..split). */
  stageLayers: string[];
  /** MACs recomputed by overlapping halos: patched stage MACs minus the stage's layer-by-layer MACs. */
  extraMacs: number;
  /** extraMacs as a percentage of the network's MACs. */
  extraMacsPercent: number;
  /** The arena the same network needs layer by layer, for comparison. */
  layerByLayerArena: number;
}

export interface Plan {
  model: string;
  board: string;
  kernels: KernelBackend;
  /** Multiply-accumulate products of the network (conv and linear; the lab's macs_pure). */
  macs: number;
  /** Parameters as the lab counts them. */
  params: number;
  sram: SramFigures;
  flash: FlashBreakdown;
  fits: boolean;
  fitsSram: boolean;
  fitsFlash: boolean;
  /** The board's flash size. */
  flashCapacity: number;
  /** The op during which the most bytes are live. */
  peakLayer: string;
  patch: PatchSummary | null;
  /** The executable patch geometry (null without patches). */
  patchGeometry: PatchGeometry | null;
  layers: LayerRow[];
  tensors: TensorPlacement[];
  buffers: PlacedBuffer[];
  /**
   * Estimated instructions of one inference (cost.ts), under this plan and layer by layer: what
   * --patch auto ranks plans by. An estimate for choosing; `run` measures the built firmware.
   */
  cost: { estimatedInstructions: number; layerByLayerInstructions: number };
  /** What was tried and why this plan was chosen, for the report. */
  notes: string[];
}

interface Candidate {
  geo: PatchGeometry | null;
  model: MemoryModel;
  assignment: BufferAssignment;
  lowerBound: number;
  placement?: Placement;
}

function candidate(g: StepGraph, geo: PatchGeometry | null, backend: KernelBackend, cpu: Pick<Board, 'dsp' | 'mve'>, alignment: number): Candidate {
  const ctx = { backend, dsp: cpu.dsp, mve: cpu.mve === true };
  const model = geo ? patchModel(g, geo, ctx) : layerModel(g, ctx);
  const assignment = assignBuffers(model);
  return { geo, model, assignment, lowerBound: lowerBound(assignment.buffers, alignment) };
}

function place(c: Candidate, alignment: number): Placement {
  if (!c.placement) c.placement = placeBest(c.assignment.buffers, alignment);
  return c.placement;
}

interface Chosen {
  best: Candidate;
  layer: Candidate;
  notes: string[];
}

/** Candidate patch counts for a split output of side h x w. */
function patchCounts(h: number, w: number): number[] {
  return PATCH_COUNTS.filter((n) => n <= h && n <= w);
}

/** Aligned bytes live at each step (what lowerBound maximises). */
function alignedLivePerStep(buffers: readonly Buffer[], nSteps: number, alignment: number): Float64Array {
  const delta = new Float64Array(nSteps + 1);
  for (const b of buffers) {
    if (b.size <= 0) continue;
    const s = alignUp(b.size, alignment);
    delta[b.firstUse] += s;
    delta[Math.min(b.lastUse, nSteps - 1) + 1] -= s;
  }
  let acc = 0;
  for (let i = 0; i < nSteps; i++) {
    acc += delta[i];
    delta[i] = acc;
  }
  return delta;
}

/**
 * Cut points with a cheap lower bound on the arena of any patch plan ending there: after the split the
 * patched schedule is the layer-by-layer one (same tensors live), and during the patch stage the network
 * input and the assembled split output are both held whole. Sorted by that bound.
 */
function cutBounds(g: StepGraph, layer: Candidate, alignment: number): { L: number; bound: number }[] {
  const live = alignedLivePerStep(layer.assignment.buffers, g.steps.length, alignment);
  const suffixMax = new Float64Array(g.steps.length + 1);
  for (let i = g.steps.length - 1; i >= 0; i--) suffixMax[i] = Math.max(suffixMax[i + 1], live[i]);
  const inBytes = g.inputs.reduce((n, t) => n + alignUp(g.tensors[t].bytes, alignment), 0);
  return cutPoints(g)
    .map((L) => ({ L, bound: Math.max(suffixMax[L + 1], inBytes + alignUp(g.tensors[g.steps[L].output].bytes, alignment)) }))
    .sort((a, b) => a.bound - b.bound || a.L - b.L);
}

/**
 * A lower bound on the arena of a patch plan, from its axis walks alone: while stage op k runs, the
 * network input and the split output are held whole, and op k's output tile buffer (its largest tile:
 * tallest row range x widest column range x channels) is live too. Skips building candidates that
 * cannot fit (small n at a late cut: big tiles).
 */
function stageBound(g: StepGraph, axes: PatchAxes, inBytes: number, alignment: number): number {
  const L = axes.splitStep;
  let tile = 0;
  for (let k = 0; k < L; k++) {
    let h = 0;
    let w = 0;
    for (const o of axes.rows.out) h = Math.max(h, o[k].hi - o[k].lo);
    for (const o of axes.cols.out) w = Math.max(w, o[k].hi - o[k].lo);
    const out = g.tensors[g.steps[k].output];
    tile = Math.max(tile, alignUp(h * w * out.shape[3], alignment));
  }
  return inBytes + alignUp(g.tensors[g.steps[L].output].bytes, alignment) + tile;
}

interface Target {
  board: Board;
  backend: KernelBackend;
  alignment: number;
  /** Stack + runtime bytes outside the arena. */
  reserve: number;
  sramLimit: number;
  /** Flash of the network layer by layer (a patch plan adds its geometry tables). */
  layerFlash: number;
}

/** The arena as the board holds it (split across runs: the sum of what each run holds) and its layout. */
function layoutOf(c: Candidate, t: Target): { layout: SramLayout; arena: number } {
  const placement = place(c, t.alignment);
  const layout = sramLayout(t.board, placement.arena, c.assignment.buffers, t.alignment, t.reserve);
  const arena = layout.mode === 'split' ? layout.spans.reduce((n, s) => n + s.arena, 0) : placement.arena;
  return { layout, arena };
}

function fitsTarget(c: Candidate, t: Target): boolean {
  const { layout, arena } = layoutOf(c, t);
  if (layout.mode === 'none' || arena + t.reserve > t.sramLimit) return false;
  return t.layerFlash + (c.geo ? patchTableBytes(c.geo) : 0) <= t.board.flash.size;
}

/** The largest arena any plan may have on the target: the largest run, or all runs when buffers may be spread. */
function arenaRoom(t: Target): number {
  const spans = arenaSpans(t.board);
  const room = (spans.length > 1 ? spans.reduce((n, s) => n + s.size, 0) : spans[0].size) - t.reserve;
  return Math.min(room, t.sramLimit - t.reserve);
}

/** --patch min-sram: every cut point x patch count, the smallest arena (ties: fewer MACs). */
function smallest(g: StepGraph, layer: Candidate, t: Target): Chosen {
  const { alignment, backend } = t;
  const layerArena = place(layer, alignment).arena;
  // Cut points in order of their bound; within one, candidates in order of their own lower bound,
  // placed only while they can still beat the best arena found.
  const cuts = cutBounds(g, layer, alignment);
  let best = layer;
  let bestArena = layerArena;
  let tried = 0;
  let placed = 0;
  for (const { L, bound } of cuts) {
    if (bound >= bestArena) break;
    const [h, w] = spatial(g.tensors[g.steps[L].output]);
    const cands = patchCounts(h, w).map((n) => candidate(g, patchGeometry(g, L, n, true), backend, t.board, alignment));
    tried += cands.length;
    cands.sort((a, b) => a.lowerBound - b.lowerBound || a.geo!.patchedMacs - b.geo!.patchedMacs);
    for (const c of cands) {
      if (c.lowerBound >= bestArena) break;
      placed++;
      const a = place(c, alignment).arena;
      if (a < bestArena || (a === bestArena && best.geo && c.geo!.patchedMacs < best.geo.patchedMacs)) {
        best = c;
        bestArena = a;
      }
    }
  }
  const notes = [
    best.geo
      ? `patch min-sram: ${tried} candidates over ${cuts.length} split points (${placed} placed); ${best.geo.n}x${best.geo.n} patches up to ${best.geo.splitLayer} need ${bestArena} B against ${layerArena} B layer by layer`
      : `patch min-sram: none of ${tried} candidates over ${cuts.length} split points beats layer by layer (${layerArena} B): no patch`,
  ];
  return { best, layer, notes };
}

/**
 * --patch auto: the fastest plan that fits. Layer by layer when it fits (no patches, whatever they would
 * save); else the patch plans in order of estimated instructions (cost.ts), the first that fits. Cut
 * points whose bound already exceeds the room are skipped, and a candidate is placed only if its own
 * lower bound leaves room. If flash does not fit layer by layer, no patch plan can help (it only adds
 * tables). When nothing fits, the plan is layer by layer and does not fit.
 */
function fastest(g: StepGraph, layer: Candidate, t: Target): Chosen {
  const { alignment, backend } = t;
  const layerArena = place(layer, alignment).arena;
  const est = (n: number) => `${(n / 1e6).toFixed(1)} M`;
  const layerCost = layerInstructions(g);
  if (fitsTarget(layer, t)) return { best: layer, layer, notes: [`patch auto: layer by layer fits (arena ${layerArena} B, ~${est(layerCost)} instructions estimated): no patch`] };
  if (t.layerFlash > t.board.flash.size) return { best: layer, layer, notes: ['patch auto: flash does not fit whatever the schedule (patches only add tables): no patch'] };
  const room = arenaRoom(t);
  const cuts = cutBounds(g, layer, alignment).filter((c) => c.bound <= room);
  // Ranked by the estimate from the axis walks alone (2n walks a candidate); the per-patch geometry,
  // buffers and placement only for candidates tried in that order, until one fits.
  const cands: { L: number; n: number; axes: PatchAxes; cost: number; macs: number }[] = [];
  for (const { L } of cuts) {
    const [h, w] = spatial(g.tensors[g.steps[L].output]);
    for (const n of patchCounts(h, w)) {
      const axes = patchAxes(g, L, n, true);
      cands.push({ L, n, axes, cost: axesInstructions(g, axes, layerCost), macs: patchedMacsOf(g, axes) });
    }
  }
  cands.sort((a, b) => a.cost - b.cost || a.macs - b.macs || a.L - b.L || a.n - b.n);
  let placed = 0;
  const inBytes = g.inputs.reduce((n, x) => n + alignUp(g.tensors[x].bytes, alignment), 0);
  for (const k of cands) {
    if (stageBound(g, k.axes, inBytes, alignment) > room) continue;
    const c = candidate(g, patchGeometry(g, k.L, k.n, true, k.axes), backend, t.board, alignment);
    if (c.lowerBound > room) continue;
    placed++;
    if (!fitsTarget(c, t)) continue;
    const arena = place(c, alignment).arena;
    return {
      best: c,
      layer,
      notes: [
        `patch auto: layer by layer does not fit (arena ${layerArena} B); of ${cands.length} patch plans that might (${placed} placed), the fastest that fits is ` +
          `${k.n}x${k.n} up to ${g.steps[k.L].name}: arena ${arena} B, ~${est(k.cost)} instructions estimated against ~${est(layerCost)} layer by layer`,
      ],
    };
  }
  return {
    best: layer,
    layer,
    notes: [`patch auto: no plan fits: layer by layer needs arena ${layerArena} B, and none of ${cands.length} patch plans over ${cuts.length} split points fits in ${room} B (${placed} placed)`],
  };
}

function choose(g: StepGraph, request: PatchRequest, board: Board, t: Target): Chosen {
  const { backend, alignment } = t;
  const layer = candidate(g, null, backend, board, alignment);
  const layerArena = place(layer, alignment).arena;
  const notes: string[] = [];
  if (request === 'off') return { best: layer, layer, notes };
  if (request === 'auto') return fastest(g, layer, t);
  if (request === 'min-sram') return smallest(g, layer, t);
  const L = findSplitStep(g, request.layer);
  if (L < 0) throw new PlanError(`--patch: no layer named "${request.layer}" (give an op name such as "${g.steps[Math.min(3, g.steps.length - 1)].name}" or a block such as "blocks.1")`);
  const cuts = cutPoints(g);
  if (!cuts.includes(L))
    throw new PlanError(
      `--patch: the patch stage cannot end at "${g.steps[L].name}" (it must end before the first global op such as an SE block, where only one tensor crosses); possible: ${cuts.map((i) => g.steps[i].name).join(', ')}`,
    );
  const [h, w] = spatial(g.tensors[g.steps[L].output]);
  if (!Number.isInteger(request.n) || request.n < 1 || request.n > h || request.n > w)
    throw new PlanError(`--patch: ${request.n}x${request.n} patches do not fit the ${h}x${w} output of "${g.steps[L].name}"`);
  const forced = candidate(g, patchGeometry(g, L, request.n), backend, board, alignment);
  const arena = place(forced, alignment).arena;
  if (arena >= layerArena) notes.push(`forced patch plan needs ${arena} B, layer by layer needs ${layerArena} B`);
  return { best: forced, layer, notes };
}

/** The kernel backend runs every step, or a PlanError names the first it cannot run and why. */
function checkSupported(g: StepGraph, backend: KernelBackend): void {
  const b = backendOf(backend);
  for (const s of g.steps) {
    const why = b.unsupported(s);
    if (why !== null) throw new PlanError(`--kernels ${backend}: ${s.name} (${s.kind} ${s.kernel[0]}x${s.kernel[1]}): ${why}`);
  }
}

function figures(g: StepGraph, board: Board, opts: PlanOptions) {
  const backend = opts.kernels ?? 'own';
  checkSupported(g, backend);
  const alignment = opts.alignment ?? DEFAULT_ALIGNMENT;
  const runtime = runtimeBytes(g.steps.length, !board.emulated);
  const reserve = STACK_BYTES + runtime;
  const layerFlash = flashBreakdown(g.steps, backend, board.dsp, 0, board).total;
  const target: Target = { board, backend, alignment, reserve, sramLimit: opts.sramLimit ?? Infinity, layerFlash };
  const chosen = choose(g, opts.patch ?? 'off', board, target);
  const c = chosen.best;
  const placement = place(c, alignment);
  const { layout, arena } = layoutOf(c, target);
  const patchTables = c.geo ? patchTableBytes(c.geo) : 0;
  const flash = flashBreakdown(g.steps, backend, board.dsp, patchTables, board);
  const sramBytes = arena + reserve;
  const fitsSram = layout.mode !== 'none';
  const fitsFlash = flash.total <= board.flash.size;
  const layerCost = layerInstructions(g);
  const cost = { estimatedInstructions: planInstructions(g, c.geo, layerCost), layerByLayerInstructions: layerCost };
  return { chosen, c, placement, layout, flash, arena, sramBytes, fitsSram, fitsFlash, backend, alignment, runtime, cost };
}

/**
 * Geometry tables the patch loop reads from flash: per patch-stage op and patch, the output region and
 * per input the stored and read regions (4 int16 each) and the padding (4 uint8).
 */
function patchTableBytes(geo: PatchGeometry): number {
  let n = 0;
  for (const op of geo.stage) n += op.tiles.length * (8 + op.inputFull.length * (8 + 8 + 4));
  return n;
}

/** Only the figures: the search loop's check. Same numbers as planSteps(...) gives. */
export function fitSteps(g: StepGraph, board: Board, opts: PlanOptions = {}): Fit {
  const f = figures(g, board, opts);
  const geo = f.c.geo;
  return {
    fits: f.fitsSram && f.fitsFlash,
    fitsSram: f.fitsSram,
    fitsFlash: f.fitsFlash,
    sramBytes: f.sramBytes,
    flashBytes: f.flash.total,
    arena: f.arena,
    lowerBound: f.c.lowerBound,
    sramCapacity: f.layout.capacity,
    flashCapacity: board.flash.size,
    patch: geo ? { n: geo.n, layer: geo.splitLayer, extraMacs: geo.patchedMacs - geo.stageMacs } : null,
    estimatedInstructions: f.cost.estimatedInstructions,
  };
}

/** The fast path for the search: an arch config planned without building the IR (see from-arch.ts). */
export function fitArch(c: ArchConfig, board: Board, opts: PlanOptions = {}): Fit {
  return fitSteps(stepsFromArch(c), board, opts);
}

export function planSteps(g: StepGraph, board: Board, opts: PlanOptions = {}): Plan {
  const f = figures(g, board, opts);
  const { c, placement, layout } = f;
  const geo = c.geo;
  const { buffers, bufferOf, scratchOf, tensorsOf } = c.assignment;
  const offsetOf = (b: number) => (layout.mode === 'split' ? layout.bufferOffset![b] : placement.offsets[b]);
  const spanOf = (b: number) => (layout.mode === 'split' ? layout.bufferSpan![b] : 0);
  const live = liveBytesPerStep(buffers, g.steps.length);
  let peak = 0;
  for (let i = 1; i < live.length; i++) if (live[i] > live[peak]) peak = i;

  const layers: LayerRow[] = g.steps.map((s, i) => {
    const outBuf = bufferOf[s.output];
    const stageOp = geo && i <= geo.splitStep ? geo.stage[i] : undefined;
    const row: LayerRow = {
      name: s.name,
      op: s.op,
      kind: s.kind,
      inShape: g.tensors[s.inputs[0]].shape.slice(),
      outShape: g.tensors[s.output].shape.slice(),
      macs: stageOp ? stageOp.tiles.reduce((n, t) => n + t.macs, 0) : s.macs,
      arenaOffset: offsetOf(outBuf),
      liveBytes: live[i],
      scratchBytes: scratchOf[i] >= 0 ? buffers[scratchOf[i]].size : 0,
      weightBytes: s.weights,
      flashBytes: s.weights + 4 * s.biases + 8 * s.quantChannels,
      inPlace: s.inputs.some((t) => bufferOf[t] === outBuf),
      patched: stageOp !== undefined,
    };
    if (stageOp) row.tile = stageOp.maxTile.slice();
    return row;
  });
  const tensors: TensorPlacement[] = [];
  tensorsOf.forEach((ts, b) => {
    for (const t of ts) tensors.push({ name: g.tensors[t].name, bytes: c.model.tensors[t].bytes, offset: offsetOf(b), buffer: b, span: spanOf(b) });
  });
  const placed: PlacedBuffer[] = buffers.map((b, i) => ({ id: b.id, size: b.size, offset: offsetOf(i), span: spanOf(i), firstUse: b.firstUse, lastUse: b.lastUse }));
  const macs = stepMacs(g);
  const layerArena = place(f.chosen.layer, f.alignment).arena;
  let scratch = 0;
  for (const i of scratchOf) if (i >= 0 && buffers[i].size > scratch) scratch = buffers[i].size;
  const io = g.inputs.reduce((n, t) => n + g.tensors[t].bytes, 0) + g.outputs.reduce((n, t) => n + g.tensors[t].bytes, 0);
  return {
    model: g.name,
    board: board.name,
    kernels: f.backend,
    macs,
    params: stepParams(g),
    sram: {
      arena: f.arena,
      lowerBound: c.lowerBound,
      scratch,
      io,
      stack: STACK_BYTES,
      runtime: f.runtime,
      total: f.sramBytes,
      capacity: layout.capacity,
      strategy: placement.strategy,
      layout,
    },
    flash: f.flash,
    fits: f.fitsSram && f.fitsFlash,
    fitsSram: f.fitsSram,
    fitsFlash: f.fitsFlash,
    flashCapacity: board.flash.size,
    peakLayer: g.steps[peak]?.name ?? '',
    patch: geo
      ? {
          n: geo.n,
          splitLayer: geo.splitLayer,
          splitShape: geo.splitShape.slice(),
          stageLayers: geo.stage.map((s) => s.name),
          extraMacs: geo.patchedMacs - geo.stageMacs,
          extraMacsPercent: (100 * (geo.patchedMacs - geo.stageMacs)) / macs,
          layerByLayerArena: layerArena,
        }
      : null,
    patchGeometry: geo,
    cost: f.cost,
    layers,
    tensors,
    buffers: placed,
    notes: [...f.chosen.notes, layout.description],
  };
}

export function planGraph(graph: Graph, board: Board, opts: PlanOptions = {}): Plan {
  return planSteps(stepsFromIr(graph), board, opts);
}

export function planArch(c: ArchConfig, board: Board, opts: PlanOptions = {}): Plan {
  return planSteps(stepsFromArch(c), board, opts);
}

/** The buffers live while step i runs (tensors and scratch), for per-layer memory charts. */
export function liveBuffersAt(p: Plan, i: number): PlacedBuffer[] {
  return p.buffers.filter((b) => b.size > 0 && b.firstUse <= i && i <= b.lastUse);
}
