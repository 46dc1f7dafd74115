// Constant tensor data out of a model's buffers: the byte count must match the shape exactly (which also
// bounds every allocation by the file size), and the bytes are copied so that typed arrays are aligned
// whatever the buffer's offset in the file. TFLite stores data little-endian, as every target here is.
import { elementCount } from '../../ir/tensors.ts';
import { show } from '../../errors.ts';
import type { TfliteModel, TfliteTensor } from './schema.ts';

export type ConstantType = 'FLOAT32' | 'INT8' | 'INT32';
const BYTES: Record<ConstantType, number> = { FLOAT32: 4, INT8: 1, INT32: 4 };

/** True when the tensor has data in its buffer (weights, biases, shape operands). */
export function hasData(model: TfliteModel, t: TfliteTensor): boolean {
  return (model.buffers[t.buffer]?.length ?? 0) > 0;
}

/** The raw bytes' problem, or the typed data. */
export function constantData(model: TfliteModel, t: TfliteTensor, type: 'FLOAT32'): Float32Array | string;
export function constantData(model: TfliteModel, t: TfliteTensor, type: 'INT8'): Int8Array | string;
export function constantData(model: TfliteModel, t: TfliteTensor, type: 'INT32'): Int32Array | string;
export function constantData(model: TfliteModel, t: TfliteTensor, type: ConstantType): Float32Array | Int8Array | Int32Array | string {
  if (t.type !== type) return `tensor ${show(t.name, 80)} is ${t.type === 'OTHER' ? `type code ${t.typeCode}` : t.type}, expected ${type}`;
  const bytes = model.buffers[t.buffer];
  const n = elementCount(t.shape);
  if (!bytes || bytes.length !== n * BYTES[type])
    return `tensor ${show(t.name, 80)} needs ${n * BYTES[type]} bytes of data for shape [${t.shape.join(', ')}], buffer ${t.buffer} has ${bytes?.length ?? 0}`;
  const copy = bytes.slice().buffer;
  return type === 'FLOAT32' ? new Float32Array(copy) : type === 'INT8' ? new Int8Array(copy) : new Int32Array(copy);
}

/** Depthwise weights [1, KH, KW, C] (TFLite) to [C, KH, KW, 1] (the IR's OHWI with one input channel per group). */
export function depthwiseToOhwi<T extends Float32Array | Int8Array>(w: T, kh: number, kw: number, c: number): T {
  const out = new (w.constructor as new (n: number) => T)(w.length);
  for (let k = 0; k < kh * kw; k++) for (let ch = 0; ch < c; ch++) out[ch * kh * kw + k] = w[k * c + ch];
  return out;
}
