// The plan is executable: running the network inside the planned arena (offsets, in-place depthwise,
// scratch, patch tiles with their recorded geometry) gives exactly what a whole-tensor reference gives.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BoardSchema } from '../../src/board/schema.ts';
import { planSteps, type PlanOptions } from '../../src/schedule/plan.ts';
import { stepsFromArch } from '../../src/schedule/from-arch.ts';
import { largestArch, sampleArch, smallestArch } from '../../src/space/sample.ts';
import { Rng } from '../../src/search/rng.ts';
import type { ArchConfig } from '../../src/space/config.ts';
import { makeInput, makeParams, runInArena, runReference } from './arena-machine.ts';

const board = BoardSchema.parse(JSON.parse(fs.readFileSync(new URL('../../boards/mps2-an386.json', import.meta.url), 'utf8')));

function check(c: ArchConfig, opts: PlanOptions) {
  const g = stepsFromArch(c);
  const plan = planSteps(g, board, opts);
  const params = makeParams(g, 5);
  const input = makeInput(g, 6);
  const ref = runReference(g, params, input);
  let checked = 0;
  const got = runInArena(g, plan, params, input, (t, values) => {
    // Compare every tensor the moment it is complete; name it in the failure message.
    expect({ tensor: g.tensors[t].name, values: Array.from(values) }).toEqual({ tensor: g.tensors[t].name, values: Array.from(ref[t]) });
    checked++;
  }).read(g.tensors[g.outputs[0]].name);
  expect(Array.from(got)).toEqual(Array.from(ref[g.outputs[0]]));
  expect(checked).toBe(g.steps.length - (plan.patchGeometry ? plan.patchGeometry.splitStep : 0));
  // Values are varied, not a constant that any layout would reproduce.
  expect(new Set(Array.from(ref[g.steps[3].output])).size).toBeGreaterThan(50);
  return plan;
}

describe('running a network in its planned arena', () => {
  it('layer by layer, own kernels (in-place depthwise): smallest @96', () => {
    check(smallestArch(96), { patch: 'off' });
  });

  it('layer by layer, cmsis-nn kernels (depthwise not in place): a random config @112', () => {
    const c = { ...sampleArch(new Rng(3)), image_size: 112 as const, wid: 0 as const };
    const plan = check(c, { patch: 'off', kernels: 'cmsis-nn' });
    expect(plan.layers.filter((l) => l.kind === 'depthwise').every((l) => !l.inPlace)).toBe(true);
  });

  it('patch min-sram: smallest @96', () => {
    const plan = check(smallestArch(96), { patch: 'min-sram' });
    expect(plan.patch).not.toBeNull();
  });

  it('forced patches ending at a residual add, with k7 stride-2 halos: 4x4 up to blocks.3 of a k7/e6 net @96', () => {
    const c = { ...largestArch(96), wid: 0 as const };
    const plan = check(c, { patch: { n: 4, layer: 'blocks.3' } });
    expect(plan.patch?.splitLayer).toBe('blocks.3.add');
    expect(plan.layers.find((l) => l.name === 'blocks.3.depth_conv')?.inPlace).toBe(true);
  });

  it('forced 3x3 patches through the stage-1 stride-2 block (blocks.4), a random config @128', () => {
    const c = { ...sampleArch(new Rng(9)), image_size: 128 as const, wid: 0 as const };
    const g = stepsFromArch(c);
    const last = g.steps.filter((s) => s.name.startsWith('blocks.')).map((s) => s.name.split('.')[1]);
    expect(last).toContain('4');
    // stage 1 slot 0 is blocks.(2 + d[0]); end the patch stage there
    check(c, { patch: { n: 3, layer: `blocks.${2 + c.d[0]}` } });
  });
});
