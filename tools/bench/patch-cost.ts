// Benchmark and calibration of the planner's instruction estimate (src/schedule/cost.ts), what
// `--patch auto` ranks plans by: one subnet compiled layer by layer and with several patch plans, each run
// in QEMU; the measured per-op instruction counts against the estimate, and a least-squares re-fit of the
// per-call coefficients per kernel class (printed as the CALL_COSTS table to paste into cost.ts).
//   npx tsx tools/bench/patch-cost.ts [--board stm32h743] [--arch FILE] [--plans off,2x2@blocks.1.point_linear,...] [--keep DIR]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBoard } from '../../src/board/index.ts';
import { compileModel } from '../../src/pipeline/compile.ts';
import { archSource } from '../../src/pipeline/model-source.ts';
import { prepare } from '../../src/pipeline/prepare.ts';
import { runCompiled } from '../../src/pipeline/run.ts';
import { parsePatch } from '../../src/cli/flag-checks.ts';
import { CALL_COSTS, costClass, type CallCost, type CostClass } from '../../src/schedule/cost.ts';
import { stepsFromArch } from '../../src/schedule/from-arch.ts';
import { channels, spatial } from '../../src/schedule/steps.ts';
import { parseArchConfig } from '../../src/space/config.ts';
import { arg } from './args.ts';
import { PATCH_SUBNET_160 } from './patch-subnet.ts';

const board = loadBoard(arg('--board') ?? 'stm32h743');
const archFile = arg('--arch');
const arch = parseArchConfig(archFile ? JSON.parse(fs.readFileSync(archFile, 'utf8')) : PATCH_SUBNET_160, archFile ?? 'default arch');
const plans = (arg('--plans') ?? 'off,2x2@blocks.1.point_linear,4x4@blocks.2.add,7x7@blocks.3.point_linear').split(',');
const keep = arg('--keep');
const root = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-bench-patch-cost-'));

/** One measured kernel-call group: an op of one plan (all its tiles), with the features of cost.ts. */
interface Sample {
  cls: CostClass;
  plan: string;
  op: string;
  measured: number;
  estimated: number;
  macs: number;
  rows: number;
  calls: number;
  elements: number;
}

const samples: Sample[] = [];
const totals: { plan: string; measured: number; estimated: number; macs: number; ok: boolean }[] = [];
const g = stepsFromArch(arch);
try {
  const src = archSource(arch, { seed: 0, calibrationSamples: 2, testSets: 1 });
  for (const plan of plans) {
    const dir = path.join(root, plan.replace(/[@.]/g, '_'));
    if (!fs.existsSync(path.join(dir, 'report.json'))) {
      const p = prepare(src, board, { patch: parsePatch(plan), backend: 'own' });
      await compileModel(p, board, { out: dir, build: true });
    }
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
    const geoFile = path.join(dir, 'patch-plan.json');
    const geo = fs.existsSync(geoFile) ? JSON.parse(fs.readFileSync(geoFile, 'utf8')) : null;
    const runFile = path.join(dir, 'bench-run.json');
    const run: { instructions: number; ok: boolean; perOp: { instructions: number }[] } = fs.existsSync(runFile)
      ? JSON.parse(fs.readFileSync(runFile, 'utf8'))
      : (await runCompiled(dir, { timeoutMs: 600_000 })).report;
    if (keep) fs.writeFileSync(runFile, JSON.stringify({ instructions: run.instructions, ok: run.ok, perOp: run.perOp }));
    const before = samples.length;
    g.steps.forEach((s, i) => {
      const stage = geo && i <= geo.splitStep ? geo.stage[i] : null;
      const out = g.tensors[s.output];
      const c = channels(out);
      const [h, w] = spatial(out);
      const tiles: { macs: number; rows: number; cols: number }[] = stage
        ? stage.tiles.map((t: { macs: number; out: { y0: number; y1: number; x0: number; x1: number } }) => ({ macs: t.macs, rows: t.out.y1 - t.out.y0, cols: t.out.x1 - t.out.x0 }))
        : [{ macs: s.macs, rows: h, cols: w }];
      const k = CALL_COSTS[costClass(s)];
      let estimated = 0;
      for (const t of tiles) estimated += k.perMac * t.macs + k.perRow * t.rows * c + k.perCall + k.perElement * t.rows * t.cols * c;
      samples.push({
        cls: costClass(s),
        plan,
        op: s.name,
        measured: run.perOp[i].instructions,
        estimated,
        macs: tiles.reduce((n, t) => n + t.macs, 0),
        rows: tiles.reduce((n, t) => n + t.rows * c, 0),
        calls: tiles.length,
        elements: tiles.reduce((n, t) => n + t.rows * t.cols * c, 0),
      });
    });
    const estimated = samples.slice(before).reduce((n, x) => n + x.estimated, 0);
    totals.push({ plan, measured: run.instructions, estimated, macs: report.macs, ok: run.ok });
  }
} finally {
  if (!keep) fs.rmSync(root, { recursive: true, force: true });
}

