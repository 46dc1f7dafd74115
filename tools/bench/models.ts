// Whole models through the own kernels and, when a CMSIS-NN checkout is given (CMSIS_NN_ROOT or
// --cmsis-nn DIR), through the CMSIS-NN backend, side by side: the MLPerf Tiny int8 models (VWW, IC, AD)
// MCUNet's vww1 (TinyEngine's TFLite) and one MCUNet-space subnet at 96, 128 and 160 px (seeded weights;
// --models arch96,arch128,arch160; it fits stm32f746 and nucleo-l4r5zi, not the F411's flash), compiled layer by layer for a Cortex-M7 (stm32f746) and a
// Cortex-M4 (stm32f411) board, run once in QEMU -icount on the board's emulator stand-in, outputs checked
// against the int8 interpreter (a mismatch stops the run). Printed per board and model: instructions of one
// inference, per MAC, the own/CMSIS-NN ratio, flash and SRAM used; then per op kind (pointwise, depthwise,
// dense conv, fully connected, add, pooling, ...): MACs and instructions per MAC of each backend. Beside the
// instructions: the cycle model's cycles and milliseconds at the board's clock (QEMU plugin mix x
// boards/cores/<core>.json x the board's memory timing), "-" when the plugin is not available.
// --boards nucleo-l4r5zi,stm32f746 --models vww,ad gives the MLPerf Tiny comparison of the README.
// A model that does not fit a board (flash or SRAM) is reported as such.
//   node --import tsx tools/bench/models.ts [--boards stm32f746,stm32f411] [--models vww,ic,ad,mcunet,arch96,arch128,arch160] [--cmsis-nn DIR] [--json]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBoard, type Board } from '../../src/board/index.ts';
import { cmsisNnRoot } from '../../src/codegen/index.ts';
import { haveBuildAndQemu } from '../../src/emu/index.ts';
import { compileModel } from '../../src/pipeline/compile.ts';
import { fileSource } from '../../src/pipeline/file-source.ts';
import { archSource, type ModelSource } from '../../src/pipeline/model-source.ts';
import { prepare } from '../../src/pipeline/prepare.ts';
import { runCompiled, type RunReport } from '../../src/pipeline/run.ts';
import type { KernelBackend } from '../../src/schedule/index.ts';
import type { ArchConfig } from '../../src/space/config.ts';
import { sharedPath } from '../../test/helpers/shared.ts';
import { arg } from './args.ts';

const MODELS = [
  { key: 'vww', label: 'MLPerf VWW (MobileNet v1 0.25, 96 px)', file: 'data/tflite-mlcommons-vww/vww_96_int8.tflite' },
  { key: 'ic', label: 'MLPerf IC (ResNet-8, CIFAR-10)', file: 'data/tflite-mlperf-tiny/pretrainedResnet_quant.tflite' },
  { key: 'ad', label: 'MLPerf AD (FC autoencoder)', file: 'data/tflite-mlperf-tiny/ad01_int8.tflite' },
  { key: 'mcunet', label: 'MCUNet vww1 (TinyEngine vww.tflite)', file: 'data/tflite-mcunet-vww/vww.tflite' },
  ...([96, 128, 160] as const).map((r) => ({ key: `arch${r}`, label: `MCUNet-space subnet, ${r} px (wid 0, k 3/5/7, e 3/4/6, seeded)`, arch: mixedSubnet(r) })),
];

/** A subnet with every kernel size and expansion of the space in turn, at width x0.35 (wid 0). */
function mixedSubnet(image_size: 96 | 128 | 160): ArchConfig {
  return {
    wid: 0,
    ks: Array.from({ length: 20 }, (_, i) => [3, 5, 7][i % 3]) as ArchConfig['ks'],
    e: Array.from({ length: 20 }, (_, i) => [3, 4, 6][i % 3]) as ArchConfig['e'],
    d: [1, 2, 0, 1, 2, 0],
    image_size,
  };
}

