import { describe, expect, it } from 'vitest';
import {
  GraphBuilder,
  IrError,
  checkGraph,
  graphIndex,
  graphMacs,
  graphParams,
  inferOutputShapes,
  opMacs,
  tensorBytes,
  validateGraph,
  type Graph,
  type Op,
  type Tensor,
} from '../../src/ir/index.ts';

const pad = (p: number) => ({ top: p, left: p, bottom: p, right: p });
const f32 = (n: number) => new Float32Array(n);

/** input 1x8x8x4 -> conv3x3 s2 -> depthwise 3x3 -> SE (pool, reduce, expand, mul) -> add -> pool -> fc. */
function small(): Graph {
  const b = new GraphBuilder('small');
  const x = b.input('x', [1, 8, 8, 4]);
  const w1 = b.constant('c1.weight', [8, 3, 3, 4], f32(8 * 9 * 4));
  const b1 = b.constant('c1.bias', [8], f32(8));
  const c1 = b.op({ kind: 'conv2d', name: 'c1', inputs: [x, w1, b1], kernel: [3, 3], stride: [2, 2], padding: pad(1), groups: 1, activation: 'relu6' }, 'c1');
  const wd = b.constant('dw.weight', [8, 3, 3, 1], f32(72));
  const dw = b.op({ kind: 'conv2d', name: 'dw', inputs: [c1, wd], kernel: [3, 3], stride: [1, 1], padding: pad(1), groups: 8, activation: 'relu6' }, 'dw');
  const p = b.op({ kind: 'global_avg_pool', name: 'se.pool', inputs: [dw] }, 'se.pool');
  const wr = b.constant('se.reduce.weight', [2, 1, 1, 8], f32(16));
  const r = b.op({ kind: 'conv2d', name: 'se.reduce', inputs: [p, wr], kernel: [1, 1], stride: [1, 1], padding: pad(0), groups: 1, activation: 'relu6' }, 'se.reduce');
  const we = b.constant('se.expand.weight', [8, 1, 1, 2], f32(16));
  const e = b.op({ kind: 'conv2d', name: 'se.expand', inputs: [r, we], kernel: [1, 1], stride: [1, 1], padding: pad(0), groups: 1, activation: 'hardsigmoid' }, 'se.expand');
  const m = b.op({ kind: 'mul', name: 'se.scale', inputs: [dw, e], activation: 'none' }, 'se.scale');
  const a = b.op({ kind: 'add', name: 'add', inputs: [m, c1], activation: 'none' }, 'add');
  const g = b.op({ kind: 'global_avg_pool', name: 'pool', inputs: [a] }, 'pool');
  const wf = b.constant('fc.weight', [3, 8], f32(24));
  const bf = b.constant('fc.bias', [3], f32(3));
  const y = b.op({ kind: 'fully_connected', name: 'fc', inputs: [g, wf, bf], activation: 'none' }, 'fc');
  b.output(y);
  return b.build();
}

/** A copy of g with one op or tensor replaced; the broken graphs below are built this way. */
function withOp(g: Graph, name: string, change: (op: Op) => Op): Graph {
  return { ...g, ops: g.ops.map((o) => (o.name === name ? change(o) : o)) };
}
function withTensor(g: Graph, name: string, change: (t: Tensor) => Tensor): Graph {
  return { ...g, tensors: g.tensors.map((t) => (t.name === name ? change(t) : t)) };
}
const id = (g: Graph, name: string) => g.tensors.find((t) => t.name === name)!.id;

