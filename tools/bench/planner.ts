// Benchmark: planner throughput inside the search loop (fitArch: shape walk + lifetimes + placement +
// SRAM layout + flash), in plans/s. Goal: >= 5,000 plans/s layer by layer. Also shown: patch auto
// (tries every split point x patch count, so it is much slower), and the full-IR path for comparison.
import { loadBoard } from '../../src/board/index.ts';
import { lowerArch } from '../../src/frontend/arch-to-ir.ts';
import { fitArch, planGraph, type PlanOptions } from '../../src/schedule/plan.ts';
import { Rng } from '../../src/search/rng.ts';
import { sampleArch } from '../../src/space/sample.ts';
import type { ArchConfig } from '../../src/space/config.ts';

const board = loadBoard(process.argv[2] ?? 'stm32f746');
const rng = new Rng(1);
const configs = Array.from({ length: 2000 }, () => sampleArch(rng));

function rate(name: string, seconds: number, f: (c: ArchConfig) => unknown, goal?: number): number {
  let sink = 0;
  for (let i = 0; i < 300; i++) sink += f(configs[i % configs.length]) ? 1 : 0; // warm up the JIT
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < seconds * 1000) sink += f(configs[n++ % configs.length]) ? 1 : 0;
  const r = n / ((performance.now() - t0) / 1000);
  console.log(`${name.padEnd(40)} ${Math.round(r).toLocaleString('en-US').padStart(8)} plans/s${goal ? ` (goal >= ${goal.toLocaleString('en-US')})` : ''}${sink < 0 ? '' : ''}`);
  return r;
}

const off: PlanOptions = { patch: 'off' };
console.log(`planner on ${board.name}, random configs of the lab's sampler (all resolutions, wid 0..2)`);
rate('fitArch, layer by layer (search path)', 3, (c) => fitArch(c, board, off), 5000);
rate('fitArch, --patch auto', 3, (c) => fitArch(c, board, { patch: 'auto' }));
rate('planGraph(lowerArch elided), layer by layer', 2, (c) => planGraph(lowerArch(c, { weights: 'elided' }), board, off));
