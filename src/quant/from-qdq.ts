// The float IR of a QDQ model plus the quantization its Q/DQ nodes gave (frontend/onnx/qdq-import.ts) ->
// QuantGraph. Every kernel parameter is derived from the model's own scales by op-params.ts, the builder
// the calibrated and the TFLite lowerings use too. Where the int8 kernels need one quantization
// and the model gives another (a pool whose output Q differs from its input's), a requantizing copy
// follows the op. A Relu/Relu6 read alone from a conv, fully connected, add or mul becomes that op's
// clamp even with a Q/DQ pair between them (one rounding instead of two).
import { GraphBuilder, type OpSpec } from '../ir/builder.ts';
import { IrError, type Activation, type Graph, type Op, type Quantization, type Shape, type TensorId } from '../ir/graph.ts';
import { elementCount, shapeText } from '../ir/tensors.ts';
import { graphIndex } from '../ir/topology.ts';
import { validateGraph } from '../ir/validate.ts';
import { convClass } from '../ir/passes/conv-class.ts';
import { InputError, show } from '../errors.ts';
import { opLabel } from './messages.ts';
import { roundHalfAway, ScaleRangeError } from './fixed-point.ts';
import { SOFTMAX_MAX_ROW, SOFTMAX_OUTPUT, softmaxExpTable, unaryTable } from './lookup-tables.ts';
import { activationClamp, addParams, channelQuant, concatParts, convGeometry, convMultipliers, convParams, elementwiseLayout, FULL_RANGE, mulParams, poolParams, requantParams, sameQuant as same, windowGeometry } from './op-params.ts';
import type { QuantGraph, QuantOp, TensorQuant } from './quant-graph.ts';
import { biasScales, chooseActivationQuant, QMAX, QMIN, quantizeBias, quantizeValue, quantizeWeightsPerChannel, quantizeWeightsPerTensor, tensorQuantization as quantization, valueRange } from './scales.ts';

/** What the Q/DQ nodes said, by IR tensor name. */
export interface QdqRecords {
  /** Activations: per-tensor int8 (uint8 shifted). */
  readonly act: ReadonlyMap<string, TensorQuant>;
  /** Conv / fully connected weights: one scale per output channel (equal ones for per-tensor). */
  readonly weightScales: ReadonlyMap<string, readonly number[]>;
  /** int32 biases as stored, with their scales per output channel. */
  readonly biases: ReadonlyMap<string, { readonly data: Int32Array; readonly scale: readonly number[] }>;
  /** Constant operands of add / mul: per-tensor int8. */
  readonly operands: ReadonlyMap<string, TensorQuant>;
}

/** How far a dequantized value may sit from an integer step and still be read back as that step. */
const STEP_TOLERANCE = 1e-3;

/** Values that are exactly steps of `scale(i)` read back as int8, or undefined when one is not (changed since the DQ). */
function readSteps(data: Float32Array, scaleOf: (i: number) => number, zeroPoint = 0): Int8Array | undefined {
  const out = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] / scaleOf(i) + zeroPoint;
    const q = Math.round(v);
    if (Math.abs(v - q) > STEP_TOLERANCE || q < QMIN || q > QMAX) return undefined;
    out[i] = q;
  }
  return out;
}

class Builder {
  private readonly b: GraphBuilder;
  private readonly ids: Int32Array;
  private readonly quantOf = new Map<TensorId, TensorQuant>();
  private readonly params: QuantOp[] = [];
  private readonly tensorNames = new Set<string>();
  private readonly opNames = new Set<string>();
  /** Producer op index -> the relu/relu6 op folded into it, and the quantization the model gives the value between them. */
  private readonly fusedInto = new Map<number, { relu: number; between: TensorQuant | undefined }>();
  private readonly skipped = new Set<number>();

