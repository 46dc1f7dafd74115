// The HTML reports and the SVG picture as a user sees them: each page opened once in headless chromium
// (test/report/chromium.ts), its DOM checked for NaN/undefined/[object, for page errors and console
// messages, for content wider than the window and for shapes outside their SVG, and its screenshot kept
// under test-artifacts/ (gitignored). The pages come from the real commands: compile --no-build of the
// MCUNet VWW TFLite model (the widest layer table), search --report, predictor eval --report,
// evaluate --report (onnx-mnist8 on 60 MNIST digits), draw.
// Where chromium is not installed the browser half is skipped with the reason; the rest still runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryReport, mergeRunIntoReport } from '../../src/pipeline/report.ts';
import { loadBoard } from '../../src/board/index.ts';
import { planArch } from '../../src/schedule/index.ts';
import { renderHtmlReport } from '../../src/report/render-html.ts';
import type { RunReport } from '../../src/pipeline/run.ts';
import { renderSearchHtml, type SearchReportInput } from '../../src/report/search-report.ts';
import { smallestArch, largestArch } from '../../src/space/sample.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { sharedPath } from '../helpers/shared.ts';
import { checkPage, checkSvgFile, findChromium, screenshotInfo, type PageCheck } from './chromium.ts';

const CHROMIUM = findChromium();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-report-browser-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const VWW = sharedPath('data', 'tflite-mcunet-vww', 'vww.tflite');
const WIDTH = 1024;

/** What every page must satisfy in the browser. */
function expectClean(name: string, c: PageCheck, consoleLines: string[]) {
  expect(c.errors, `${name}: page errors`).toEqual([]);
  expect(consoleLines, `${name}: console`).toEqual([]);
  expect(c.badText, `${name}: NaN/undefined/null/[object in the page`).toEqual([]);
  expect(c.innerWidth).toBe(WIDTH);
  expect(c.scrollWidth, `${name}: the page scrolls sideways`).toBeLessThanOrEqual(c.innerWidth);
  expect(c.overflowing, `${name}: elements past the window's right edge`).toEqual([]);
  for (const s of c.svgs) {
    expect(s.width, `${name}: svg.${s.cls} laid out`).toBeGreaterThan(100);
    expect(s.width, `${name}: svg.${s.cls} fits the window`).toBeLessThanOrEqual(WIDTH);
    expect(s.outside, `${name}: shapes outside svg.${s.cls}`).toEqual([]);
    expect(s.shapes).toBeGreaterThan(5);
  }
}

function expectScreenshot(file: string, minInk: number) {
  const s = screenshotInfo(file);
  expect(s.width).toBe(WIDTH);
  expect(s.inked, `${file}: hardly anything drawn`).toBeGreaterThan(minInk);
}

/** A run of the compiled folder as `mcu-nas run` reports it, with made-up but distinct per-op figures. */
function fakeRun(layers: { name: string; op: string; macs: number }[]): RunReport {
  const perOp = layers.map((l, i) => ({ index: i, name: l.name, op: l.op, instructions: 1000 + 3 * l.macs + i, cycles: 900 + Math.round(2.5 * l.macs) + i, macs: l.macs, instructionsPerMac: null }));
  const instructions = perOp.reduce((s, o) => s + o.instructions, 0);
  const cycles = perOp.reduce((s, o) => s + o.cycles, 0);
  return {
    ok: true,
    outputsMatch: true,
    outcome: 'pass',
    board: 'stm32f746',
    model: 'vww',
    kernels: 'own',
    emulator: 'qemu',
    machine: 'mps2-an500',
    macs: 0,
    instructions,
    instructionsPerMac: 0,
    perOp,
    sets: [],
    sramUsedBytes: 90_000,
    flashUsedBytes: 530_000,
    stackUsedBytes: 1000,
    predicted: { sramBytes: 0, flashBytes: 0, sramErrorPercent: 0, flashErrorPercent: 0 },
    cycles,
    latencyMs: cycles / 216e3,
    latency: { ms: cycles / 216e3, clockHz: 216e6, derivation: '' },
    cycleModel: null,
    wallSeconds: 0,
    fault: null,
  };
}

