// The CMSIS-NN scratch the planner gives each op on a Helium (MVE) core (Cortex-M55) is what CMSIS-NN's
// *_get_buffer_size_mve functions ask for. Always: the figures worked out by hand from the documented
// formulas (arm_convolve_get_buffer_sizes_s8.c, arm_depthwise_conv_get_buffer_sizes_s8.c,
// arm_fully_connected_get_buffer_sizes_s8.c, arm_avgpool_get_buffer_sizes_s8.c). With a checkout
// (CMSIS_NN_ROOT) and a host C compiler: the checkout's own wrapper functions, built for the host, on the
// same shapes. With a checkout and QEMU: a model of every op kind built with CMSIS-NN for mps3-an547
// (Cortex-M55, MVE) runs bit-exact with the int8 interpreter. Skipped, with the reason, without them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { findExecutable, haveBuildAndQemu } from '../../src/emu/index.ts';
import { GraphBuilder, type Graph } from '../../src/ir/index.ts';
import { compileModel } from '../../src/pipeline/compile.ts';
import { prepare } from '../../src/pipeline/prepare.ts';
import { runCompiled } from '../../src/pipeline/run.ts';
import { syntheticInputs } from '../../src/quant/index.ts';
import { planGraph } from '../../src/schedule/index.ts';
import { convolve1xNMveBytes } from '../../src/backend/index.ts';
import { scratchBytes, type ScratchContext } from '../../src/schedule/scratch.ts';
import { NO_PADDING, type Step } from '../../src/schedule/steps.ts';

const MVE: ScratchContext = { backend: 'cmsis-nn', dsp: true, mve: true };
const DSP: ScratchContext = { backend: 'cmsis-nn', dsp: true };

interface Shape {
  label: string;
  step: Step;
  /** input [H, W, C] */
  input: [number, number, number];
  /** by hand from the formulas */
  mve: number;
  dsp: number;
}

function step(kind: Step['kind'], k: [number, number], cin: number, cout: number, o: Partial<Step> = {}): Step {
  const groups = kind === 'depthwise' ? cin : 1;
  return {
    name: 'op', kind, op: kind === 'fully_connected' ? 'fully_connected' : 'conv2d', inputs: [0], output: 1, kernel: k, stride: [1, 1], padding: NO_PADDING,
    macs: 0, weights: cout * k[0] * k[1] * (cin / groups), biases: cout, quantChannels: cout, params: 0, ...o,
  };
}
const pad = (p: number) => ({ top: p, left: p, bottom: p, right: p });

const SHAPES: Shape[] = [
  // arm_convolve_s8_get_buffer_size_mve: 4 x ceil(Cin*KH*KW / 16) x 16; DSP: 2 x round4(Cin*KH*KW) x 2 B.
  { label: 'conv 3x3 s2, 3 -> 16 channels', step: step('conv2d', [3, 3], 3, 16, { stride: [2, 2] }), input: [96, 96, 3], mve: 4 * 2 * 16, dsp: 2 * 28 * 2 },
  { label: 'conv 5x5, 16 -> 8 channels', step: step('conv2d', [5, 5], 16, 8, { padding: pad(2) }), input: [12, 12, 16], mve: 4 * 25 * 16, dsp: 2 * 400 * 2 },
  // a grouped 1x1 conv (2 groups) is no 1x1 case for CMSIS-NN (input C != filter C)
  { label: 'grouped 1x1 conv, 8 -> 8 channels, 2 groups', step: { ...step('conv2d', [1, 1], 8, 8), weights: 8 * 4 }, input: [6, 6, 8], mve: 4 * 1 * 16, dsp: 2 * 8 * 2 },
  // arm_convolve_1_x_n_s8_get_buffer_size_mve: a one-row input, 1x3 kernel, pad 1, out 10: max(3*8 + 8, 2*8 + 8) = 32
  { label: '1x3 conv on a 1x10x8 row, pad 1', step: step('conv2d', [1, 3], 8, 4, { padding: { top: 0, bottom: 0, left: 1, right: 1 } }), input: [1, 10, 8], mve: 32, dsp: 2 * 24 * 2 },
  // arm_depthwise_conv_s8_opt_get_buffer_size_mve: 4 x CH_IN_BLOCK_MVE (124) x KH*KW, whatever C; DSP 3x3 pad<=1: 0, else C*KH*KW*2
  { label: 'depthwise 3x3, 32 channels, pad 1', step: step('depthwise', [3, 3], 32, 32, { padding: pad(1) }), input: [48, 48, 32], mve: 4 * 124 * 9, dsp: 0 },
  { label: 'depthwise 5x5, 48 channels, pad 2', step: step('depthwise', [5, 5], 48, 48, { padding: pad(2) }), input: [24, 24, 48], mve: 4 * 124 * 25, dsp: 48 * 25 * 2 },
  // dilated: arm_depthwise_conv_s8 (no buffer), with or without MVE
  { label: 'depthwise 3x3 dilation 2, 8 channels', step: step('depthwise', [3, 3], 8, 8, { padding: pad(2), dilation: [2, 2] }), input: [12, 12, 8], mve: 0, dsp: 0 },
  // arm_fully_connected_s8_get_buffer_size_mve: 4 B per output (kernel sums); none with DSP
  { label: 'fully connected 256 -> 128', step: step('fully_connected', [1, 1], 256, 128), input: [1, 1, 256], mve: 512, dsp: 0 },
  // arm_avgpool_s8_get_buffer_size_mve: 0; DSP: C x 4
  { label: 'avgpool 2x2, 32 channels', step: { ...step('avg_pool', [2, 2], 32, 32, { stride: [2, 2] }), weights: 0, biases: 0 }, input: [48, 48, 32], mve: 0, dsp: 128 },
  // arm_convolve_1x1_s8_fast (GCC): 0 with MVE and DSP
  { label: 'pointwise 32 -> 64', step: step('pointwise', [1, 1], 32, 64), input: [24, 24, 32], mve: 0, dsp: 0 },
];

