// The scale, zero point and axis of one QuantizeLinear / DequantizeLinear node, checked. uint8 is taken
// by shifting: q_u8 - 128 with zero point zp_u8 - 128 is the same real value in int8, so uint8 models
// (onnxruntime's default activation type) run on the int8 kernels unchanged.
import type { ImportContext, NodeView } from './context.ts';
import { onnx } from './proto.ts';
import { dataTypeName } from './tensor-proto.ts';

export type QdqType = 'int8' | 'uint8' | 'int32';

export interface QdqParams {
  readonly type: QdqType;
  /** One entry per tensor, or one per index of `axis`. */
  readonly scale: readonly number[];
  /** As stored (uint8 zero points in [0, 255]); see int8ZeroPoint. */
  readonly zeroPoint: readonly number[];
  /** The quantized axis of per-axis parameters (normalized); absent for per-tensor ones. */
  readonly axis?: number;
}

const T = onnx.TensorProto.DataType;
const RANGE: Record<QdqType, [number, number]> = { int8: [-128, 127], uint8: [0, 255], int32: [-0x80000000, 0x7fffffff] };

/** The QDQ type of an ONNX data type, or undefined for the ones we do not take (int16, int4, float8, ...). */
export function qdqType(elemType: number | undefined): QdqType | undefined {
  return elemType === T.INT8 ? 'int8' : elemType === T.UINT8 ? 'uint8' : elemType === T.INT32 ? 'int32' : undefined;
}

/** The shift that takes a stored value of `type` to int8 (uint8: -128). */
export function int8Shift(type: QdqType): number {
  return type === 'uint8' ? -128 : 0;
}

export function int8ZeroPoint(p: QdqParams, k = 0): number {
  return p.zeroPoint[k] + int8Shift(p.type);
}

/**
 * Reads inputs 1 (scale) and 2 (zero point) and the axis of Q/DQ node `n` whose input 0 has `dims`.
 * `valueType` is the integer type when known from input 0 (DQ); a Q takes it from its zero point
 * (uint8 when there is none, as ONNX says) or from output_dtype (opset 21).
 */
export function readQdqParams(ctx: ImportContext, n: NodeView, dims: readonly number[], valueType: QdqType | undefined): QdqParams {
  if (n.attrs.int('block_size', 0) !== 0) n.fail('blocked quantization (block_size) is not supported');
  if (!n.inputs[1]) n.fail('has no scale (input 1)');
  const s = ctx.constInput(n, 1, 'the scale');
  if (s.dtype !== 'float') n.fail('the scale must be a float tensor');
  if (s.dims.length > 1 || s.data.length === 0) n.fail(`the scale must be a scalar or a 1-D tensor, got [${s.dims.join(', ')}]`);
  const scale = Array.from(s.data);
  const bad = scale.find((v) => !(Number.isFinite(v) && v > 0));
  if (bad !== undefined) n.fail(`scale ${bad} must be positive and finite`);

  const zpName = n.inputs[2];
  const zp = zpName ? ctx.constInput(n, 2, 'the zero point') : undefined;
  let type = valueType;
  if (zp) {
    const zt = qdqType(zp.elemType);
    if (zp.elemType !== undefined && !zt) n.fail(`zero point type ${dataTypeName(zp.elemType)} is not supported (int8, uint8, int32 only)`);
    if (type && zt && zt !== type) n.fail(`zero point is ${zt}, the quantized value is ${type}`);
    type ??= zt;
  }
  const outType = n.op === 'QuantizeLinear' ? n.attrs.int('output_dtype', 0) : 0;
  if (outType !== 0) {
    const ot = qdqType(outType);
    if (!ot || ot === 'int32') n.fail(`output_dtype ${dataTypeName(outType)} is not supported (int8, uint8 only)`);
    if (type && type !== ot) n.fail(`output_dtype ${ot} disagrees with the zero point's ${type}`);
    type = ot;
  }
  type ??= 'uint8';
  if (n.op === 'QuantizeLinear' && type === 'int32') n.fail('quantizing to int32 is not supported (int8, uint8 only)');

  const zeroPoint = zp ? Array.from(zp.data) : scale.map(() => 0);
  if (zeroPoint.length !== scale.length) n.fail(`${scale.length} scales but ${zeroPoint.length} zero points`);
  const [lo, hi] = RANGE[type];
  const out = zeroPoint.find((z) => !Number.isInteger(z) || z < lo || z > hi);
  if (out !== undefined) n.fail(`zero point ${out} is out of range for ${type} (${lo} to ${hi})`);

  const perAxis = s.dims.length === 1 && scale.length > 1;
  if (!perAxis && !n.attrs.has('axis')) return { type, scale, zeroPoint };
  const rawAxis = n.attrs.int('axis', 1);
  const axis = rawAxis < 0 ? rawAxis + dims.length : rawAxis;
  if (!(axis >= 0 && axis < dims.length)) n.fail(`axis ${rawAxis} is out of range for an input of rank ${dims.length}`);
  if (!perAxis) return { type, scale, zeroPoint };
  if (dims[axis] !== scale.length) n.fail(`${scale.length} scales for axis ${axis} of size ${dims[axis]}`);
  return { type, scale, zeroPoint, axis };
}

/** Scale and int8 zero point of element i of a tensor of `dims` (per-axis parameters pick by index). */
export function paramsAt(p: QdqParams, dims: readonly number[]): (i: number) => { scale: number; zeroPoint: number } {
  if (p.axis === undefined) {
    const one = { scale: p.scale[0], zeroPoint: p.zeroPoint[0] };
    return () => one;
  }
  let inner = 1;
  for (let a = p.axis + 1; a < dims.length; a++) inner *= dims[a];
  const size = dims[p.axis];
  return (i) => {
    const k = Math.floor(i / inner) % size;
    return { scale: p.scale[k], zeroPoint: p.zeroPoint[k] };
  };
}

/** ONNX QuantizeLinear's rounding: half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** QuantizeLinear of constant float data (fake-quantized weights): stored values of p.type. */
export function quantizeConst(data: ArrayLike<number>, dims: readonly number[], p: QdqParams): Float64Array {
  const at = paramsAt(p, dims);
  const [lo, hi] = RANGE[p.type];
  return Float64Array.from({ length: data.length }, (_, i) => {
    const { scale, zeroPoint } = at(i);
    const q = roundHalfEven(Math.fround(data[i] / scale)) + zeroPoint;
    return q < lo ? lo : q > hi ? hi : q;
  });
}

/** DequantizeLinear of constant stored values: (q - zp) * scale in float32, as ONNX computes it. */
export function dequantizeConst(data: ArrayLike<number>, dims: readonly number[], p: QdqParams): Float32Array {
  const at = paramsAt(p, dims);
  return Float32Array.from({ length: data.length }, (_, i) => {
    const { scale, zeroPoint } = at(i);
    return Math.fround(data[i] - zeroPoint) * scale;
  });
}
