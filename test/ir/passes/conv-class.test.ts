// The one conv classification: the planner's step kind and the int8 kernel the lowering picks follow it.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Conv2dOp, type Graph } from '../../../src/ir/index.ts';
import { convClass, convClassOf } from '../../../src/ir/passes/conv-class.ts';
import { stepsFromIr } from '../../../src/schedule/from-ir.ts';

const none = { top: 0, left: 0, bottom: 0, right: 0 };
const one = { top: 1, left: 1, bottom: 1, right: 1 };

/** One conv of `cin` -> `cout` channels with the given kernel and groups on a 1x6x6xCin input. */
function oneConv(cin: number, cout: number, k: number, groups: number): { g: Graph; op: Conv2dOp } {
  const b = new GraphBuilder('one');
  const x = b.input('x', [1, 6, 6, cin]);
  const w = b.constant('w', [cout, k, k, cin / groups], new Float32Array(cout * k * k * (cin / groups)));
  const y = b.op({ kind: 'conv2d', name: 'c', inputs: [x, w], kernel: [k, k], stride: [1, 1], padding: k === 3 ? one : none, groups, activation: 'none' }, 'y');
  b.output(y);
  const g = b.build();
  return { g, op: g.ops[0] as Conv2dOp };
}

describe('conv classification', () => {
  it.each([
    // [cin, cout, kernel, groups, class]
    [8, 8, 3, 8, 'depthwise'],
    [8, 8, 1, 8, 'depthwise'], // a 1x1 depthwise is depthwise, not pointwise
    [8, 16, 3, 8, 'conv'], // channel multiplier 2: groups = Cin but Cout != Cin
    [8, 16, 1, 1, 'pointwise'],
    [8, 16, 3, 1, 'conv'],
    [8, 8, 1, 2, 'conv'], // grouped 1x1 that is not depthwise
    [3, 16, 3, 1, 'conv'],
  ] as const)('Cin %i -> Cout %i, kernel %i, groups %i: %s', (cin, cout, k, groups, want) => {
    const { g, op } = oneConv(cin, cout, k, groups);
    expect(convClass(g, op)).toBe(want);
    expect(convClassOf(op, cin, cout)).toBe(want);
    // The planner reads the same class (its name for a plain conv is 'conv2d').
    expect(stepsFromIr(g).steps[0].kind).toBe(want === 'conv' ? 'conv2d' : want);
  });
});
