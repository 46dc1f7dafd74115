// Small hand-made ONNX models for tests: each exporter idiom the importer claims to handle, written
// the way the exporter writes it, so the import can be checked against onnxruntime on the same file.
import { onnx } from '../../src/frontend/onnx/proto.ts';
import { importOnnx, irToOnnx, onnxToIr } from '../../src/frontend/onnx/index.ts';
import { runFloat } from '../../src/quant/index.ts';
import { runOnnx } from '../../src/oracle/onnxruntime.ts';

type AttrValue = { i: number } | { f: number } | { ints: number[] } | { floats: number[] } | { s: string } | { t: Init };
export const i = (v: number) => ({ i: v });
export const f = (v: number) => ({ f: v });
export const ints = (v: number[]) => ({ ints: v });
export const s = (v: string) => ({ s: v });

export interface Init {
  name: string;
  dims: number[];
  data: number[] | Float32Array;
  int64?: boolean;
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, AttrValue>;
}

export interface ModelSpec {
  opset?: number;
  inputs: { name: string; dims: number[] }[];
  outputs: string[];
  nodes: NodeSpec[];
  inits?: Init[];
  /** Also list initializers among the graph inputs (IR version 3 style, as CNTK writes). */
  initsAsInputs?: boolean;
}

function tensor(t: Init) {
  if (t.int64) return onnx.TensorProto.create({ name: t.name, dims: t.dims, dataType: onnx.TensorProto.DataType.INT64, int64Data: Array.from(t.data) });
  return onnx.TensorProto.create({ name: t.name, dims: t.dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(t.data) });
}

function attr(name: string, v: AttrValue) {
  const T = onnx.AttributeProto.AttributeType;
  if ('i' in v) return { name, type: T.INT, i: v.i };
  if ('f' in v) return { name, type: T.FLOAT, f: v.f };
  if ('ints' in v) return { name, type: T.INTS, ints: v.ints };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  if ('s' in v) return { name, type: T.STRING, s: Buffer.from(v.s) };
  return { name, type: T.TENSOR, t: tensor(v.t) };
}

const info = (name: string, dims?: number[], elemType = 1) =>
  onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, ...(dims ? { shape: { dim: dims.map((d) => ({ dimValue: d })) } } : {}) } } });

export function buildModel(m: ModelSpec): Uint8Array {
  const inits = m.inits ?? [];
  const model = onnx.ModelProto.create({
    irVersion: m.initsAsInputs ? 3 : 7,
    opsetImport: [{ domain: '', version: m.opset ?? 13 }],
    producerName: 'test',
    graph: {
      name: 'test',
      node: m.nodes.map((n, k) => ({ opType: n.op, name: n.name ?? `${n.op}_${k}`, input: n.inputs, output: n.outputs, attribute: Object.entries(n.attrs ?? {}).map(([k2, v]) => attr(k2, v)) })),
      initializer: inits.map(tensor),
      input: [...m.inputs.map((x) => info(x.name, x.dims)), ...(m.initsAsInputs ? inits.map((t) => info(t.name, t.dims, t.int64 ? 7 : 1)) : [])],
      output: m.outputs.map((o) => info(o)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Deterministic values in [-scale, scale). */
export function values(n: number, seed = 1, scale = 1): Float32Array {
  let x = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) / 2 ** 32 - 0.5) * 2 * scale;
  });
}

export interface Comparison {
  maxAbs: number;
  /** maxAbs over the largest reference magnitude. */
  rel: number;
}

export function compare(got: ArrayLike<number>, ref: ArrayLike<number>): Comparison {
  if (got.length !== ref.length) throw new Error(`lengths differ: ${got.length} vs ${ref.length}`);
  let maxAbs = 0;
  let maxRef = 0;
  for (let k = 0; k < ref.length; k++) {
    maxAbs = Math.max(maxAbs, Math.abs(got[k] - ref[k]));
    maxRef = Math.max(maxRef, Math.abs(ref[k]));
  }
  return { maxAbs, rel: maxAbs / (maxRef || 1) };
}

/** Imports the model, runs the IR with runFloat and the file with onnxruntime on the same inputs; compares every output. */
export async function importVsOrt(bytes: Uint8Array, inputs: Float32Array[]) {
  const imp = importOnnx(bytes, { source: 'test.onnx' });
  const ort = await runOnnx(bytes, inputs.map((data, k) => ({ dims: imp.inputs[k].dims, data })));
  const ir = runFloat(imp.graph, inputs.map((x, k) => onnxToIr(x, imp.inputs[k]))).outputs.map((y, k) => irToOnnx(y, imp.outputs[k]));
  return { imp, results: ir.map((y, k) => compare(y, ort[k].data)) };
}