  constructor(
    private readonly g: Graph,
    private readonly rec: QdqRecords,
    private readonly source: string,
    private readonly notes: string[],
  ) {
    this.b = new GraphBuilder(g.name);
    this.ids = new Int32Array(g.tensors.length).fill(-1);
    const { producer, consumers } = graphIndex(g);
    const outputs = new Set(g.outputs);
    g.ops.forEach((op, i) => {
      if (op.kind !== 'relu' && op.kind !== 'relu6') return;
      const x = op.inputs[0];
      const p = producer[x];
      const prev = p >= 0 ? g.ops[p] : undefined;
      if (prev && (prev.kind === 'conv2d' || prev.kind === 'fully_connected' || prev.kind === 'add' || prev.kind === 'mul') && prev.activation === 'none' && consumers[x].length === 1 && !outputs.has(x)) {
        this.fusedInto.set(p, { relu: i, between: this.recorded(x) });
        this.skipped.add(i);
      }
    });
  }

  private fail(op: Op, i: number, msg: string): never {
    throw new InputError(`${this.source}: ${opLabel(op, i)}: ${msg}`);
  }

  private unique(set: Set<string>, base: string): string {
    let name = base;
    for (let k = 1; set.has(name); k++) name = `${base}.${k}`;
    set.add(name);
    return name;
  }

  private constant(name: string, shape: Shape, data: Int8Array | Int32Array, q: Quantization): TensorId {
    return this.b.constant(this.unique(this.tensorNames, name), shape, data, q);
  }

  /** The int8 graph's id of an activation the op reads, and its quantization. */
  private act(id: TensorId): { id: TensorId; q: TensorQuant } {
    const n = this.ids[id];
    if (n < 0) throw new Error(`bug: tensor "${this.g.tensors[id].name}" is read before it is made`);
    return { id: n, q: this.quantOf.get(n)! };
  }

  /** The quantization the model gives tensor `id` (a Q node after it). */
  private recorded(id: TensorId): TensorQuant | undefined {
    return this.rec.act.get(this.g.tensors[id].name);
  }

  private required(op: Op, i: number, id: TensorId): TensorQuant {
    const q = this.recorded(id);
    if (!q) this.fail(op, i, `its output ${show(this.g.tensors[id].name)} is not quantized: no QuantizeLinear follows it, and its int8 scale cannot be derived`);
    return q;
  }

