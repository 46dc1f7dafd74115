// Writes small .tflite files for tests with flatbuffers' Builder, field ids as in schema.fbs (the same
// ones the reader uses, written here independently so a wrong id on one side shows up as a failing test).
import { Builder } from 'flatbuffers';

export const TensorType = { FLOAT32: 0, INT32: 2, UINT8: 3, INT8: 9 } as const;

export interface FixtureTensor {
  name: string;
  shape: number[];
  type: number;
  /** Constant data (little-endian bytes, or a typed array). */
  data?: Uint8Array | Int8Array | Int32Array | Float32Array;
  quant?: { scale: number[]; zeroPoint: number[]; dim?: number };
}

export interface FixtureOp {
  /** Written to builtin_code (int32) and, saturated at 127, to deprecated_builtin_code, unless `codeStyle` says otherwise. */
  builtin: number;
  codeStyle?: 'both' | 'deprecated-only' | 'extended-only';
  inputs: number[];
  outputs: number[];
  /** Union type id and a function writing the options table. */
  options?: { type: number; write: (b: Builder) => number };
}

export interface FixtureModel {
  tensors: FixtureTensor[];
  ops: FixtureOp[];
  inputs: number[];
  outputs: number[];
}

function int32Vector(b: Builder, v: readonly number[]): number {
  b.startVector(4, v.length, 4);
  for (let i = v.length - 1; i >= 0; i--) b.addInt32(v[i]);
  return b.endVector();
}

function floatVector(b: Builder, v: readonly number[]): number {
  b.startVector(4, v.length, 4);
  for (let i = v.length - 1; i >= 0; i--) b.addFloat32(v[i]);
  return b.endVector();
}

function int64Vector(b: Builder, v: readonly number[]): number {
  b.startVector(8, v.length, 8);
  for (let i = v.length - 1; i >= 0; i--) b.addInt64(BigInt(v[i]));
  return b.endVector();
}

function offsetVector(b: Builder, v: readonly number[]): number {
  b.startVector(4, v.length, 4);
  for (let i = v.length - 1; i >= 0; i--) b.addOffset(v[i]);
  return b.endVector();
}

