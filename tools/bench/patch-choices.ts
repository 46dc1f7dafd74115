// What --patch auto (the fastest plan that fits) and --patch min-sram (the smallest) choose, with the
// estimated instructions (src/schedule/cost.ts) and SRAM of each, for the VWW models and a 160 px subnet
// that needs patches on stm32f746. With --run, each distinct plan is compiled (full build) and run in QEMU:
// measured instructions beside the estimate, and whether the output is bit-exact.
//   npx tsx tools/bench/patch-choices.ts [--run] [--keep DIR]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBoard } from '../../src/board/index.ts';
import { compileModel } from '../../src/pipeline/compile.ts';
import { fileSource } from '../../src/pipeline/file-source.ts';
import { archSource, type ModelSource } from '../../src/pipeline/model-source.ts';
import { prepare } from '../../src/pipeline/prepare.ts';
import { runCompiled } from '../../src/pipeline/run.ts';
import type { PatchRequest, Plan } from '../../src/schedule/index.ts';
import { parseArchConfig } from '../../src/space/config.ts';
import { arg } from './args.ts';
import { PATCH_SUBNET_160 } from './patch-subnet.ts';
import { sharedPath } from '../../test/helpers/shared.ts';

const keep = arg('--keep');
const root = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-bench-patch-choices-'));
const CASES: { name: string; board: string; source: () => Promise<ModelSource> }[] = [
  { name: 'MCUNet VWW (vww1)', board: 'stm32f746', source: () => fileSource(sharedPath('data/tflite-mcunet-vww/vww.tflite'), { seed: 0, calibrationSamples: 2, testSets: 1 }) },
  { name: 'MLPerf Tiny VWW', board: 'stm32f746', source: () => fileSource(sharedPath('data/tflite-mlcommons-vww/vww_96_int8.tflite'), { seed: 0, calibrationSamples: 2, testSets: 1 }) },
  { name: 'wid 0 k3/5/7 160 px', board: 'stm32f746', source: async () => archSource(parseArchConfig(PATCH_SUBNET_160, 'mixed'), { seed: 0, calibrationSamples: 2, testSets: 1 }) },
  { name: 'wid 0 k3/5/7 160 px', board: 'stm32h743', source: async () => archSource(parseArchConfig(PATCH_SUBNET_160, 'mixed'), { seed: 0, calibrationSamples: 2, testSets: 1 }) },
];

const describe = (p: Plan) => (p.patch ? `${p.patch.n}x${p.patch.n} up to ${p.patch.splitLayer} (+${p.patch.extraMacsPercent.toFixed(1)}% MACs)` : 'layer by layer');
const M = (n: number) => `${(n / 1e6).toFixed(1)} M`;
const rows: string[] = [];
try {
  for (const c of CASES) {
    const src = await c.source();
    const board = loadBoard(c.board);
    for (const patch of ['off', 'auto', 'min-sram'] as PatchRequest[]) {
      const p = prepare(src, board, { patch, backend: 'own' });
      let measured = '';
      if (process.argv.includes('--run') && p.plan.fits && patch !== 'off') {
        const dir = path.join(root, `${c.name}-${c.board}-${patch}`.replace(/[^A-Za-z0-9-]/g, '_'));
        if (!fs.existsSync(path.join(dir, 'report.json'))) await compileModel(p, board, { out: dir, build: true });
        const { report } = await runCompiled(dir, { timeoutMs: 900_000 });
        measured = `${M(report.instructions)}${report.ok && report.outputsMatch ? ', bit-exact' : ', MISMATCH'}`;
      }
      rows.push(
        `| ${c.name} | ${c.board} | ${patch} | ${describe(p.plan)} | ${p.plan.sram.total} | ${p.plan.fits ? 'yes' : 'no'} | ${M(p.plan.cost.estimatedInstructions)} | ${measured} |`,
      );
      console.error(rows[rows.length - 1]);
    }
  }
} finally {
  if (!keep) fs.rmSync(root, { recursive: true, force: true });
}
console.log('| model | board | --patch | plan | SRAM planned (B) | fits | instructions estimated | instructions in QEMU |');
console.log('|---|---|---|---|---:|---|---:|---:|');
for (const r of rows) console.log(r);
