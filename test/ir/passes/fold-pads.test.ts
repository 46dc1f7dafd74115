// PAD folding as an IR pass: a zero pad read only by a conv's input becomes conv padding, with the same
// values (checked against the unfolded graph in the float interpreter); anything else stays.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, validateGraph, type Conv2dOp, type Graph } from '../../../src/ir/index.ts';
import { foldPads, foldPadsTraced } from '../../../src/ir/passes/fold-pads.ts';
import { runFloat } from '../../../src/quant/float-interpreter.ts';

const pads = (top: number, bottom: number, left: number, right: number) => ({ top, bottom, left, right });
const vals = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.9 + seed));

/** x [1,5,5,2] -> pad -> 3x3 conv (its own padding 1 on the left/top) [-> a second reader of the pad]. */
function padConv(opts: { value?: number; secondReader?: boolean; padIsOutput?: boolean } = {}): Graph {
  const b = new GraphBuilder('pc');
  const x = b.input('x', [1, 5, 5, 2]);
  const p = b.op({ kind: 'pad', name: 'pad', inputs: [x], padding: pads(1, 2, 0, 1), value: opts.value ?? 0 }, 'pad.out');
  const w = b.constant('w', [3, 3, 3, 2], vals(54, 1));
  const c = b.op({ kind: 'conv2d', name: 'conv', inputs: [p, w], kernel: [3, 3], stride: [2, 2], padding: pads(1, 0, 1, 0), groups: 1, activation: 'none' }, 'conv.out');
  const outs = [c];
  if (opts.secondReader) outs.push(b.op({ kind: 'max_pool', name: 'pool', inputs: [p], kernel: [1, 1], stride: [1, 1], padding: pads(0, 0, 0, 0) }, 'pool.out'));
  if (opts.padIsOutput) outs.push(p);
  b.output(...outs);
  return b.build();
}

describe('foldPads', () => {
  it('adds the pad to the conv padding, drops the pad and its tensor, and computes the same values', () => {
    const g = padConv();
    const { graph: f, folded } = foldPadsTraced(g);
    expect(folded).toEqual([{ pad: 0, conv: 1 }]);
    expect(f.ops.map((o) => o.kind)).toEqual(['conv2d']);
    expect((f.ops[0] as Conv2dOp).padding).toEqual(pads(2, 2, 1, 1));
    expect(f.tensors.map((t) => t.name)).toEqual(['x', 'w', 'conv.out']);
    expect(f.tensors.every((t, i) => t.id === i)).toBe(true);
    expect(f.ops[0].inputs).toEqual([0, 1]);
    validateGraph(f);
    const x = vals(50, 3);
    expect(runFloat(f, [x]).outputs[0]).toEqual(runFloat(g, [x]).outputs[0]);
  });

  it('keeps a pad with a nonzero value, one with another reader, and one that is a graph output', () => {
    for (const opts of [{ value: 0.5 }, { secondReader: true }, { padIsOutput: true }]) {
      const g = padConv(opts);
      expect(foldPads(g)).toBe(g);
    }
  });
});
