// Benchmark: the planner's flash and SRAM against the board ELF (the application image, no test data), for
// every real model in ../shared/data and five seeded arch configs from 96 to 160 px. Each model goes to the
// first of the boards below its plan fits; the board image is linked alone and measured.
//   npx tsx tools/bench/fit.ts [--boards stm32f746,stm32h743] [--markdown]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBoard } from '../../src/board/index.ts';
import type { Board } from '../../src/board/schema.ts';
import { measureBoardFit, type BoardFit } from '../../src/pipeline/board-fit.ts';
import { fileSource } from '../../src/pipeline/file-source.ts';
import { archSource, type ModelSource } from '../../src/pipeline/model-source.ts';
import { prepare } from '../../src/pipeline/prepare.ts';
import { parseArchConfig, type ArchConfig } from '../../src/space/config.ts';
import { arg } from './args.ts';
import { sharedPath } from '../../test/helpers/shared.ts';

const data = (...p: string[]) => sharedPath('data', ...p);
const boards: Board[] = (arg('--boards') ?? 'stm32f746,stm32h743').split(',').map((b) => loadBoard(b));

const MODELS: { name: string; file: string; testData?: string }[] = [
  { name: 'onnx-mnist8', file: data('onnx-mnist8/model.onnx'), testData: data('onnx-mnist8') },
  { name: 'onnx-atmega-mnist', file: data('onnx-atmega-mnist/mnist.simplified.onnx') },
  { name: 'mcunet-w050-smallest-r96', file: data('onnx-mcunet-subnets/mcunet-w050-smallest-r96.onnx'), testData: data('onnx-mcunet-subnets/mcunet-w050-smallest-r96.test') },
  { name: 'mcunet-w075-mid-r128', file: data('onnx-mcunet-subnets/mcunet-w075-mid-r128.onnx'), testData: data('onnx-mcunet-subnets/mcunet-w075-mid-r128.test') },
  { name: 'tflite-mcunet-vww', file: data('tflite-mcunet-vww/vww.tflite') },
  { name: 'mlcommons-vww-int8', file: data('tflite-mlcommons-vww/vww_96_int8.tflite') },
  { name: 'mlcommons-vww-float', file: data('tflite-mlcommons-vww/vww_96_float.tflite') },
  { name: 'mlperf-ad01-int8', file: data('tflite-mlperf-tiny/ad01_int8.tflite') },
  { name: 'mlperf-resnet-int8', file: data('tflite-mlperf-tiny/pretrainedResnet_quant.tflite') },
];

// Five configs of the MCUNet space, 96 to 160 px (kernel sizes, expansions and depths varied).
const ks = (f: (i: number) => number) => Array.from({ length: 20 }, (_, i) => f(i)) as ArchConfig['ks'];
const es = (f: (i: number) => number) => Array.from({ length: 20 }, (_, i) => f(i)) as ArchConfig['e'];
const ARCHS: { name: string; arch: ArchConfig }[] = [
  { name: 'arch w0 r96', arch: { wid: 0, ks: ks(() => 3), e: es(() => 3), d: [2, 2, 2, 2, 2, 2], image_size: 96 } },
  { name: 'arch w1 r112', arch: { wid: 1, ks: ks((i) => [3, 5, 7][i % 3]), e: es(() => 4), d: [1, 2, 1, 2, 1, 2], image_size: 112 } },
  { name: 'arch w0 r128', arch: { wid: 0, ks: ks(() => 5), e: es((i) => [3, 4, 6][i % 3]), d: [2, 2, 2, 2, 2, 2], image_size: 128 } },
  { name: 'arch w1 r144', arch: { wid: 1, ks: ks(() => 3), e: es(() => 3), d: [2, 2, 2, 2, 2, 2], image_size: 144 } },
  { name: 'arch w0 r160', arch: { wid: 0, ks: ks((i) => [3, 5, 7][i % 3]), e: es(() => 4), d: [2, 2, 2, 2, 2, 2], image_size: 160 } },
];

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-bench-fit-'));
const rows: (BoardFit & { name: string; patch: string })[] = [];

async function measure(name: string, source: () => Promise<ModelSource>): Promise<void> {
  const src = await source();
  for (const board of boards) {
    for (const patch of ['off', 'auto'] as const) {
      const p = prepare(src, board, { patch, backend: 'own' });
      if (!p.plan.fits) continue;
      const r = await measureBoardFit(p, board, path.join(tmp, `${rows.length}`));
      rows.push({ ...r, name, patch: p.plan.patch ? `${p.plan.patch.n}x${p.plan.patch.n}` : 'off' });
      const ops = p.plan.layers.filter((l) => l.kind !== 'reshape').length;
      if (process.argv.includes('--residual')) console.error(`  ${ops} ops, ${((r.flash.elf - r.flash.planned) / ops).toFixed(1)} B/op more than planned`);
      console.error(`${name} on ${board.name}: flash ${r.flash.planned} vs ${r.flash.elf} (${r.flash.errorPercent.toFixed(2)}%), SRAM ${r.sram.planned} vs ${r.sram.elf} (${r.sram.errorPercent.toFixed(2)}%)`);
      fs.rmSync(path.join(tmp, `${rows.length - 1}`), { recursive: true, force: true });
      return;
    }
  }
  console.error(`${name}: fits none of ${boards.map((b) => b.name).join(', ')}`);
}

try {
  for (const m of MODELS) {
    if (!fs.existsSync(m.file)) {
      console.error(`${m.name}: ${m.file} missing, skipped`);
      continue;
    }
    // Sizes do not depend on the calibration values: float models without test data calibrate on random inputs.
    await measure(m.name, () => fileSource(m.file, { seed: 0, calibration: m.testData ? undefined : 'random', calibrationSamples: 4, testSets: 1, testData: m.testData }));
  }
  for (const a of ARCHS) await measure(a.name, async () => archSource(parseArchConfig(a.arch, a.name), { seed: 0, calibrationSamples: 2, testSets: 1 }));
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}%`;
console.log('| model | board | patch | flash planned | flash ELF | error | static SRAM planned | static SRAM ELF | error | SRAM planned | SRAM ELF | error |');
console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows)
  console.log(
    `| ${r.name} | ${r.board} | ${r.patch} | ${r.flash.planned} | ${r.flash.elf} | ${pct(r.flash.errorPercent)} | ${r.staticSram.planned} | ${r.staticSram.elf} | ${pct(r.staticSram.errorPercent)} | ${r.sram.planned} | ${r.sram.elf} | ${pct(r.sram.errorPercent)} |`,
  );
const worst = (f: (r: (typeof rows)[number]) => number) => Math.max(...rows.map((r) => Math.abs(f(r))));
console.log(`\nworst |error|: flash ${worst((r) => r.flash.errorPercent).toFixed(2)}% (goal 2%), SRAM ${worst((r) => r.sram.errorPercent).toFixed(2)}% (goal 5%)`);