describe('shape inference', () => {
  it('gives NHWC outputs for the usual ops', () => {
    const g = small();
    const shape = (n: string) => g.tensors[id(g, n)].shape;
    expect(shape('c1')).toEqual([1, 4, 4, 8]); // 8x8, k3 s2 pad 1 -> 4x4
    expect(shape('se.pool')).toEqual([1, 1, 1, 8]);
    expect(shape('se.scale')).toEqual([1, 4, 4, 8]); // [1,1,1,8] gate broadcast over [1,4,4,8]
    expect(shape('fc')).toEqual([1, 3]);
  });

  it('handles asymmetric padding, pools, pad, reshape and concat', () => {
    const base = { inputs: [0], outputs: [1] };
    const conv = (stride: number, padding: { top: number; left: number; bottom: number; right: number }) =>
      inferOutputShapes({ kind: 'conv2d', name: 'c', ...base, inputs: [0, 1], kernel: [3, 3], stride: [stride, stride], padding, groups: 1, activation: 'none' }, [[1, 96, 96, 3], [8, 3, 3, 3]]);
    // TF 'SAME' with stride 2 on an even side pads 0 before and 1 after: 96 -> 48.
    expect(conv(2, { top: 0, left: 0, bottom: 1, right: 1 })).toEqual([[1, 48, 48, 8]]);
    expect(conv(1, pad(0))).toEqual([[1, 94, 94, 8]]);
    expect(inferOutputShapes({ kind: 'max_pool', name: 'p', ...base, kernel: [2, 2], stride: [2, 2], padding: pad(0) }, [[1, 7, 7, 5]])).toEqual([[1, 3, 3, 5]]);
    expect(inferOutputShapes({ kind: 'pad', name: 'p', ...base, padding: { top: 1, left: 0, bottom: 2, right: 3 }, value: 0 }, [[1, 4, 4, 2]])).toEqual([[1, 7, 7, 2]]);
    expect(inferOutputShapes({ kind: 'reshape', name: 'r', ...base, shape: [1, 32] }, [[1, 4, 4, 2]])).toEqual([[1, 32]]);
    expect(inferOutputShapes({ kind: 'concat', name: 'c', inputs: [0, 1], outputs: [2], axis: -1 }, [[1, 4, 4, 2], [1, 4, 4, 5]])).toEqual([[1, 4, 4, 7]]);
    expect(inferOutputShapes({ kind: 'softmax', name: 's', ...base }, [[1, 10]])).toEqual([[1, 10]]);
  });

  it('rejects mismatches with a reason', () => {
    const base = { name: 'x', inputs: [0, 1], outputs: [2] };
    expect(() => inferOutputShapes({ kind: 'add', ...base, activation: 'none' }, [[1, 4, 4, 8], [1, 4, 4, 3]])).toThrow(/do not broadcast/);
    expect(() =>
      inferOutputShapes({ kind: 'conv2d', ...base, kernel: [3, 3], stride: [1, 1], padding: pad(1), groups: 8, activation: 'none' }, [[1, 4, 4, 8], [8, 3, 3, 8]]),
    ).toThrow(/1 input channels per group|8 input channels per group, expected 1/);
    expect(() => inferOutputShapes({ kind: 'reshape', name: 'r', inputs: [0], outputs: [1], shape: [1, 30] }, [[1, 4, 4, 2]])).toThrow(IrError);
    expect(() => inferOutputShapes({ kind: 'fully_connected', ...base, activation: 'none' }, [[1, 9], [3, 8]])).toThrow(/9 features per item/);
  });
});

describe('counts', () => {
  it('counts conv and linear products, parameters and bytes', () => {
    const g = small();
    const macs = (n: string) => opMacs(g, g.ops.find((o) => o.name === n)!);
    expect(macs('c1')).toBe(4 * 4 * 8 * 3 * 3 * 4); // out elems x cin/groups x k^2
    expect(macs('dw')).toBe(4 * 4 * 8 * 9); // depthwise: cin/groups = 1
    expect(macs('se.reduce')).toBe(2 * 8);
    expect(macs('fc')).toBe(8 * 3);
    expect(macs('add') + macs('se.scale') + macs('pool')).toBe(0);
    expect(graphMacs(g)).toBe(4608 + 1152 + 16 + 16 + 24);
    expect(graphParams(g)).toBe(288 + 8 + 72 + 16 + 16 + 24 + 3);
    const c1 = g.tensors[id(g, 'c1')];
    expect(tensorBytes(c1)).toBe(128 * 4);
    expect(tensorBytes(c1, 'int8')).toBe(128);
  });

  it('derives producers and consumers', () => {
    const g = small();
    const ix = graphIndex(g);
    const c1 = id(g, 'c1');
    expect(ix.producer[c1]).toBe(0);
    expect(ix.consumers[c1].map((i) => g.ops[i].name)).toEqual(['dw', 'add']); // the residual keeps c1 alive
    expect(ix.producer[id(g, 'x')]).toBe(-1);
    expect(ix.producer[id(g, 'c1.weight')]).toBe(-1);
  });
});

