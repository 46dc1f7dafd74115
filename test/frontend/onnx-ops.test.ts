// Each op and exporter idiom the ONNX importer claims, in a small model written the way exporters write
// it, imported and run by the float interpreter, and compared with onnxruntime running the same file.
import { describe, expect, it } from 'vitest';
import { importOnnx, irToOnnx, onnxToIr } from '../../src/frontend/onnx/index.ts';
import { runOnnx } from '../../src/oracle/onnxruntime.ts';
import { calibrate, dequantizeOutput, quantize, quantizeInput, runInt8 } from '../../src/quant/index.ts';
import { InputError } from '../../src/errors.ts';
import { buildModel, f, i, importVsOrt, ints, s, values, type Init, type ModelSpec } from './onnx-model-builder.ts';

const TOL = 1e-5;
const w = (name: string, dims: number[], seed: number, scale = 0.5): Init => ({ name, dims, data: values(dims.reduce((a, b) => a * b, 1), seed, scale) });
const scalar = (name: string, v: number): Init => ({ name, dims: [], data: [v] });
const i64 = (name: string, data: number[]): Init => ({ name, dims: [data.length], data, int64: true });

async function check(m: ModelSpec, seed = 7) {
  const bytes = buildModel(m);
  const inputs = m.inputs.map((x, k) => values(x.dims.reduce((a, b) => a * b, 1), seed + k, 2));
  const { imp, results } = await importVsOrt(bytes, inputs);
  for (const r of results) expect(r.rel).toBeLessThan(TOL);
  return imp.graph.ops.map((o) => ('activation' in o && o.activation !== 'none' ? `${o.kind}+${o.activation}` : o.kind));
}

