// Instructions per MAC of the own kernels and, when a CMSIS-NN checkout is given (CMSIS_NN_ROOT or
// --cmsis-nn DIR), of the CMSIS-NN backend (--kernels cmsis-nn), per op kind, beside the CMSIS-NN figures of
// ../shared/spec/toolchain.md (QEMU -icount, Cortex-M4 mps2-an386, GCC 12 -O3). Each layer of that table
// is built as a one-op network (seeded weights), compiled with mcu-nas for each backend, run in QEMU, and
// its op's count read from the per-op SysTick figures (40-instruction granularity). Without a checkout the
// CMSIS-NN column says so ("-") and only the spec's figures stand beside the own kernels. Beside each
// instruction figure: the cycle model's cycles per unit (QEMU plugin mix x boards/cores/<core>.json x the
// board's memory timing; "-" without the plugin), e.g. --board nucleo-l4r5zi for 5 flash wait states.
//   node --import tsx tools/bench/kernels.ts [--board mps2-an386] [--cmsis-nn DIR] [--only 0,3 (row numbers)] [--keep (the projects)]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBoard } from '../../src/board/index.ts';
import { cmsisNnRoot } from '../../src/codegen/index.ts';
import { haveBuildAndQemu } from '../../src/emu/index.ts';
import { uniformStream, normal } from '../../src/random/seeded-random.ts';
import { GraphBuilder, type Graph, type TensorId } from '../../src/ir/index.ts';
import { compileModel } from '../../src/pipeline/compile.ts';
import { prepare } from '../../src/pipeline/prepare.ts';
import { runCompiled } from '../../src/pipeline/run.ts';
import type { KernelBackend } from '../../src/schedule/index.ts';
import { syntheticInputs } from '../../src/quant/index.ts';
import { arg } from './args.ts';

// ../shared/spec/toolchain.md, "Instruction counts per MAC": CMSIS-NN with DSP, CMSIS-NN plain C, naive C.
// Rows 6 and 7 (MCUNet's larger depthwise kernels) have no figures in the spec: "-" there.
const CASES: { label: string; per: 'MAC' | 'element' | 'input element'; cmsisDsp: number | null; cmsisPlain: number | null; naive: number | null; build: () => Graph }[] = [
  { label: '1x1 conv 24x24x32 -> 24x24x64', per: 'MAC', cmsisDsp: 2.69, cmsisPlain: 3.66, naive: 9.02, build: () => conv([24, 24, 32], 64, 1, 1, 1) },
  { label: '3x3 depthwise 48x48x32, stride 1, pad 1', per: 'MAC', cmsisDsp: 8.95, cmsisPlain: 10.08, naive: 14.4, build: () => conv([48, 48, 32], 32, 3, 1, 32) },
  { label: '3x3 conv 96x96x3 -> 48x48x16, stride 2', per: 'MAC', cmsisDsp: 4.82, cmsisPlain: 5.47, naive: 14.38, build: () => conv([96, 96, 3], 16, 3, 2, 1) },
  { label: 'fully connected 256 -> 128', per: 'MAC', cmsisDsp: 2.07, cmsisPlain: 3.52, naive: 6.13, build: fc },
  { label: 'elementwise add (per element)', per: 'element', cmsisDsp: 81.25, cmsisPlain: 84.0, naive: 73.41, build: add },
  { label: 'avgpool 2x2 s2 48x48x32 (per input element)', per: 'input element', cmsisDsp: 10.32, cmsisPlain: 26.77, naive: 4.16, build: pool },
  { label: '5x5 depthwise 24x24x48, stride 1, pad 2', per: 'MAC', cmsisDsp: null, cmsisPlain: null, naive: null, build: () => conv([24, 24, 48], 48, 5, 1, 48) },
  { label: '7x7 depthwise 24x24x48, stride 1, pad 3', per: 'MAC', cmsisDsp: null, cmsisPlain: null, naive: null, build: () => conv([24, 24, 48], 48, 7, 1, 48) },
];

function weights(b: GraphBuilder, name: string, shape: number[]): TensorId {
  const u = uniformStream(1, name);
  const n = shape.reduce((a, x) => a * x, 1);
  return b.constant(name, shape, Float32Array.from({ length: n }, () => 0.2 * normal(u)));
}

function conv(inShape: [number, number, number], cout: number, k: number, stride: number, groups: number): Graph {
  const b = new GraphBuilder('bench');
  const x = b.input('x', [1, ...inShape]);
  const w = weights(b, 'w', [cout, k, k, inShape[2] / groups]);
  const bias = weights(b, 'b', [cout]);
  const p = stride === 2 ? { top: 0, left: 0, bottom: 1, right: 1 } : { top: k >> 1, left: k >> 1, bottom: k >> 1, right: k >> 1 };
  const y = b.op({ kind: 'conv2d', name: 'op', inputs: [x, w, bias], kernel: [k, k], stride: [stride, stride], padding: p, groups, activation: 'relu6' }, 'y');
  b.output(y);
  return b.build();
}