interface Measured {
  instructions: number;
  cycles: number | null;
  latencyMs: number | null;
  macs: number;
  flashBytes: number;
  sramBytes: number;
  /** Per op kind: MACs and instructions. */
  kinds: Map<string, { macs: number; instructions: number; cycles: number; ops: number }>;
}

type Outcome = Measured | { unfit: string };

/** The op kind a row of the per-op table belongs to (conv2d by the variant its name or MAC count shows). */
function kindOf(op: RunReport['perOp'][number], q: ReturnType<typeof prepare>['q']): string {
  const p = q.params[op.index];
  if (p?.kind === 'conv2d') return p.variant === 'depthwise' ? 'depthwise' : p.variant === 'pointwise' ? 'pointwise' : 'conv';
  return p?.kind ?? op.op;
}

async function measure(source: ModelSource, board: Board, backend: KernelBackend, dir: string, cmsisRoot?: string): Promise<Outcome> {
  const p = prepare(source, board, { patch: 'off', backend });
  if (!p.plan.fits) return { unfit: `planned ${p.plan.fitsSram ? '' : 'SRAM '}${p.plan.fitsFlash ? '' : 'flash '}over the board's budget` };
  const out = await compileModel(p, board, { out: dir, build: true, cmsisRoot, references: false });
  if (!out.fits) return { unfit: out.fitReasons.join('; ') };
  const { report } = await runCompiled(dir);
  if (!report.ok) throw new Error(`${source.name} on ${board.name} (${backend}): firmware ${report.outcome}`);
  const kinds = new Map<string, { macs: number; instructions: number; cycles: number; ops: number }>();
  for (const op of report.perOp) {
    const k = kindOf(op, p.q);
    const e = kinds.get(k) ?? { macs: 0, instructions: 0, cycles: 0, ops: 0 };
    e.macs += op.macs;
    e.instructions += op.instructions;
    e.cycles += op.cycles ?? 0;
    e.ops++;
    kinds.set(k, e);
  }
  return { instructions: report.instructions, cycles: report.cycles, latencyMs: report.latencyMs, macs: report.macs, flashBytes: report.flashUsedBytes, sramBytes: report.sramUsedBytes, kinds };
}

const m = (x: number) => `${(x / 1e6).toFixed(3)} M`;
const perMac = (instr: number, macs: number) => (macs > 0 ? (instr / macs).toFixed(2) : '-');
const cyc = (x: Measured) => (x.cycles === null ? 'no cycles (no QEMU plugin)' : `${m(x.cycles)} cycles, ${perMac(x.cycles, x.macs)}/MAC, ${x.latencyMs!.toFixed(2)} ms`);

