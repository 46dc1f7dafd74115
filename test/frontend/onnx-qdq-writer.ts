// Turns a float ONNX model into its QDQ form the way onnxruntime's quantize_static writes it, for tests:
// ranges calibrated by running the float model (every intermediate tensor made a graph output) in
// onnxruntime, activations per tensor (int8 or uint8, asymmetric), Conv/Gemm/MatMul weights int8
// symmetric (per output channel or per tensor) behind a DequantizeLinear, biases int32 at input scale x
// weight scale, constant operands of Add/Mul/Div quantized per tensor. A Relu/Clip reading an op's
// output alone is left between the op and the Q (onnxruntime's fused form); MaxPool and layout ops
// take their input's parameters. Written independently of the importer (no code of src/ is used for
// the quantization arithmetic), so the test compares two separate readings of the same scales.
import { onnx, type ModelProto, type NodeProto, type TensorProto } from '../../src/frontend/onnx/proto.ts';
import { runOnnx } from '../../src/oracle/onnxruntime.ts';

type Node = NodeProto;
type Tensor = TensorProto;
const DT = onnx.TensorProto.DataType;

export interface QdqOptions {
  activation: 'int8' | 'uint8';
  /** Per-output-channel weights (else one scale per weight tensor). */
  perChannel: boolean;
}

export interface QParams {
  scale: number;
  zeroPoint: number;
}

const COMPUTE = new Set(['Conv', 'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Relu', 'Clip', 'AveragePool', 'GlobalAveragePool', 'ReduceMean', 'Concat', 'Softmax', 'HardSigmoid', 'HardSwish']);
const PROPAGATE = new Set(['MaxPool', 'Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Identity']);
const ARITH = new Set(['Add', 'Sub', 'Mul', 'Div']);

function int64(v: unknown): number {
  if (typeof v === 'number') return v;
  const l = v as { low: number; high: number };
  return l.high * 4294967296 + (l.low >>> 0);
}

/** Float values of a float TensorProto. */
export function floats(t: Tensor): Float32Array {
  if (t.rawData && t.rawData.length) return new Float32Array(Uint8Array.from(t.rawData).buffer);
  return Float32Array.from(t.floatData ?? []);
}

export function intTensor(name: string, dims: number[], type: number, data: ArrayLike<number>): Tensor {
  return onnx.TensorProto.create({ name, dims, dataType: type, int32Data: Array.from(data) });
}

export function floatTensor(name: string, dims: number[], data: ArrayLike<number>): Tensor {
  return onnx.TensorProto.create({ name, dims, dataType: DT.FLOAT, floatData: Array.from(data) });
}

/** Asymmetric activation parameters for [min, max] (widened to hold 0). */
export function activationParams(min: number, max: number, type: 'int8' | 'uint8'): QParams {
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0, lo + 1e-6);
  const scale = Math.fround((hi - lo) / 255);
  const qmin = type === 'int8' ? -128 : 0;
  const zeroPoint = Math.max(qmin, Math.min(qmin + 255, Math.round(qmin - lo / scale)));
  return { scale, zeroPoint };
}

function symmetric(w: Float32Array, channels: number, perChannel: boolean): { q: Int8Array; scales: number[] } {
  const per = w.length / channels;
  const groups = perChannel ? channels : 1;
  const size = perChannel ? per : w.length;
  const scales: number[] = [];
  const q = new Int8Array(w.length);
  for (let g = 0; g < groups; g++) {
    let m = 0;
    for (let i = g * size; i < (g + 1) * size; i++) m = Math.max(m, Math.abs(w[i]));
    const s = Math.fround(m > 0 ? m / 127 : 1);
    scales.push(s);
    for (let i = g * size; i < (g + 1) * size; i++) q[i] = Math.max(-127, Math.min(127, Math.round(w[i] / s)));
  }
  return { q, scales };
}

