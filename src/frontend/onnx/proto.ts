// Decoding ONNX protobuf messages (onnx-proto's generated protobufjs code) and reading their fields
// safely: int64 values arrive as Long objects and may be anything, so every integer goes through `int`.
import onnxProto from 'onnx-proto';
import { InputError } from '../../errors.ts';
import { MAX_MODEL_BYTES } from './limits.ts';

export const onnx = onnxProto.onnx;
export type ModelProto = onnxProto.onnx.ModelProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

/** An int64 as protobufjs gives it: a number, or a Long-like {low, high}. */
export type Int64 = number | { low: number; high: number; unsigned?: boolean } | null | undefined;

/** The integer value of an int64 field; Infinity-signed when it is beyond 2^53 (callers bound it). */
export function int64(v: Int64): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  const n = v.unsigned ? (v.high >>> 0) * 4294967296 + (v.low >>> 0) : v.high * 4294967296 + (v.low >>> 0);
  return Number.isSafeInteger(n) ? n : n > 0 ? Infinity : -Infinity;
}

/** Decodes a ModelProto; any protobuf error (truncation, bad wire type, deep nesting) becomes an InputError. */
export function decodeModel(bytes: Uint8Array, source: string): ModelProto {
  if (bytes.length > MAX_MODEL_BYTES) throw new InputError(`${source}: ${bytes.length} bytes is larger than the ${MAX_MODEL_BYTES}-byte limit`);
  if (bytes.length === 0) throw new InputError(`${source}: empty file, not an ONNX model`);
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new InputError(`${source}: not a valid ONNX model (${protobufReason(e)})`);
  }
}

export function decodeTensor(bytes: Uint8Array, source: string): TensorProto {
  if (bytes.length > MAX_MODEL_BYTES) throw new InputError(`${source}: ${bytes.length} bytes is larger than the ${MAX_MODEL_BYTES}-byte limit`);
  try {
    return onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new InputError(`${source}: not a valid ONNX TensorProto (${protobufReason(e)})`);
  }
}

function protobufReason(e: unknown): string {
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'messages nested too deeply';
  const m = e instanceof Error ? e.message : String(e);
  return m.length > 100 ? `${m.slice(0, 97)}...` : m;
}

/** A node's attributes by name, with typed getters that name the node in their errors. */
export class Attributes {
  private readonly byName = new Map<string, AttributeProto>();

  constructor(
    attrs: readonly AttributeProto[] | null | undefined,
    private readonly fail: (msg: string) => never,
  ) {
    for (const a of attrs ?? []) this.byName.set(a.name ?? '', a);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  private get(name: string, type: number, what: string): AttributeProto | undefined {
    const a = this.byName.get(name);
    if (!a) return undefined;
    // Old exporters leave `type` unset (0); trust the field then.
    if (a.type && a.type !== type) this.fail(`attribute ${name} must be ${what}`);
    return a;
  }

  int(name: string, dflt: number): number {
    const a = this.get(name, onnx.AttributeProto.AttributeType.INT, 'an integer');
    if (!a) return dflt;
    const v = int64(a.i as Int64);
    if (!Number.isSafeInteger(v)) this.fail(`attribute ${name} ${v} is out of range`);
    return v;
  }

  float(name: string, dflt: number): number {
    const a = this.get(name, onnx.AttributeProto.AttributeType.FLOAT, 'a float');
    return a ? (a.f ?? 0) : dflt;
  }

  ints(name: string): number[] | undefined {
    const a = this.get(name, onnx.AttributeProto.AttributeType.INTS, 'a list of integers');
    if (!a) return undefined;
    const list = (a.ints ?? []) as Int64[];
    if (list.length > 64) this.fail(`attribute ${name} has ${list.length} values, more than any supported op takes`);
    return list.map((x) => {
      const v = int64(x);
      if (!Number.isSafeInteger(v)) this.fail(`attribute ${name} holds ${v}, out of range`);
      return v;
    });
  }

  floats(name: string): number[] | undefined {
    const a = this.get(name, onnx.AttributeProto.AttributeType.FLOATS, 'a list of floats');
    return a ? [...(a.floats ?? [])] : undefined;
  }

  string(name: string, dflt: string): string {
    const a = this.get(name, onnx.AttributeProto.AttributeType.STRING, 'a string');
    if (!a) return dflt;
    return Buffer.from(a.s ?? new Uint8Array()).toString('utf8');
  }

  tensor(name: string): TensorProto | undefined {
    return this.get(name, onnx.AttributeProto.AttributeType.TENSOR, 'a tensor')?.t ?? undefined;
  }
}