describe('validateGraph', () => {
  it('accepts a well-formed graph', () => {
    expect(checkGraph(small())).toEqual([]);
    expect(() => validateGraph(small())).not.toThrow();
  });

  it('rejects an op whose declared output shape is wrong, naming the op', () => {
    const g = withTensor(small(), 'dw', (t) => ({ ...t, shape: [1, 4, 4, 9] }));
    expect(() => validateGraph(g)).toThrow(IrError);
    expect(checkGraph(g)[0]).toBe('op #1 "dw" (conv2d): output tensor "dw" is [1, 4, 4, 9], inputs give [1, 4, 4, 8]');
  });

  it('rejects bad input shapes, naming the op and its position', () => {
    const g = withTensor(small(), 'c1.weight', (t) => ({ ...t, shape: [8, 3, 3, 5], data: f32(360) }));
    expect(checkGraph(g)[0]).toMatch(/^op #0 "c1" \(conv2d\): weight \[8, 3, 3, 5\] has 5 input channels per group, expected 4/);
  });

  it('rejects ops out of execution order', () => {
    const g0 = small();
    const ops = g0.ops.slice();
    [ops[1], ops[2]] = [ops[2], ops[1]]; // se.pool before the dw that produces its input
    const msg = checkGraph({ ...g0, ops })[0];
    expect(msg).toBe('op #1 "se.pool" (global_avg_pool): reads tensor "dw" before op #2 "dw" (conv2d) produces it (ops must be in execution order, or the graph has a cycle)');
  });

  it('rejects a cycle', () => {
    // c1 reads the add's output, which depends on c1.
    const g0 = small();
    const g = withOp(g0, 'c1', (o) => ({ ...o, inputs: [id(g0, 'add'), ...o.inputs.slice(1)] }));
    const problems = checkGraph(g);
    expect(problems.some((p) => p.startsWith('op #0 "c1" (conv2d): reads tensor "add" before op #6 "add" (add) produces it'))).toBe(true);
    const self = withOp(g0, 'dw', (o) => ({ ...o, inputs: [id(g0, 'dw'), o.inputs[1]] }));
    expect(checkGraph(self)).toContain('op #1 "dw" (conv2d): reads its own output tensor "dw" (a cycle)');
  });

  it('rejects dangling tensors', () => {
    const g0 = small();
    // A tensor read by an op that nobody produces.
    const orphan: Tensor = { id: g0.tensors.length, name: 'ghost', shape: [1, 4, 4, 8], dtype: 'float32' };
    const g1 = withOp({ ...g0, tensors: [...g0.tensors, orphan] }, 'add', (o) => ({ ...o, inputs: [o.inputs[0], orphan.id] }));
    expect(checkGraph(g1)).toContain('op #6 "add" (add): reads tensor "ghost", which no op produces and is not a graph input');
    // An op result that nothing reads and is not a graph output.
    const g2 = { ...g0, outputs: [] };
    expect(checkGraph(g2)).toContain('op #8 "fc" (fully_connected): output tensor "fc" is never used (dangling tensor)');
    // A constant no op reads.
    const unused: Tensor = { id: g0.tensors.length, name: 'spare.weight', shape: [2], dtype: 'float32', data: f32(2) };
    expect(checkGraph({ ...g0, tensors: [...g0.tensors, unused] })).toEqual(['tensor "spare.weight" is not used by any op (dangling tensor)']);
  });

  it('rejects tensors written twice, bad data and bad quantization', () => {
    const g0 = small();
    const twice = withOp(g0, 'add', (o) => ({ ...o, outputs: [id(g0, 'se.scale')] }));
    expect(checkGraph(twice).some((p) => p.startsWith('op #6 "add" (add): writes tensor "se.scale", which already has a value'))).toBe(true);
    const badData = withTensor(g0, 'fc.bias', (t) => ({ ...t, data: new Int8Array(3) }));
    expect(checkGraph(badData)).toEqual(['tensor "fc.bias": data is a Int8Array, dtype is float32']);
    const badQuant = withTensor(g0, 'c1.weight', (t) => ({ ...t, quant: { scale: [0.1, 0.2], zeroPoint: [0, 0], axis: 0 } }));
    expect(checkGraph(badQuant)).toEqual(['tensor "c1.weight": 2 scales for 8 channels on axis 0']);
  });

  it('summarises several problems in one error line', () => {
    const g = withTensor(withTensor(small(), 'dw', (t) => ({ ...t, shape: [1, 4, 4, 9] })), 'fc', (t) => ({ ...t, shape: [1, 4] }));
    expect(() => validateGraph(g)).toThrow(/^graph "small": op #1 "dw" \(conv2d\): .* \(and \d+ more problems?\)$/);
  });
});

describe('GraphBuilder', () => {
  it('names the op that has a shape error as it is added', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', [1, 4, 4, 3]);
    const w = b.constant('w', [8, 3, 3, 4], f32(288));
    expect(() =>
      b.op({ kind: 'conv2d', name: 'stem', inputs: [x, w], kernel: [3, 3], stride: [1, 1], padding: pad(1), groups: 1, activation: 'none' }, 'stem'),
    ).toThrow('graph "g": op #0 "stem" (conv2d): weight [8, 3, 3, 4] has 4 input channels per group, expected 3 (input [1, 4, 4, 3], groups 1)');
    expect(() => b.input('x', [1])).toThrow(/tensor name "x" is used twice/);
  });
});
