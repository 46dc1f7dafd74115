// QDQ ONNX (QuantizeLinear / DequantizeLinear around float ops, as onnxruntime's quantize_static and
// the PyTorch / TensorFlow exporters write it) to a QuantGraph with the model's own scales.
//
// The float importer does the structural work (layouts, weight transposes, exporter idioms); these hooks
// only teach it Q and DQ. A Q/DQ pair on an activation costs nothing: both names stand for the same IR
// tensor, which is given the pair's quantization. A DQ of an integer initializer is a float constant (the
// dequantized weights) whose quantization is remembered; after a Conv, Gemm, MatMul, Add or Mul is
// converted, the remembered parameters are attached to the IR constants it made. quant/from-qdq.ts then
// turns the float IR plus those records into the int8 graph.
import { show } from '../../errors.ts';
import type { Graph, TensorId } from '../../ir/index.ts';
import { fuseActivations } from '../../ir/passes/fuse-activations.ts';
import { readBytes } from '../../io/read-input.ts';
import type { QuantGraph, TensorQuant } from '../../quant/quant-graph.ts';
import type { ActValue, ImportContext, NodeView } from './context.ts';
import { importOnnxWith, type ImportOptions, type OnnxImport } from './import.ts';
import type { Binding } from './layout.ts';
import { convertNode } from './node-handlers.ts';
import { decodeModel } from './proto.ts';
import { buildQuantGraph, type QdqRecords } from '../../quant/from-qdq.ts';
import { dequantizeConst, int8ZeroPoint, qdqType, quantizeConst, readQdqParams, type QdqParams, type QdqType } from './qdq-params.ts';

export interface QdqImport extends Omit<OnnxImport, 'graph'> {
  /** The int8 graph, every scale and zero point the model's own (uint8 ones shifted to int8). */
  readonly graph: QuantGraph;
  /** The float IR it was made from (weights dequantized), for running the float reference beside it. */
  readonly floatGraph: Graph;
  /** Where the model's quantization was not enough and ours filled in, one line each. */
  readonly notes: readonly string[];
}

const QDQ_OPS = new Set(['QuantizeLinear', 'DequantizeLinear']);

/** True when the model has any QuantizeLinear or DequantizeLinear node (then importOnnxQdq takes it). */
export function isQdqOnnx(bytes: Uint8Array, source = 'model.onnx'): boolean {
  const g = decodeModel(bytes, source).graph;
  return (g?.node ?? []).some((n) => QDQ_OPS.has(n.opType ?? '') && (!n.domain || n.domain === 'ai.onnx'));
}

/** A quantized constant: the integers as stored and how they dequantize. */
interface QuantConst {
  readonly values: ArrayLike<number>;
  readonly params: QdqParams;
}

class QdqHooks {
  /** By ONNX value name: constants that are DQ outputs, and Q outputs of constants. */
  private readonly consts = new Map<string, QuantConst>();
  /** By ONNX value name: the integer type of activations that a Q produced. */
  private readonly actType = new Map<string, QdqType>();
  /** By draft tensor id, resolved to names in beforeBuild. */
  private readonly act = new Map<TensorId, TensorQuant>();
  private readonly weights = new Map<TensorId, readonly number[]>();
  private readonly biases = new Map<TensorId, { data: Int32Array; scale: readonly number[] }>();
  private readonly operands = new Map<TensorId, TensorQuant>();
  records: QdqRecords | undefined;

  convert(ctx: ImportContext, n: NodeView): boolean {
    const domain = n.proto.domain ?? '';
    if (domain !== '' && domain !== 'ai.onnx') return false;
    switch (n.op) {
      case 'QuantizeLinear':
        this.quantize(ctx, n);
        return true;
      case 'DequantizeLinear':
        this.dequantize(ctx, n);
        return true;
      case 'Conv':
      case 'Gemm':
      case 'MatMul':
        convertNode(ctx, n, domain);
        this.attachWeights(ctx, n);
        return true;
      case 'Add':
      case 'Mul':
        convertNode(ctx, n, domain);
        this.attachOperand(ctx, n);
        return true;
      default:
        return false;
    }
  }

