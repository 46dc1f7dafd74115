// The HTML report: templates/report.html.hbs places the values; this file only computes them.
// Handlebars escapes every {{value}}, so names from a model (which a user controls) arrive as text.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { layoutMemoryChart } from './memory-chart.ts';
import type { MemoryReport } from './memory-report.ts';

export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');

/** Bytes as the report prints them: B below 1 KiB, else KiB (1024 B) with one decimal unless whole. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const k = bytes / 1024;
  return `${Number.isInteger(k) ? k : k.toFixed(1)} KiB`;
}

const num = (n: number | undefined) => (n === undefined ? '' : n.toLocaleString('en-US'));
const fixed = (n: number) => n.toFixed(1);

function viewModel(r: MemoryReport) {
  const chart = layoutMemoryChart(r);
  return {
    ...r,
    text: {
      macs: num(r.macs),
      params: num(r.params),
      flashTotal: formatBytes(r.flash.total),
      sramTotal: formatBytes(r.sram.total),
      limit: formatBytes(r.limitBytes),
      peak: formatBytes(chart.peakBytes),
      fits: r.sram.total <= r.limitBytes,
    },
    flashParts: Object.entries(r.flash).filter(([k]) => k !== 'total').map(([name, bytes]) => ({ name, bytes: formatBytes(bytes) })),
    sramParts: Object.entries(r.sram).filter(([k]) => k !== 'total').map(([name, bytes]) => ({ name, bytes: formatBytes(bytes) })),
    chart: {
      ...chart,
      limitYText: fixed(chart.limitY),
      plotRight: fixed(chart.plot.left + chart.plot.width),
      ticks: chart.ticks.map((t) => ({ y: fixed(t.y), label: formatBytes(t.bytes) })),
      bars: chart.bars.map((b) => ({
        ...b,
        total: formatBytes(b.totalBytes),
        segments: b.segments.map((s) => ({ ...s, x: fixed(s.x), y: fixed(s.y), width: fixed(s.width), height: fixed(s.height), size: formatBytes(s.bytes) })),
      })),
    },
    rows: r.layers.map((l, i) => ({
      index: i,
      name: l.name,
      op: l.op,
      inShape: l.inShape?.join('x') ?? '',
      outShape: l.outShape?.join('x') ?? '',
      macs: num(l.macs),
      live: formatBytes(chart.bars[i].totalBytes),
      overLimit: chart.bars[i].overLimit,
      scratch: l.scratchBytes === undefined ? '' : formatBytes(l.scratchBytes),
      weights: l.weightBytes === undefined ? '' : formatBytes(l.weightBytes),
      offset: l.arenaOffset === undefined ? '' : num(l.arenaOffset),
      tensors: l.liveTensors.map((t) => t.name).join(', '),
    })),
  };
}

const environments = new Map<string, { hb: typeof Handlebars; templates: Map<string, HandlebarsTemplateDelegate> }>();

/**
 * templates/<name> compiled (strict: a misspelt field is an error, not an empty string), with every
 * templates/partials/*.hbs registered as a partial under its base name, so the report pages share their
 * chrome and CSS (partials/report-page.hbs). Cached for the shipped folder; another folder is read afresh.
 */
export function reportTemplate(name: string, templatesDir = TEMPLATES_DIR): HandlebarsTemplateDelegate {
  const shipped = templatesDir === TEMPLATES_DIR;
  let env = shipped ? environments.get(templatesDir) : undefined;
  if (!env) {
    const hb = Handlebars.create();
    const partials = path.join(templatesDir, 'partials');
    if (fs.existsSync(partials))
      for (const f of fs.readdirSync(partials).sort())
        if (f.endsWith('.hbs')) hb.registerPartial(f.slice(0, -'.hbs'.length), fs.readFileSync(path.join(partials, f), 'utf8'));
    env = { hb, templates: new Map() };
    if (shipped) environments.set(templatesDir, env);
  }
  let t = env.templates.get(name);
  if (!t) {
    t = env.hb.compile(fs.readFileSync(path.join(templatesDir, name), 'utf8'), { strict: true });
    env.templates.set(name, t);
  }
  return t;
}

/** The report as one self-contained HTML page (inline SVG and CSS, no scripts). */
export function renderHtmlReport(r: MemoryReport, templatesDir = TEMPLATES_DIR): string {
  return reportTemplate('report.html.hbs', templatesDir)(viewModel(r));
}
