import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBytes, layoutBudgetBars, layoutMemoryChart, renderHtmlReport, TEMPLATES_DIR, type MemoryReport } from '../../src/report/index.ts';
import { lowerArch } from '../../src/frontend/arch-to-ir.ts';
import { activationInputs, graphMacs, opMacs, tensorBytes } from '../../src/ir/index.ts';
import { largestArch, smallestArch } from '../../src/space/sample.ts';
import { planArch } from '../../src/schedule/index.ts';
import { loadBoard } from '../../src/board/index.ts';
import { memoryReport } from '../../src/pipeline/report.ts';

function sample(): MemoryReport {
  return {
    board: 'stm32f746',
    model: 'tiny & <b>bold</b>',
    macs: 1234567,
    params: 4321,
    flash: { total: 40960, weights: 30000, code: 10960 },
    sram: { total: 100000, arena: 90000, lowerBound: 88000 },
    limitBytes: 320 * 1024,
    layers: [
      { name: 'conv', op: 'conv2d', liveTensors: [{ name: 'input', bytes: 27648 }, { name: '<script>alert(1)</script>', bytes: 36864 }], inShape: [1, 96, 96, 3], outShape: [1, 48, 48, 16], macs: 995328 },
      { name: 'big "one"', op: 'add', liveTensors: [{ name: 'input', bytes: 27648 }, { name: 'x', bytes: 400000 }] },
    ],
  };
}

describe('memory chart layout', () => {
  it('stacks each layer by tensor, keeps a tensor colour, and places the limit line', () => {
    const c = layoutMemoryChart(sample());
    expect(c.peakBytes).toBe(427648);
    expect(c.bars.map((b) => b.overLimit)).toEqual([false, true]);
    const [a, b] = c.bars;
    // stacked: the second segment sits on top of the first
    expect(a.segments[1].y + a.segments[1].height).toBeCloseTo(a.segments[0].y);
    expect(a.segments[0].y + a.segments[0].height).toBeCloseTo(c.plot.bottom);
    // heights are proportional to bytes
    expect(a.segments[1].height / a.segments[0].height).toBeCloseTo(36864 / 27648);
    expect(b.segments[0].color).toBe(a.segments[0].color); // 'input' in both bars
    expect(b.segments[1].color).not.toBe(a.segments[1].color);
    // the limit is below the tallest bar's top and above the short one's
    expect(c.limitY).toBeGreaterThan(b.segments[1].y);
    expect(c.limitY).toBeLessThan(a.segments[1].y);
    expect(c.ticks[0]).toEqual({ bytes: 0, y: c.plot.bottom });
    expect(c.limitOnScale).toBe(true);
  });

  it("draws a small model on its own scale, the limit marked above it", () => {
    const r = sample();
    r.layers = [{ name: 'a', op: 'conv2d', liveTensors: [{ name: 't', bytes: 10_000 }] }, { name: 'b', op: 'add', liveTensors: [{ name: 't', bytes: 5_000 }] }];
    const c = layoutMemoryChart(r);
    expect(c.limitOnScale).toBe(false);
    expect(c.limitY).toBe(c.plot.top);
    // the tallest bar takes most of the plot (on the 320 KiB board's scale it would be 3%)
    const tall = c.bars[0].segments[0];
    expect(tall.height / c.plot.height).toBeGreaterThan(0.9);
    expect(tall.height / c.plot.height).toBeLessThan(1);
    expect(c.bars[1].segments[0].height / tall.height).toBeCloseTo(0.5);
    // within 2x of the peak the limit is on the scale again
    r.limitBytes = 19_000;
    const d = layoutMemoryChart(r);
    expect(d.limitOnScale).toBe(true);
    expect(d.limitY).toBeGreaterThan(d.plot.top);
    expect((d.plot.bottom - d.limitY) / (d.plot.bottom - d.bars[0].segments[0].y)).toBeCloseTo(1.9);
  });

  it('shades the patch stage and puts budget bars on their own scales', () => {
    const r = sample();
    r.layers = [0, 1, 2, 3].map((i) => ({ name: `l${i}`, op: 'conv2d', liveTensors: [{ name: 't', bytes: 1000 }], patched: i < 2 }));
    const c = layoutMemoryChart(r);
    expect(c.patchBand!.x).toBeCloseTo(c.plot.left);
    expect(c.patchBand!.width).toBeCloseTo(c.plot.width / 2);
    r.flashLimitBytes = 1 << 20;
    r.flash.total = 2 << 20;
    const b = layoutBudgetBars(r);
    expect(b.bars.map((x) => [x.name, x.over])).toEqual([['SRAM', false], ['flash', true]]);
    const flash = b.bars[1];
    // the limit line sits at half the used bar (2 MiB used of 1 MiB)
    expect(flash.limitX - b.left).toBeCloseTo(flash.usedWidth / 2);
    const sram = b.bars[0];
    expect((sram.limitX - b.left) / sram.usedWidth).toBeCloseTo((320 * 1024) / 100000);
  });
});

