// The report pictures' geometry: scales and ticks, scatter points inside the plot, the identity line,
// the Pareto staircase, log axes, and the architecture picture against the design space's rules.
import { describe, expect, it } from 'vitest';
import { formatCount, linearScale, logScale, niceLinear, niceLog } from '../../src/report/scale.ts';
import { layoutScatter, paretoStaircase, type ScatterPoint } from '../../src/report/scatter.ts';
import { EXPAND_WIDTHS, KERNEL_COLORS, layoutArch } from '../../src/report/arch-picture.ts';
import { isArchSvg, renderArchSvg } from '../../src/report/arch-svg.ts';
import { largestArch, smallestArch } from '../../src/space/sample.ts';
import type { ArchConfig } from '../../src/space/config.ts';

const fmt = (v: number) => String(v);

describe('scales', () => {
  it('maps linearly and logarithmically', () => {
    const lin = linearScale([0, 10], [100, 200]);
    expect([lin(0), lin(5), lin(10), lin(20)]).toEqual([100, 150, 200, 300]);
    const flipped = linearScale([0, 10], [300, 100]); // y grows downwards
    expect(flipped(10)).toBe(100);
    const log = logScale([1, 1000], [0, 300]);
    expect(log(1)).toBeCloseTo(0);
    expect(log(10)).toBeCloseTo(100);
    expect(log(100)).toBeCloseTo(200);
    expect(log(1000)).toBeCloseTo(300);
    expect(() => logScale([0, 10], [0, 1])).toThrow(/positive/);
  });

  it('chooses round ticks that cover the values', () => {
    expect(niceLinear(86.3, 93.4)).toEqual({ domain: [86, 94], ticks: [86, 88, 90, 92, 94] });
    expect(niceLinear(0.12, 0.91).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceLinear(5, 5).domain[0]).toBeLessThan(5); // one value still gets an axis
    const l = niceLog(7.2, 106);
    expect(l.domain).toEqual([5, 200]);
    expect(l.ticks).toEqual([5, 10, 20, 50, 100, 200]);
    // more than three decades: decades only
    expect(niceLog(0.3, 4000).ticks).toEqual([1, 10, 100, 1000]);
    expect([formatCount(950), formatCount(12_345), formatCount(4_067_018), formatCount(1.2e9)]).toEqual(['950', '12.3 k', '4.07 M', '1.2 G']);
  });
});

