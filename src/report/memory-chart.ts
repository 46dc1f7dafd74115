// Geometry of the compile report's pictures: the per-layer SRAM chart (one bar per op, stacked by live
// tensor) on the model's own scale, with the board's limit as a line when it is on that scale and as a
// note at the top when it is far above; the patch stage as a shaded band; the SRAM and flash budget bars
// (used against the board's limit); and, after `mcu-nas run`, the measured cost per layer. Only numbers
// and coordinates are computed here; templates/report.html.hbs draws them.
import type { MemoryReport } from './memory-report.ts';
import { niceStep } from './scale.ts';

export interface ChartSegment {
  tensor: string;
  bytes: number;
  x: number;
  y: number;
  width: number;
  height: number;
  color: string;
}

export interface ChartBar {
  layer: string;
  op: string;
  totalBytes: number;
  x: number;
  segments: ChartSegment[];
  overLimit: boolean;
}

export interface ChartTick {
  y: number;
  bytes: number;
}

export interface PlotBox {
  left: number;
  top: number;
  width: number;
  height: number;
  bottom: number;
}

export interface MemoryChart {
  width: number;
  height: number;
  plot: PlotBox;
  bars: ChartBar[];
  ticks: ChartTick[];
  /** The limit line's y; the plot's top when the limit is above the scale (limitOnScale false). */
  limitY: number;
  limitOnScale: boolean;
  limitBytes: number;
  peakBytes: number;
  /** The patch stage's layers (x range), or null without patches. */
  patchBand: { x: number; width: number } | null;
}

// A colour-blind-friendly palette (Okabe and Ito, "Color Universal Design", 2008), cycled.
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#999999'];

/** The same tensor keeps its colour in every bar it appears in. */
function colorOf(name: string, seen: Map<string, string>): string {
  let c = seen.get(name);
  if (c === undefined) {
    c = PALETTE[seen.size % PALETTE.length];
    seen.set(name, c);
  }
  return c;
}

/** About five ticks at 1, 2 or 5 x 10^n, counted in KiB once the axis passes a few KiB (so labels are round). */
export function tickStep(max: number): number {
  const unit = max >= 4096 ? 1024 : 1;
  return unit * Math.max(1 / unit, niceStep(max / unit, 5));
}

/**
 * A limit is drawn on the chart's scale when it is at most this many times the model's peak; above that
 * the scale is the model's own (so a 20 KiB model on a 512 KiB board shows bars, not slivers).
 */
export const LIMIT_ON_SCALE_FACTOR = 2;

/** The x of each of `n` slots across a plot, and the bar width in a slot. */
function slots(plot: PlotBox, n: number) {
  const slot = n > 0 ? plot.width / n : plot.width;
  const barWidth = Math.max(1, slot * 0.8);
  return { slot, barWidth, x: (i: number) => plot.left + i * slot + (slot - barWidth) / 2 };
}

function patchBandOf(r: MemoryReport, plot: PlotBox): MemoryChart['patchBand'] {
  const idx = r.layers.flatMap((l, i) => (l.patched ? [i] : []));
  if (idx.length === 0) return null;
  const { slot } = slots(plot, r.layers.length);
  const first = Math.min(...idx);
  const last = Math.max(...idx);
  return { x: plot.left + first * slot, width: (last - first + 1) * slot };
}

