import { describe, expect, it } from 'vitest';
import { lowerArch } from '../../src/frontend/arch-to-ir.ts';
import { convsWithBatchNorm, labParams } from '../../src/ir/cost.ts';
import { uniformStream } from '../../src/random/seeded-random.ts';
import { checkGraph, graphMacs, isConstant, type Graph } from '../../src/ir/index.ts';
import { profileArch } from '../../src/predict/efficiency.ts';
import { largestArch, smallestArch } from '../../src/space/sample.ts';
import { labVectors } from '../helpers/shared.ts';

const vectors = labVectors();
const op = (g: Graph, name: string) => g.ops.find((o) => o.name === name);
const shapeOf = (g: Graph, name: string) => g.tensors.find((t) => t.name === name)?.shape;

describe('lowering matches the lab for every vector', () => {
  it.each(vectors.map((v, i) => [i, v.kind, v] as const))('vector %i (%s): products = macs_pure, lab params = params, graph valid', (_i, _k, v) => {
    const g = lowerArch(v.config, { weights: 'elided' });
    expect(checkGraph(g)).toEqual([]);
    expect(graphMacs(g)).toBe(v.macs_pure);
    expect(labParams(g)).toBe(v.params);
    // and agrees with the analytic counter the search uses
    expect(graphMacs(g)).toBe(profileArch(v.config).macsPure);
  });

  it('seeded weights give the same counts as the shape-only graph', () => {
    const v = vectors[20];
    const g = lowerArch(v.config, { seed: 1 });
    expect(checkGraph(g)).toEqual([]);
    expect(graphMacs(g)).toBe(v.macs_pure);
    expect(labParams(g)).toBe(v.params);
  });
});

describe('topology', () => {
  // smallest @96: d = 0 everywhere -> 1 + 2 + 2 + 2 + 2 + 1 = 10 stage blocks after blocks.0.
  const g = lowerArch(smallestArch(96), { weights: 'elided' });

  it('has the lab stem, fused first block, feature mix and classifier', () => {
    expect(g.ops[0]).toMatchObject({ name: 'first_conv', kind: 'conv2d', kernel: [3, 3], stride: [2, 2], activation: 'relu6', foldedBatchNorm: true });
    expect(shapeOf(g, 'first_conv')).toEqual([1, 48, 48, 16]);
    expect(g.ops[1]).toMatchObject({ name: 'blocks.0.point_linear', kernel: [1, 1], activation: 'none' });
    expect(shapeOf(g, 'blocks.0.point_linear')).toEqual([1, 48, 48, 8]);
    expect(op(g, 'blocks.0.add')).toBeUndefined();
    expect(g.ops.at(-3)).toMatchObject({ name: 'feature_mix_layer', activation: 'relu6' });
    expect(shapeOf(g, 'feature_mix_layer')).toEqual([1, 3, 3, 384]);
    expect(g.ops.at(-2)?.kind).toBe('global_avg_pool');
    expect(g.ops.at(-1)).toMatchObject({ name: 'classifier', kind: 'fully_connected' });
    expect(g.tensors[g.outputs[0]].shape).toEqual([1, 2]);
    expect(op(g, 'blocks.10.point_linear')).toBeDefined();
    expect(op(g, 'blocks.11.point_linear')).toBeUndefined();
  });

  it('builds inverted bottleneck, depthwise with stride on slot 0, and residuals only on slot >= 1', () => {
    // blocks.1 = stage 0 slot 0 (stride 2, no SE), blocks.2 = stage 1 slot 0, blocks.3 = stage 1 slot 1.
    expect(op(g, 'blocks.1.inverted_bottleneck')).toMatchObject({ activation: 'relu6', groups: 1 });
    expect(op(g, 'blocks.1.depth_conv')).toMatchObject({ stride: [2, 2], groups: 24, activation: 'relu6' });
    expect(shapeOf(g, 'blocks.1.depth_conv')).toEqual([1, 24, 24, 24]);
    expect(op(g, 'blocks.1.add')).toBeUndefined();
    expect(op(g, 'blocks.1.se.pool')).toBeUndefined();
    expect(op(g, 'blocks.2.se.pool')).toBeUndefined(); // stage 1 slot 0 has no SE
    expect(op(g, 'blocks.2.add')).toBeUndefined();
    expect(op(g, 'blocks.3.add')).toBeDefined();
    expect(op(g, 'blocks.3.depth_conv')).toMatchObject({ stride: [1, 1] });
    // stage 3 has stride 1 but changes width, so its slot 0 (blocks.6) still has no shortcut.
    expect(op(g, 'blocks.6.depth_conv')).toMatchObject({ stride: [1, 1] });
    expect(op(g, 'blocks.6.add')).toBeUndefined();
    expect(op(g, 'blocks.10.add')).toBeUndefined(); // stage 5: one block
  });

  it('composes SE from pool, two biased 1x1 convs, hard-sigmoid and a channel multiply', () => {
    // blocks.3: stage 1 slot 1, cin 24, e 3 -> mid 72, se_mid = 24 // 4 = 6.
    const names = g.ops.map((o) => o.name).filter((n) => n.startsWith('blocks.3.'));
    expect(names).toEqual([
      'blocks.3.inverted_bottleneck',
      'blocks.3.depth_conv',
      'blocks.3.se.pool',
      'blocks.3.se.reduce',
      'blocks.3.se.expand',
      'blocks.3.se.scale',
      'blocks.3.point_linear',
      'blocks.3.add',
    ]);
    expect(op(g, 'blocks.3.se.reduce')).toMatchObject({ activation: 'relu6' });
    expect(op(g, 'blocks.3.se.reduce')).not.toHaveProperty('foldedBatchNorm');
    expect(op(g, 'blocks.3.se.expand')).toMatchObject({ activation: 'hardsigmoid' });
    expect(shapeOf(g, 'blocks.3.se.reduce.weight')).toEqual([6, 1, 1, 72]);
    expect(shapeOf(g, 'blocks.3.se.expand.bias')).toEqual([72]);
    expect(shapeOf(g, 'blocks.3.se.scale')).toEqual([1, 12, 12, 72]);
    expect(op(g, 'blocks.3.se.scale')?.inputs.map((i) => g.tensors[i].name)).toEqual(['blocks.3.depth_conv', 'blocks.3.se.expand']);
    expect(op(g, 'blocks.3.add')?.inputs.map((i) => g.tensors[i].name)).toEqual(['blocks.3.point_linear', 'blocks.2.point_linear']);
  });

  it('marks every conv but the SE ones as BN-folded', () => {
    const bn = convsWithBatchNorm(g);
    const convs = g.ops.filter((o) => o.kind === 'conv2d').map((o) => o.name);
    expect(convs.filter((n) => !bn.includes(n)).every((n) => /\.se\.(reduce|expand)$/.test(n))).toBe(true);
    expect(bn.length).toBe(2 + 3 * 10 + 1);
  });

  it('elided graphs carry no weight data but still know their constants', () => {
    const consts = g.tensors.filter(isConstant);
    expect(consts.length).toBeGreaterThan(0);
    expect(consts.every((t) => t.data === undefined && t.elided)).toBe(true);
  });
});

