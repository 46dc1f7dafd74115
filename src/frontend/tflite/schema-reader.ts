// Reads a .tflite file (schema v3) into plain records: subgraph 0's tensors, operators (with the
// builtin options of the ops the importer maps), inputs and outputs, and the constant buffers. Every
// offset and length is checked against the file (flatbuffer-view.ts); everything the later stages
// index with (tensor, buffer and opcode indices, shape entries) is checked here, so a malformed file
// stops with an InputError naming the field, never with a stray exception.
import { FlatView, type TableRef } from './flatbuffer-view.ts';
import {
  Builtin,
  builtinName,
  FUSED_ACTIVATIONS,
  OptionsType,
  tensorTypeName,
  type FusedActivation,
  type TfliteModel,
  type TfliteOperator,
  type TfliteOptions,
  type TflitePadding,
  type TfliteQuantization,
  type TfliteTensor,
} from './schema.ts';

/** Shape entries and ranks beyond these are refused before anything is sized from them. */
export const MAX_RANK = 8;
export const MAX_DIM = 1 << 24;

interface OpCode {
  readonly builtin: number;
  readonly customCode?: string;
  readonly version: number;
}

function readOpCode(v: FlatView, t: TableRef): OpCode {
  // OperatorCode: 0 deprecated_builtin_code:byte, 1 custom_code:string, 2 version:int = 1, 3 builtin_code:int32.
  const deprecated = v.scalarI8(t, 0, 'deprecated_builtin_code');
  const extended = v.scalarI32(t, 3, 'builtin_code');
  // Old writers fill only the byte field, new ones both (the byte saturating at 127): take the larger.
  const builtin = Math.max(deprecated, extended);
  if (builtin < 0) v.fail(t.path, `builtin code ${builtin} is negative`);
  const customCode = builtin === Builtin.CUSTOM ? v.string(t, 1, 'custom_code') : undefined;
  return { builtin, version: v.scalarI32(t, 2, 'version', 1), ...(customCode !== undefined ? { customCode } : {}) };
}

function readQuantization(v: FlatView, t: TableRef): TfliteQuantization | undefined {
  // QuantizationParameters: 0 min, 1 max, 2 scale:[float], 3 zero_point:[long], 4/5 details (union), 6 quantized_dimension:int.
  const scale = v.f32s(v.vector(t, 2, 'scale', 4));
  const zeroPoint = v.i64s(v.vector(t, 3, 'zero_point', 8));
  if (v.scalarU8(t, 4, 'details_type') !== 0) v.fail(t.path, 'custom quantization details are not supported');
  if (scale.length === 0 && zeroPoint.length === 0) return undefined;
  return { scale, zeroPoint, quantizedDimension: v.scalarI32(t, 6, 'quantized_dimension') };
}

function readTensor(v: FlatView, t: TableRef, index: number, bufferCount: number): TfliteTensor {
  // Tensor: 0 shape:[int], 1 type:byte, 2 buffer:uint, 3 name:string, 4 quantization, 5 is_variable, 6 sparsity.
  const shape = v.i32s(v.vector(t, 0, 'shape', 4));
  if (shape.length > MAX_RANK) v.fail(`${t.path}.shape`, `rank ${shape.length} exceeds ${MAX_RANK}`);
  shape.forEach((d, i) => {
    if (d < 1 || d > MAX_DIM) v.fail(`${t.path}.shape[${i}]`, `dimension ${d} is not in [1, ${MAX_DIM}]`);
  });
  const typeCode = v.scalarI8(t, 1, 'type');
  const buffer = v.scalarU32(t, 2, 'buffer');
  if (buffer >= bufferCount) v.fail(`${t.path}.buffer`, `buffer ${buffer} does not exist (the model has ${bufferCount})`);
  const q = v.table(t, 4, 'quantization');
  const quantization = q ? readQuantization(v, q) : undefined;
  const name = v.string(t, 3, 'name', `tensor_${index}`);
  return {
    index,
    name,
    shape,
    typeCode,
    type: tensorTypeName(typeCode),
    buffer,
    ...(quantization ? { quantization } : {}),
    isVariable: v.scalarBool(t, 5, 'is_variable'),
    sparse: v.has(t, 6),
  };
}

function activationOf(v: FlatView, t: TableRef, id: number): FusedActivation {
  const code = v.scalarI8(t, id, 'fused_activation_function');
  const a = FUSED_ACTIVATIONS[code];
  if (a === undefined) v.fail(`${t.path}.fused_activation_function`, `unknown activation ${code}`);
  return a;
}

function paddingOf(v: FlatView, t: TableRef): TflitePadding {
  const code = v.scalarI8(t, 0, 'padding');
  if (code !== 0 && code !== 1) v.fail(`${t.path}.padding`, `unknown padding ${code}`);
  return code === 0 ? 'SAME' : 'VALID';
}