describe('scatter layout', () => {
  const pts = (xy: [number, number][]): ScatterPoint[] => xy.map(([x, y]) => ({ x, y, kind: 'point', title: `${x},${y}` }));

  it('puts every point inside the plot area, ticks on their values', () => {
    const data = pts([[10, 86.5], [25, 90.1], [60, 92.7], [33, 88.8]]);
    const l = layoutScatter({ x: { label: 'MACs', format: fmt }, y: { label: 'acc', format: fmt }, points: data });
    for (const p of l.points) {
      expect(p.cx).toBeGreaterThanOrEqual(l.plot.left);
      expect(p.cx).toBeLessThanOrEqual(l.plot.right);
      expect(p.cy).toBeGreaterThanOrEqual(l.plot.top);
      expect(p.cy).toBeLessThanOrEqual(l.plot.bottom);
    }
    // the first tick is the plot's left edge, the last its right edge (domain widened to whole steps)
    expect(l.xTicks[0].pos).toBeCloseTo(l.plot.left);
    expect(l.xTicks.at(-1)!.pos).toBeCloseTo(l.plot.right);
    // a point's x is where its value falls between the ticks
    const t0 = l.xTicks[0];
    const t1 = l.xTicks.at(-1)!;
    const p = l.points.find((q) => q.title === '25,90.1')!;
    expect((p.cx - t0.pos) / (t1.pos - t0.pos)).toBeCloseTo((25 - t0.value) / (t1.value - t0.value));
    // higher accuracy is higher up
    expect(l.points.find((q) => q.title === '60,92.7')!.cy).toBeLessThan(p.cy);
  });

  it('draws the identity line corner to corner on one shared domain', () => {
    const data = pts([[86, 86.4], [90, 89.7], [93, 93.2]]);
    const l = layoutScatter({ x: { label: 'measured', format: fmt }, y: { label: 'predicted', format: fmt }, points: data, identity: true });
    expect(l.xTicks.map((t) => t.value)).toEqual(l.yTicks.map((t) => t.value));
    const id = l.identity!;
    expect(id.x1).toBeCloseTo(l.plot.left);
    expect(id.y1).toBeCloseTo(l.plot.bottom);
    expect(id.x2).toBeCloseTo(l.plot.right);
    expect(id.y2).toBeCloseTo(l.plot.top);
    // a point with y = x lies on the line: same fraction across as up
    const on = layoutScatter({ x: { label: 'm', format: fmt }, y: { label: 'p', format: fmt }, points: [...data, ...pts([[88, 88]])], identity: true }).points.find((q) => q.title === '88,88')!;
    const fx = (on.cx - l.plot.left) / (l.plot.right - l.plot.left);
    const fy = (l.plot.bottom - on.cy) / (l.plot.bottom - l.plot.top);
    expect(fx).toBeCloseTo(fy);
    // an over-predicted point is above the line
    const above = l.points.find((q) => q.title === '86,86.4')!;
    const lineY = id.y1 + ((above.cx - id.x1) / (id.x2 - id.x1)) * (id.y2 - id.y1);
    expect(above.cy).toBeLessThan(lineY);
  });

  it('uses a log axis when values span a factor of 8, and keeps points inside', () => {
    const data = pts([[2, 80], [20, 85], [200, 90], [150, 91]]);
    const l = layoutScatter({ x: { label: 'MACs', log: 'auto', format: fmt }, y: { label: 'acc', format: fmt }, points: data });
    expect(l.xLog).toBe(true);
    const x = (t: string) => l.points.find((q) => q.title.startsWith(`${t},`))!.cx;
    // equal ratios, equal distances
    expect(x('20') - x('2')).toBeCloseTo(x('200') - x('20'));
    for (const p of l.points) expect(p.cx).toBeGreaterThanOrEqual(l.plot.left);
    const narrow = layoutScatter({ x: { label: 'MACs', log: 'auto', format: fmt }, y: { label: 'acc', format: fmt }, points: pts([[10, 1], [40, 2]]) });
    expect(narrow.xLog).toBe(false);
  });

  it('marks the Pareto front, the winner and verified points, drawn after the cloud', () => {
    const data: ScatterPoint[] = [
      ...pts([[10, 80], [12, 79], [20, 85], [22, 84], [30, 90], [31, 89.9]]),
      { x: 22, y: 84, kind: 'verified', title: 'v' },
      { x: 30, y: 90, kind: 'winner', title: 'w' },
    ];
    const l = layoutScatter({ x: { label: 'x', format: fmt }, y: { label: 'y', format: fmt }, points: data, front: true, xLimits: [{ value: 32, label: 'budget' }, { value: 1e6, label: 'far' }] });
    expect(l.points.filter((p) => p.kind === 'front').map((p) => p.title)).toEqual(['10,80', '20,85', '30,90']);
    expect(l.points.slice(-2).map((p) => p.kind)).toEqual(['verified', 'winner']);
    expect(l.frontPath.match(/^M/g)).toHaveLength(1);
    expect(l.frontPath.match(/H/g)).toHaveLength(2);
    expect(l.xLimits[0].inside).toBe(true);
    expect(l.xLimits[1]).toMatchObject({ inside: false, x: l.plot.right });
    expect(paretoStaircase([{ x: 1, y: 1 }, { x: 1, y: 2 }, { x: 2, y: 1.5 }, { x: 3, y: 3 }])).toEqual([{ x: 1, y: 2 }, { x: 3, y: 3 }]);
  });

  it('draws one background point per pixel and counts the rest', () => {
    const many = pts(Array.from({ length: 1000 }, (_, i) => [50 + (i % 2) * 1e-6, 90] as [number, number]));
    const l = layoutScatter({ x: { label: 'x', format: fmt }, y: { label: 'y', format: fmt }, points: [...many, ...pts([[10, 80], [90, 95]])] });
    expect(l.points).toHaveLength(3);
    expect(l.merged).toBe(999);
    expect(l.given).toBe(1002);
  });
});

