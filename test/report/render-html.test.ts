import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBytes, layoutMemoryChart, renderHtmlReport, TEMPLATES_DIR, type MemoryReport } from '../../src/report/index.ts';
import { lowerArch } from '../../src/frontend/arch-to-ir.ts';
import { activationInputs, graphMacs, opMacs, tensorBytes } from '../../src/ir/index.ts';
import { smallestArch } from '../../src/space/sample.ts';

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
  });
});

describe('HTML report', () => {
  const html = renderHtmlReport(sample());

  it('has the header figures, the chart and the table', () => {
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<dt>MACs</dt><dd>1,234,567</dd>');
    expect(html).toContain('<dt>parameters</dt><dd>4,321</dd>');
    expect(html).toContain('<dt>flash</dt><dd>40 KiB (weights 29.3 KiB, code 10.7 KiB)</dd>');
    expect(html).toContain('<dt>SRAM</dt><dd>97.7 KiB (arena 87.9 KiB, lowerBound 85.9 KiB)</dd>');
    expect(html).toContain('stm32f746 limit 320 KiB');
    expect(html.match(/<rect /g)).toHaveLength(4);
    expect(html.match(/<tr class="over">/g)).toHaveLength(1);
    expect(html).toContain('<td>1x96x96x3</td><td>1x48x48x16</td><td class="n">995,328</td>');
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
    expect(out).toContain(`<dt>MACs</dt><dd>${(7237104).toLocaleString('en-US')}</dd>`);
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