/** The options table the op's builtin code calls for, checked against the union's type tag. */
function readOptions(v: FlatView, op: TableRef, builtin: number): TfliteOptions {
  // Operator: 3 builtin_options_type:ubyte, 4 builtin_options (union value).
  const tag = v.scalarU8(op, 3, 'builtin_options_type');
  const want = (expected: number): TableRef | undefined => {
    if (tag === OptionsType.NONE) return undefined; // all fields at their defaults
    if (tag !== expected) v.fail(`${op.path}.builtin_options_type`, `${builtinName(builtin)} needs options type ${expected}, got ${tag}`);
    return v.table(op, 4, 'builtin_options');
  };
  const i32 = (t: TableRef | undefined, id: number, name: string, dflt = 0) => (t ? v.scalarI32(t, id, name, dflt) : dflt);
  const act = (t: TableRef | undefined, id: number) => (t ? activationOf(v, t, id) : 'NONE');
  const pad = (t: TableRef | undefined) => (t ? paddingOf(v, t) : 'SAME');
  switch (builtin) {
    case Builtin.CONV_2D: {
      // Conv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 fused_activation_function, 4 dilation_w_factor = 1, 5 dilation_h_factor = 1.
      const t = want(OptionsType.Conv2DOptions);
      return { kind: 'conv', padding: pad(t), strideW: i32(t, 1, 'stride_w'), strideH: i32(t, 2, 'stride_h'), activation: act(t, 3), dilationW: i32(t, 4, 'dilation_w_factor', 1), dilationH: i32(t, 5, 'dilation_h_factor', 1) };
    }
    case Builtin.DEPTHWISE_CONV_2D: {
      // DepthwiseConv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 depth_multiplier, 4 fused_activation_function, 5/6 dilation w/h = 1.
      const t = want(OptionsType.DepthwiseConv2DOptions);
      return {
        kind: 'depthwise',
        padding: pad(t),
        strideW: i32(t, 1, 'stride_w'),
        strideH: i32(t, 2, 'stride_h'),
        depthMultiplier: i32(t, 3, 'depth_multiplier'),
        activation: act(t, 4),
        dilationW: i32(t, 5, 'dilation_w_factor', 1),
        dilationH: i32(t, 6, 'dilation_h_factor', 1),
      };
    }
    case Builtin.AVERAGE_POOL_2D:
    case Builtin.MAX_POOL_2D: {
      // Pool2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 filter_width, 4 filter_height, 5 fused_activation_function.
      const t = want(OptionsType.Pool2DOptions);
      return { kind: 'pool', padding: pad(t), strideW: i32(t, 1, 'stride_w'), strideH: i32(t, 2, 'stride_h'), filterW: i32(t, 3, 'filter_width'), filterH: i32(t, 4, 'filter_height'), activation: act(t, 5) };
    }
    case Builtin.FULLY_CONNECTED: {
      // FullyConnectedOptions: 0 fused_activation_function, 1 weights_format, 2 keep_num_dims.
      const t = want(OptionsType.FullyConnectedOptions);
      return { kind: 'fully_connected', activation: act(t, 0), weightsFormat: t ? v.scalarI8(t, 1, 'weights_format') : 0, keepNumDims: t ? v.scalarBool(t, 2, 'keep_num_dims') : false };
    }
    case Builtin.SOFTMAX: {
      // SoftmaxOptions: 0 beta:float.
      const t = want(OptionsType.SoftmaxOptions);
      return { kind: 'softmax', beta: t ? v.scalarF32(t, 0, 'beta') : 0 };
    }
    case Builtin.CONCATENATION: {
      // ConcatenationOptions: 0 axis, 1 fused_activation_function.
      const t = want(OptionsType.ConcatenationOptions);
      return { kind: 'concat', axis: i32(t, 0, 'axis'), activation: act(t, 1) };
    }
    case Builtin.ADD:
    case Builtin.MUL: {
      // AddOptions / MulOptions: 0 fused_activation_function.
      const t = want(builtin === Builtin.ADD ? OptionsType.AddOptions : OptionsType.MulOptions);
      return { kind: 'activation', activation: act(t, 0) };
    }
    case Builtin.RESHAPE: {
      // ReshapeOptions: 0 new_shape:[int] (the shape may instead come as the op's second input).
      const t = want(OptionsType.ReshapeOptions);
      if (!t || !v.has(t, 0)) return { kind: 'reshape' };
      const vec = v.vector(t, 0, 'new_shape', 4);
      if (vec.length > MAX_RANK) v.fail(vec.path, `rank ${vec.length} exceeds ${MAX_RANK}`);
      return { kind: 'reshape', newShape: v.i32s(vec) };
    }
    case Builtin.MEAN: {
      // ReducerOptions: 0 keep_dims:bool.
      const t = want(OptionsType.ReducerOptions);
      return { kind: 'reducer', keepDims: t ? v.scalarBool(t, 0, 'keep_dims') : false };
    }
    default:
      return { kind: 'none' };
  }
}