describe('ONNX import of exporter idioms matches onnxruntime', () => {
  it('PyTorch 1.x flatten (Shape/Gather/Unsqueeze/Concat/Reshape) of an NCHW map into Gemm(transB, alpha, beta), then Softmax', async () => {
    const kinds = await check({
      opset: 11,
      inputs: [{ name: 'x', dims: [1, 3, 6, 6] }],
      outputs: ['y'],
      inits: [w('cw', [4, 3, 3, 3], 1), w('cb', [4], 2), w('gw', [5, 144], 3, 0.2), w('gb', [5], 4), i64('minus1', [-1])],
      nodes: [
        { op: 'Conv', inputs: ['x', 'cw', 'cb'], outputs: ['c'], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) } },
        { op: 'Relu', inputs: ['c'], outputs: ['r'] },
        { op: 'Shape', inputs: ['r'], outputs: ['sh'] },
        { op: 'Constant', inputs: [], outputs: ['zero'], attrs: { value: { t: { name: '', dims: [], data: [0], int64: true } } } },
        { op: 'Gather', inputs: ['sh', 'zero'], outputs: ['n'], attrs: { axis: i(0) } },
        { op: 'Unsqueeze', inputs: ['n'], outputs: ['n1'], attrs: { axes: ints([0]) } },
        { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['shape'], attrs: { axis: i(0) } },
        { op: 'Reshape', inputs: ['r', 'shape'], outputs: ['flat'] },
        { op: 'Gemm', inputs: ['flat', 'gw', 'gb'], outputs: ['g'], attrs: { transB: i(1), alpha: f(0.5), beta: f(2) } },
        { op: 'Softmax', inputs: ['g'], outputs: ['y'], attrs: { axis: i(1) } },
      ],
    });
    expect(kinds).toEqual(['conv2d+relu', 'fully_connected', 'softmax']);
  });

  it('CNTK style: bias-less Conv + Add, SAME_UPPER, MaxPool, reshaped MatMul weight + Add, initializers listed as inputs (opset 8)', async () => {
    const kinds = await check({
      opset: 8,
      initsAsInputs: true,
      inputs: [{ name: 'x', dims: [1, 1, 8, 8] }],
      outputs: ['y'],
      inits: [w('cw', [4, 1, 3, 3], 5), w('cb', [4, 1, 1], 6), w('mw', [4, 2, 2, 3], 7, 0.3), i64('s1', [1, -1]), i64('s2', [16, 3]), w('mb', [1, 3], 8)],
      nodes: [
        { op: 'Conv', inputs: ['x', 'cw'], outputs: ['c'], attrs: { kernel_shape: ints([3, 3]), auto_pad: s('SAME_UPPER'), strides: ints([1, 1]) } },
        { op: 'Add', inputs: ['c', 'cb'], outputs: ['cb_out'] },
        { op: 'Relu', inputs: ['cb_out'], outputs: ['r'] },
        { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: ints([4, 4]), strides: ints([4, 4]), pads: ints([0, 0, 0, 0]) } },
        { op: 'Reshape', inputs: ['p', 's1'], outputs: ['flat'] },
        { op: 'Reshape', inputs: ['mw', 's2'], outputs: ['mw2'] },
        { op: 'MatMul', inputs: ['flat', 'mw2'], outputs: ['mm'] },
        { op: 'Add', inputs: ['mm', 'mb'], outputs: ['y'] },
      ],
    });
    expect(kinds).toEqual(['conv2d+relu', 'max_pool', 'fully_connected']);
  });

  it('hard-sigmoid idioms (Add 3, Relu, Clip 0..6, Div 6 / Mul 1/6) fuse into the conv; x * relu6(x + 3) / 6 is a hard-swish', async () => {
    const kinds = await check({
      opset: 13,
      inputs: [{ name: 'x', dims: [1, 4, 5, 5] }],
      outputs: ['y'],
      inits: [w('w1', [4, 4, 1, 1], 9), w('b1', [4], 10), w('w2', [4, 4, 1, 1], 11), scalar('three', 3), scalar('zero', 0), scalar('six', 6), scalar('sixth', 1 / 6)],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { kernel_shape: ints([1, 1]) } },
        { op: 'Add', inputs: ['c1', 'three'], outputs: ['a1'] },
        { op: 'Relu', inputs: ['a1'], outputs: ['r1'] },
        { op: 'Clip', inputs: ['r1', 'zero', 'six'], outputs: ['k1'] },
        { op: 'Div', inputs: ['k1', 'six'], outputs: ['h1'] },
        { op: 'Conv', inputs: ['h1', 'w2'], outputs: ['c2'], attrs: { kernel_shape: ints([1, 1]) } },
        { op: 'Add', inputs: ['c2', 'three'], outputs: ['a2'] },
        { op: 'Clip', inputs: ['a2', 'zero', 'six'], outputs: ['k2'] },
        { op: 'Mul', inputs: ['k2', 'sixth'], outputs: ['h2'] },
        { op: 'Add', inputs: ['h2', 'three'], outputs: ['a3'] },
        { op: 'Clip', inputs: ['a3', 'zero', 'six'], outputs: ['k3'] },
        { op: 'Mul', inputs: ['h2', 'k3'], outputs: ['m3'] },
        { op: 'Div', inputs: ['m3', 'six'], outputs: ['y'] },
      ],
    });
    expect(kinds).toEqual(['conv2d+hardsigmoid', 'conv2d+hardsigmoid', 'hard_swish']);
  });

  it('HardSigmoid(1/6, 1/2) and x * HardSigmoid(x), HardSwish (opset 14), Clip attribute form (opset 9 style) as relu6', async () => {
    const common = { inputs: [{ name: 'x', dims: [1, 3, 4, 4] }], outputs: ['y'], inits: [w('w1', [3, 3, 3, 3], 12), w('w2', [3, 1, 3, 3], 13)] };
    expect(
      await check({
        ...common,
        opset: 14,
        nodes: [
          { op: 'Conv', inputs: ['x', 'w1'], outputs: ['c'], attrs: { pads: ints([1, 1, 1, 1]) } },
          { op: 'HardSigmoid', inputs: ['c'], outputs: ['g'], attrs: { alpha: f(1 / 6), beta: f(0.5) } },
          { op: 'Mul', inputs: ['c', 'g'], outputs: ['m'] },
          { op: 'Conv', inputs: ['m', 'w2'], outputs: ['d'], attrs: { group: i(3), pads: ints([0, 0, 2, 2]) } },
          { op: 'HardSwish', inputs: ['d'], outputs: ['y'] },
        ],
      }),
    ).toEqual(['conv2d', 'hard_swish', 'conv2d', 'hard_swish']);
    expect(
      await check({
        ...common,
        opset: 9,
        nodes: [
          { op: 'Conv', inputs: ['x', 'w1'], outputs: ['c'], attrs: { pads: ints([1, 1, 1, 1]) } },
          { op: 'Clip', inputs: ['c'], outputs: ['y'], attrs: { min: f(0), max: f(6) } },
        ],
      }),
    ).toEqual(['conv2d+relu6']);
  });

  it('Sigmoid: a standalone sigmoid op (float); int8 through the TFLite fixed-point logistic table within one output step of onnxruntime', async () => {
    const spec: ModelSpec = {
      opset: 13,
      inputs: [{ name: 'x', dims: [1, 3, 5, 5] }],
      outputs: ['y'],
      inits: [w('w1', [4, 3, 3, 3], 40), w('b1', [4], 41)],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c'], attrs: { pads: ints([1, 1, 1, 1]) } },
        { op: 'Sigmoid', inputs: ['c'], outputs: ['y'] },
      ],
    };
    expect(await check(spec)).toEqual(['conv2d', 'sigmoid']);
    // int8: the own quantizer fixes the output at 1/256, -128 and builds TFLite's table.
    const bytes = buildModel(spec);
    const x = values(75, 7, 2);
    const imp = importOnnx(bytes, { source: 'sigmoid.onnx' });
    const ort = (await runOnnx(bytes, [{ dims: imp.inputs[0].dims, data: x }]))[0].data;
    const g = imp.graph;
    const xIr = onnxToIr(x, imp.inputs[0]);
    const q = quantize(g, calibrate(g, [xIr]));
    const sig = q.ops.findIndex((o) => o.kind === 'sigmoid');
    expect(q.tensors[q.ops[sig].outputs[0]].quant).toEqual({ scale: [1 / 256], zeroPoint: [-128] });
    const y = irToOnnx(dequantizeOutput(q, runInt8(q, quantizeInput(q, xIr)).outputs[0]), imp.outputs[0]);
    // The pre-activation's int8 error (half a step, often a whole one after the conv) through a slope <= 1/4, plus an output step.
    const inScale = q.tensors[q.ops[sig].inputs[0]].quant!.scale[0];
    const worst = y.reduce((m, v, k) => Math.max(m, Math.abs(v - ort[k])), 0);
    expect(worst).toBeLessThanOrEqual(inScale / 4 + 1 / 256 + 1e-6);
  });

  it('BatchNormalization folds into its conv, and stands alone (a depthwise 1x1 conv) after a pool', async () => {
    const bn = (p: string, seed: number): Init[] => [
      w(`${p}s`, [4], seed),
      w(`${p}b`, [4], seed + 1),
      w(`${p}m`, [4], seed + 2),
      { name: `${p}v`, dims: [4], data: Array.from(values(4, seed + 3), (v) => 1 + Math.abs(v)) },
    ];
    const graph = await check({
      opset: 9,
      inputs: [{ name: 'x', dims: [1, 2, 6, 6] }],
      outputs: ['y'],
      inits: [w('cw', [4, 2, 3, 3], 20), ...bn('a', 21), ...bn('b', 30)],
      nodes: [
        { op: 'Conv', inputs: ['x', 'cw'], outputs: ['c'], attrs: { strides: ints([2, 2]), auto_pad: s('SAME_LOWER') } },
        { op: 'BatchNormalization', inputs: ['c', 'as', 'ab', 'am', 'av'], outputs: ['n'], attrs: { epsilon: f(1e-3) } },
        { op: 'AveragePool', inputs: ['n'], outputs: ['p'], attrs: { kernel_shape: ints([2, 2]), pads: ints([1, 1, 1, 1]), count_include_pad: i(1) } },
        { op: 'BatchNormalization', inputs: ['p', 'bs', 'bb', 'bm', 'bv'], outputs: ['y'] },
      ],
    });
    expect(graph).toEqual(['conv2d', 'pad', 'avg_pool', 'conv2d']);
    const imp = importOnnx(
      buildModel({ opset: 9, inputs: [{ name: 'x', dims: [1, 2, 6, 6] }], outputs: ['n'], inits: [w('cw', [4, 2, 3, 3], 20), ...bn('a', 21)], nodes: [
        { op: 'Conv', inputs: ['x', 'cw'], outputs: ['c'] },
        { op: 'BatchNormalization', inputs: ['c', 'as', 'ab', 'am', 'av'], outputs: ['n'] },
      ] }),
    );
    expect(imp.graph.ops[0]).toMatchObject({ kind: 'conv2d', foldedBatchNorm: true });
  });

  it('NHWC input transposed by the model (TF converters), Pad with a value, Sub/Div/Mul by constants, Concat, ceil-mode MaxPool', async () => {
    const kinds = await check({
      opset: 11,
      inputs: [{ name: 'x', dims: [1, 7, 7, 3] }],
      outputs: ['y'],
      inits: [w('cw', [3, 3, 3, 3], 40), i64('pads', [0, 0, 1, 2, 0, 0, 2, 1]), scalar('pv', 0.25), w('mean', [1, 3, 1, 1], 41), scalar('two', 2), w('gain', [3, 1, 1], 42)],
      nodes: [
        { op: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: { perm: ints([0, 3, 1, 2]) } },
        { op: 'Sub', inputs: ['t', 'mean'], outputs: ['s'] },
        { op: 'Div', inputs: ['s', 'two'], outputs: ['d'] },
        { op: 'Pad', inputs: ['d', 'pads', 'pv'], outputs: ['p'] },
        { op: 'Conv', inputs: ['p', 'cw'], outputs: ['c'] },
        { op: 'Mul', inputs: ['c', 'gain'], outputs: ['g'] },
        { op: 'Relu', inputs: ['g'], outputs: ['r'] },
        { op: 'Concat', inputs: ['r', 'c'], outputs: ['cat'], attrs: { axis: i(1) } },
        { op: 'MaxPool', inputs: ['cat'], outputs: ['y'], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]), ceil_mode: i(1) } },
      ],
    });
    expect(kinds).toEqual(['conv2d', 'pad', 'conv2d', 'conv2d+relu', 'concat', 'max_pool']);
  });

  it('ReduceMean over H then W (the lab SE), keepdims 0, Squeeze/Unsqueeze, Dropout and Identity, GlobalAveragePool', async () => {
    const kinds = await check({
      opset: 11,
      inputs: [{ name: 'x', dims: [1, 6, 5, 4] }],
      outputs: ['y', 'z'],
      inits: [w('fw', [3, 6], 50), w('fb', [3], 51), w('sw', [6, 6, 1, 1], 52)],
      nodes: [
        { op: 'ReduceMean', inputs: ['x'], outputs: ['m1'], attrs: { axes: ints([3]), keepdims: i(0) } },
        { op: 'ReduceMean', inputs: ['m1'], outputs: ['m2'], attrs: { axes: ints([-1]), keepdims: i(0) } },
        { op: 'Dropout', inputs: ['m2'], outputs: ['dr'] },
        { op: 'Gemm', inputs: ['dr', 'fw', 'fb'], outputs: ['g'], attrs: { transB: i(1) } },
        { op: 'Identity', inputs: ['g'], outputs: ['y'] },
        { op: 'GlobalAveragePool', inputs: ['x'], outputs: ['gp'] },
        { op: 'Squeeze', inputs: ['gp'], outputs: ['sq'], attrs: { axes: ints([2, 3]) } },
        { op: 'Unsqueeze', inputs: ['sq'], outputs: ['un'], attrs: { axes: ints([2, 3]) } },
        { op: 'Conv', inputs: ['un', 'sw'], outputs: ['sc'] },
        { op: 'Mul', inputs: ['x', 'sc'], outputs: ['z'] },
      ],
    });
    expect(kinds).toEqual(['global_avg_pool', 'fully_connected', 'global_avg_pool', 'conv2d', 'mul']);
  });
});