describe('CMSIS-NN scratch on MVE (Cortex-M55) is what its *_get_buffer_size_mve functions ask', () => {
  it.each(SHAPES)('$label', (c) => {
    const [h, w, ch] = c.input;
    expect(scratchBytes(c.step, h, w, ch, MVE)).toBe(c.mve);
    expect(scratchBytes(c.step, h, w, ch, DSP)).toBe(c.dsp);
  });

  it('1xN: padding counts that do not add up fall back to arm_convolve_s8 buffer', () => {
    // pad 4 with stride 1 on out 3: left 4 + right 4 > 3 outputs -> 4 x ceil(3*4/16) x 16
    expect(convolve1xNMveBytes(5, 4, 3, 1, 4, 3)).toBe(64);
  });

  it('the planner hands that scratch to the ops of a graph on mps3-an547 with --kernels cmsis-nn, and the DSP figures on mps2-an386', () => {
    const g = model();
    const m55 = planGraph(g, loadBoard('mps3-an547'), { kernels: 'cmsis-nn', patch: 'off' });
    const m4 = planGraph(g, loadBoard('mps2-an386'), { kernels: 'cmsis-nn', patch: 'off' });
    const scratch = (p: typeof m55) => Object.fromEntries(p.layers.map((l) => [l.name, l.scratchBytes]));
    expect(scratch(m55)).toMatchObject({ conv: 4 * 2 * 16, dw: 4 * 124 * 9, pw: 0, pool: 0, fc: 10 * 4 });
    expect(scratch(m4)).toMatchObject({ conv: 2 * 28 * 2, dw: 0, pw: 0, pool: 16 * 4, fc: 0 });
  });
});

/** conv 3x3 s2 -> depthwise 3x3 -> pointwise -> avgpool 2x2 -> flatten -> fully connected (seeded weights). */
function model(): Graph {
  const b = new GraphBuilder('m55');
  let seed = 1;
  const wts = (name: string, shape: number[]) => {
    const n = shape.reduce((a, x) => a * x, 1);
    return b.constant(name, shape, Float32Array.from({ length: n }, (_, i) => Math.sin(seed++ * 12.9898 + i * 78.233) * 0.3));
  };
  const x = b.input('x', [1, 16, 16, 3]);
  const c = b.op({ kind: 'conv2d', name: 'conv', inputs: [x, wts('cw', [8, 3, 3, 3]), wts('cb', [8])], kernel: [3, 3], stride: [2, 2], padding: { top: 0, left: 0, bottom: 1, right: 1 }, groups: 1, activation: 'relu6' }, 'c');
  const d = b.op({ kind: 'conv2d', name: 'dw', inputs: [c, wts('dw', [8, 3, 3, 1]), wts('db', [8])], kernel: [3, 3], stride: [1, 1], padding: pad(1), groups: 8, activation: 'relu' }, 'd');
  const p = b.op({ kind: 'conv2d', name: 'pw', inputs: [d, wts('pw', [16, 1, 1, 8]), wts('pb', [16])], kernel: [1, 1], stride: [1, 1], padding: NO_PADDING, groups: 1, activation: 'none' }, 'p');
  const a = b.op({ kind: 'avg_pool', name: 'pool', inputs: [p], kernel: [2, 2], stride: [2, 2], padding: NO_PADDING }, 'a');
  const f = b.op({ kind: 'reshape', name: 'flat', inputs: [a], shape: [1, 256] }, 'f');
  const y = b.op({ kind: 'fully_connected', name: 'fc', inputs: [f, wts('fw', [10, 256]), wts('fb', [10])], activation: 'none' }, 'y');
  b.output(y);
  return b.build();
}

