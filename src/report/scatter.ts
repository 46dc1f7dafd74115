// Geometry of a scatter plot (the search report's Pareto panels, the predictor's predicted-vs-measured
// plot): axes with ticks, points in pixels, and on request the Pareto staircase (y up, x down), the
// identity line y = x and vertical limit lines. templates/svg/scatter.hbs draws what this returns.
import { linearScale, logScale, niceLinear, niceLog, px, type Scale } from './scale.ts';

/** How a point is drawn: the cloud, the Pareto front, the winner, verified (passed / dropped). */
export type PointKind = 'point' | 'front' | 'winner' | 'verified' | 'dropped';

export interface ScatterPoint {
  readonly x: number;
  readonly y: number;
  readonly kind: PointKind;
  /** Hover text (a <title>): untrusted names are fine, the template escapes them. */
  readonly title: string;
}

export interface AxisSpec {
  readonly label: string;
  /** 'auto': logarithmic when the values span a factor of 8 or more (and are all positive). */
  readonly log?: boolean | 'auto';
  readonly format: (v: number) => string;
}

export interface ScatterSpec {
  readonly width?: number;
  readonly height?: number;
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  readonly points: readonly ScatterPoint[];
  /** Draw y = x, with both axes on one domain (predicted vs measured). */
  readonly identity?: boolean;
  /** Draw the Pareto staircase of all points: larger y with smaller x. */
  readonly front?: boolean;
  /** Vertical lines at x values (a budget), labelled. */
  readonly xLimits?: readonly { readonly value: number; readonly label: string }[];
}

export interface Tick {
  readonly value: number;
  readonly pos: number;
  readonly label: string;
}

export interface PlacedPoint {
  readonly cx: number;
  readonly cy: number;
  readonly kind: PointKind;
  readonly title: string;
}

export interface ScatterLayout {
  readonly width: number;
  readonly height: number;
  readonly plot: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number };
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xLog: boolean;
  readonly yLog: boolean;
  readonly xTicks: Tick[];
  readonly yTicks: Tick[];
  /** Background points thinned to one per pixel, then the marked ones (drawn last, on top). */
  readonly points: PlacedPoint[];
  /** How many points were given, and how many background points shared a pixel with another and were left out. */
  readonly given: number;
  readonly merged: number;
  readonly identity: { x1: number; y1: number; x2: number; y2: number } | null;
  /** The staircase through the front, as SVG path data (empty without `front`). */
  readonly frontPath: string;
  readonly xLimits: { x: number; label: string; inside: boolean }[];
}

const MARKED: readonly PointKind[] = ['front', 'verified', 'dropped', 'winner'];

function wantsLog(spec: AxisSpec, values: readonly number[]): boolean {
  if (spec.log === true) return true;
  if (spec.log !== 'auto' || values.length === 0) return false;
  const min = Math.min(...values);
  return min > 0 && Math.max(...values) / min >= 8;
}

function axis(spec: AxisSpec, values: readonly number[], range: readonly [number, number], log: boolean): { scale: Scale; ticks: Tick[] } {
  const finite = values.filter(Number.isFinite);
  const min = finite.length ? Math.min(...finite) : 0;
  const max = finite.length ? Math.max(...finite) : 1;
  const nice = log ? niceLog(min, max) : niceLinear(min, max);
  const scale = log ? logScale(nice.domain, range) : linearScale(nice.domain, range);
  return { scale, ticks: nice.ticks.map((value) => ({ value, pos: scale(value), label: spec.format(value) })) };
}

/** The points on the Pareto front (largest y for their x and no point with smaller-or-equal x has more y), by x. */
export function paretoStaircase<T extends { x: number; y: number }>(points: readonly T[]): T[] {
  const sorted = [...points].filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x || b.y - a.y);
  const out: T[] = [];
  for (const p of sorted) if (out.length === 0 || p.y > out[out.length - 1].y) out.push(p);
  return out;
}

