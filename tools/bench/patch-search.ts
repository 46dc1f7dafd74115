// Benchmark: the planner's patch choice on the search's path (fitArch) against layer by layer, on 200
// random subnets of the MCUNet space, per board; and the whole `search --board B` command with
// `--patch off` and `--patch auto`.
//   npx tsx tools/bench/patch-search.ts [--boards stm32f746,stm32f411,rp2040] [--command]
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { loadBoard } from '../../src/board/index.ts';
import { fitArch, type PatchRequest } from '../../src/schedule/index.ts';
import { Rng } from '../../src/search/rng.ts';
import { sampleArch } from '../../src/space/sample.ts';
import { arg } from './args.ts';
const boards = (arg('--boards') ?? 'stm32f746,stm32f411,rp2040').split(',');
const rng = new Rng(7);
const archs = Array.from({ length: 200 }, () => sampleArch(rng));

for (const name of boards) {
  const board = loadBoard(name);
  const row: string[] = [];
  for (const patch of ['off', 'auto', 'min-sram'] as PatchRequest[]) {
    fitArch(archs[0], board, { patch }); // warm up
    const t0 = performance.now();
    let fits = 0;
    let patched = 0;
    for (const a of archs) {
      const f = fitArch(a, board, { patch });
      if (f.fits) fits++;
      if (f.patch) patched++;
    }
    const ms = (performance.now() - t0) / archs.length;
    row.push(`${patch}: ${ms.toFixed(2)} ms/plan, ${fits} fit, ${patched} patched`);
  }
  console.log(`${name} (200 random subnets): ${row.join('; ')}`);
}

if (process.argv.includes('--command')) {
  const bin = path.join(import.meta.dirname, '../../bin/mcu-nas.js');
  for (const name of boards)
    for (const patch of ['off', 'auto']) {
      const t0 = performance.now();
      const out = execFileSync(process.execPath, [bin, 'search', '--board', name, '--patch', patch, '--seed', '1', '--json'], { encoding: 'utf8' });
      const s = JSON.parse(out);
      console.log(`search --board ${name} --patch ${patch}: ${((performance.now() - t0) / 1000).toFixed(1)} s, best ${s.predictedAccuracy.toFixed(2)}% at ${s.arch.image_size} px, ${s.millionMACs} M MACs`);
    }
}