export function layoutMemoryChart(r: MemoryReport, size = { width: 960, height: 360 }): MemoryChart {
  const plot: PlotBox = { left: 70, top: 22, width: size.width - 90, height: size.height - 62, bottom: 0 };
  plot.bottom = plot.top + plot.height;
  const totals = r.layers.map((l) => l.liveTensors.reduce((s, t) => s + t.bytes, 0));
  const peakBytes = Math.max(0, ...totals);
  const limitOnScale = r.limitBytes <= LIMIT_ON_SCALE_FACTOR * peakBytes;
  const yMax = (limitOnScale ? Math.max(peakBytes, r.limitBytes, 1) : Math.max(peakBytes, 1)) * 1.08;
  const scale = plot.height / yMax;
  const { barWidth, x: slotX } = slots(plot, r.layers.length);
  const colors = new Map<string, string>();
  const bars = r.layers.map((l, i) => {
    const x = slotX(i);
    let y = plot.bottom;
    const segments = l.liveTensors.map((t) => {
      const height = t.bytes * scale;
      y -= height;
      return { tensor: t.name, bytes: t.bytes, x, y, width: barWidth, height, color: colorOf(t.name, colors) };
    });
    return { layer: l.name, op: l.op, totalBytes: totals[i], x, segments, overLimit: totals[i] > r.limitBytes };
  });
  const step = tickStep(yMax);
  const ticks: ChartTick[] = [];
  for (let b = 0; b <= yMax; b += step) ticks.push({ bytes: b, y: plot.bottom - b * scale });
  return {
    ...size,
    plot,
    bars,
    ticks,
    limitY: limitOnScale ? plot.bottom - r.limitBytes * scale : plot.top,
    limitOnScale,
    limitBytes: r.limitBytes,
    peakBytes,
    patchBand: patchBandOf(r, plot),
  };
}

export interface BudgetBar {
  name: 'SRAM' | 'flash';
  usedBytes: number;
  limitBytes: number;
  y: number;
  usedWidth: number;
  limitX: number;
  /** The limit's label goes left of its line when the line is in the right half. */
  limitLabelLeft: boolean;
  over: boolean;
}

/** SRAM and flash used against the board's limits: one horizontal bar each (its own scale), the limit a line across it. */
export function layoutBudgetBars(r: MemoryReport, width = 960): { width: number; height: number; left: number; right: number; bars: BudgetBar[] } {
  const left = 70;
  const right = width - 20;
  const rows: { name: 'SRAM' | 'flash'; used: number; limit: number | undefined }[] = [
    { name: 'SRAM', used: r.sram.total, limit: r.limitBytes },
    { name: 'flash', used: r.flash.total, limit: r.flashLimitBytes },
  ];
  const bars = rows
    .filter((b): b is { name: 'SRAM' | 'flash'; used: number; limit: number } => b.limit !== undefined && b.limit > 0)
    .map((b, i) => {
      const full = Math.max(b.used, b.limit) * 1.02;
      const scale = (right - left) / full;
      return { name: b.name, usedBytes: b.used, limitBytes: b.limit, y: 4 + i * 62, usedWidth: Math.max(1, b.used * scale), limitX: left + b.limit * scale, limitLabelLeft: b.limit * scale > (right - left) / 2, over: b.used > b.limit };
    });
  return { width, height: 8 + bars.length * 62, left, right, bars };
}

export interface CostBar {
  layer: string;
  x: number;
  y: number;
  width: number;
  height: number;
  value: number;
}

/** After `run`: each layer's measured cycles (instructions when the cycle model did not run), same x as the SRAM chart. */
export function layoutCostChart(r: MemoryReport, size = { width: 960, height: 240 }) {
  const m = r.measured;
  if (!m) return null;
  const useCycles = m.perOp.length > 0 && m.perOp.every((o) => o.cycles !== null);
  const values = r.layers.map((_, i) => (useCycles ? (m.perOp[i]?.cycles ?? 0) : (m.perOp[i]?.instructions ?? 0)));
  const plot: PlotBox = { left: 70, top: 12, width: size.width - 90, height: size.height - 52, bottom: 0 };
  plot.bottom = plot.top + plot.height;
  const max = Math.max(1, ...values);
  const step = niceStep(max, 4);
  const top = Math.ceil(max / step) * step;
  const scale = plot.height / top;
  const { barWidth, x } = slots(plot, r.layers.length);
  const bars: CostBar[] = values.map((v, i) => ({ layer: r.layers[i].name, x: x(i), y: plot.bottom - v * scale, width: barWidth, height: v * scale, value: v }));
  const ticks: { y: number; value: number }[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push({ value: v, y: plot.bottom - v * scale });
  return { ...size, plot, bars, ticks, unit: useCycles ? 'cycles' : 'instructions', patchBand: patchBandOf(r, plot) };
}