function fc(): Graph {
  const b = new GraphBuilder('bench');
  const x = b.input('x', [1, 256]);
  const y = b.op({ kind: 'fully_connected', name: 'op', inputs: [x, weights(b, 'w', [128, 256]), weights(b, 'b', [128])], activation: 'none' }, 'y');
  b.output(y);
  return b.build();
}

function add(): Graph {
  const b = new GraphBuilder('bench');
  const x = b.input('x', [1, 24, 24, 32]);
  const c = b.op({ kind: 'relu6', name: 'pre', inputs: [x] }, 'c');
  const y = b.op({ kind: 'add', name: 'op', inputs: [x, c], activation: 'none' }, 'y');
  b.output(y);
  return b.build();
}

function pool(): Graph {
  const b = new GraphBuilder('bench');
  const x = b.input('x', [1, 48, 48, 32]);
  const y = b.op({ kind: 'avg_pool', name: 'op', inputs: [x], kernel: [2, 2], stride: [2, 2], padding: { top: 0, left: 0, bottom: 0, right: 0 } }, 'y');
  b.output(y);
  return b.build();
}

/** Instructions per MAC (or per element) of the case's op with the given backend. */
async function measure(c: (typeof CASES)[number], k: number, board: ReturnType<typeof loadBoard>, backend: KernelBackend, tmp: string, cmsisRoot?: string): Promise<{ instructions: number; cycles: number | null }> {
  const graph = c.build();
  const opIndex = graph.ops.findIndex((o) => o.name === 'op');
  const calibration = syntheticInputs(graph, 4, 1).map((s) => s[0]);
  const p = prepare({ name: c.label, graph, calibration: calibration.slice(0, 3), tests: [{ input: calibration[3] }], notes: [], calibrationSource: 'random' }, board, { patch: 'off', backend });
  const dir = path.join(tmp, `${k}-${backend}`);
  await compileModel(p, board, { out: dir, build: true, cmsisRoot });
  const { report } = await runCompiled(dir);
  if (!report.ok) throw new Error(`${c.label} (${backend}): firmware ${report.outcome}`);
  const op = report.perOp[opIndex];
  const input = graph.tensors[graph.ops[opIndex].inputs[0]].shape.reduce((a, x) => a * x, 1);
  const output = graph.tensors[graph.ops[opIndex].outputs[0]].shape.reduce((a, x) => a * x, 1);
  const denom = c.per === 'MAC' ? op.macs : c.per === 'element' ? output : input;
  return { instructions: op.instructions / denom, cycles: op.cycles === null ? null : op.cycles / denom };
}

const cell = (x: number | null | undefined, width: number) => (x === null || x === undefined ? '-' : x.toFixed(2)).padStart(width);

async function main() {
  if (!haveBuildAndQemu()) throw new Error('needs arm-none-eabi-gcc and qemu-system-arm');
  const board = loadBoard(arg('--board') ?? 'mps2-an386');
  const cmsisRoot = (arg('--cmsis-nn') ?? process.env.CMSIS_NN_ROOT) ? cmsisNnRoot(arg('--cmsis-nn')) : undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-bench-'));
  console.log(
    `instructions and cycles per MAC (QEMU -icount, cycle model) on ${board.name} (${board.core}): own kernels and ` +
      (cmsisRoot ? `CMSIS-NN (${cmsisRoot}) measured` : 'CMSIS-NN not measured (set CMSIS_NN_ROOT)') +
      `, beside toolchain.md's CMSIS-NN figures (Cortex-M4)`,
  );
  console.log(`${''.padEnd(46)} ${'instructions per unit'.padEnd(18)} ${'cycles per unit'.padEnd(18)} ${'spec (instructions)'}`);
  console.log(`${'layer'.padEnd(46)} ${'own'.padStart(8)} ${'CMSIS-NN'.padStart(9)} ${'own'.padStart(8)} ${'CMSIS-NN'.padStart(9)} ${'spec DSP'.padStart(9)} ${'spec C'.padStart(8)} ${'naive C'.padStart(8)}`);
  try {
    const only = arg('--only')?.split(',').map(Number);
    for (const [k, c] of CASES.entries()) {
      if (only && !only.includes(k)) continue;
      const own = await measure(c, k, board, 'own', tmp);
      const cmsis = cmsisRoot ? await measure(c, k, board, 'cmsis-nn', tmp, cmsisRoot) : null;
      console.log(
        `${c.label.padEnd(46)} ${cell(own.instructions, 8)} ${cell(cmsis?.instructions, 9)} ${cell(own.cycles, 8)} ${cell(cmsis?.cycles, 9)} ` +
          `${cell(c.cmsisDsp, 9)} ${cell(c.cmsisPlain, 8)} ${cell(c.naive, 8)}`,
      );
    }
  } finally {
    if (process.argv.includes('--keep')) console.log(`projects kept in ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