/**
 * Least squares of the relative error (each op's equation divided by its measured count, so a small op
 * weighs as much as a big one), dropping a column whose coefficient comes out negative.
 */
function fit(raw: number[][], yRaw: number[]): number[] {
  const rows = raw.map((r, i) => r.map((v) => v / yRaw[i]));
  const y = yRaw.map(() => 1);
  let cols = rows[0].map((_, j) => j);
  for (;;) {
    const m = cols.length;
    const A = cols.map(() => new Array(m + 1).fill(0));
    rows.forEach((r, i) => {
      for (let a = 0; a < m; a++) {
        for (let b = 0; b < m; b++) A[a][b] += r[cols[a]] * r[cols[b]];
        A[a][m] += r[cols[a]] * y[i];
      }
    });
    for (let p = 0; p < m; p++) {
      let best = p;
      for (let q = p + 1; q < m; q++) if (Math.abs(A[q][p]) > Math.abs(A[best][p])) best = q;
      [A[p], A[best]] = [A[best], A[p]];
      if (Math.abs(A[p][p]) < 1e-12) continue;
      for (let q = 0; q < m; q++) {
        if (q === p) continue;
        const f = A[q][p] / A[p][p];
        for (let k = p; k <= m; k++) A[q][k] -= f * A[p][k];
      }
    }
    const x = cols.map((_, p) => (Math.abs(A[p][p]) < 1e-12 ? 0 : A[p][m] / A[p][p]));
    const neg = x.findIndex((v) => v < 0);
    const out = rows[0].map(() => 0);
    if (neg < 0) {
      cols.forEach((c, p) => (out[c] = x[p]));
      return out;
    }
    cols = cols.filter((_, p) => p !== neg);
    if (cols.length === 0) return out;
  }
}

// Fitted on the ops some plan runs patch by patch (their calls, rows and halo MACs vary between plans,
// so per-call and per-row costs can be told from per-MAC ones); the other ops cost the same in every plan.
const staged = new Set(samples.filter((s) => s.calls > 1).map((s) => s.op));
const fitted: Partial<Record<CostClass, CallCost>> = {};
for (const cls of Object.keys(CALL_COSTS) as CostClass[]) {
  const mine = samples.filter((s) => s.cls === cls && s.measured > 0 && staged.has(s.op));
  if (mine.length === 0) continue;
  const conv = mine.some((s) => s.macs > 0);
  const rows = mine.map((s) => (conv ? [s.macs, s.elements, s.rows, s.calls] : [s.elements, s.calls]));
  const x = fit(rows, mine.map((s) => s.measured));
  fitted[cls] = conv ? { perMac: x[0], perRow: x[2], perCall: x[3], perElement: x[1] } : { perMac: 0, perRow: 0, perCall: x[1], perElement: x[0] };
}

const M = (n: number) => `${(n / 1e6).toFixed(2)} M`;
console.log(`${arch.image_size} px subnet on ${board.name}: measured (QEMU) vs estimated instructions per plan`);
console.log('| plan | MACs | instructions (QEMU) | estimated (cost.ts) | error | bit-exact |');
console.log('|---|---:|---:|---:|---:|---|');
for (const t of totals)
  console.log(`| ${t.plan} | ${M(t.macs)} | ${M(t.measured)} | ${M(t.estimated)} | ${((100 * (t.estimated - t.measured)) / t.measured).toFixed(1)}% | ${t.ok} |`);
console.log('\nper class, ops of a patch stage: measured vs estimated (sum over plans), and the re-fitted coefficients');
for (const [cls, k] of Object.entries(fitted)) {
  const mine = samples.filter((s) => s.cls === cls && staged.has(s.op));
  const meas = mine.reduce((n, s) => n + s.measured, 0);
  const est = mine.reduce((n, s) => n + s.estimated, 0);
  console.log(`  ${cls.padEnd(12)} ${M(meas)} vs ${M(est)}  fit: ${JSON.stringify(Object.fromEntries(Object.entries(k!).map(([a, b]) => [a, Number(b.toFixed(3))])))}`);
}
console.log('\nexport const CALL_COSTS: Readonly<Record<CostClass, CallCost>> = {');
for (const cls of Object.keys(CALL_COSTS) as CostClass[]) {
  const k = fitted[cls] ?? CALL_COSTS[cls];
  console.log(`  ${cls}: { perMac: ${+k.perMac.toFixed(3)}, perRow: ${+k.perRow.toFixed(2)}, perCall: ${+k.perCall.toFixed(0)}, perElement: ${+k.perElement.toFixed(3)} },${fitted[cls] ? '' : ' // not measured'}`);
}
console.log('};');
