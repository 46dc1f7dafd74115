// The HTML report: templates/report.html.hbs places the values; this file only computes them.
// Handlebars escapes every {{value}}, so names from a model (which a user controls) arrive as text.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { layoutBudgetBars, layoutCostChart, layoutMemoryChart } from './memory-chart.ts';
import { formatCount } from './scale.ts';
import type { MemoryReport } from './memory-report.ts';

export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');

/** Bytes as the report prints them: B below 1 KiB, else KiB (1024 B) with one decimal unless whole. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const k = bytes / 1024;
  return `${Number.isInteger(k) ? k : k.toFixed(1)} KiB`;
}

/** A long name cut after its separators (. / ; : _), so the template can offer line breaks there (<wbr>). */
export function breakable(name: string): string[] {
  return name.split(/(?<=[./;:_])/);
}

const num = (n: number | undefined) => (n === undefined ? '' : n.toLocaleString('en-US'));
const fixed = (n: number) => n.toFixed(1);
const opt = (n: number | undefined) => (n === undefined ? '' : formatBytes(n));
const percentOf = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(whole >= 10 * part ? 1 : 0)}%` : '');

function viewModel(r: MemoryReport) {
  const chart = layoutMemoryChart(r);
  const budget = layoutBudgetBars(r);
  const cost = layoutCostChart(r);
  const m = r.measured ?? null;
  const f = r.flash;
  const s = r.sram;
  return {
    board: r.board,
    model: r.model,
    text: {
      macs: num(r.macs),
      params: num(r.params),
      limit: formatBytes(r.limitBytes),
      flashLimit: opt(r.flashLimitBytes),
      peak: formatBytes(chart.peakBytes),
      fits: s.total <= r.limitBytes && (r.flashLimitBytes === undefined || f.total <= r.flashLimitBytes),
      sramFits: s.total <= r.limitBytes,
      flashFits: r.flashLimitBytes === undefined || f.total <= r.flashLimitBytes,
      sramShare: percentOf(s.total, r.limitBytes),
      flashShare: r.flashLimitBytes === undefined ? '' : percentOf(f.total, r.flashLimitBytes),
    },
    flash: {
      total: formatBytes(f.total),
      weights: opt(f.weights),
      bias: opt(f.bias),
      quantParams: opt(f.quantParams),
      code: opt(f.code),
      codeIsEstimate: f.codeIsEstimate === true,
      patchTables: f.patchTables ? formatBytes(f.patchTables) : '',
    },
    sram: {
      total: formatBytes(s.total),
      arena: opt(s.arena),
      lowerBound: opt(s.lowerBound),
      scratch: opt(s.scratch),
      io: opt(s.io),
      stack: opt(s.stack),
      runtime: opt(s.runtime),
      strategy: s.strategy ?? '',
    },
    patch: r.patch
      ? {
          grid: `${r.patch.n}×${r.patch.n}`,
          splitLayer: r.patch.splitLayer,
          layers: r.layers.filter((l) => l.patched).length,
          extraMacs: `${r.patch.extraMacsPercent.toFixed(1)}%`,
          layerByLayerArena: formatBytes(r.patch.layerByLayerArena),
        }
      : null,
    measured: m
      ? {
          where: m.machine ? `${m.emulator} (${m.machine})` : m.emulator,
          instructions: num(m.instructions),
          perMac: r.macs > 0 ? (m.instructions / r.macs).toFixed(2) : '',
          cycles: m.cycles === null ? '' : num(m.cycles),
          latency: m.latencyMs === null ? '' : `${m.latencyMs.toFixed(2)} ms at ${(m.clockHz / 1e6).toFixed(0)} MHz`,
          sram: formatBytes(m.sramUsedBytes),
          flash: formatBytes(m.flashUsedBytes),
          outputsMatch: m.outputsMatch,
          hasCycles: m.perOp.some((o) => o.cycles !== null),
        }
      : null,
    chart: {
      ...chart,
      limitYText: fixed(chart.limitY),
      plotRight: fixed(chart.plot.left + chart.plot.width),
      ticks: chart.ticks.map((t) => ({ y: fixed(t.y), label: formatBytes(t.bytes) })),
      patchBand: chart.patchBand ? { x: fixed(chart.patchBand.x), width: fixed(chart.patchBand.width), labelX: fixed(chart.patchBand.x + 4) } : null,
      bars: chart.bars.map((b) => ({
        layer: b.layer,
        op: b.op,
        overLimit: b.overLimit,
        total: formatBytes(b.totalBytes),
        segments: b.segments.map((g) => ({ tensor: g.tensor, color: g.color, x: fixed(g.x), y: fixed(g.y), width: fixed(g.width), height: fixed(g.height), size: formatBytes(g.bytes) })),
      })),
    },
    budget: {
      ...budget,
      bars: budget.bars.map((b) => ({
        ...b,
        used: formatBytes(b.usedBytes),
        limit: formatBytes(b.limitBytes),
        share: percentOf(b.usedBytes, b.limitBytes),
        y: fixed(b.y),
        barY: fixed(b.y + 18),
        textY: fixed(b.y + 12),
        nameY: fixed(b.y + 31),
        lineY1: fixed(b.y + 14),
        lineY2: fixed(b.y + 40),
        limitY: fixed(b.y + 52),
        usedWidth: fixed(b.usedWidth),
        limitX: fixed(b.limitX),
      })),
    },
    cost: cost
      ? {
          ...cost,
          plotRight: fixed(cost.plot.left + cost.plot.width),
          ticks: cost.ticks.map((t) => ({ y: fixed(t.y), label: formatCount(t.value) })),
          bars: cost.bars.map((b) => ({ layer: b.layer, x: fixed(b.x), y: fixed(b.y), width: fixed(b.width), height: fixed(b.height), value: num(b.value) })),
          patchBand: cost.patchBand ? { x: fixed(cost.patchBand.x), width: fixed(cost.patchBand.width) } : null,
        }
      : null,
    rows: r.layers.map((l, i) => {
      const op = m?.perOp[i];
      return {
        index: i,
        name: l.name,
        nameParts: breakable(l.name),
        op: l.op,
        inShape: l.inShape?.join('×') ?? '',
        outShape: l.outShape?.join('×') ?? '',
        macs: num(l.macs),
        live: formatBytes(chart.bars[i].totalBytes),
        overLimit: chart.bars[i].overLimit,
        patched: l.patched === true,
        scratch: l.scratchBytes ? formatBytes(l.scratchBytes) : '',
        flash: l.flashBytes === undefined ? (l.weightBytes ? formatBytes(l.weightBytes) : '') : l.flashBytes ? formatBytes(l.flashBytes) : '',
        offset: num(l.arenaOffset),
        instructions: op ? num(op.instructions) : '',
        cycles: op && op.cycles !== null ? num(op.cycles) : '',
        cyclesPerMac: op && l.macs ? ((op.cycles ?? op.instructions) / l.macs).toFixed(2) : '',
        tensors: l.liveTensors.map((t) => ({ parts: breakable(t.name) })),
      };
    }),
  };
}

const environments = new Map<string, { hb: typeof Handlebars; templates: Map<string, HandlebarsTemplateDelegate> }>();

/**
 * templates/<name> compiled (strict: a misspelt field is an error, not an empty string), with every
 * templates/partials/*.hbs registered as a partial under its base name, so the report pages share their
 * chrome and CSS (partials/report-page.hbs), and every templates/svg/*.hbs as svg/<name>. Cached for the shipped folder; another folder is read afresh.
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
    // The SVG pictures (templates/svg/<name>.hbs) as partials named svg/<name>; <name>.svg.hbs are whole files.
    const svg = path.join(templatesDir, 'svg');
    if (fs.existsSync(svg))
      for (const f of fs.readdirSync(svg).sort())
        if (f.endsWith('.hbs') && !f.endsWith('.svg.hbs')) hb.registerPartial(`svg/${f.slice(0, -'.hbs'.length)}`, fs.readFileSync(path.join(svg, f), 'utf8'));
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