  private multipliers<T>(op: Op, i: number, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof ScaleRangeError) this.fail(op, i, `the model's scales give an unusable requantization multiplier: ${e.message}`);
      throw e;
    }
  }

  /** Adds the op writing `outOld` (the float graph's tensor) in quantization q. */
  private emit(spec: OpSpec, outOld: TensorId, q: TensorQuant, p: QuantOp, outName = this.g.tensors[outOld].name): TensorId {
    const named = { ...spec, name: this.unique(this.opNames, spec.name) } as OpSpec;
    const id = this.b.op(named, this.unique(this.tensorNames, outName), 'int8', quantization(q));
    this.params.push(p);
    this.ids[outOld] = id;
    this.quantOf.set(id, q);
    return id;
  }

  /**
   * An op whose int8 kernel fixes its output quantization (`natural`: pools, pad, reshape take their
   * input's, softmax 1/256): when the model quantizes the output otherwise, a requantizing copy follows.
   */
  private emitThenRequant(op: Op, i: number, spec: OpSpec, natural: TensorQuant, p: QuantOp): void {
    const outOld = op.outputs[0];
    const wanted = this.recorded(outOld);
    if (!wanted || same(wanted, natural)) {
      this.emit(spec, outOld, natural, p);
      return;
    }
    const mid = this.emit(spec, outOld, natural, p, `${this.g.tensors[outOld].name}:before_requant`);
    const n = elementCount(this.b.shapeOf(mid));
    const requant = this.multipliers(op, i, () => requantParams(natural, wanted));
    this.notes.push(`${opLabel(op, i)}: the model quantizes its output differently from what the int8 kernel gives; a requantizing copy follows it`);
    const copy: OpSpec = { kind: 'concat', name: `${op.name}:requant`, inputs: [mid], axis: this.b.shapeOf(mid).length - 1 };
    this.emit(copy, outOld, wanted, { kind: 'concat', parts: [{ outer: 1, inner: n, outStride: n, outOffset: 0, requant }] });
  }

  /** The clamp / table of the op's activation in output quantization qOut; `target` is what requantization aims at. */
  private fused(op: Op, i: number, act: Activation, qOut: TensorQuant, between?: TensorQuant) {
    if (act !== 'hardsigmoid') {
      const r = activationClamp(act, qOut);
      if (!between) return { target: qOut, ...r, lut: undefined, pre: undefined };
      // A Q/DQ pair between the op and its relu saturates at its own int8 range: keep that clamp too.
      const edge = (v: number) => qOut.zeroPoint + roundHalfAway(Math.fround((between.scale * (v - between.zeroPoint)) / qOut.scale));
      const actMin = Math.max(r.actMin, Math.min(QMAX, edge(QMIN)));
      const actMax = Math.min(r.actMax, Math.max(actMin, edge(QMAX)));
      return { target: qOut, actMin, actMax, lut: undefined, pre: undefined };
    }
    // The model has no Q between the op and its hard-sigmoid: aim at [-3, 3], where the curve is not flat.
    const pre = chooseActivationQuant({ min: -3, max: 3 });
    this.notes.push(`${opLabel(op, i)}: fused hard-sigmoid without a quantized input in the model; its input is taken as [-3, 3] in int8`);
    return { target: pre, ...FULL_RANGE, lut: unaryTable('hard_sigmoid', pre, qOut), pre };
  }

  /** The op's output tensor and activation after folding a following relu into it. */
  private output(op: Op & { activation: Activation }, i: number): { outOld: TensorId; activation: Activation; between?: TensorQuant } {
    const f = this.fusedInto.get(i);
    if (f === undefined) return { outOld: op.outputs[0], activation: op.activation };
    const relu = this.g.ops[f.relu];
    return { outOld: relu.outputs[0], activation: relu.kind as 'relu' | 'relu6', between: f.between };
  }

  private weights(op: Op & { kind: 'conv2d' | 'fully_connected' }, i: number): { id: TensorId; scales: number[]; perTensor: boolean } {
    const w = this.g.tensors[op.inputs[1]];
    const data = w.data as Float32Array;
    const cout = w.shape[0];
    const per = data.length / cout;
    const given = this.rec.weightScales.get(w.name);
    let q = given && readSteps(data, (k) => given[Math.floor(k / per)]);
    let scales = given?.slice();
    if (!q || !scales) {
      const perChannel = op.kind === 'conv2d';
      const r = (perChannel ? quantizeWeightsPerChannel : quantizeWeightsPerTensor)(data, cout);
      q = r.data;
      scales = r.scales;
      this.notes.push(
        `${opLabel(op, i)}: ${given ? 'the dequantized weights were changed by a fold after the DQ' : 'the weights are float in the model'}; quantized ${perChannel ? 'per output channel' : 'per tensor'} by our rule`,
      );
    }
    const perTensor = scales.every((s) => s === scales![0]);
    const wq = channelQuant(scales, !perTensor);
    return { id: this.constant(w.name, w.shape, q, wq), scales, perTensor };
  }

  private bias(op: Op, i: number, cout: number, inputScale: number, scales: readonly number[], perTensor: boolean): TensorId {
    const derived = biasScales(inputScale, scales);
    const bq = channelQuant(derived, !perTensor);
    const bOld = op.inputs[2];
    if (bOld === undefined) return this.constant(`${op.name}.bias`, [cout], new Int32Array(cout), bq);
    const bt = this.g.tensors[bOld];
    const f = bt.data as Float32Array;
    const given = this.rec.biases.get(bt.name);
    // Untouched since the DQ when every float value is still the stored integer times its scale.
    const intact = given && given.data.every((v, c) => Math.fround(v * given.scale[c]) === f[c]);
    if (!given || !intact) {
      if (given) this.notes.push(`${opLabel(op, i)}: the dequantized bias was changed by a fold after the DQ; quantized again by our rule`);
      return this.constant(bt.name, [cout], quantizeBias(f, cout, inputScale, scales).data, bq);
    }
    let data = given.data;
    if (given.scale.some((s, c) => Math.abs(s - derived[c]) > 1e-6 * derived[c])) {
      // The int8 kernels add the bias to input x weight products: it must be in their scale.
      data = Int32Array.from(given.data, (v, c) => Math.max(-0x80000000, Math.min(0x7fffffff, Math.round((v * given.scale[c]) / derived[c]))));
      this.notes.push(`${opLabel(op, i)}: the bias scale is not input scale x weight scale; the int32 bias is rescaled to it`);
    }
    return this.constant(bt.name, [cout], data, bq);
  }

  private convOrFc(op: Op & { kind: 'conv2d' | 'fully_connected' }, i: number): void {
    const x = this.act(op.inputs[0]);
    const w = this.weights(op, i);
    const cout = this.g.tensors[op.inputs[1]].shape[0];
    const bId = this.bias(op, i, cout, x.q.scale, w.scales, w.perTensor);
    const { outOld, activation, between } = this.output(op, i);
    const qOut = this.required(op, i, outOld);
    const f = this.fused(op, i, activation, qOut, between);
    // TFLite: a per-tensor fully connected layer multiplies the two scales in float, every other conv in double.
    const how = op.kind === 'fully_connected' && w.perTensor ? 'float' : 'double';
    const m = this.multipliers(op, i, () => convMultipliers(x.q.scale, w.scales, f.target.scale, cout, how));
    const params = convParams(convGeometry(op), x.q, f.target, f, m, f.lut);
    const pre = f.pre ? { preActivation: f.pre } : {};
    const { outputs: _o, ...rest } = op;
    const spec = { ...rest, activation, inputs: [x.id, w.id, bId] } as OpSpec;
    const p: QuantOp = op.kind === 'conv2d' ? { kind: 'conv2d', variant: convClass(this.g, op), groups: op.groups, params, ...pre } : { kind: 'fully_connected', params, ...pre };
    this.emit(spec, outOld, qOut, p);
  }

  /** An add / mul input: an activation, or a constant in the model's quantization (else its own range's). */
  private operand(op: Op, i: number, id: TensorId): { id: TensorId; q: TensorQuant } {
    const t = this.g.tensors[id];
    if (!t.data) return this.act(id);
    if (this.ids[id] >= 0) return { id: this.ids[id], q: this.quantOf.get(this.ids[id])! };
    const f = t.data as Float32Array;
    const given = this.rec.operands.get(t.name);
    let q = given;
    let data = given && readSteps(f, () => given.scale, given.zeroPoint);
    if (!q || !data) {
      const r = valueRange(f);
      if (!Number.isFinite(r.min) || !Number.isFinite(r.max)) this.fail(op, i, `constant operand ${show(t.name)} holds values that are not finite`);
      q = chooseActivationQuant(r);
      data = Int8Array.from(f, (v) => quantizeValue(v, q!));
      this.notes.push(`${opLabel(op, i)}: constant operand ${show(t.name)} has no per-tensor quantization in the model; quantized over its own range`);
    }
    const n = this.constant(t.name, t.shape, data, quantization(q));
    this.ids[id] = n;
    this.quantOf.set(n, q);
    return { id: n, q };
  }

  private binary(op: Op & { kind: 'add' | 'mul' }, i: number): void {
    const a = this.operand(op, i, op.inputs[0]);
    const c = this.operand(op, i, op.inputs[1]);
    const layout = elementwiseLayout(this.b.shapeOf(a.id), this.b.shapeOf(c.id));
    if (!layout) this.fail(op, i, `int8 ${op.kind} supports equal shapes or a per-channel/scalar operand, not ${shapeText(this.b.shapeOf(a.id))} with ${shapeText(this.b.shapeOf(c.id))}`);
    const { outOld, activation, between } = this.output(op, i);
    const qOut = this.required(op, i, outOld);
    const f = this.fused(op, i, activation, qOut, between);
    // The clamp of the activation alone: unlike a conv's, an add's or mul's output keeps no clamp of a Q/DQ pair before its relu.
    const clamp = f.lut ? FULL_RANGE : activationClamp(activation as 'none' | 'relu' | 'relu6', f.target);
    const pre = f.pre ? { preActivation: f.pre } : {};
    const p: QuantOp =
      op.kind === 'add'
        ? { kind: 'add', layout, params: this.multipliers(op, i, () => addParams(a.q, c.q, f.target, clamp, f.lut)), ...pre }
        : { kind: 'mul', layout, params: this.multipliers(op, i, () => mulParams(a.q, c.q, f.target, clamp, 'double', f.lut)), ...pre };
    const { outputs: _o, ...rest } = op;
    this.emit({ ...rest, activation, inputs: [a.id, c.id] } as OpSpec, outOld, qOut, p);
  }

  private op(op: Op, i: number): void {
    const { outputs: _o, ...rest } = op;
    const respec = (inputs: TensorId[]) => ({ ...rest, inputs }) as OpSpec;
    switch (op.kind) {
      case 'conv2d':
      case 'fully_connected':
        return this.convOrFc(op, i);
      case 'add':
      case 'mul':
        return this.binary(op, i);
      case 'avg_pool':
      case 'max_pool':
      case 'global_avg_pool':
      case 'pad':
      case 'reshape': {
        const x = this.act(op.inputs[0]);
        const p: QuantOp =
          op.kind === 'global_avg_pool'
            ? { kind: op.kind, ...FULL_RANGE }
            : op.kind === 'pad'
              ? { kind: 'pad', padTop: op.padding.top, padLeft: op.padding.left, value: quantizeValue(op.value, x.q) }
              : op.kind === 'reshape'
                ? { kind: 'reshape' }
                : { kind: op.kind, params: poolParams(windowGeometry(op), FULL_RANGE) };
        return this.emitThenRequant(op, i, respec([x.id]), x.q, p);
      }
      case 'relu':
      case 'relu6':
      case 'hard_sigmoid':
      case 'hard_swish':
      case 'sigmoid': {
        // The model's own output quantization and the exact function rounded once: what a QDQ runtime
        // (dequantize, float op, quantize) computes.
        const x = this.act(op.inputs[0]);
        const qOut = this.required(op, i, op.outputs[0]);
        this.emit(respec([x.id]), op.outputs[0], qOut, { kind: op.kind, lut: unaryTable(op.kind, x.q, qOut) });
        return;
      }
      case 'softmax': {
        const x = this.act(op.inputs[0]);
        const s = this.b.shapeOf(x.id);
        if (s[s.length - 1] > SOFTMAX_MAX_ROW) this.fail(op, i, `int8 softmax rows are limited to ${SOFTMAX_MAX_ROW} values, got ${s[s.length - 1]}`);
        return this.emitThenRequant(op, i, respec([x.id]), SOFTMAX_OUTPUT, { kind: 'softmax', expTable: softmaxExpTable(x.q.scale) });
      }
      case 'concat': {
        const xs = op.inputs.map((id) => this.act(id));
        const recorded = this.recorded(op.outputs[0]);
        const qOut = recorded ?? (xs.every((x) => same(x.q, xs[0].q)) ? xs[0].q : this.required(op, i, op.outputs[0]));
        const shapes = xs.map((x) => this.b.shapeOf(x.id));
        const axis = op.axis < 0 ? op.axis + shapes[0].length : op.axis;
        const parts = this.multipliers(op, i, () => concatParts(shapes, axis, xs.map((x) => x.q), qOut));
        this.emit(respec(xs.map((x) => x.id)), op.outputs[0], qOut, { kind: 'concat', parts });
        return;
      }
    }
  }

  run(): QuantGraph {
    for (const id of this.g.inputs) {
      const t = this.g.tensors[id];
      const q = this.recorded(id);
      if (!q) throw new InputError(`${this.source}: graph input ${show(t.name)} is not quantized: no QuantizeLinear reads it`);
      const n = this.b.input(this.unique(this.tensorNames, t.name), t.shape, 'int8', quantization(q));
      this.ids[id] = n;
      this.quantOf.set(n, q);
    }
    this.g.ops.forEach((op, i) => {
      if (!this.skipped.has(i)) this.op(op, i);
    });
    this.b.output(...this.g.outputs.map((id) => this.act(id).id));
    let graph: Graph;
    try {
      graph = validateGraph(this.b.build());
    } catch (e) {
      if (e instanceof IrError) throw new InputError(`${this.source}: the int8 graph is not valid: ${e.message}`);
      throw e;
    }
    return { ...graph, params: this.params };
  }
}

/** The int8 graph of float IR `g` in the quantization `rec` records; `notes` collects where our rules filled in. */
export function buildQuantGraph(g: Graph, rec: QdqRecords, source: string, notes: string[]): QuantGraph {
  return new Builder(g, rec, source, notes).run();
}
