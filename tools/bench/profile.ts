// Benchmark: analytic profile throughput (configs/s) in one process. Goal: >= 200,000 configs/s.
// The lab builds a PyTorch subnet and runs thop hooks per config (~0.2 s each: 300 configs in 66 s).
import { profileArch } from '../../src/predict/efficiency.ts';
import { Rng } from '../../src/search/rng.ts';
import { sampleArch } from '../../src/space/sample.ts';

const N = 200_000;
const rng = new Rng(1);
const configs = Array.from({ length: N }, () => sampleArch(rng));
let sink = 0;
for (let i = 0; i < 20_000; i++) sink += profileArch(configs[i]).macs; // warm up the JIT
const t0 = performance.now();
for (const c of configs) sink += profileArch(c).macs;
const s = (performance.now() - t0) / 1000;
const rate = N / s;
const labRate = 300 / 66; // lab: random search of 300 subnets took 66 s, dominated by profiling
console.log(`profile: ${N} configs in ${s.toFixed(3)} s = ${Math.round(rate).toLocaleString('en-US')} configs/s (goal >= 200,000)`);
console.log(`         lab (PyTorch + thop hooks) ~${labRate.toFixed(1)} configs/s -> ${Math.round(rate / labRate).toLocaleString('en-US')}x`);
if (sink === 0) console.log('');
