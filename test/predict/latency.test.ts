// The latency predictor for search (src/predict/latency.ts): the fit recovers known costs, the shipped
// table covers every op of the space on the boards it names, a board without an entry is refused with
// the command that makes one, the predictor never loads the emulator layer, search --max-latency-ms
// keeps only candidates under the predicted budget, and on two random subnets it was not fitted on the
// prediction is within 10 % of the cycle model (a compile and QEMU run each; skipped, with the reason,
// without the Arm toolchain, QEMU or the cycle-model plugin).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { nnls } from '../../src/predict/latency-fit.ts';
import { archLatency, kindKey, latencyTableProblem, loadLatencyTable, opKey, predictLatency } from '../../src/predict/latency.ts';
import { stepsFromArch } from '../../src/schedule/index.ts';
import { largestArch, sampleArch, smallestArch } from '../../src/space/sample.ts';
import { ensurePlugin, haveBuildAndQemu } from '../../src/emu/index.ts';
import { measureSubnet } from '../../tools/bench/latency-runs.ts';
import { Rng } from '../../src/search/rng.ts';
import { runInProcess as runCli } from '../helpers/run-in-process.ts';
import { REPO } from '../helpers/shared.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-latency-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the latency table fit', () => {
  it('non-negative least squares recovers exact costs, and clamps a cost the data would make negative to zero', () => {
    const X = [
      [1, 10, 3],
      [1, 20, 1],
      [1, 5, 7],
      [1, 40, 2],
      [1, 13, 13],
    ];
    const truth = [100, 2.5, 7];
    const y = X.map((r) => r[0] * truth[0] + r[1] * truth[1] + r[2] * truth[2]);
    nnls(X, y).forEach((b, j) => expect(b).toBeCloseTo(truth[j], 6));
    // y falls with the last column: the unconstrained fit would give it a negative cost.
    const y2 = X.map((r) => 50 + 3 * r[1] - 2 * r[2]);
    const b2 = nnls(X, y2);
    expect(b2[2]).toBe(0);
    expect(b2.every((b) => b >= 0)).toBe(true);
  });
});

describe('the shipped latency table', () => {
  const table = loadLatencyTable();
  it('exists and names the tool that made it', () => {
    expect(table).not.toBeNull();
    expect(table!.source).toMatch(/tools\/bench\/latency-table\.ts/);
  });

  it.each(['stm32f746', 'nucleo-l4r5zi'])('%s: every op of the smallest and the largest subnet has a cost; more work costs more', (name) => {
    const board = loadBoard(name);
    expect(latencyTableProblem(board)).toBeNull();
    const small = stepsFromArch(smallestArch(96));
    const large = stepsFromArch(largestArch(160, true));
    for (const s of [...small.steps, ...large.steps]) expect(table!.boards[name].ops[opKey(s)] ?? table!.boards[name].ops[kindKey(s)], s.name).toBeDefined();
    const ps = predictLatency(small, board);
    const pl = predictLatency(large, board);
    expect(ps.cycles).toBeGreaterThan(0);
    expect(pl.cycles).toBeGreaterThan(5 * ps.cycles);
    expect(ps.ms).toBeCloseTo((ps.cycles * 1000) / board.clockHz, 9);
    expect(ps.perOp.map((o) => o.name)).toEqual(small.steps.map((s) => s.name));
  });

  it('a board without an entry is refused with the command that adds one', () => {
    expect(latencyTableProblem(loadBoard('rp2040'))).toMatch(/no entry for board rp2040 .*tools\/bench\/latency-table\.ts --boards rp2040 --write/);
    expect(() => archLatency(loadBoard('rp2040'))).toThrow(/no entry for board rp2040/);
  });

  it('src/predict/latency* import nothing from the emulator layer', () => {
    for (const f of ['latency.ts', 'latency-fit.ts']) {
      const src = fs.readFileSync(path.join(REPO, 'src/predict', f), 'utf8');
      for (const line of src.split('\n').filter((l) => /^import /.test(l))) expect(line).not.toMatch(/\/emu\//);
    }
  });
});

describe('search --max-latency-ms', () => {
  it('filters on the predicted latency without emulating: every candidate it reports is under the budget', async () => {
    const board = loadBoard('stm32f746');
    const latency = archLatency(board);
    const budget = 400; // about the 25th percentile of random subnets on this board
    const r = await runCli(['search', '--board', 'stm32f746', '--max-latency-ms', String(budget), '--population', '20', '--generations', '1', '--seed', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.constraints.latencyMs).toBe(budget);
    expect(s.predictedLatencyMs).toBeLessThanOrEqual(budget);
    expect(s.predictedLatencyMs).toBeCloseTo(latency(s.arch), 9);
    for (const p of s.pareto) expect(latency(p.arch)).toBeLessThanOrEqual(budget);
  }, 60_000);

  it('a budget below the smallest subnet fails its check (exit 1) naming the flag', async () => {
    const r = await runCli(['search', '--board', 'stm32f746', '--max-latency-ms', '0.01', '--generations', '1', '--population', '5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--max-latency-ms 0\.01 is below [\d.]+ ms of predicted latency/);
  }, 60_000);

  it('a board the table lacks is bad input (exit 2) naming the flag and the tool', async () => {
    const r = await runCli(['search', '--board', 'rp2040', '--max-latency-ms', '100', '--generations', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --max-latency-ms: the latency table has no entry for board rp2040/m);
  }, 60_000);
});

const canMeasure = haveBuildAndQemu() && ensurePlugin().path !== null;
if (!canMeasure) console.warn('latency predictor vs cycle model skipped: needs arm-none-eabi-gcc, qemu-system-arm and the cycle-model plugin (host gcc)');

describe.skipIf(!canMeasure)('predicted vs the cycle model on subnets the table was not fitted on', () => {
  // Seed 77 is neither the table's (100) nor the benchmark's (2024).
  it.each(['stm32f746', 'nucleo-l4r5zi'])('%s: a random subnet within 10 %', async (name) => {
    const board = loadBoard(name);
    // Random kernel sizes, expand ratios and depths; width 0.35x at 96 px keeps the run short.
    const arch = { ...sampleArch(new Rng(77)), wid: 0 as const, image_size: 96 as const };
    const m = await measureSubnet(arch, board, path.join(tmp, name));
    const p = predictLatency(stepsFromArch(arch), board);
    expect(Math.abs(p.cycles - m.cycles) / m.cycles, `${JSON.stringify(arch)}: predicted ${Math.round(p.cycles)}, cycle model ${m.cycles}`).toBeLessThan(0.1);
  }, 120_000);
});