describe('the reports the commands write', () => {
  const vww = path.join(tmp, 'vww');
  const search = path.join(tmp, 'search');
  const predictor = path.join(tmp, 'predictor');
  const svg = path.join(tmp, 'arch.svg');
  const evaluate = path.join(tmp, 'evaluate');
  let layers: { name: string; op: string; macs: number }[] = [];

  beforeAll(async () => {
    const c = await runInProcess(['compile', VWW, '--board', 'stm32f746', '--no-build', '--out', vww, '--json']);
    expect(c.code, c.stderr).toBe(0);
    layers = JSON.parse(fs.readFileSync(path.join(vww, 'report.json'), 'utf8')).layers;
    const s = await runInProcess(['search', '--board', 'stm32f746', '--max-macs', '40', '--population', '30', '--generations', '8', '--report', search, '--json']);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).report.html).toBe(`${search}/search.html`);
    // Two of the lab dataset's 40 files (2,250 rows): the same page, a quicker one to draw.
    const acc = path.join(tmp, 'acc');
    fs.mkdirSync(acc);
    for (const f of ['OFAMCUNets_r112_gpu0_acc_table.json.gz', 'OFAMCUNets_r160_gpu0_acc_table.json.gz']) fs.copyFileSync(sharedPath('data', 'mcunet-acc-dataset', 'src', f), path.join(acc, f));
    const p = await runInProcess(['predictor', 'eval', '--data', acc, '--report', predictor, '--json']);
    expect(p.code, p.stderr).toBe(0);
    const e = await runInProcess(['evaluate', sharedPath('data', 'onnx-mnist8', 'model.onnx'), '--dataset', 'mnist', '--limit', '60', '--calibration', 'mnist', '--report', evaluate, '--json']);
    expect(e.code, e.stderr).toBe(0);
    const archFile = path.join(tmp, 'arch.json');
    fs.writeFileSync(archFile, JSON.stringify({ ...largestArch(128), d: [0, 1, 2, 0, 1, 0] }));
    const d = await runInProcess(['draw', archFile, '--out', svg, '--json']);
    expect(d.code, d.stderr).toBe(0);
  }, 120_000);

  it('writes the files, each listed in the folder marker', () => {
    for (const f of ['search.html', 'search.json', 'winner.svg']) expect(fs.existsSync(path.join(search, f)), f).toBe(true);
    for (const f of ['predictor.html', 'predictor.json']) expect(fs.existsSync(path.join(predictor, f)), f).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(search, '.mcu-nas-output'), 'utf8')).files).toEqual(['search.html', 'search.json', 'winner.svg']);
    const html = fs.readFileSync(path.join(search, 'search.html'), 'utf8');
    // a panel each for MACs, SRAM and flash (a board, no verification: latency is named as not drawn)
    expect(html.match(/<svg [^>]*class="plot"/g)).toHaveLength(3);
    expect(html).toContain('Not drawn: latency');
    expect(html.match(/class="pt winner"/g)).toHaveLength(3);
    expect(html).toContain('class="front"');
    expect(html).toContain('MAC budget 40 M');
    const pred = fs.readFileSync(path.join(predictor, 'predictor.html'), 'utf8');
    expect(pred).toContain('class="identity"');
    const summary = JSON.parse(fs.readFileSync(path.join(predictor, 'predictor.json'), 'utf8'));
    expect(pred).toContain(`<dt>Pearson r</dt><dd>${summary.pearson.toFixed(4)}</dd>`);
    expect(pred).toContain(`<dt>mean absolute error</dt><dd>${(100 * summary.mae).toFixed(3)} accuracy points</dd>`);
  });

  it('search --report refuses a folder it does not own, before searching', async () => {
    const foreign = path.join(tmp, 'foreign');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
    const r = await runInProcess(['search', '--population', '10', '--generations', '1', '--report', foreign]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --report: .* holds files that mcu-nas did not write/m);
    expect(r.stdout).toBe('');
  });

  it('marks the verified candidates: passed, dropped and the winner', () => {
    const a = smallestArch(96);
    const b = { ...smallestArch(112) };
    const c = { ...smallestArch(128) };
    const cand = (arch: typeof a, accuracy: number, m: number) => ({ arch, accuracy, millionMACs: m, KBPeakMemory: 2 * m, sramKB: 3 * m, flashKB: 10 * m });
    const input: SearchReportInput = {
      algo: 'evolution',
      seed: 0,
      board: 'stm32f746',
      predictor: 'test',
      predictions: 3,
      constraints: { millionMACs: 50 },
      candidates: [cand(a, 80, 10), cand(b, 85, 20), cand(c, 90, 30)],
      winner: cand(b, 85, 20),
      verified: [
        { arch: c, predictedAccuracy: 90, ok: false, dropped: 'latency 80 ms above 50 ms', instructions: 9e6, latencyMs: 80, sramUsedBytes: 1e5, flashUsedBytes: 4e5 },
        { arch: b, predictedAccuracy: 85, ok: true, dropped: null, instructions: 6e6, latencyMs: 40, sramUsedBytes: 8e4, flashUsedBytes: 3e5 },
      ],
    };
    const html = renderSearchHtml(input);
    // four panels (latency from the verified runs), a winner and a dropped marker in each
    expect(html.match(/<svg [^>]*class="plot"/g)).toHaveLength(4);
    expect(html.match(/class="pt winner"/g)).toHaveLength(4);
    expect(html.match(/class="pt dropped"/g)).toHaveLength(4);
    expect(html).toContain('dropped: latency 80 ms above 50 ms');
    expect(html).toMatch(/passed<\/span> \(winner\)/);
  });

  describe.skipIf(!CHROMIUM)(`in chromium${CHROMIUM ? '' : ' (skipped: no chromium on PATH; apt-get install chromium, or set CHROMIUM=/path/to/chromium)'}`, () => {
    // One launch per page, two at a time; each test awaits its own page.
    type Page = ReturnType<typeof checkPage>;
    const pages: Record<string, Page> = {};
    let drawn: ReturnType<typeof checkSvgFile>;
    let run: RunReport;
    let patchedStage = 0;
    // Two lanes: at most two chromium processes at a time.
    const lanes: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
    let turn = 0;
    function queue<T>(start: () => Promise<T>): Promise<T> {
      const lane = turn++ % lanes.length;
      const p = lanes[lane].then(start);
      lanes[lane] = p.catch(() => {}); // a failure is reported by the test that awaits it
      return p;
    }
    const open = (key: string, file: string, height: number) => {
      const html = fs.readFileSync(file, 'utf8');
      pages[key] = queue(() => checkPage(CHROMIUM!, html, key, { width: WIDTH, height }));
      pages[key].catch(() => {});
    };
    beforeAll(() => {
      open('compile-vww', path.join(vww, 'report.html'), 1400);
      run = fakeRun(layers);
      expect(mergeRunIntoReport(vww, run)).toBeNull();
      open('compile-vww-run', path.join(vww, 'report.html'), 1400);
      // A patch-based plan (the lab's largest config at width x0.5, 4x4 patches up to blocks.3.add on the H743).
      const plan = planArch({ ...largestArch(160), wid: 0 }, loadBoard('stm32h743'), { patch: { n: 4, layer: 'blocks.3.add' } });
      patchedStage = plan.patch!.stageLayers.length;
      fs.writeFileSync(path.join(tmp, 'patched.html'), renderHtmlReport(memoryReport(plan)));
      open('compile-patched', path.join(tmp, 'patched.html'), 1000);
      open('search', path.join(search, 'search.html'), 1600);
      open('predictor', path.join(predictor, 'predictor.html'), 900);
      open('evaluate-mnist8', path.join(evaluate, 'report.html'), 1400);
      // At its own size (about 1160 px for the widest configs), as an image viewer would show it.
      drawn = queue(() => checkSvgFile(CHROMIUM!, svg, 'draw-arch', { width: 1280, height: 360 }));
      drawn.catch(() => {});
    });

    it('compile report of the VWW model: readable, no sideways overflow at 1024 px', async () => {
      const { check, console: cons, screenshot, dom } = await pages['compile-vww'];
      expectClean('compile report', check, cons);
      expect(check.title).toBe('mcu-nas report: vww on stm32f746');
      expect(check.svgs.map((s) => s.cls)).toEqual(['budget', 'chart']);
      const text = dom.replace(/<[^>]+>/g, ' ');
      for (const field of ['codeIsEstimate', 'quantParams', 'lowerBound', 'patchTables', 'capacity', 'strategy ']) expect(text).not.toContain(field);
      expect(text).toMatch(/flash limit 1024 KiB/);
      expect(text).toMatch(/SRAM limit 320 KiB/);
      expect(dom.match(/<tr class="[^"]*"><td class="n">/g)).toHaveLength(layers.length);
      expect(dom).not.toContain('instructions</th>');
      expectScreenshot(screenshot, 0.05);
    });

    it('after run: the measured cost per layer merged in, still no overflow', async () => {
      const { check, console: cons, screenshot, dom } = await pages['compile-vww-run'];
      expectClean('compile report after run', check, cons);
      expect(check.svgs.map((s) => s.cls)).toEqual(['budget', 'chart', 'chart']);
      // the layers' measured instructions and cycles, in the table
      for (const o of run.perOp.slice(0, 5)) expect(dom).toContain(`<td class="n">${o.instructions.toLocaleString('en-US')}</td><td class="n">${o.cycles!.toLocaleString('en-US')}</td>`);
      expect(dom).toContain(`${run.instructions.toLocaleString('en-US')} instructions`);
      expectScreenshot(screenshot, 0.05);
    });

    it('compile report of a patch-based plan: the patch stage shaded in the chart and the table', async () => {
      const { check, console: cons, screenshot, dom } = await pages['compile-patched'];
      expectClean('patched compile report', check, cons);
      expect(dom.match(/<rect class="patch-stage"/g)).toHaveLength(1);
      expect(dom.match(/<tr class="[^"]*patched"/g)).toHaveLength(patchedStage);
      expect(dom).toContain('4×4 patches for the first');
      expectScreenshot(screenshot, 0.05);
    });

    it('search report: Pareto panels and the winner architecture', async () => {
      const { check, console: cons, screenshot } = await pages.search;
      expectClean('search report', check, cons);
      expect(check.svgs.map((s) => s.cls)).toEqual(['plot', 'plot', 'plot', 'arch']);
      expectScreenshot(screenshot, 0.03);
    });

    it('predictor report: predicted against measured with the identity line', async () => {
      const { check, console: cons, screenshot } = await pages.predictor;
      expectClean('predictor report', check, cons);
      expect(check.svgs.map((s) => s.cls)).toEqual(['plot']);
      expectScreenshot(screenshot, 0.03);
    });

    it("evaluate's accuracy report: per-class table, confusion matrices and pictures", async () => {
      const { check, console: cons, screenshot, dom } = await pages['evaluate-mnist8'];
      expectClean('accuracy report', check, cons);
      expect(dom.match(/<table class="confusion"/g)).toHaveLength(2);
      expect(dom.match(/<img src="data:image\/png;base64,/g)?.length).toBeGreaterThan(0);
      expectScreenshot(screenshot, 0.03);
    });

    it('draw: the SVG file opens on its own', async () => {
      const { dom, console: cons, screenshot } = await drawn;
      expect(cons).toEqual([]);
      expect(dom).not.toContain('parsererror');
      expect(dom).toMatch(/<svg [^>]*class="arch"/);
      expect(dom).not.toMatch(/NaN|undefined|\[object/);
      const shot = screenshotInfo(screenshot);
      expect(shot.width).toBe(1280);
      expect(shot.inked).toBeGreaterThan(0.03);
    });
  });
});
