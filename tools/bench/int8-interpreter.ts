// Time of the int8 golden model (and the float interpreter) per subnet: the smallest and the largest
// networks of the space at 96, 128 and 160 px, seeded weights. Run: node --import tsx tools/bench/int8-interpreter.ts
import os from 'node:os';
import { lowerArch } from '../../src/frontend/arch-to-ir.ts';
import { graphMacs } from '../../src/ir/cost.ts';
import { calibrate, quantize, quantizeInput, runFloat, runInt8, syntheticInputs } from '../../src/quant/index.ts';
import { largestArch, smallestArch } from '../../src/space/sample.ts';

const cases = [
  ['smallest @96', smallestArch(96)],
  ['smallest @160', smallestArch(160)],
  ['lab largest (wid 1) @128', largestArch(128)],
  ['true largest (wid 2) @160', largestArch(160, true)],
] as const;

function best(f: () => void, reps: number): number {
  let t = Infinity;
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    f();
    t = Math.min(t, performance.now() - s);
  }
  return t;
}

console.log(`load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores (timings scale with it)`);
console.log('subnet                          blocks  MMACs   float ms   int8 ms   int8 ns/MAC');
for (const [label, arch] of cases) {
  const g = lowerArch(arch, { seed: 0 });
  const q = quantize(g, calibrate(g, syntheticInputs(g, 1, 1)));
  const x = syntheticInputs(g, 1, 2)[0];
  const xq = quantizeInput(q, x[0]);
  const macs = graphMacs(g);
  const tf = best(() => runFloat(g, x), 2);
  const ti = best(() => runInt8(q, xq), 3);
  const blocks = new Set(g.ops.map((o) => o.name.match(/^blocks\.(\d+)/)?.[1]).filter(Boolean)).size;
  console.log(
    `${label.padEnd(32)}${String(blocks).padStart(6)}${(macs / 1e6).toFixed(1).padStart(7)}${tf.toFixed(0).padStart(11)}${ti.toFixed(0).padStart(10)}${((ti * 1e6) / macs).toFixed(2).padStart(14)}`,
  );
}