const root = process.env.CMSIS_NN_ROOT;
const cc = findExecutable('gcc');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-mve-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!root || !cc)('against the checkout: its *_get_buffer_size_mve built for the host (needs CMSIS_NN_ROOT and gcc)', () => {
  it('every shape above', async () => {
    const lines = SHAPES.map((c, k) => {
      const s = c.step;
      const [h, w, ch] = c.input;
      const dims = `{1, ${h}, ${w}, ${ch}}`;
      if (s.kind === 'conv2d' || s.kind === 'pointwise') {
        const filterC = s.weights / (s.biases * s.kernel[0] * s.kernel[1]);
        return `{ cmsis_nn_conv_params p = {0, 0, {${s.stride[1]}, ${s.stride[0]}}, {${s.padding.left}, ${s.padding.top}}, {1, 1}, {-128, 127}}; cmsis_nn_dims i = ${dims}, f = {${s.biases}, ${s.kernel[0]}, ${s.kernel[1]}, ${filterC}}, o = {1, 1, ${Math.floor((w + s.padding.left + s.padding.right - s.kernel[1]) / s.stride[1]) + 1}, ${s.biases}};
  printf("%d %d\\n", ${k}, (int)arm_convolve_wrapper_s8_get_buffer_size_mve(&p, &i, &f, &o)); }`;
      }
      if (s.kind === 'depthwise') {
        const [dh, dw] = s.dilation ?? [1, 1];
        return `{ cmsis_nn_dw_conv_params p = {0, 0, 1, {1, 1}, {${s.padding.left}, ${s.padding.top}}, {${dw}, ${dh}}, {-128, 127}}; cmsis_nn_dims i = ${dims}, f = {1, ${s.kernel[0]}, ${s.kernel[1]}, ${ch}}, o = {1, ${h}, ${w}, ${ch}};
  printf("%d %d\\n", ${k}, (int)arm_depthwise_conv_wrapper_s8_get_buffer_size_mve(&p, &i, &f, &o)); }`;
      }
      if (s.kind === 'fully_connected') return `{ cmsis_nn_dims f = {${ch}, 1, 1, ${s.biases}}; printf("%d %d\\n", ${k}, (int)arm_fully_connected_s8_get_buffer_size_mve(&f)); }`;
      return `printf("%d %d\\n", ${k}, (int)arm_avgpool_s8_get_buffer_size_mve(${w / 2}, ${ch}));`;
    });
    fs.writeFileSync(path.join(tmp, 'sizes.c'), `#include <stdio.h>\n#include "arm_nnfunctions.h"\nint main(void) {\n${lines.join('\n')}\n  return 0;\n}\n`);
    const src = (f: string) => path.join(root!, 'Source', f);
    const r = await execa(
      cc!,
      [
        '-std=c99', '-O0', `-I${path.join(root!, 'Include')}`, 'sizes.c',
        src('ConvolutionFunctions/arm_convolve_get_buffer_sizes_s8.c'),
        src('ConvolutionFunctions/arm_depthwise_conv_get_buffer_sizes_s8.c'),
        src('FullyConnectedFunctions/arm_fully_connected_get_buffer_sizes_s8.c'),
        src('PoolingFunctions/arm_avgpool_get_buffer_sizes_s8.c'),
        '-o', 'sizes',
      ],
      { cwd: tmp, reject: false, all: true },
    );
    expect(r.exitCode, r.all).toBe(0);
    const out = (await execa(path.join(tmp, 'sizes'))).stdout.trim().split('\n').map((l) => l.split(' ').map(Number));
    expect(out.map(([k, bytes]) => [SHAPES[k].label, bytes])).toEqual(SHAPES.map((c) => [c.label, c.mve]));
  });
});

describe.skipIf(!root || !haveBuildAndQemu())('a CMSIS-NN MVE build in QEMU (needs CMSIS_NN_ROOT, arm-none-eabi-gcc and qemu-system-arm)', () => {
  it('conv, depthwise, pointwise, avgpool and fully connected on mps3-an547 (Cortex-M55): bit-exact with the int8 interpreter', async () => {
    const board = loadBoard('mps3-an547');
    const graph = model();
    const inputs = syntheticInputs(graph, 4, 1).map((s) => s[0]);
    const p = prepare({ name: 'm55', graph, calibration: inputs.slice(0, 3), tests: [{ input: inputs[3] }], notes: [], calibrationSource: 'random' }, board, { patch: 'off', backend: 'cmsis-nn' });
    const dir = path.join(tmp, 'm55');
    await compileModel(p, board, { out: dir, build: true, cmsisRoot: path.resolve(root!) });
    const { report } = await runCompiled(dir);
    expect(report.ok).toBe(true);
    expect(report.outputsMatch).toBe(true);
  }, 120_000);
});