describe('ONNX import refuses what the IR cannot take, naming the node', () => {
  const base = { inputs: [{ name: 'x', dims: [1, 2, 4, 4] }], outputs: ['y'] };
  const fails = (m: ModelSpec) => {
    try {
      importOnnx(buildModel(m), { source: 'm.onnx' });
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
    throw new Error('expected an InputError');
  };

  it('an unknown op: file, position, name and op type', () => {
    const msg = fails({ ...base, nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['a'] }, { op: 'Erf', name: 'Foo_3', inputs: ['a'], outputs: ['y'] }] });
    expect(msg).toBe('m.onnx: node #1 "Foo_3" (op Erf) is not supported');
    expect(fails({ ...base, nodes: [{ op: 'QLinearConv', name: 'q', inputs: ['x'], outputs: ['y'] }] })).toMatch(/node #0 "q" \(op QLinearConv\) is not supported: quantized ONNX operators/);
    expect(fails({ ...base, nodes: [{ op: 'constructor', name: 'c', inputs: ['x'], outputs: ['y'] }] })).toMatch(/\(op constructor\) is not supported/);
  });

  it('names with C syntax and control characters are shown escaped', () => {
    const msg = fails({ ...base, nodes: [{ op: 'Erf', name: '*/ #include <x>\n"', inputs: ['x'], outputs: ['y'] }] });
    expect(msg).toBe('m.onnx: node #0 "*/ #include <x>\\n\\"" (op Erf) is not supported');
  });

  it('cycles, dangling reads, Clip ranges, dilations, a second activation operand of MatMul', () => {
    expect(fails({ ...base, nodes: [{ op: 'Add', inputs: ['x', 'b'], outputs: ['a'] }, { op: 'Relu', inputs: ['a'], outputs: ['b'] }, { op: 'Relu', inputs: ['b'], outputs: ['y'] }] })).toMatch(/cycle/);
    expect(fails({ ...base, nodes: [{ op: 'Relu', inputs: ['nope'], outputs: ['y'] }] })).toMatch(/reads "nope", which no node produces/);
    expect(fails({ ...base, opset: 9, nodes: [{ op: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { min: f(-1), max: f(1) } }] })).toMatch(/Clip\(-1, 1\) is not supported/);
    expect(fails({ ...base, nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: ints([2, 2]), dilations: ints([2, 2]) } }] })).toMatch(/\(op MaxPool\): dilations \[2, 2\] are not supported on MaxPool/);
    expect(fails({ ...base, inits: [w('cw', [2, 2, 3, 3], 1)], nodes: [{ op: 'Conv', inputs: ['x', 'cw'], outputs: ['y'], attrs: { dilations: ints([0, 2]) } }] })).toMatch(/\(op Conv\): attribute dilations \[0, 2\] must hold positive sizes/);
    expect(fails({ inputs: [{ name: 'x', dims: [1, 4] }, { name: 'z', dims: [4, 4] }], outputs: ['y'], nodes: [{ op: 'MatMul', inputs: ['x', 'z'], outputs: ['y'] }] })).toMatch(/must be a constant/);
  });

  it('absurd sizes are refused before allocation', () => {
    expect(fails({ inputs: [{ name: 'x', dims: [1, 2 ** 31, 4, 4] }], outputs: ['y'], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] })).toMatch(/dimension 2147483648 is out of range/);
    expect(fails({ ...base, inits: [{ name: 'cw', dims: [2 ** 20, 2 ** 20], data: [1] }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] })).toMatch(/more than 16777216 elements/);
    expect(fails({ ...base, inits: [{ name: 'cw', dims: [2, 2], data: [1, 2, 3] }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] })).toMatch(/holds 3 values, shape \[2, 2\] needs 4/);
  });
});
