// A small float ONNX model with dilated convolutions (dense, depthwise, strided) and its inputs, shared by
// test/frontend/dilation.test.ts (import, interpreters, host C) and test/e2e/dilation-qemu.test.ts (QEMU).
import { buildModel, ints, values, type Init, type ModelSpec } from './onnx-model-builder.ts';

export const w = (name: string, dims: number[], seed: number, scale = 0.4): Init => ({ name, dims, data: values(dims.reduce((a, b) => a * b, 1), seed, scale) });
export const DIMS = [1, 3, 16, 16];

/** Dense 3x3 dilation 2 (pads 2), depthwise 3x3 dilation [2, 3] (pads keep the size), dense 3x3 stride 2 dilation [1, 2] (asymmetric pads), 1x1. */
export const SPEC: ModelSpec = {
  inputs: [{ name: 'x', dims: DIMS }],
  outputs: ['y'],
  inits: [w('w1', [8, 3, 3, 3], 1), w('b1', [8], 2, 0.1), w('w2', [8, 1, 3, 3], 3), w('b2', [8], 4, 0.1), w('w3', [8, 8, 3, 3], 5, 0.2), w('b3', [8], 6, 0.1), w('w4', [4, 8, 1, 1], 7), w('b4', [4], 8, 0.1)],
  nodes: [
    { op: 'Conv', name: 'dense_d2', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { kernel_shape: ints([3, 3]), pads: ints([2, 2, 2, 2]), dilations: ints([2, 2]) } },
    { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
    { op: 'Conv', name: 'dw_d2x3', inputs: ['r1', 'w2', 'b2'], outputs: ['c2'], attrs: { kernel_shape: ints([3, 3]), group: { i: 8 }, pads: ints([2, 3, 2, 3]), dilations: ints([2, 3]) } },
    { op: 'Relu', inputs: ['c2'], outputs: ['r2'] },
    { op: 'Conv', name: 'dense_s2_d1x2', inputs: ['r2', 'w3', 'b3'], outputs: ['c3'], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 2, 1, 1]), dilations: ints([1, 2]) } },
    { op: 'Relu', inputs: ['c3'], outputs: ['r3'] },
    { op: 'Conv', name: 'pw', inputs: ['r3', 'w4', 'b4'], outputs: ['y'], attrs: { kernel_shape: ints([1, 1]) } },
  ],
};
export const DILATED_ONNX = buildModel(SPEC);
/** Five NCHW inputs in [-1, 1). */
export const dilatedInputs = [11, 12, 13, 14, 15].map((k) => values(DIMS.reduce((a, b) => a * b, 1), k, 1));
