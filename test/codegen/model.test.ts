// Code generation without a compiler: the generated C places exactly the plan's arena and offsets, one
// function and one timed call per op, the weights as aligned const arrays, and the patch tables.
import { describe, expect, it } from 'vitest';
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
