// Benchmark: the worker pool (issue 15). Wall time of `search --verify-top 4` (four candidates compiled,
// built and run in QEMU) and of `evaluate` on 5,000 MNIST digits (onnx-mnist8, float and int8), each with
// --jobs 1 and --jobs 2, through the real command line; the ratio printed, and the two outputs checked to
// be the same (search: byte for byte; evaluate: every field but the wall-clock seconds). The machine's load
// average is printed too: on a shared machine the ratio is only as good as the cores that were free.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { REPO, sharedPath } from '../../test/helpers/shared.ts';

const MNIST8 = sharedPath('data/onnx-mnist8');
const cli = (args: string[]) => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin/mcu-nas.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`mcu-nas ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return { seconds, stdout: r.stdout };
};
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');

const cases = [
  {
    name: 'search --verify-top 4 (stm32f746, <= 12 M MACs, evolution 8 x 1, seed 3)',
    args: ['search', '--board', 'stm32f746', '--max-macs', '12', '--population', '8', '--generations', '1', '--seed', '3', '--verify-top', '4', '--json'],
    same: (a: string, b: string) => a === b,
  },
  {
    // The int8 interpreter, whose image-by-image work the worker threads share (evaluate-engine.ts: the host C build).
    name: 'evaluate onnx-mnist8 on 5,000 MNIST digits (float + int8 interpreter)',
    args: ['evaluate', path.join(MNIST8, 'model.onnx'), '--dataset', 'mnist', '--scale', '255', '--calibration', MNIST8, '--limit', '5000', '--int8-engine', 'interpreter', '--json'],
    same: (a: string, b: string) => {
      const strip = (s: string) => JSON.stringify({ ...JSON.parse(s), seconds: undefined });
      return strip(a) === strip(b);
    },
  },
];

console.log(`${os.availableParallelism()} cores; load average ${load()} (1, 5, 15 min)`);
// `pool.ts evaluate` (or `search`): only the cases whose name contains the word.
const only = process.argv[2];
for (const c of cases.filter((c) => !only || c.name.includes(only))) {
  const one = cli([...c.args, '--jobs', '1']);
  const two = cli([...c.args, '--jobs', '2']);
  const same = c.same(one.stdout, two.stdout);
  console.log(
    `${c.name}: 1 job ${one.seconds.toFixed(1)} s, 2 jobs ${two.seconds.toFixed(1)} s, ratio ${(one.seconds / two.seconds).toFixed(2)}x; ` +
      `outputs ${same ? 'identical' : 'DIFFER'} (load average now ${load()})`,
  );
  if (!same) process.exitCode = 1;
}
