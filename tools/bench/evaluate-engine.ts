// Benchmark: evaluate's two int8 engines (issue 15). Wall time of `evaluate` on 5,000 MNIST digits
// (onnx-mnist8, float and int8) through the real command line with --int8-engine interpreter and host-c,
// each with --jobs 1 and --jobs 2; host-c also once with an empty build cache (the gcc -O2 build
// included). Ratios printed, and every output checked to be the same evaluation (every field but the
// wall-clock seconds and the engine's own fields). The machine's load average is printed too: on a shared
// machine a ratio is only as good as the cores that were free.
//   npx tsx tools/bench/evaluate-engine.ts [images]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, sharedPath } from '../../test/helpers/shared.ts';

const MNIST8 = sharedPath('data/onnx-mnist8');
const images = Number(process.argv[2] ?? 5000);
const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-bench-host-'));
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');

function cli(engine: string, jobs: number) {
  const args = ['evaluate', path.join(MNIST8, 'model.onnx'), '--dataset', 'mnist', '--scale', '255', '--calibration', MNIST8, '--limit', String(images), '--json', '--int8-engine', engine, '--jobs', String(jobs)];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin/mcu-nas.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, MCUNAS_HOST_CACHE: cache } });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`mcu-nas ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  const json = JSON.parse(r.stdout) as Record<string, unknown>;
  if (json.int8Engine !== engine) throw new Error(`asked for ${engine}, ran ${json.int8Engine}`);
  return { seconds, json };
}
const same = (a: Record<string, unknown>, b: Record<string, unknown>) => {
  const strip = (j: Record<string, unknown>) => JSON.stringify({ ...j, seconds: undefined, int8Engine: undefined, int8Agreement: undefined });
  return strip(a) === strip(b);
};

console.log(`${os.availableParallelism()} cores; load average ${load()} (1, 5, 15 min); ${images} digits`);
try {
  const cold = cli('host-c', 1);
  const runs = {
    'interpreter, 1 job': cli('interpreter', 1),
    'interpreter, 2 jobs': cli('interpreter', 2),
    'host-c, 1 job': cli('host-c', 1),
    'host-c, 2 jobs': cli('host-c', 2),
  };
  console.log(`host-c, 1 job, empty build cache (gcc -O2 included): ${cold.seconds.toFixed(1)} s`);
  for (const [name, r] of Object.entries(runs)) console.log(`${name}: ${r.seconds.toFixed(1)} s (the command's own figure: ${r.json.seconds} s)`);
  const s = (k: keyof typeof runs) => runs[k].seconds;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  console.log(`interpreter -> host-c: 1 job ${ratio(s('interpreter, 1 job'), s('host-c, 1 job'))}, 2 jobs ${ratio(s('interpreter, 2 jobs'), s('host-c, 2 jobs'))}; cold build ${ratio(s('interpreter, 1 job'), cold.seconds)}`);
  console.log(`1 -> 2 jobs: interpreter ${ratio(s('interpreter, 1 job'), s('interpreter, 2 jobs'))}, host-c ${ratio(s('host-c, 1 job'), s('host-c, 2 jobs'))}`);
  const all = [cold, ...Object.values(runs)];
  const identical = all.every((r) => same(r.json, all[0].json));
  console.log(`outputs ${identical ? 'identical' : 'DIFFER'} (load average now ${load()})`);
  if (!identical) process.exitCode = 1;
} finally {
  fs.rmSync(cache, { recursive: true, force: true });
}
