// Geometry of the per-layer memory chart: one bar per op, stacked by live tensor, with the board's
// limit as a horizontal line. Only numbers and coordinates are computed here; the template draws them.
import type { MemoryReport } from './memory-report.ts';

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

export interface MemoryChart {
  width: number;
  height: number;
  plot: { left: number; top: number; width: number; height: number; bottom: number };
  bars: ChartBar[];
  ticks: ChartTick[];
  limitY: number;
  limitBytes: number;
  peakBytes: number;
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
function tickStep(max: number): number {
  const unit = max >= 4096 ? 1024 : 1;
  const raw = max / unit / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  return unit * ([1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p);
}

export function layoutMemoryChart(r: MemoryReport, size = { width: 960, height: 360 }): MemoryChart {
  const plot = { left: 70, top: 16, width: size.width - 90, height: size.height - 56, bottom: 0 };
  plot.bottom = plot.top + plot.height;
  const totals = r.layers.map((l) => l.liveTensors.reduce((s, t) => s + t.bytes, 0));
  const peakBytes = Math.max(0, ...totals);
  const yMax = Math.max(peakBytes, r.limitBytes, 1) * 1.05;
  const scale = plot.height / yMax;
  const slot = r.layers.length > 0 ? plot.width / r.layers.length : plot.width;
  const barWidth = Math.max(1, slot * 0.8);
  const colors = new Map<string, string>();
  const bars = r.layers.map((l, i) => {
    const x = plot.left + i * slot + (slot - barWidth) / 2;
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
  return { ...size, plot, bars, ticks, limitY: plot.bottom - r.limitBytes * scale, limitBytes: r.limitBytes, peakBytes };
}
