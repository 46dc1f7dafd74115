// How close the latency predictor (src/predict/latency.ts, the table of tools/bench/latency-table.ts) comes
// to the cycle model on random subnets it was not fitted on: per board, N subnets of the lab's sampler
// (another seed than the table's), compiled layer by layer with the own kernels and run once in QEMU with
// the cycle-model plugin; prints predicted vs cycle-model latency per subnet and the error distribution
// (mean, mean |error|, percentiles, max), and the predictor's own time per subnet.
//   npx tsx tools/bench/latency-predictor.ts [--boards stm32f746,nucleo-l4r5zi] [--subnets 20] [--seed 2024] [--json]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBoard } from '../../src/board/index.ts';
import { haveBuildAndQemu } from '../../src/emu/index.ts';
import { predictLatency } from '../../src/predict/latency.ts';
import { stepsFromArch } from '../../src/schedule/index.ts';
import { benchDir, measureSubnet, sampleSubnets } from './latency-runs.ts';
import { arg } from './args.ts';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round((p / 100) * (s.length - 1))))];
};

async function main() {
  if (!haveBuildAndQemu()) throw new Error('needs arm-none-eabi-gcc and qemu-system-arm');
  const boards = (arg('--boards') ?? 'stm32f746,nucleo-l4r5zi').split(',').map((b) => loadBoard(b));
  const n = Number(arg('--subnets') ?? 20);
  const seed = Number(arg('--seed') ?? 2024);
  const json = process.argv.includes('--json');
  const log = (s: string) => {
    if (!json) console.log(s);
  };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-latency-predictor-'));
  const out: Record<string, unknown>[] = [];
  try {
    for (const board of boards) {
      const archs = sampleSubnets(board, n, seed);
      log(`${board.name} (${board.core} @ ${board.clockHz / 1e6} MHz): ${archs.length} random subnets (seed ${seed}), predicted vs cycle model`);
      const errors: number[] = [];
      const rows: Record<string, unknown>[] = [];
      let predictSeconds = 0;
      for (const [i, a] of archs.entries()) {
        const t0 = performance.now();
        const p = predictLatency(stepsFromArch(a), board);
        predictSeconds += (performance.now() - t0) / 1000;
        const m = await measureSubnet(a, board, benchDir(tmp, board, i));
        const measuredMs = (m.cycles * 1000) / board.clockHz;
        const err = (100 * (p.cycles - m.cycles)) / m.cycles;
        errors.push(err);
        rows.push({ arch: a, macs: m.macs, cycles: m.cycles, predictedCycles: Math.round(p.cycles), measuredMs, predictedMs: p.ms, errorPercent: err, fallbacks: p.fallbacks.length });
        log(`  ${String(i + 1).padStart(2)} ${(m.macs / 1e6).toFixed(1).padStart(5)} M MACs  cycle model ${measuredMs.toFixed(2).padStart(8)} ms  predicted ${p.ms.toFixed(2).padStart(8)} ms  ${err >= 0 ? '+' : ''}${err.toFixed(1)} %${p.fallbacks.length ? ` (${p.fallbacks.length} ops by kind fallback)` : ''}`);
      }
      const abs = errors.map(Math.abs);
      const summary = {
        board: board.name,
        subnets: errors.length,
        meanPercent: errors.reduce((s, x) => s + x, 0) / errors.length,
        meanAbsPercent: abs.reduce((s, x) => s + x, 0) / abs.length,
        medianAbsPercent: pct(abs, 50),
        p90AbsPercent: pct(abs, 90),
        maxAbsPercent: Math.max(...abs),
        within10Percent: abs.filter((x) => x <= 10).length,
        predictMsPerSubnet: (1000 * predictSeconds) / errors.length,
      };
      log(
        `  error: mean ${summary.meanPercent.toFixed(1)} %, mean |e| ${summary.meanAbsPercent.toFixed(1)} %, median |e| ${summary.medianAbsPercent.toFixed(1)} %, ` +
          `p90 |e| ${summary.p90AbsPercent.toFixed(1)} %, max |e| ${summary.maxAbsPercent.toFixed(1)} %; ${summary.within10Percent}/${errors.length} within 10 %; ` +
          `prediction ${summary.predictMsPerSubnet.toFixed(2)} ms per subnet`,
      );
      out.push({ ...summary, rows });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (json) console.log(JSON.stringify({ boards: out }, null, 1));
}

await main();