describe('architecture picture', () => {
  const mixed: ArchConfig = {
    wid: 1,
    ks: [3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5],
    e: [6, 4, 3, 6, 4, 3, 6, 4, 3, 6, 4, 3, 6, 4, 3, 6, 4, 3, 6, 4],
    d: [1, 0, 2, 1, 2, 0],
    image_size: 128,
  };

  it('draws the active blocks of each stage with their kernel size and expand ratio', () => {
    const p = layoutArch(mixed);
    const stages = p.columns.filter((c) => c.heading.startsWith('stage'));
    // stage s runs min(slots, d + base) blocks; the last stage one
    expect(stages.map((c) => c.boxes.length)).toEqual([2, 2, 4, 3, 4, 1]);
    expect(p.blocks).toBe(16);
    expect(stages[1].boxes.map((b) => b.label)).toEqual(['MB6 3×3', 'MB4 5×5']); // slots 3, 4
    expect(stages[5].boxes[0].label).toBe('MB4 5×5'); // slot 19
    for (const c of stages)
      for (const b of c.boxes) {
        const [, e, k] = /^MB(\d) (\d)×/.exec(b.label)!.map(Number);
        expect(b.width).toBe(EXPAND_WIDTHS[e]);
        expect(b.fill).toBe(KERNEL_COLORS[k].fill);
      }
    // stride 2 on the first block of stages 0, 1, 2, 4; SE from stage 1's second block to stage 4
    expect(stages.map((c) => c.boxes[0].detail.includes('s2'))).toEqual([true, true, true, false, true, false]);
    expect(stages[1].boxes.map((b) => b.detail.includes('SE'))).toEqual([false, true]);
    expect(stages[5].boxes[0].detail).not.toContain('SE');
    // channels and sides from the space (wid 1 = x0.75, r 128: stages 24 32 64 72 144 240; sides 32 16 8 8 4 4)
    expect(stages.map((c) => c.subheading)).toEqual(['24 ch · 32×32', '32 ch · 16×16', '64 ch · 8×8', '72 ch · 8×8', '144 ch · 4×4', '240 ch · 4×4']);
    // columns do not overlap and everything is inside the picture
    for (let i = 1; i < p.columns.length; i++) {
      const prev = p.columns[i - 1];
      expect(Math.max(...prev.boxes.map((b) => b.x + b.width))).toBeLessThan(Math.min(...p.columns[i].boxes.map((b) => b.x)));
    }
    for (const c of p.columns)
      for (const b of c.boxes) {
        expect(b.x + b.width).toBeLessThanOrEqual(p.width);
        expect(b.y + b.height).toBeLessThanOrEqual(p.legendY);
      }
  });

  it('renders any config to a standalone SVG that names its generator', () => {
    for (const c of [smallestArch(96), largestArch(160, true), mixed]) {
      const svg = renderArchSvg(c);
      expect(svg).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<!-- generator: mcu-nas draw; \{"wid":/);
      expect(svg).toContain(JSON.stringify(c));
      expect(svg).not.toMatch(/NaN|undefined|\[object/);
      expect(svg.match(/<g class="block">/g)).toHaveLength(layoutArch(c).blocks);
      expect(isArchSvg(Buffer.from(svg))).toBe(true);
    }
    expect(isArchSvg(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe(false);
  });
});
