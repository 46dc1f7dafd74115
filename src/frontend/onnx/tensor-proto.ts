// TensorProto (initializers, Constant values, test-data .pb files) to typed arrays. Every size is
// checked against the file's own byte counts and the limits before anything is allocated.
import { InputError } from '../../errors.ts';
import { MAX_DIM, MAX_RANK, MAX_TENSOR_ELEMENTS, MAX_TOTAL_CONSTANT_ELEMENTS } from './limits.ts';
import { int64, onnx, type Int64, type TensorProto } from './proto.ts';

/** A constant as the importer holds it: float values in float32, integer and bool values as exact doubles. */
export interface ConstTensor {
  readonly dims: readonly number[];
  readonly dtype: 'float' | 'int';
  readonly data: Float32Array | Float64Array;
  /** The ONNX data type as stored (TensorProto.DataType), when read from a file: QDQ tells int8 from uint8 by it. */
  readonly elemType?: number;
}

const T = onnx.TensorProto.DataType;

/** Bytes per element in raw_data, and whether the type holds integers. */
const ELEMENT: Record<number, { bytes: number; kind: 'float' | 'int'; name: string }> = {
  [T.FLOAT]: { bytes: 4, kind: 'float', name: 'float32' },
  [T.DOUBLE]: { bytes: 8, kind: 'float', name: 'float64' },
  [T.FLOAT16]: { bytes: 2, kind: 'float', name: 'float16' },
  [T.INT8]: { bytes: 1, kind: 'int', name: 'int8' },
  [T.UINT8]: { bytes: 1, kind: 'int', name: 'uint8' },
  [T.INT16]: { bytes: 2, kind: 'int', name: 'int16' },
  [T.UINT16]: { bytes: 2, kind: 'int', name: 'uint16' },
  [T.INT32]: { bytes: 4, kind: 'int', name: 'int32' },
  [T.UINT32]: { bytes: 4, kind: 'int', name: 'uint32' },
  [T.INT64]: { bytes: 8, kind: 'int', name: 'int64' },
  [T.UINT64]: { bytes: 8, kind: 'int', name: 'uint64' },
  [T.BOOL]: { bytes: 1, kind: 'int', name: 'bool' },
};

export function dataTypeName(t: number): string {
  return ELEMENT[t]?.name ?? (t === T.STRING ? 'string' : `data type ${t}`);
}

/** Counts constant elements across a model so that many medium tensors cannot add up to too much. */
export class ElementBudget {
  private used = 0;
  constructor(private readonly limit = MAX_TOTAL_CONSTANT_ELEMENTS) {}
  take(n: number, what: string): void {
    this.used += n;
    if (this.used > this.limit) throw new InputError(`${what}: constants exceed ${this.limit} elements in total`);
  }
}

/** Checks dims (each an integer in [0, MAX_DIM], rank <= MAX_RANK, product <= MAX_TENSOR_ELEMENTS); returns them and the element count. */
export function checkDims(raw: readonly Int64[], what: string, minDim = 0): { dims: number[]; count: number } {
  if (raw.length > MAX_RANK) throw new InputError(`${what}: rank ${raw.length} is more than ${MAX_RANK}`);
  const dims: number[] = [];
  let count = 1;
  for (const r of raw) {
    const d = int64(r);
    if (!Number.isSafeInteger(d) || d < minDim || d > MAX_DIM) throw new InputError(`${what}: dimension ${d} is out of range (${minDim} to ${MAX_DIM})`);
    dims.push(d);
    count *= d;
    if (count > MAX_TENSOR_ELEMENTS) throw new InputError(`${what}: shape [${raw.map(int64).join(', ')}] has more than ${MAX_TENSOR_ELEMENTS} elements`);
  }
  return { dims, count };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function fromRaw(raw: Uint8Array, type: number, n: number): Float32Array | Float64Array {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (type === T.FLOAT) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = v.getFloat32(4 * i, true);
    return out;
  }
  const read: (i: number) => number =
    type === T.DOUBLE ? (i) => v.getFloat64(8 * i, true)
    : type === T.FLOAT16 ? (i) => halfToFloat(v.getUint16(2 * i, true))
    : type === T.INT8 ? (i) => v.getInt8(i)
    : type === T.UINT8 || type === T.BOOL ? (i) => v.getUint8(i)
    : type === T.INT16 ? (i) => v.getInt16(2 * i, true)
    : type === T.UINT16 ? (i) => v.getUint16(2 * i, true)
    : type === T.INT32 ? (i) => v.getInt32(4 * i, true)
    : type === T.UINT32 ? (i) => v.getUint32(4 * i, true)
    : type === T.INT64 ? (i) => Number(v.getBigInt64(8 * i, true))
    : (i) => Number(v.getBigUint64(8 * i, true));
  const out = ELEMENT[type].kind === 'float' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = read(i);
  return out;
}

/** The typed field that holds this data type's values when raw_data is not used. */
function typedField(t: TensorProto, type: number): readonly (number | Int64)[] {
  if (type === T.FLOAT) return t.floatData ?? [];
  if (type === T.DOUBLE) return t.doubleData ?? [];
  if (type === T.INT64) return (t.int64Data ?? []) as Int64[];
  if (type === T.UINT32 || type === T.UINT64) return (t.uint64Data ?? []) as Int64[];
  return t.int32Data ?? []; // int8/16/32, uint8/16, bool, float16 (as bits)
}

/** Reads a TensorProto; `what` names it in errors (file and tensor). */
export function readTensorProto(t: TensorProto, what: string, budget?: ElementBudget): ConstTensor {
  const type = t.dataType ?? 0;
  const el = ELEMENT[type];
  if (!el) throw new InputError(`${what}: ${dataTypeName(type)} tensors are not supported`);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0)
    throw new InputError(`${what}: external tensor data is not supported (save the model with its weights inside)`);
  if (t.segment) throw new InputError(`${what}: segmented tensors are not supported`);
  const { dims, count } = checkDims((t.dims ?? []) as Int64[], what);
  budget?.take(count, what);
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== count * el.bytes)
      throw new InputError(`${what}: raw_data has ${raw.length} bytes, shape [${dims.join(', ')}] of ${el.name} needs ${count * el.bytes}`);
    return { dims, dtype: el.kind, data: fromRaw(raw, type, count), elemType: type };
  }
  const field = typedField(t, type);
  if (field.length !== count) throw new InputError(`${what}: holds ${field.length} values, shape [${dims.join(', ')}] needs ${count}`);
  const out = el.kind === 'float' ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const x = field[i];
    const n = typeof x === 'number' ? x : int64(x as Int64);
    out[i] = type === T.FLOAT16 ? halfToFloat(n & 0xffff) : type === T.BOOL ? (n ? 1 : 0) : n;
  }
  return { dims, dtype: el.kind, data: out, elemType: type };
}