function bytesOf(d: NonNullable<FixtureTensor['data']>): Uint8Array {
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

export function writeTflite(m: FixtureModel): Uint8Array {
  const b = new Builder(1024);
  // Buffers: 0 is the empty sentinel, then one per constant tensor.
  const bufferIndex: number[] = [];
  const bufferTables: number[] = [];
  const emptyBuffer = () => {
    b.startObject(3);
    return b.endObject();
  };
  bufferTables.push(emptyBuffer());
  for (const t of m.tensors) {
    if (!t.data) {
      bufferIndex.push(0);
      continue;
    }
    const data = b.createByteVector(bytesOf(t.data));
    b.startObject(3);
    b.addFieldOffset(0, data, 0);
    bufferTables.push(b.endObject());
    bufferIndex.push(bufferTables.length - 1);
  }
  const tensorTables = m.tensors.map((t, i) => {
    const name = b.createString(t.name);
    const shape = int32Vector(b, t.shape);
    let quant = 0;
    if (t.quant) {
      const scale = floatVector(b, t.quant.scale);
      const zp = int64Vector(b, t.quant.zeroPoint);
      b.startObject(7);
      b.addFieldOffset(2, scale, 0);
      b.addFieldOffset(3, zp, 0);
      b.addFieldInt32(6, t.quant.dim ?? 0, 0);
      quant = b.endObject();
    }
    b.startObject(6);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.type, 0);
    b.addFieldInt32(2, bufferIndex[i], 0);
    b.addFieldOffset(3, name, 0);
    if (quant) b.addFieldOffset(4, quant, 0);
    return b.endObject();
  });
  const codeTables = m.ops.map((op) => {
    b.startObject(4);
    const style = op.codeStyle ?? 'both';
    if (style !== 'extended-only') b.addFieldInt8(0, Math.min(op.builtin, 127), 0);
    if (style !== 'deprecated-only') b.addFieldInt32(3, op.builtin, 0);
    b.addFieldInt32(2, 1, 1);
    return b.endObject();
  });
  const opTables = m.ops.map((op, i) => {
    const inputs = int32Vector(b, op.inputs);
    const outputs = int32Vector(b, op.outputs);
    const options = op.options ? op.options.write(b) : 0;
    b.startObject(5);
    b.addFieldInt32(0, i, 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    if (op.options) {
      b.addFieldInt8(3, op.options.type, 0);
      b.addFieldOffset(4, options, 0);
    }
    return b.endObject();
  });
  const tensors = offsetVector(b, tensorTables);
  const inputs = int32Vector(b, m.inputs);
  const outputs = int32Vector(b, m.outputs);
  const operators = offsetVector(b, opTables);
  const sgName = b.createString('main');
  b.startObject(5);
  b.addFieldOffset(0, tensors, 0);
  b.addFieldOffset(1, inputs, 0);
  b.addFieldOffset(2, outputs, 0);
  b.addFieldOffset(3, operators, 0);
  b.addFieldOffset(4, sgName, 0);
  const subgraph = b.endObject();
  const codes = offsetVector(b, codeTables);
  const subgraphs = offsetVector(b, [subgraph]);
  const buffers = offsetVector(b, bufferTables);
  const description = b.createString('test fixture');
  b.startObject(5);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(1, codes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffers, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}

/** Conv2DOptions (union type 1): 0 padding (0 SAME, 1 VALID), 1 stride_w, 2 stride_h, 3 fused activation, 4 dilation_w_factor, 5 dilation_h_factor (default 1: not written). */
export function convOptions(padding: 'SAME' | 'VALID', stride: number, activation = 0, dilation: readonly [number, number] = [1, 1]) {
  return {
    type: 1,
    write: (b: Builder) => {
      b.startObject(6);
      b.addFieldInt8(0, padding === 'SAME' ? 0 : 1, 0);
      b.addFieldInt32(1, stride, 0);
      b.addFieldInt32(2, stride, 0);
      b.addFieldInt8(3, activation, 0);
      b.addFieldInt32(4, dilation[1], 1);
      b.addFieldInt32(5, dilation[0], 1);
      return b.endObject();
    },
  };
}

/** DepthwiseConv2DOptions (union type 2): 0 padding, 1 stride_w, 2 stride_h, 3 depth_multiplier, 4 fused activation, 5 dilation_w_factor, 6 dilation_h_factor. */
export function depthwiseOptions(padding: 'SAME' | 'VALID', stride: number, multiplier: number, activation = 0, dilation: readonly [number, number] = [1, 1]) {
  return {
    type: 2,
    write: (b: Builder) => {
      b.startObject(7);
      b.addFieldInt8(0, padding === 'SAME' ? 0 : 1, 0);
      b.addFieldInt32(1, stride, 0);
      b.addFieldInt32(2, stride, 0);
      b.addFieldInt32(3, multiplier, 0);
      b.addFieldInt8(4, activation, 0);
      b.addFieldInt32(5, dilation[1], 1);
      b.addFieldInt32(6, dilation[0], 1);
      return b.endObject();
    },
  };
}

/** AddOptions (union type 11) / MulOptions (21): 0 fused activation. */
export function activationOptions(type: 11 | 21, activation: number) {
  return {
    type,
    write: (b: Builder) => {
      b.startObject(1);
      b.addFieldInt8(0, activation, 0);
      return b.endObject();
    },
  };
}

/** ReducerOptions (union type 27): 0 keep_dims. */
export function reducerOptions(keepDims: boolean) {
  return {
    type: 27,
    write: (b: Builder) => {
      b.startObject(1);
      b.addFieldInt8(0, keepDims ? 1 : 0, 0);
      return b.endObject();
    },
  };
}
