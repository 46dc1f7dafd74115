// Activation fusion as an IR pass: what it folds, what it must leave, and that the graph stays consistent.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, validateGraph, type Graph, type Op } from '../../../src/ir/index.ts';
import { fuseActivations } from '../../../src/ir/passes/fuse-activations.ts';
import { runFloat } from '../../../src/quant/float-interpreter.ts';

const none = { top: 0, left: 0, bottom: 0, right: 0 };
const vals = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + seed) * 0.8);

/** x -> conv 1x1 -> acts... (each op reading the previous), optionally a second reader of the conv's output. */
function chain(acts: ('relu' | 'relu6' | 'hard_sigmoid' | 'sigmoid')[], opts: { secondReader?: boolean; convIsOutput?: boolean } = {}): Graph {
  const b = new GraphBuilder('chain');
  const x = b.input('x', [1, 2, 2, 3]);
  const w = b.constant('w', [4, 1, 1, 3], vals(12, 1));
  const bias = b.constant('b', [4], vals(4, 2));
  let t = b.op({ kind: 'conv2d', name: 'conv', inputs: [x, w, bias], kernel: [1, 1], stride: [1, 1], padding: none, groups: 1, activation: 'none' }, 'conv.out');
  const conv = t;
  acts.forEach((a, k) => (t = b.op({ kind: a, name: `act${k}`, inputs: [t] }, `act${k}.out`)));
  const outs = [t];
  if (opts.secondReader) outs.push(b.op({ kind: 'max_pool', name: 'pool', inputs: [conv], kernel: [1, 1], stride: [1, 1], padding: none }, 'pool.out'));
  if (opts.convIsOutput) outs.push(conv);
  b.output(...outs);
  return b.build();
}

const kinds = (g: Graph) => g.ops.map((o: Op) => (o.kind === 'conv2d' ? `conv2d(${o.activation})` : o.kind));

describe('fuseActivations', () => {
  it('folds relu, relu6 and hard-sigmoid into the conv; the conv writes the activation output (its name), ids stay dense', () => {
    for (const [act, want] of [
      ['relu', 'relu'],
      ['relu6', 'relu6'],
      ['hard_sigmoid', 'hardsigmoid'],
    ] as const) {
      const g = chain([act]);
      const f = fuseActivations(g);
      expect(kinds(f)).toEqual([`conv2d(${want})`]);
      expect(f.tensors.map((t) => t.name)).toEqual(['x', 'w', 'b', 'act0.out']);
      expect(f.tensors.every((t, i) => t.id === i)).toBe(true);
      expect(f.outputs).toEqual([3]);
      validateGraph(f);
      // Same values as the unfused graph (an independent path: the float interpreter on both).
      const x = vals(12, 5);
      expect(runFloat(f, [x]).outputs[0]).toEqual(runFloat(g, [x]).outputs[0]);
    }
  });

  it('relu then relu6 becomes relu6; relu6 then relu stays two (the second is no clamp of the first)', () => {
    expect(kinds(fuseActivations(chain(['relu', 'relu6'])))).toEqual(['conv2d(relu6)']);
    expect(kinds(fuseActivations(chain(['relu6', 'relu'])))).toEqual(['conv2d(relu6)', 'relu']);
  });

  it('leaves the activation where the conv output has another reader, is a graph output, or the caller keeps it', () => {
    expect(kinds(fuseActivations(chain(['relu'], { secondReader: true })))).toEqual(['conv2d(none)', 'relu', 'max_pool']);
    expect(kinds(fuseActivations(chain(['relu'], { convIsOutput: true })))).toEqual(['conv2d(none)', 'relu']);
    expect(kinds(fuseActivations(chain(['relu']), (t) => t.name !== 'conv.out'))).toEqual(['conv2d(none)', 'relu']);
    // sigmoid is no fused activation of the IR.
    expect(kinds(fuseActivations(chain(['sigmoid'])))).toEqual(['conv2d(none)', 'sigmoid']);
  });

  it('returns the same graph when there is nothing to fuse, and never changes its input', () => {
    const g = chain(['sigmoid']);
    expect(fuseActivations(g)).toBe(g);
    const h = chain(['relu']);
    const before = JSON.stringify(h, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v));
    fuseActivations(h);
    expect(JSON.stringify(h, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v))).toBe(before);
  });
});
