// The parts of the TFLite schema (tensorflow/lite/schema/schema.fbs, file identifier "TFL3") this
// importer reads: enum values and the plain records the reader produces. Field ids of each table are
// written beside the reads in schema-reader.ts.

/** TensorType values (schema.fbs `enum TensorType : byte`). */
export const TENSOR_TYPE_NAMES: Record<number, string> = {
  0: 'FLOAT32',
  1: 'FLOAT16',
  2: 'INT32',
  3: 'UINT8',
  4: 'INT64',
  5: 'STRING',
  6: 'BOOL',
  7: 'INT16',
  8: 'COMPLEX64',
  9: 'INT8',
  10: 'FLOAT64',
  11: 'COMPLEX128',
  12: 'UINT64',
  13: 'RESOURCE',
  14: 'VARIANT',
  15: 'UINT32',
  16: 'UINT16',
  17: 'INT4',
};

export type TensorTypeName = 'FLOAT32' | 'INT32' | 'UINT8' | 'INT8' | 'OTHER';

/** The element types this importer can hold data of; every other type reads as OTHER (named in errors). */
export function tensorTypeName(code: number): TensorTypeName {
  switch (code) {
    case 0:
      return 'FLOAT32';
    case 2:
      return 'INT32';
    case 3:
      return 'UINT8';
    case 9:
      return 'INT8';
    default:
      return 'OTHER';
  }
}

/** BuiltinOperator values the importer maps (the enum is int32; names for every code it may meet come from BUILTIN_NAMES). */
export const Builtin = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU_N1_TO_1: 20,
  RELU6: 21,
  RESHAPE: 22,
  SOFTMAX: 25,
  CUSTOM: 32,
  PAD: 34,
  TRANSPOSE: 39,
  MEAN: 40,
  SQUEEZE: 43,
  QUANTIZE: 114,
  HARD_SWISH: 117,
  /** Codes below this fit the deprecated byte field of OperatorCode. */
  PLACEHOLDER_FOR_GREATER_OP_CODES: 127,
} as const;

/** Names of the builtin operators up to HARD_SWISH, for error messages about ops the importer does not take. */
const NAMES_0_TO_117 =
  'ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE EMBEDDING_LOOKUP FLOOR FULLY_CONNECTED ' +
  'HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION LSTM MAX_POOL_2D MUL RELU ' +
  'RELU_N1_TO_1 RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH CONCAT_EMBEDDINGS SKIP_GRAM CALL CUSTOM ' +
  'EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV ' +
  'SQUEEZE UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT LOG_SOFTMAX DELEGATE ' +
  'BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM ARG_MAX MINIMUM LESS NEG PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE ' +
  'SIN TRANSPOSE_CONV SPARSE_TO_DENSE TILE EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN FAKE_QUANT ' +
  'REDUCE_PROD REDUCE_MAX PACK LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ' +
  'ZEROS_LIKE FILL FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL ' +
  'REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND HARD_SWISH';
const BUILTIN_NAMES = NAMES_0_TO_117.split(' ');

/** `CONV_2D`, or `BUILTIN_150` for a code this table does not name. */
export function builtinName(code: number): string {
  return BUILTIN_NAMES[code] ?? `BUILTIN_${code}`;
}

/** BuiltinOptions union type ids (position in `union BuiltinOptions`, NONE = 0) of the option tables read here. */
export const OptionsType = {
  NONE: 0,
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  ReducerOptions: 27,
} as const;

/** ActivationFunctionType. TANH and SIGN_BIT are refused by the importer. */
export type FusedActivation = 'NONE' | 'RELU' | 'RELU_N1_TO_1' | 'RELU6' | 'TANH' | 'SIGN_BIT';
export const FUSED_ACTIVATIONS: readonly FusedActivation[] = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'];

export type TflitePadding = 'SAME' | 'VALID';

export interface TfliteQuantization {
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
  readonly quantizedDimension: number;
}

export interface TfliteTensor {
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  /** The raw TensorType code and its name (OTHER for types the importer does not hold). */
  readonly typeCode: number;
  readonly type: TensorTypeName;
  /** Index into Model.buffers; 0 is the empty sentinel. */
  readonly buffer: number;
  readonly quantization?: TfliteQuantization;
  readonly isVariable: boolean;
  readonly sparse: boolean;
}

/** Decoded builtin options of the ops the importer maps; other ops carry none. */
export type TfliteOptions =
  | { readonly kind: 'conv'; readonly padding: TflitePadding; readonly strideW: number; readonly strideH: number; readonly activation: FusedActivation; readonly dilationW: number; readonly dilationH: number }
  | {
      readonly kind: 'depthwise';
      readonly padding: TflitePadding;
      readonly strideW: number;
      readonly strideH: number;
      readonly depthMultiplier: number;
      readonly activation: FusedActivation;
      readonly dilationW: number;
      readonly dilationH: number;
    }
  | {
      readonly kind: 'pool';
      readonly padding: TflitePadding;
      readonly strideW: number;
      readonly strideH: number;
      readonly filterW: number;
      readonly filterH: number;
      readonly activation: FusedActivation;
    }
  | { readonly kind: 'fully_connected'; readonly activation: FusedActivation; readonly weightsFormat: number; readonly keepNumDims: boolean }
  | { readonly kind: 'softmax'; readonly beta: number }
  | { readonly kind: 'concat'; readonly axis: number; readonly activation: FusedActivation }
  | { readonly kind: 'activation'; readonly activation: FusedActivation }
  | { readonly kind: 'reshape'; readonly newShape?: readonly number[] }
  | { readonly kind: 'reducer'; readonly keepDims: boolean }
  | { readonly kind: 'none' };

export interface TfliteOperator {
  readonly index: number;
  /** The resolved builtin code: max(deprecated_builtin_code, builtin_code), as TFLite's GetBuiltinCode. */
  readonly builtin: number;
  readonly opName: string;
  /** Custom op name when builtin is CUSTOM. */
  readonly customCode?: string;
  readonly version: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly options: TfliteOptions;
}

export interface TfliteModel {
  readonly file: string;
  readonly version: number;
  readonly description: string;
  readonly tensors: readonly TfliteTensor[];
  readonly operators: readonly TfliteOperator[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  /** Raw bytes per buffer index (views into the file; empty for the sentinel and activations). */
  readonly buffers: readonly Uint8Array[];
  readonly subgraphCount: number;
}