function readIndices(v: FlatView, t: TableRef, id: number, name: string, limit: number, allowOmitted: boolean): number[] {
  const vec = v.vector(t, id, name, 4);
  const out = v.i32s(vec);
  out.forEach((x, i) => {
    if ((x === -1 && allowOmitted) || (x >= 0 && x < limit)) return;
    v.fail(`${vec.path}[${i}]`, `tensor index ${x} is out of range (the subgraph has ${limit} tensors)`);
  });
  return out;
}

function readOperator(v: FlatView, t: TableRef, index: number, codes: readonly OpCode[], tensorCount: number): TfliteOperator {
  // Operator: 0 opcode_index:uint, 1 inputs:[int], 2 outputs:[int], 3/4 builtin_options, 5 custom_options.
  const opcodeIndex = v.scalarU32(t, 0, 'opcode_index');
  const code = codes[opcodeIndex];
  if (!code) v.fail(`${t.path}.opcode_index`, `opcode ${opcodeIndex} does not exist (the model has ${codes.length})`);
  const inputs = readIndices(v, t, 1, 'inputs', tensorCount, true);
  const outputs = readIndices(v, t, 2, 'outputs', tensorCount, false);
  return {
    index,
    builtin: code.builtin,
    opName: code.builtin === Builtin.CUSTOM ? `CUSTOM(${code.customCode ?? ''})` : builtinName(code.builtin),
    ...(code.customCode !== undefined ? { customCode: code.customCode } : {}),
    version: code.version,
    inputs,
    outputs,
    options: readOptions(v, t, code.builtin),
  };
}

function readBuffer(v: FlatView, t: TableRef): Uint8Array {
  // Buffer: 0 data:[ubyte], 1 offset:ulong, 2 size:ulong (schema 3c: data outside the flatbuffer when offset > 1).
  const data = v.vector(t, 0, 'data', 1);
  if (data.length > 0) return v.bytes.subarray(data.start, data.start + data.length);
  const offset = v.scalarU64(t, 1, 'offset');
  const size = v.scalarU64(t, 2, 'size');
  if (offset > 1) {
    v.check(offset, size, `${t.path}.offset`);
    return v.bytes.subarray(offset, offset + size);
  }
  return new Uint8Array(0);
}

/** Parses the file. `file` names it in error messages. */
export function readTfliteModel(bytes: Uint8Array, file: string): TfliteModel {
  const v = new FlatView(bytes, file);
  if (bytes.length < 8) v.fail('file', `${bytes.length} bytes is too short for a FlatBuffer`);
  const id = v.identifier();
  if (id !== 'TFL3') v.fail('file identifier', `expected "TFL3", got ${JSON.stringify(id)} (not a TFLite model?)`);
  const model = v.root('model');
  // Model: 0 version:uint, 1 operator_codes, 2 subgraphs, 3 description, 4 buffers.
  const version = v.scalarU32(model, 0, 'version');
  if (version !== 3) v.fail('model.version', `schema version ${version} is not supported (expected 3)`);

  const codesVec = v.vector(model, 1, 'operator_codes', 4);
  const codes: OpCode[] = [];
  for (let i = 0; i < codesVec.length; i++) codes.push(readOpCode(v, v.tableIn(codesVec, i)));

  const buffersVec = v.vector(model, 4, 'buffers', 4);
  const buffers: Uint8Array[] = [];
  for (let i = 0; i < buffersVec.length; i++) buffers.push(readBuffer(v, v.tableIn(buffersVec, i)));

  const subgraphs = v.vector(model, 2, 'subgraphs', 4);
  if (subgraphs.length === 0) v.fail('model.subgraphs', 'the model has no subgraph');
  const sg = v.tableIn(subgraphs, 0);
  // SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators, 4 name.
  const tensorsVec = v.vector(sg, 0, 'tensors', 4);
  const tensors: TfliteTensor[] = [];
  for (let i = 0; i < tensorsVec.length; i++) tensors.push(readTensor(v, v.tableIn(tensorsVec, i), i, buffers.length));
  const inputs = readIndices(v, sg, 1, 'inputs', tensors.length, false);
  const outputs = readIndices(v, sg, 2, 'outputs', tensors.length, false);
  const opsVec = v.vector(sg, 3, 'operators', 4);
  const operators: TfliteOperator[] = [];
  for (let i = 0; i < opsVec.length; i++) operators.push(readOperator(v, v.tableIn(opsVec, i), i, codes, tensors.length));

  return { file, version, description: v.string(model, 3, 'description'), tensors, operators, inputs, outputs, buffers, subgraphCount: subgraphs.length };
}
