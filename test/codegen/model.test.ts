// Code generation without a compiler: the generated C places exactly the plan's arena and offsets, one
// function and one timed call per op, the weights as aligned const arrays, and the patch tables.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { cFloat } from '../../src/codegen/model.ts';
import { FIRMWARE_DIR } from '../../src/codegen/firmware.ts';
import { findExecutable } from '../../src/emu/index.ts';
import { dequantizeValue, quantizeValue } from '../../src/quant/scales.ts';
import { loadBoard } from '../../src/board/index.ts';
import { generateModel } from '../../src/codegen/index.ts';
import { calibrate, quantize } from '../../src/quant/index.ts';
import { archSource } from '../../src/pipeline/model-source.ts';
import { planFor } from '../../src/pipeline/prepare.ts';
import { smallestArch } from '../../src/space/sample.ts';
import type { PatchRequest } from '../../src/schedule/index.ts';

const board = loadBoard('stm32f746');
const src = archSource(smallestArch(96), { seed: 1, calibrationSamples: 1, testSets: 0 });
const q = quantize(src.graph, calibrate(src.graph, src.calibration));
const gen = (patch: PatchRequest) => {
  const plan = planFor(q, board, patch, 'own');
  const m = generateModel(q, plan, { backend: 'own', boardName: board.name, kernelHeaders: ['mcunas_kernels.h'], kernelSources: [], kernelIncludeDirs: ['kernels'] });
  const file = (n: string) => m.files.find((f) => f.name === n)!.text;
  return { plan, m, file };
};

describe('generateModel (own kernels)', () => {
  it('declares one arena of the planned size in the board region, and every op reads and writes at the planned offsets', () => {
    const { plan, m, file } = gen('off');
    const c = file('model.c');
    expect(m.arenaBytes).toBe(plan.sram.arena);
    expect(c).toContain(`static int8_t arena0[${plan.sram.arena}] MCUNAS_IN_REGION("DTCM_SRAM1_SRAM2");`);
    expect(c.match(/MCUNAS_OP_BEGIN\(/g)).toHaveLength(q.ops.length);
    for (const [i, l] of plan.layers.entries()) {
      expect(c).toContain(`static void op${i}(void)`);
      if (l.op !== 'reshape') expect(c, l.name).toContain(`arena0 + ${l.arenaOffset}`);
    }
    expect(file('model.h')).toContain(`#define MCUNAS_MODEL_OP_COUNT ${q.ops.length}`);
  });

  it('emits the weights as aligned const arrays whose bytes are the planned constants plus the activation tables', () => {
    const { plan, m, file } = gen('off');
    const w = file('weights.c');
    expect(w).toMatch(/const int8_t mcunas_w0\[\d+\] MCUNAS_WEIGHTS = \{/);
    expect(w).toContain('__attribute__((aligned(4)))');
    const planned = plan.flash.weights + plan.flash.bias + plan.flash.quantParams;
    expect(m.constantBytes - planned).toBe(256 * q.ops.filter((o) => o.kind === 'mul').length); // one hard-sigmoid table per SE block
  });

  it('with patches: a loop over n x n patches, a tile table per stage op with 8 + 20 bytes per input, the planned arena', () => {
    const { plan, file } = gen({ n: 3, layer: 'blocks.2.point_linear' });
    const c = file('model.c');
    const geo = plan.patchGeometry!;
    expect(c).toContain('for (uint32_t patch = 0; patch < 9; patch++) {');
    for (const s of geo.stage) expect(c).toContain(`static const mcunas_tile1 tiles${s.step}[9] = {`);
    expect(c).toContain(`static int8_t arena0[${plan.sram.arena}]`);
    // The split layer writes whole rows of the full tensor.
    expect(c).toContain("The split layer's output is kept whole");
  });
});

describe('model.h: the interface a firmware engineer programs against', () => {
  const { m, file } = gen('off');
  const h = file('model.h');
  const inT = q.tensors[q.inputs[0]];
  const outT = q.tensors[q.outputs[0]];

  it('gives the input and output shapes (NHWC), scales and zero points of the quantized graph', () => {
    expect(h).toContain(`#define MCUNAS_MODEL_INPUT_SHAPE { ${inT.shape.join(', ')} }`);
    expect(h).toContain(`#define MCUNAS_MODEL_OUTPUT_SHAPE { ${outT.shape.join(', ')} }`);
    expect(h).toContain(`#define MCUNAS_MODEL_INPUT_ZERO_POINT (${inT.quant!.zeroPoint[0]})`);
    expect(h).toContain(`#define MCUNAS_MODEL_OUTPUT_ZERO_POINT (${outT.quant!.zeroPoint[0]})`);
    expect(h).toContain(`#define MCUNAS_MODEL_INPUT_SCALE ${cFloat(inT.quant!.scale[0])}`);
    expect(h).toContain('(NHWC)');
    expect(m.input.shape).toEqual([1, 96, 96, 3]);
    expect(Math.fround(Number.parseFloat(cFloat(inT.quant!.scale[0])))).toBe(Math.fround(inT.quant!.scale[0]));
  });

  it.skipIf(!findExecutable('cc'))('its quantize/dequantize helpers, compiled on the host, agree with the TypeScript quantizer', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-model-h-'));
    try {
      fs.writeFileSync(path.join(dir, 'model.h'), h);
      fs.copyFileSync(path.join(FIRMWARE_DIR, 'mcunas_model.h'), path.join(dir, 'mcunas_model.h'));
      const xs = Array.from({ length: 401 }, (_, i) => (i - 200) / 37);
      fs.writeFileSync(
        path.join(dir, 'check.c'),
        `#include <stdio.h>\n#include "model.h"\nint main(void) {\n  static const float xs[] = { ${xs.map((x) => `${Math.fround(x).toPrecision(9)}f`).join(', ')} };\n` +
          '  for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++) printf("%d\\n", mcunas_quantize_input(xs[i]));\n' +
          '  for (int v = -128; v < 128; v++) printf("%.9g\\n", (double)mcunas_dequantize_output((int8_t)v));\n  return 0;\n}\n',
      );
      await execa('cc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-I.', 'check.c', '-o', 'check'], { cwd: dir });
      const lines = (await execa(path.join(dir, 'check'))).stdout.trim().split('\n').map(Number);
      const inQ = { scale: inT.quant!.scale[0], zeroPoint: inT.quant!.zeroPoint[0] };
      const outQ = { scale: outT.quant!.scale[0], zeroPoint: outT.quant!.zeroPoint[0] };
      // float32 arithmetic in C; a value within float rounding of a half step may go either way, none here do.
      expect(lines.slice(0, xs.length)).toEqual(xs.map((x) => quantizeValue(Math.fround(x), inQ)));
      const deq = lines.slice(xs.length);
      for (let v = -128; v < 128; v++) expect(deq[v + 128]).toBeCloseTo(dequantizeValue(v, outQ), 5);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