/** Folds what onnxruntime's quantization pre-processing folds: constant Reshapes of weights, and a Conv's bias Add. */
function preprocess(m: ModelProto): void {
  const g = m.graph!;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  const nodes = g.node!;
  for (let k = 0; k < nodes.length; k++) {
    const n = nodes[k];
    if (n.opType === 'Reshape' && inits.has(n.input![0]) && inits.has(n.input![1])) {
      const src = inits.get(n.input![0])!;
      const shape = Array.from(inits.get(n.input![1])!.int64Data ?? [], int64);
      const t = floatTensor(n.output![0], shape, floats(src));
      g.initializer!.push(t);
      inits.set(t.name!, t);
      nodes.splice(k--, 1);
    }
  }
  for (let k = 0; k < nodes.length; k++) {
    const n = nodes[k];
    if (n.opType !== 'Conv' || (n.input ?? []).length > 2) continue;
    const readers = nodes.filter((r) => r.input!.includes(n.output![0]));
    const add = readers[0];
    if (readers.length !== 1 || add.opType !== 'Add') continue;
    const c = add.input!.find((x) => x !== n.output![0]);
    if (!c || !inits.has(c)) continue;
    const bias = floats(inits.get(c)!);
    const t = floatTensor(`${c}_bias`, [bias.length], bias);
    g.initializer!.push(t);
    n.input = [...n.input!, t.name!];
    n.output = [add.output![0]];
    nodes.splice(nodes.indexOf(add), 1);
  }
  // Constant nodes become initializers (their values are needed for quantizing operands).
  for (let k = 0; k < nodes.length; k++) {
    const n = nodes[k];
    if (n.opType !== 'Constant') continue;
    const v = n.attribute!.find((a) => a.name === 'value')!.t!;
    g.initializer!.push(onnx.TensorProto.create({ ...v, name: n.output![0] }));
    nodes.splice(k--, 1);
  }
}

/** Min and max of every float tensor listed, over the inputs, from onnxruntime running the float model. */
async function calibrate(m: ModelProto, names: string[], inputs: Float32Array[], dims: number[]): Promise<Map<string, [number, number]>> {
  const probe = onnx.ModelProto.decode(onnx.ModelProto.encode(m).finish());
  probe.graph!.output = names.map((name) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: DT.FLOAT } } }));
  const bytes = onnx.ModelProto.encode(probe).finish();
  const ranges = new Map<string, [number, number]>();
  for (const x of inputs) {
    const outs = await runOnnx(bytes, [{ dims, data: x }]);
    outs.forEach((o, k) => {
      const r = ranges.get(names[k]) ?? [Infinity, -Infinity];
      for (const v of o.data) [r[0], r[1]] = [Math.min(r[0], v), Math.max(r[1], v)];
      ranges.set(names[k], r);
    });
  }
  return ranges;
}

export interface QdqModel {
  bytes: Uint8Array;
  /** Activation parameters by tensor name (the graph outputs' ones among them). */
  params: Map<string, QParams>;
  outputParams: QParams[];
}