describe('HTML report', () => {
  const html = renderHtmlReport(sample());

  it('has the header figures, the chart and the table', () => {
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<dt>MACs</dt><dd>1,234,567 <span class="note">multiply-accumulates the conv and linear layers compute');
    expect(html).toContain('<dt>parameters</dt><dd>4,321 <span class="note">as the lab counts them');
    expect(html).toContain('<dt>flash</dt><dd>40 KiB: weights 29.3 KiB, code 10.7 KiB</dd>');
    expect(html).toContain('<dt>SRAM</dt><dd>97.7 KiB of 320 KiB (31%): arena 87.9 KiB</dd>');
    expect(html).toContain('<dt>arena lower bound</dt><dd>85.9 KiB: the most bytes live at once under this schedule</dd>');
    expect(html).toContain('stm32f746 SRAM limit 320 KiB');
    // 4 tensor segments + the SRAM budget bar (no flash limit given: no flash bar)
    expect(html.match(/<rect /g)).toHaveLength(5);
    expect(html.match(/<tr class="over">/g)).toHaveLength(1);
    expect(html).toContain('<td>1×96×96×3</td><td>1×48×48×16</td><td class="n">995,328</td>');
  });

  it('shows no NaN, undefined, object or camelCase field names for a real plan', () => {
    const plan = planArch({ ...largestArch(160), wid: 0 }, loadBoard('stm32h743'), { patch: { n: 4, layer: 'blocks.3.add' } });
    const out = renderHtmlReport(memoryReport(plan));
    const text = out.replace(/<[^>]+>/g, ' ');
    for (const bad of ['NaN', 'undefined', '[object', 'codeIsEstimate', 'quantParams', 'lowerBound', 'patchTables', 'true B', 'false B']) expect(text).not.toContain(bad);
    expect(text).toMatch(/code [\d.]+ KiB \(the planner's estimate\)/);
    // the patch stage: a shaded band over the chart and shaded rows
    expect(plan.patch).not.toBeNull();
    expect(out).toContain('class="patch-stage"');
    expect(out.match(/<tr class="[^"]*patched/g)).toHaveLength(plan.patch!.stageLayers.length);
    // a flash column: each layer's constants
    const l = plan.layers.find((x) => x.flashBytes > 2048)!;
    expect(out).toContain(`<td class="n">${formatBytes(l.flashBytes)}</td>`);
    // both limits drawn as budget bars
    expect(out).toContain(`SRAM limit ${formatBytes(plan.sram.capacity)}`);
    expect(out).toContain(`flash limit ${formatBytes(plan.flashCapacity)}`);
  });
  it('escapes names from the model', () => {
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('tiny &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(html).toContain('big &quot;one&quot;');
  });

  it('renders a lowered subnet with one bar per op', () => {
    const g = lowerArch(smallestArch(96), { weights: 'elided' });
    // A naive liveness (inputs + output of each op) is enough to exercise the renderer.
    const layers = g.ops.map((op) => ({
      name: op.name,
      op: op.kind,
      liveTensors: [...activationInputs(g, op), g.tensors[op.outputs[0]]].map((t) => ({ name: t.name, bytes: tensorBytes(t, 'int8') })),
      macs: opMacs(g, op),
    }));
    const out = renderHtmlReport({ board: 'stm32f746', model: g.name, macs: graphMacs(g), params: 0, flash: { total: 0 }, sram: { total: 0 }, limitBytes: 320 * 1024, layers });
    expect(out.match(/<g class="bar/g)).toHaveLength(g.ops.length);
    expect(out).toContain('blocks.3.se.scale');
    expect(out).toContain(`<dt>MACs</dt><dd>${(7237104).toLocaleString('en-US')} <span class="note">`);
  });

  it('takes the template from the templates folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpl-'));
    fs.writeFileSync(path.join(dir, 'report.html.hbs'), 'board={{board}} layers={{rows.length}}');
    expect(renderHtmlReport(sample(), dir)).toBe('board=stm32f746 layers=2');
    fs.rmSync(dir, { recursive: true });
    expect(fs.existsSync(path.join(TEMPLATES_DIR, 'report.html.hbs'))).toBe(true);
  });

  it('formats bytes', () => {
    expect([formatBytes(0), formatBytes(1023), formatBytes(1024), formatBytes(1536), formatBytes(320 * 1024)]).toEqual(['0 B', '1023 B', '1 KiB', '1.5 KiB', '320 KiB']);
  });
});