async function main() {
  if (!haveBuildAndQemu()) throw new Error('needs arm-none-eabi-gcc and qemu-system-arm');
  const boards = (arg('--boards') ?? 'stm32f746,stm32f411').split(',').map((b) => loadBoard(b));
  const only = arg('--models')?.split(',');
  const models = MODELS.filter((x) => !only || only.includes(x.key));
  const cmsisRoot = (arg('--cmsis-nn') ?? process.env.CMSIS_NN_ROOT) ? cmsisNnRoot(arg('--cmsis-nn')) : undefined;
  const json = process.argv.includes('--json');
  const backends: KernelBackend[] = cmsisRoot ? ['own', 'cmsis-nn'] : ['own'];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-bench-models-'));
  const rows: Record<string, unknown>[] = [];
  const log = (s: string) => {
    if (!json) console.log(s);
  };
  log(`whole models, instructions and cycle-model cycles of one inference (QEMU -icount + plugin), layer by layer; own kernels${cmsisRoot ? ` vs CMSIS-NN (${cmsisRoot})` : ' (set CMSIS_NN_ROOT for CMSIS-NN beside them)'}`);
  try {
    for (const model of models) {
      const opts = { seed: 1, calibrationSamples: 4, testSets: 1 };
      const source = 'arch' in model ? archSource(model.arch, opts) : await fileSource(sharedPath(model.file), opts);
      for (const board of boards) {
        const res: Partial<Record<KernelBackend, Outcome>> = {};
        for (const b of backends) res[b] = await measure(source, board, b, path.join(tmp, `${model.key}-${board.name}-${b}`), b === 'cmsis-nn' ? cmsisRoot : undefined);
        const own = res.own;
        const cm = res['cmsis-nn'];
        log(`\n${model.label} on ${board.name} (${board.core})`);
        if (!own || 'unfit' in own) {
          log(`  does not fit: ${own && 'unfit' in own ? own.unfit : '?'}`);
          rows.push({ model: model.key, board: board.name, fits: false });
          continue;
        }
        const cmOk = cm && !('unfit' in cm) ? cm : null;
        log(
          `  own: ${m(own.instructions)} instructions, ${perMac(own.instructions, own.macs)}/MAC (${m(own.macs)} MACs); ${cyc(own)}; flash ${own.flashBytes} B, SRAM ${own.sramBytes} B` +
            (cmOk
              ? `\n  CMSIS-NN: ${m(cmOk.instructions)} instructions, ${perMac(cmOk.instructions, cmOk.macs)}/MAC; ${cyc(cmOk)}; flash ${cmOk.flashBytes} B, SRAM ${cmOk.sramBytes} B; own/CMSIS-NN ${(own.instructions / cmOk.instructions).toFixed(3)}`
              : cm
                ? `\n  CMSIS-NN: does not fit (${'unfit' in cm ? cm.unfit : ''})`
                : ''),
        );
        log(
          `  ${'op kind'.padEnd(18)} ${'ops'.padStart(4)} ${'MACs'.padStart(11)} ${'own instr'.padStart(11)} ${'own/MAC'.padStart(8)} ${'own cyc'.padStart(11)} ${'cyc/MAC'.padStart(8)}` +
            (cmOk ? ` ${'CMSIS instr'.padStart(12)} ${'CMSIS/MAC'.padStart(9)} ${'CMSIS cyc'.padStart(11)} ${'cyc/MAC'.padStart(8)} ${'ratio'.padStart(6)}` : ''),
        );
        const kinds = [...own.kinds.entries()].sort((a, b) => b[1].instructions - a[1].instructions);
        const perKind: Record<string, unknown>[] = [];
        for (const [k, v] of kinds) {
          const c = cmOk?.kinds.get(k);
          log(
            `  ${k.padEnd(18)} ${String(v.ops).padStart(4)} ${String(v.macs).padStart(11)} ${String(v.instructions).padStart(11)} ${perMac(v.instructions, v.macs).padStart(8)} ${String(v.cycles).padStart(11)} ${perMac(v.cycles, v.macs).padStart(8)}` +
              (c
                ? ` ${String(c.instructions).padStart(12)} ${perMac(c.instructions, c.macs).padStart(9)} ${String(c.cycles).padStart(11)} ${perMac(c.cycles, c.macs).padStart(8)} ${(v.instructions / c.instructions).toFixed(2).padStart(6)}`
                : ''),
          );
          perKind.push({ kind: k, ops: v.ops, macs: v.macs, own: v.instructions, ownCycles: v.cycles, cmsisNn: c?.instructions ?? null, cmsisNnCycles: c?.cycles ?? null });
        }
        rows.push({
          model: model.key,
          board: board.name,
          fits: true,
          macs: own.macs,
          own: { instructions: own.instructions, cycles: own.cycles, latencyMs: own.latencyMs, flashBytes: own.flashBytes, sramBytes: own.sramBytes },
          cmsisNn: cmOk ? { instructions: cmOk.instructions, cycles: cmOk.cycles, latencyMs: cmOk.latencyMs, flashBytes: cmOk.flashBytes, sramBytes: cmOk.sramBytes } : null,
          ratio: cmOk ? own.instructions / cmOk.instructions : null,
          perKind,
        });
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (json) console.log(JSON.stringify({ cmsisNn: cmsisRoot ?? null, rows }, null, 1));
}

await main();