export function layoutScatter(spec: ScatterSpec): ScatterLayout {
  const width = spec.width ?? 440;
  const height = spec.height ?? 320;
  const plot = { left: 64, top: 14, right: width - 16, bottom: height - 46 };
  const finite = spec.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = finite.map((p) => p.x);
  const ys = finite.map((p) => p.y);
  let xLog = wantsLog(spec.x, xs);
  let yLog = wantsLog(spec.y, ys);
  let xAxis;
  let yAxis;
  if (spec.identity) {
    // One domain for both axes, so y = x is the diagonal and distances read the same both ways.
    xLog = yLog = xLog && yLog;
    const both = [...xs, ...ys];
    xAxis = axis(spec.x, both, [plot.left, plot.right], xLog);
    yAxis = axis(spec.y, both, [plot.bottom, plot.top], yLog);
  } else {
    xAxis = axis(spec.x, xs, [plot.left, plot.right], xLog);
    yAxis = axis(spec.y, ys, [plot.bottom, plot.top], yLog);
  }
  const X = xAxis.scale;
  const Y = yAxis.scale;

  const frontSet = new Set(spec.front ? paretoStaircase(finite.filter((p) => p.kind === 'point' || p.kind === 'front')) : []);
  const kindOf = (p: ScatterPoint): PointKind => (p.kind === 'point' && frontSet.has(p) ? 'front' : p.kind);
  const seen = new Set<string>();
  const background: PlacedPoint[] = [];
  const marked: PlacedPoint[] = [];
  let merged = 0;
  for (const p of finite) {
    const placed = { cx: X(p.x), cy: Y(p.y), kind: kindOf(p), title: p.title };
    if (placed.kind !== 'point') {
      marked.push(placed);
      continue;
    }
    const key = `${Math.round(placed.cx)},${Math.round(placed.cy)}`;
    if (seen.has(key)) {
      merged++;
      continue;
    }
    seen.add(key);
    background.push(placed);
  }
  marked.sort((a, b) => MARKED.indexOf(a.kind) - MARKED.indexOf(b.kind));

  let frontPath = '';
  if (spec.front) {
    const stairs = paretoStaircase([...frontSet]);
    frontPath = stairs.map((p, i) => (i === 0 ? `M${px(X(p.x))} ${px(Y(p.y))}` : `H${px(X(p.x))} V${px(Y(p.y))}`)).join(' ');
  }

  let identity: ScatterLayout['identity'] = null;
  if (spec.identity) {
    const [lo, hi] = X.domain;
    identity = { x1: X(lo), y1: Y(lo), x2: X(hi), y2: Y(hi) };
  }
  const xLimits = (spec.xLimits ?? []).map((l) => {
    const x = X(l.value);
    const inside = Number.isFinite(x) && x >= plot.left - 0.5 && x <= plot.right + 0.5;
    return { x: inside ? x : plot.right, label: l.label, inside };
  });
  return {
    width,
    height,
    plot,
    xLabel: spec.x.label,
    yLabel: spec.y.label,
    xLog,
    yLog,
    xTicks: xAxis.ticks,
    yTicks: yAxis.ticks,
    points: [...background, ...marked],
    given: spec.points.length,
    merged,
    identity,
    frontPath,
    xLimits,
  };
}

/** The layout with every coordinate as SVG attribute text, for templates/svg/scatter.hbs. */
export function scatterView(l: ScatterLayout) {
  return {
    width: l.width,
    height: l.height,
    left: px(l.plot.left),
    top: px(l.plot.top),
    right: px(l.plot.right),
    bottom: px(l.plot.bottom),
    plotWidth: px(l.plot.right - l.plot.left),
    plotHeight: px(l.plot.bottom - l.plot.top),
    xMid: px((l.plot.left + l.plot.right) / 2),
    yMid: px((l.plot.top + l.plot.bottom) / 2),
    xLabelY: px(l.height - 8),
    xLabel: l.xLabel + (l.xLog ? ' (log scale)' : ''),
    yLabel: l.yLabel + (l.yLog ? ' (log scale)' : ''),
    xTicks: l.xTicks.map((t) => ({ pos: px(t.pos), label: t.label, labelY: px(l.plot.bottom + 16) })),
    yTicks: l.yTicks.map((t) => ({ pos: px(t.pos), label: t.label })),
    points: l.points.map((p) => ({ cx: px(p.cx), cy: px(p.cy), kind: p.kind, title: p.title, is: { point: p.kind === 'point', front: p.kind === 'front', verified: p.kind === 'verified', dropped: p.kind === 'dropped', winner: p.kind === 'winner' }, r: p.kind === 'point' ? '2.5' : p.kind === 'front' ? '3.5' : '5.5' })),
    identity: l.identity ? { x1: px(l.identity.x1), y1: px(l.identity.y1), x2: px(l.identity.x2), y2: px(l.identity.y2) } : null,
    frontPath: l.frontPath,
    xLimits: l.xLimits.map((m) => ({ x: px(m.x), label: m.label, inside: m.inside })),
  };
}