/** The QDQ form of a one-input float model, calibrated on `inputs` (NCHW, `dims`). */
export async function toQdq(floatModel: Uint8Array, inputs: Float32Array[], dims: number[], o: QdqOptions): Promise<QdqModel> {
  const m = onnx.ModelProto.decode(floatModel);
  const g = m.graph!;
  preprocess(m);
  m.opsetImport = [{ domain: '', version: 13 }];
  m.irVersion = 7;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  g.input = (g.input ?? []).filter((v) => !inits.has(v.name!));
  const nodes = g.node!;
  const readers = (name: string) => nodes.filter((n) => n.input!.includes(name));
  const inputName = g.input[0].name!;

  // Which tensors get their own Q/DQ pair, and with which parameters.
  const own: string[] = [];
  for (const n of nodes) {
    const out = n.output![0];
    if (!COMPUTE.has(n.opType!)) continue;
    const r = readers(out);
    if (r.length === 1 && (r[0].opType === 'Relu' || r[0].opType === 'Clip')) continue;
    own.push(out);
  }
  const ranges = await calibrate(m, [inputName, ...own], inputs, dims);
  const params = new Map<string, QParams>();
  for (const name of [inputName, ...own]) params.set(name, activationParams(...ranges.get(name)!, o.activation));
  for (const n of nodes) if (PROPAGATE.has(n.opType!) && params.has(n.input![0])) params.set(n.output![0], params.get(n.input![0])!);

  const type = o.activation === 'int8' ? DT.INT8 : DT.UINT8;
  const added: Tensor[] = [];
  const dqOf = new Map<string, string>();
  const qdq: { after: string; nodes: Node[] }[] = [];
  for (const [name, p] of params) {
    added.push(floatTensor(`${name}_scale`, [], [p.scale]), intTensor(`${name}_zp`, [], type, [p.zeroPoint]));
    dqOf.set(name, `${name}_dq`);
    qdq.push({
      after: name,
      nodes: [
        { opType: 'QuantizeLinear', name: `${name}_Q`, input: [name, `${name}_scale`, `${name}_zp`], output: [`${name}_q`] },
        { opType: 'DequantizeLinear', name: `${name}_DQ`, input: [`${name}_q`, `${name}_scale`, `${name}_zp`], output: [`${name}_dq`] },
      ],
    });
  }

  // Weights and biases behind DequantizeLinear; constant operands too.
  const weightNodes: Node[] = [];
  const replaced = new Set<string>();
  const inScale = (n: Node) => params.get(n.input![0])!.scale;
  for (const n of nodes) {
    const op = n.opType!;
    if (op === 'Conv' || op === 'Gemm' || op === 'MatMul') {
      const wt = inits.get(n.input![1])!;
      const wd = floats(wt);
      const wdims = wt.dims!.map(int64);
      const transB = op === 'Gemm' && (n.attribute ?? []).some((a) => a.name === 'transB' && int64(a.i) === 1);
      // Output channels lead for Conv and transposed Gemm; MatMul / plain Gemm have them last.
      const leading = op === 'Conv' || transB;
      const cout = leading ? wdims[0] : wdims[1];
      const rows = leading ? wd : Float32Array.from({ length: wd.length }, (_, i) => wd[(i % wdims[0]) * cout + Math.floor(i / wdims[0])]);
      const { q: qRows, scales } = symmetric(rows, cout, o.perChannel);
      const q = leading ? qRows : Int8Array.from({ length: wd.length }, (_, i) => qRows[(i % cout) * wdims[0] + Math.floor(i / cout)]);
      const wName = n.input![1];
      const perAxis = o.perChannel;
      added.push(intTensor(`${wName}_q`, wdims, DT.INT8, q), floatTensor(`${wName}_scale`, perAxis ? [cout] : [], scales), intTensor(`${wName}_zp`, perAxis ? [cout] : [], DT.INT8, scales.map(() => 0)));
      weightNodes.push({ opType: 'DequantizeLinear', name: `${wName}_DQ`, input: [`${wName}_q`, `${wName}_scale`, `${wName}_zp`], output: [wName], attribute: perAxis ? [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: leading ? 0 : 1 }] : [] });
      replaced.add(wName);
      const bName = n.input![2];
      if (bName) {
        const b = floats(inits.get(bName)!);
        const bs = Array.from({ length: cout }, (_, c) => Math.fround(inScale(n) * scales[perAxis ? c : 0]));
        const bq = Array.from(b, (v, c) => Math.round(v / bs[c]));
        added.push(intTensor(`${bName}_q`, [cout], DT.INT32, bq), floatTensor(`${bName}_scale`, perAxis ? [cout] : [], perAxis ? bs : [bs[0]]), intTensor(`${bName}_zp`, perAxis ? [cout] : [], DT.INT32, perAxis ? bs.map(() => 0) : [0]));
        weightNodes.push({ opType: 'DequantizeLinear', name: `${bName}_DQ`, input: [`${bName}_q`, `${bName}_scale`, `${bName}_zp`], output: [bName], attribute: perAxis ? [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] : [] });
        replaced.add(bName);
      }
    } else if (ARITH.has(op)) {
      for (const c of n.input!) {
        const t = inits.get(c);
        if (!t || replaced.has(c) || t.dataType !== DT.FLOAT) continue;
        const d = floats(t);
        const p = activationParams(Math.min(...d), Math.max(...d), o.activation);
        const qv = Array.from(d, (v) => Math.max(o.activation === 'int8' ? -128 : 0, Math.min(o.activation === 'int8' ? 127 : 255, Math.round(v / p.scale) + p.zeroPoint)));
        const dims2 = t.dims!.map(int64);
        added.push(intTensor(`${c}_q`, dims2, type, qv), floatTensor(`${c}_scale`, [], [p.scale]), intTensor(`${c}_zp`, [], type, [p.zeroPoint]));
        weightNodes.push({ opType: 'DequantizeLinear', name: `${c}_DQ`, input: [`${c}_q`, `${c}_scale`, `${c}_zp`], output: [c] });
        replaced.add(c);
      }
    }
  }

  // Consumers read the DQ outputs; Q/DQ pairs follow their tensor; graph outputs become the DQ outputs.
  for (const n of nodes) n.input = n.input!.map((x) => dqOf.get(x) ?? x);
  const ordered: Node[] = [...weightNodes];
  const pairsAfter = new Map(qdq.map((e) => [e.after, e.nodes]));
  ordered.push(...(pairsAfter.get(inputName) ?? []));
  for (const n of nodes) {
    ordered.push(n);
    for (const out of n.output ?? []) ordered.push(...(pairsAfter.get(out) ?? []));
  }
  g.node = ordered;
  g.initializer = [...(g.initializer ?? []).filter((t) => !replaced.has(t.name!)), ...added];
  const outs = g.output!.map((v) => v.name!);
  g.output = outs.map((name) => onnx.ValueInfoProto.create({ name: dqOf.get(name) ?? name, type: { tensorType: { elemType: DT.FLOAT } } }));
  g.valueInfo = [];
  return { bytes: onnx.ModelProto.encode(m).finish(), params, outputParams: outs.map((name) => params.get(name)!) };
}