  beforeBuild(ctx: ImportContext): void {
    const byName = <V>(m: Map<TensorId, V>) => new Map([...m].map(([t, v]) => [ctx.draft.tensors[t].name, v]));
    this.records = { act: byName(this.act), weightScales: byName(this.weights), biases: byName(this.biases), operands: byName(this.operands) };
  }

  private quantize(ctx: ImportContext, n: NodeView): void {
    const x = ctx.input(n, 0);
    const out = n.outputs[0];
    if (x.kind === 'const') {
      // Fake-quantized weights (QAT exports): float initializer -> Q -> DQ.
      if (x.c.dtype !== 'float') n.fail('quantizes a constant that is not float');
      const p = readQdqParams(ctx, n, x.c.dims, undefined);
      ctx.budget.take(x.c.data.length, n.where);
      const values = quantizeConst(x.c.data, x.c.dims, p);
      ctx.bindConst(out, { dims: x.c.dims, dtype: 'int', data: values });
      this.consts.set(out, { values, params: p });
      return;
    }
    const p = readQdqParams(ctx, n, x.dims, undefined);
    if (p.axis !== undefined) n.fail('per-axis quantization of a computed value is not supported (activations are per tensor)');
    const q: TensorQuant = { scale: p.scale[0], zeroPoint: int8ZeroPoint(p) };
    this.actType.set(out, p.type);
    const have = this.act.get(x.t);
    if (!have) this.act.set(x.t, q);
    if (!have || (have.scale === q.scale && have.zeroPoint === q.zeroPoint)) {
      ctx.bind(out, x);
      return;
    }
    // Quantized a second time, differently: a requantizing copy (a one-input concat, as the IR has no copy op).
    const t = ctx.emit(n, { kind: 'concat', inputs: [x.t], axis: ctx.draft.tensors[x.t].shape.length - 1 });
    this.act.set(t, q);
    ctx.bind(out, { ...x, t });
  }

  private dequantize(ctx: ImportContext, n: NodeView): void {
    const x = ctx.input(n, 0);
    const out = n.outputs[0];
    if (x.kind === 'const') {
      const known = this.consts.get(n.inputs[0]);
      const stored = known?.params.type ?? qdqType(x.c.elemType);
      if (x.c.dtype !== 'int' || !stored) n.fail(`dequantizes a constant that is not int8, uint8 or int32${x.c.elemType !== undefined ? '' : ' (its type is unknown)'}`);
      const p = readQdqParams(ctx, n, x.c.dims, stored);
      if (p.type === 'int32' && p.zeroPoint.some((z) => z !== 0)) n.fail('an int32 (bias) zero point must be 0');
      ctx.budget.take(x.c.data.length, n.where);
      const data = dequantizeConst(x.c.data, x.c.dims, p);
      ctx.bindConst(out, { dims: x.c.dims, dtype: 'float', data });
      this.consts.set(out, { values: x.c.data, params: p });
      return;
    }
    const type = this.actType.get(n.inputs[0]);
    if (!type) n.fail(`dequantizes ${show(n.inputs[0])}, which no QuantizeLinear produced`);
    const p = readQdqParams(ctx, n, x.dims, type);
    const have = this.act.get(x.t);
    if (p.axis !== undefined || !have || p.scale[0] !== have.scale || int8ZeroPoint(p) !== have.zeroPoint)
      n.fail(`its scale and zero point (${p.scale.join(', ')} / ${p.zeroPoint.join(', ')}) differ from the QuantizeLinear's (${have?.scale} / ${have?.zeroPoint})`);
    ctx.bind(out, x);
  }

  /** The op the float handlers made for `n` (the producer of its output), if it made one. */
  private producedOp(ctx: ImportContext, n: NodeView) {
    const v = ctx.value(n.outputs[0]);
    return v?.kind === 'act' ? ctx.draft.producerOf((v as ActValue).t) : undefined;
  }

