// Lifetimes and in-place rules on a real subnet: what shares a buffer, how long each buffer lives,
// which scratch each kernel gets.
import { describe, expect, it } from 'vitest';
import { stepsFromArch } from '../../src/schedule/from-arch.ts';
import { assignBuffers } from '../../src/schedule/lifetimes.ts';
import { layerModel } from '../../src/schedule/memory-model.ts';
import type { ArchConfig } from '../../src/space/config.ts';

// Stage 0 runs 2 blocks (d[0] = 1): blocks.2 has a residual add. Stage 1's blocks.4 (slot 1) has SE.
const c: ArchConfig = { wid: 0, ks: [3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5], e: Array(20).fill(4), d: [1, 0, 0, 0, 0, 0], image_size: 96 };
const g = stepsFromArch(c);
const idx = (name: string) => g.steps.findIndex((s) => s.name === name);
const tensor = (name: string) => g.tensors.findIndex((t) => t.name === name);

function plan(backend: 'own' | 'cmsis-nn', dsp = true) {
  const a = assignBuffers(layerModel(g, { backend, dsp }));
  const buf = (name: string) => a.buffers[a.bufferOf[tensor(name)]];
  const scratch = (name: string) => (a.scratchOf[idx(name)] >= 0 ? a.buffers[a.scratchOf[idx(name)]].size : 0);
  return { a, buf, scratch };
}

describe('lifetimes (own kernels)', () => {
  const { a, buf, scratch } = plan('own');

  it('keeps a residual input alive until its add', () => {
    const blockIn = buf('blocks.1.point_linear'); // the input of blocks.2
    expect(blockIn.lastUse).toBe(idx('blocks.2.add'));
  });

  it('runs depthwise in place: output in the expansion output buffer, with one input plane of scratch', () => {
    expect(a.bufferOf[tensor('blocks.2.depth_conv')]).toBe(a.bufferOf[tensor('blocks.2.inverted_bottleneck')]);
    const [, h, w] = g.tensors[tensor('blocks.2.inverted_bottleneck')].shape;
    expect(scratch('blocks.2.depth_conv')).toBe(h * w);
    // stride 2 too: the smaller output fills the head of the same buffer
    expect(a.bufferOf[tensor('blocks.3.depth_conv')]).toBe(a.bufferOf[tensor('blocks.3.inverted_bottleneck')]);
  });

  it('gives SE temporaries their own short-lived buffers and scales in place', () => {
    for (const t of ['blocks.4.se.pool', 'blocks.4.se.reduce', 'blocks.4.se.expand']) {
      const b = buf(t);
      expect(b.size).toBe(g.tensors[tensor(t)].bytes);
      expect(b.lastUse - b.firstUse).toBe(1);
    }
    expect(buf('blocks.4.se.expand').lastUse).toBe(idx('blocks.4.se.scale'));
    // The feature map stays live across the SE branch, and the multiply writes over it.
    expect(buf('blocks.4.depth_conv').lastUse).toBeGreaterThanOrEqual(idx('blocks.4.se.scale'));
    expect(a.bufferOf[tensor('blocks.4.se.scale')]).toBe(a.bufferOf[tensor('blocks.4.depth_conv')]);
  });

  it('gives the first 3x3 conv its im2col scratch (2 columns of 28 int16), pointwise convs none', () => {
    expect(scratch('first_conv')).toBe(112);
    expect(scratch('blocks.2.inverted_bottleneck')).toBe(0);
  });

  it('keeps the network output to the end and the input from the start', () => {
    expect(buf('classifier').lastUse).toBe(g.steps.length - 1);
    expect(buf('input')).toMatchObject({ firstUse: 0, lastUse: 0 });
  });
});

describe('lifetimes (cmsis-nn kernels)', () => {
  it('gives depthwise outputs their own buffer and CMSIS-NN scratch sizes', () => {
    const { a, scratch } = plan('cmsis-nn');
    expect(a.bufferOf[tensor('blocks.2.depth_conv')]).not.toBe(a.bufferOf[tensor('blocks.2.inverted_bottleneck')]);
    const c1 = g.tensors[tensor('blocks.1.inverted_bottleneck')].shape[3];
    const c2 = g.tensors[tensor('blocks.2.inverted_bottleneck')].shape[3];
    expect(scratch('blocks.1.depth_conv')).toBe(0); // 3x3, pad 1: arm_depthwise_conv_3x3_s8
    expect(scratch('blocks.2.depth_conv')).toBe(c2 * 25 * 2); // 5x5: s8_opt, C x 5 x 5 int16
    expect(scratch('blocks.4.se.pool')).toBe(g.tensors[tensor('blocks.4.depth_conv')].shape[3] * 4); // avgpool C x 4
    expect(c1).toBeGreaterThan(0);
    // Without DSP the s8_opt and avgpool paths take no buffer.
    expect(plan('cmsis-nn', false).scratch('blocks.2.depth_conv')).toBe(0);
  });
});