describe('seeded weights', () => {
  const cfg = smallestArch(112);
  const dataOf = (g: Graph, name: string) => g.tensors.find((t) => t.name === name)!.data as Float32Array;

  it('the same seed gives the same weights, another seed different ones', () => {
    const a = lowerArch(cfg, { seed: 7 });
    const b = lowerArch(cfg, { seed: 7 });
    const c = lowerArch(cfg, { seed: 8 });
    for (const t of a.tensors.filter((t) => t.data)) expect(dataOf(b, t.name)).toEqual(t.data);
    expect(dataOf(c, 'blocks.3.depth_conv.weight')).not.toEqual(dataOf(a, 'blocks.3.depth_conv.weight'));
  });

  it("a layer's weights do not depend on which other blocks are active", () => {
    const deeper = { ...cfg, d: [2, 2, 2, 2, 2, 2] as typeof cfg.d };
    expect(dataOf(lowerArch(deeper, { seed: 3 }), 'first_conv.weight')).toEqual(dataOf(lowerArch(cfg, { seed: 3 }), 'first_conv.weight'));
  });

  it('accepts a caller-supplied uniform source', () => {
    const a = lowerArch(cfg, { random: uniformStream(5, 'mine') });
    const b = lowerArch(cfg, { random: uniformStream(5, 'mine') });
    expect(dataOf(a, 'classifier.weight')).toEqual(dataOf(b, 'classifier.weight'));
  });

  it('has He-scaled, finite weights and small folded biases', () => {
    const g = lowerArch(largestArch(96), { seed: 1 });
    for (const t of g.tensors) if (t.data) expect(t.data.every(Number.isFinite)).toBe(true);
    const std = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    // depthwise 7x7: fan_in 49 -> He std sqrt(2/49) ~ 0.202, times a BN scale near 1
    const dw = dataOf(g, 'blocks.1.depth_conv.weight');
    expect(std(dw)).toBeGreaterThan(0.16);
    expect(std(dw)).toBeLessThan(0.25);
    const bias = dataOf(g, 'blocks.1.depth_conv.bias');
    expect(Math.max(...bias.map(Math.abs))).toBeLessThan(0.5);
    // classifier: U(-1/sqrt(384), 1/sqrt(384))
    expect(Math.max(...dataOf(g, 'classifier.weight').map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(384));
  });
});