  /** Conv / Gemm / MatMul: the weight's scales per output channel and the exact int32 bias. */
  private attachWeights(ctx: ImportContext, n: NodeView): void {
    const op = this.producedOp(ctx, n);
    if (!op || (op.spec.kind !== 'conv2d' && op.spec.kind !== 'fully_connected')) return;
    const w = this.consts.get(n.inputs[1]);
    const cout = ctx.draft.tensors[op.spec.inputs[1]].shape[0];
    if (!w) return; // float weights in a QDQ model: quantized by our rules (quant/from-qdq.ts notes it)
    if (w.params.type === 'int32') n.fail('int32 weights are not supported (int8 or uint8)');
    if (w.params.scale.some((_, k) => int8ZeroPoint(w.params, k) !== 0)) n.fail(`weights must be symmetric: zero point 0 (int8) or 128 (uint8), got ${w.params.zeroPoint.join(', ')}`);
    if (n.op === 'Gemm' && (n.attrs.float('alpha', 1) !== 1 || n.attrs.float('beta', 1) !== 1)) n.fail('alpha and beta must be 1 with quantized weights');
    // The output channel axis of the ONNX weight: Conv OIHW 0; Gemm B [K, N] 1, or 0 when transB; MatMul 1.
    const outAxis = n.op === 'Conv' ? 0 : n.op === 'Gemm' && n.attrs.int('transB', 0) !== 0 ? 0 : 1;
    if (w.params.axis !== undefined && w.params.axis !== outAxis) n.fail(`weights quantized along axis ${w.params.axis}; only per-output-channel (axis ${outAxis}) or per-tensor is supported`);
    const scales = w.params.axis === undefined ? new Array<number>(cout).fill(w.params.scale[0]) : w.params.scale.slice();
    this.weights.set(op.spec.inputs[1], scales);
    const biasId = op.spec.inputs[2];
    const b = n.inputs[2] ? this.consts.get(n.inputs[2]) : undefined;
    if (biasId === undefined || !b) return;
    if (b.params.type !== 'int32') n.fail(`the quantized bias must be int32, got ${b.params.type}`);
    const bs = b.params.axis === undefined ? new Array<number>(cout).fill(b.params.scale[0]) : b.params.scale.slice();
    if (b.values.length !== cout || bs.length !== cout) n.fail(`the bias has ${b.values.length} values for ${cout} output channels`);
    this.biases.set(biasId, { data: Int32Array.from(b.values), scale: bs });
  }

  /** Add / Mul with a dequantized per-tensor constant operand kept as an int8 operand: its own quantization. */
  private attachOperand(ctx: ImportContext, n: NodeView): void {
    const op = this.producedOp(ctx, n);
    if (!op || (op.spec.kind !== 'add' && op.spec.kind !== 'mul')) return;
    const k = n.inputs.findIndex((name) => this.consts.has(name));
    if (k < 0) return;
    const c = this.consts.get(n.inputs[k])!;
    if (c.params.axis !== undefined || c.params.type === 'int32') return; // dequantized values, quantized again by our rules
    const operand = op.spec.inputs.find((t) => ctx.draft.tensors[t].data !== undefined);
    if (operand !== undefined) this.operands.set(operand, { scale: c.params.scale[0], zeroPoint: int8ZeroPoint(c.params) });
  }
}

/** Imports a QDQ model (see the top of this file). Malformed Q/DQ nodes give an InputError naming the node. */
export function importOnnxQdq(bytes: Uint8Array, opts: ImportOptions = {}): QdqImport {
  const source = opts.source ?? 'model.onnx';
  const hooks = new QdqHooks();
  const imp = importOnnxWith(bytes, opts, { convert: (ctx, n) => hooks.convert(ctx, n), beforeBuild: (ctx) => hooks.beforeBuild(ctx) });
  if (!hooks.records) throw new Error('bug: the QDQ records were not taken');
  const notes: string[] = [];
  // An activation is fused where no Q/DQ pair sits between it and its producer (quant/from-qdq.ts fuses
  // across a pair itself, keeping that pair's clamp).
  const act = hooks.records.act;
  const floatGraph = fuseActivations(imp.graph, (t) => !act.has(t.name));
  const graph = buildQuantGraph(floatGraph, hooks.records, source, notes);
  const rebind = (b: readonly Binding[], ids: readonly number[]) => b.map((x, k) => ({ ...x, irShape: graph.tensors[ids[k]].shape.slice() }));
  return { ...imp, graph, floatGraph, inputs: rebind(imp.inputs, graph.inputs), outputs: rebind(imp.outputs, graph.outputs), notes };
}

export function importOnnxQdqFile(file: string, opts: Omit<ImportOptions, 'source'> = {}): QdqImport {
  return importOnnxQdq(readBytes(file), { ...opts, source: file });
}
