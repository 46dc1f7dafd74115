// Builds the latency predictor's per-op cost table (src/predict/latency-table.json): for each board,
// random MCUNet subnets (the lab's sampler, seeded; at most 60 M MACs, fitting the board layer by layer)
// are compiled with the own kernels and run once in QEMU under the cycle model; each op's cycles are
// paired with its shape features and fitted per op kind and geometry (src/predict/latency-fit.ts).
// Prints the in-sample error per subnet; tools/bench/latency-predictor.ts checks the table on other subnets.
//   npx tsx tools/bench/latency-table.ts [--boards stm32f746,nucleo-l4r5zi] [--subnets 8] [--seed 100] [--write]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBoard } from '../../src/board/index.ts';
import { haveBuildAndQemu } from '../../src/emu/index.ts';
import { fitBoardTable, type MeasuredOp } from '../../src/predict/latency-fit.ts';
import { LATENCY_FEATURES, LATENCY_TABLE_FILE, loadLatencyTable, predictLatency, type LatencyTable } from '../../src/predict/latency.ts';
import { stepsFromArch } from '../../src/schedule/index.ts';
import { benchDir, measureSubnet, sampleSubnets } from './latency-runs.ts';
import { arg } from './args.ts';

async function main() {
  if (!haveBuildAndQemu()) throw new Error('needs arm-none-eabi-gcc and qemu-system-arm');
  const boards = (arg('--boards') ?? 'stm32f746,nucleo-l4r5zi').split(',').map((b) => loadBoard(b));
  const n = Number(arg('--subnets') ?? 8);
  const seed = Number(arg('--seed') ?? 100);
  const write = process.argv.includes('--write');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-latency-table-'));
  const table: LatencyTable = loadLatencyTable() ?? { source: '', features: [...LATENCY_FEATURES], boards: {} };
  try {
    for (const board of boards) {
      const archs = sampleSubnets(board, n, seed);
      const ops: MeasuredOp[] = [];
      const runtime: { ops: number; cycles: number }[] = [];
      const measured = [];
      for (const [i, a] of archs.entries()) {
        const m = await measureSubnet(a, board, benchDir(tmp, board, i));
        measured.push(m);
        ops.push(...m.ops);
        runtime.push({ ops: m.ops.length, cycles: m.cycles - m.ops.reduce((s, o) => s + o.cycles, 0) });
        console.log(`${board.name} ${i + 1}/${archs.length}: ${(m.macs / 1e6).toFixed(1)} M MACs, ${m.cycles} cycles, ${m.ops.length} ops (${m.wallSeconds.toFixed(1)} s)`);
      }
      table.boards[board.name] = fitBoardTable(ops, runtime, { core: board.core, clockHz: board.clockHz, kernels: 'own', subnets: archs.length });
      for (const m of measured) {
        const p = predictLatency(stepsFromArch(m.arch), board, table);
        console.log(`  in-sample: measured ${m.cycles}, predicted ${Math.round(p.cycles)} (${((100 * (p.cycles - m.cycles)) / m.cycles).toFixed(1)} %)`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  table.features = [...LATENCY_FEATURES];
  table.source = `tools/bench/latency-table.ts --subnets ${n} --seed ${seed}: own kernels, --patch off, cycles from the cycle model (QEMU plugin counts x boards/cores/<core>.json x the board's memoryTiming); per op key non-negative least squares over features ${LATENCY_FEATURES.join(', ')}`;
  if (write) {
    fs.writeFileSync(LATENCY_TABLE_FILE, `${JSON.stringify(table, null, 1)}\n`);
    console.log(`written ${path.relative(process.cwd(), LATENCY_TABLE_FILE)}`);
  }
}

await main();
