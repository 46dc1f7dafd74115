// Axes of the report pictures: a value -> a pixel, linear or logarithmic, and the tick values a reader
// expects (1, 2 or 5 x 10^n). Only numbers here; the templates under templates/svg/ draw them.

export interface Scale {
  /** The pixel of a value (values outside the domain map outside the range). */
  (v: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  readonly log: boolean;
}

/** A linear map of [d0, d1] onto [r0, r1] (a zero-width domain maps everything to the range's middle). */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const f = ((v: number) => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((v - d0) / (d1 - d0)) * (r1 - r0))) as Scale;
  return Object.assign(f, { domain, range, log: false });
}

/** A base-10 logarithmic map of [d0, d1] (both > 0) onto [r0, r1]. */
export function logScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  if (!(d0 > 0 && d1 > 0)) throw new RangeError(`log scale: the domain must be positive, got [${d0}, ${d1}]`);
  const inner = linearScale([Math.log10(d0), Math.log10(d1)], range);
  const f = ((v: number) => inner(Math.log10(v))) as Scale;
  return Object.assign(f, { domain, range, log: true });
}

/** The step of about `count` ticks over a span: 1, 2 or 5 x 10^n. */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * p;
}

/** The domain widened to whole steps, and the ticks inside it (values rounded to the step's precision). */
export function niceLinear(min: number, max: number, count = 5): { domain: [number, number]; ticks: number[] } {
  if (!(max > min)) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return niceLinear(min - pad, max + pad, count);
  }
  const step = niceStep(max - min, count);
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  const ticks: number[] = [];
  for (let k = 0; lo + k * step <= hi + step * 1e-9; k++) ticks.push(Number((lo + k * step).toFixed(digits)));
  return { domain: [lo, hi], ticks };
}

/**
 * A log domain from whole decades' 1-2-5 marks around [min, max] (both > 0), and those marks as ticks
 * (only the decades when the domain spans more than three of them).
 */
export function niceLog(min: number, max: number): { domain: [number, number]; ticks: number[] } {
  if (!(min > 0 && max > 0)) throw new RangeError(`log axis: values must be positive, got [${min}, ${max}]`);
  if (max < min) [min, max] = [max, min];
  const marks = (lo: number, hi: number, steps: number[]) => {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)) + 1; e++) for (const m of steps) out.push(Number((m * 10 ** e).toPrecision(6)));
    return out;
  };
  const all = marks(min, max, [1, 2, 5]);
  const lo = [...all].reverse().find((v) => v <= min * (1 + 1e-9)) ?? min;
  const hi = all.find((v) => v >= max * (1 - 1e-9)) ?? max;
  const domain: [number, number] = lo === hi ? [lo / 2, hi * 2] : [lo, hi];
  const decades = Math.log10(domain[1] / domain[0]);
  const ticks = marks(domain[0], domain[1], decades > 3 ? [1] : [1, 2, 5]).filter((v) => v >= domain[0] * (1 - 1e-9) && v <= domain[1] * (1 + 1e-9));
  return { domain, ticks };
}

/** A count as people read it: 950, 12.3 k, 4.07 M, 1.2 G (three significant digits). */
export function formatCount(n: number): string {
  const a = Math.abs(n);
  const [div, unit] = a >= 1e9 ? [1e9, ' G'] : a >= 1e6 ? [1e6, ' M'] : a >= 1e3 ? [1e3, ' k'] : [1, ''];
  return `${Number((n / div).toPrecision(3))}${unit}`;
}

/** Pixels in SVG attributes: one decimal, no "-0". */
export function px(v: number): string {
  const s = v.toFixed(1);
  return s === '-0.0' ? '0.0' : s;
}
