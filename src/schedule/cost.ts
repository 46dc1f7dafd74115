// Estimated instructions of a schedule: what `--patch auto` minimises among the plans that fit ("the
// fastest plan that fits"). A patch plan costs more than layer by layer in two ways: the halo, computed
// again by every neighbouring patch (extra MACs), and the fixed work of every kernel call and output row
// (setup, per-channel requantization parameters, loop entry), paid once per tile instead of once per
// layer. Both count: on MLPerf VWW 6x6 patches add 43.5 % MACs but 75.5 % instructions.
//
// The estimate per kernel call is
//   perMac x MACs + perElement x output elements + perRow x output rows x channels + perCall
// (a kernel's loops run per output row and channel, its requantization per output element)
// with coefficients per kernel class fitted by least squares on QEMU per-op instruction counts of the
// own kernels (Cortex-M7 build, one subnet run layer by layer and with three patch plans; see
// tools/bench/patch-cost.ts, which re-fits them and prints the table below). It ranks plans of one
// network; it is not a latency figure (that is `run`'s cycle model on the built firmware).
import { axisExtent, type PatchAxes, type PatchGeometry } from './patch-plan.ts';
import { channels, spatial, type Step, type StepGraph } from './steps.ts';

export interface CallCost {
  readonly perMac: number;
  /** Per output row and channel. */
  readonly perRow: number;
  readonly perCall: number;
  readonly perElement: number;
}

export type CostClass = 'conv' | 'pointwise' | 'depthwise3' | 'depthwise5' | 'depthwise7' | 'elementwise' | 'pool' | 'other';

/**
 * Fitted by tools/bench/patch-cost.ts on the ops of a patch stage (own kernels, stm32h743 build in QEMU,
 * the 160 px subnet run layer by layer and as 2x2, 4x4 and 7x7 patches). depthwise7 (no 7x7 depthwise in
 * those stages) is depthwise5 with its border work scaled by the window; pool and other are not fitted
 * (never in a stage there; add's 75 per element is what tools/bench/kernels.ts measures for add).
 */
export const CALL_COSTS: Readonly<Record<CostClass, CallCost>> = {
  conv: { perMac: 3.179, perRow: 4.07, perCall: 0, perElement: 0 },
  pointwise: { perMac: 1.386, perRow: 0, perCall: 24770, perElement: 15.896 },
  depthwise3: { perMac: 5.575, perRow: 370.52, perCall: 0, perElement: 0 },
  depthwise5: { perMac: 5.977, perRow: 141.45, perCall: 0, perElement: 0 },
  depthwise7: { perMac: 5.977, perRow: 198, perCall: 0, perElement: 0 },
  elementwise: { perMac: 0, perRow: 0, perCall: 1061, perElement: 75.04 },
  pool: { perMac: 0, perRow: 0, perCall: 150, perElement: 4 },
  other: { perMac: 0, perRow: 0, perCall: 150, perElement: 4 },
};

export function costClass(s: Step): CostClass {
  switch (s.kind) {
    case 'conv2d':
    case 'fully_connected':
      return 'conv';
    case 'pointwise':
      return 'pointwise';
    case 'depthwise': {
      const k = s.kernel[0];
      return k <= 3 ? 'depthwise3' : k <= 5 ? 'depthwise5' : 'depthwise7';
    }
    case 'add':
    case 'mul':
    case 'activation':
      return 'elementwise';
    case 'avg_pool':
    case 'max_pool':
    case 'global_avg_pool':
      return 'pool';
    default:
      return 'other';
  }
}

/** Estimated instructions of one kernel call of step `s` producing `rows` x `cols` x `c` with `macs` MACs. */
export function callInstructions(s: Step, macs: number, rows: number, cols: number, c: number): number {
  if (s.kind === 'reshape') return 0;
  const k = CALL_COSTS[costClass(s)];
  return k.perMac * macs + k.perRow * rows * c + k.perCall + k.perElement * rows * cols * c;
}

function wholeStep(g: StepGraph, s: Step): number {
  const out = g.tensors[s.output];
  const [h, w] = spatial(out);
  return callInstructions(s, s.macs, h, w, channels(out));
}

/** Estimated instructions of the network run layer by layer. */
export function layerInstructions(g: StepGraph): number {
  let n = 0;
  for (const s of g.steps) n += wholeStep(g, s);
  return n;
}

/** Estimated instructions of the patch stage run tile by tile (steps 0..split), per op. */
export function stageInstructions(g: StepGraph, geo: PatchGeometry): number {
  let n = 0;
  for (const op of geo.stage) {
    const s = g.steps[op.step];
    const c = channels(g.tensors[s.output]);
    for (const t of op.tiles) n += callInstructions(s, t.macs, t.out.y1 - t.out.y0, t.out.x1 - t.out.x0, c);
  }
  return n;
}

/**
 * The same from the two axis walks, without per-patch records: a patch's tile is its row range times its
 * column range, so over all n x n tiles the MACs and elements are (sum of heights) x (sum of widths) per
 * output pixel, the rows n x (sum of heights), the calls n x n.
 */
export function stageInstructionsFromAxes(g: StepGraph, axes: PatchAxes): number {
  let total = 0;
  const calls = axes.n * axes.n;
  for (let k = 0; k <= axes.splitStep; k++) {
    const s = g.steps[k];
    if (s.kind === 'reshape') continue;
    const out = g.tensors[s.output];
    const [h, w] = spatial(out);
    const sh = axisExtent(axes.rows, k);
    const sw = axisExtent(axes.cols, k);
    const c = CALL_COSTS[costClass(s)];
    const ch = channels(out);
    total += c.perMac * (s.macs / (h * w)) * sh * sw + c.perRow * axes.n * sh * ch + c.perCall * calls + c.perElement * sh * sw * ch;
  }
  return total;
}

function stageLayerInstructions(g: StepGraph, splitStep: number): number {
  let n = 0;
  for (let i = 0; i <= splitStep; i++) n += wholeStep(g, g.steps[i]);
  return n;
}

/** Estimated instructions of the whole network under a patch plan (or layer by layer for null). */
export function planInstructions(g: StepGraph, geo: PatchGeometry | null, layer = layerInstructions(g)): number {
  if (!geo) return layer;
  return layer - stageLayerInstructions(g, geo.splitStep) + stageInstructions(g, geo);
}

/** planInstructions from the axis walks (the auto search's cheap ranking of candidates). */
export function axesInstructions(g: StepGraph, axes: PatchAxes, layer = layerInstructions(g)): number {
  return layer - stageLayerInstructions(g, axes.splitStep) + stageInstructionsFromAxes(g, axes);
}
