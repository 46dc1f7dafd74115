// A parsed TFLite model (schema-reader.ts) to the IR: a float Graph for a float model, a QuantGraph for
// an int8 one, keeping the model's own quantization and computing every kernel parameter as TFLite's
// int8 kernels do (quant/op-params.ts, the builder every int8 lowering shares). Ops are mapped one by one
// in the model's execution order; the few TFLite idioms that have no IR op of their own are rewritten:
//   QUANTIZE at a graph input / DEQUANTIZE at a graph output: the int8 graph starts/ends at the int8
//     tensor, and the import reports the conversion (`inputs` / `outputs`);
//   TRANSPOSE to NCHW followed by MEAN over the spatial axes (PyTorch exporters' global pooling, in one
//     MEAN or one per axis): one global average pool, then a reshape to the declared shape;
//   a PAD read only by a convolution: folded into the convolution's padding (same bytes, no padded copy),
//     by ir/passes/fold-pads.ts after the walk;
//   depthwise weights [1, KH, KW, C]: transposed to the IR's [C, KH, KW, 1];
//   a missing conv/fully connected bias in an int8 model: zeros (the int8 kernels always take one).
// Anything else the IR cannot take stops with an InputError naming the op, its index and its tensors.
import { GraphBuilder, type OpSpec } from '../../ir/builder.ts';
import { IrError, type Activation, type Graph, type Quantization, type Shape, type TensorId } from '../../ir/graph.ts';
import { foldPadsTraced } from '../../ir/passes/fold-pads.ts';
import { convClassOf } from '../../ir/passes/conv-class.ts';
import { sameShape } from '../../ir/shapes.ts';
import { elementCount, shapeText } from '../../ir/tensors.ts';
import { validateGraph } from '../../ir/validate.ts';
import { InputError, printable, show } from '../../errors.ts';
import { nonFiniteConstant } from '../../quant/finite-values.ts';
import { SOFTMAX_MAX_ROW, SOFTMAX_OUTPUT, softmaxExpTable } from '../../quant/lookup-tables.ts';
import { hardSwishTableTflite, LOGISTIC_OUTPUT, logisticTableTflite } from '../../quant/tflite-int8.ts';
import { ScaleRangeError } from '../../quant/fixed-point.ts';
import { activationClamp, addParams, channelQuant, concatParts, convGeometry, convMultipliers, convParams, elementwiseLayout, FULL_RANGE, meanStep, mulParams, POINT_GEOMETRY, poolParams, requantParams, sameQuant, type Clamp } from '../../quant/op-params.ts';
import type { MeanParams, MeanStep, QuantGraph, QuantOp, TensorQuant } from '../../quant/quant-graph.ts';
import { biasScales, QMAX, QMIN, tensorQuantization } from '../../quant/scales.ts';
import { foldPadsInt8 } from '../../quant/passes.ts';
import { axisPadding } from './padding.ts';
import { Builtin, type FusedActivation, type TfliteModel, type TfliteOperator, type TfliteOptions, type TfliteTensor } from './schema.ts';
import { MAX_DIM } from './schema-reader.ts';
import { constantData, depthwiseToOhwi, hasData } from './tensor-data.ts';

/** Activations larger than this many elements are refused before anything is sized from them. */
export const MAX_ACTIVATION_ELEMENTS = 1 << 26;

/** How a graph input or output of the IR relates to the .tflite file's own. */
export interface TfliteBoundary {
  /** The file's tensor name. */
  readonly name: string;
  /** What the file takes or gives: float32 where the model quantizes its input (or dequantizes its output) itself. */
  readonly fileDtype: 'float32' | 'int8';
  /** The int8 graph tensor's quantization (int8 imports only). */
  readonly quant?: TensorQuant;
}

interface ImportBase {
  readonly file: string;
  readonly inputs: readonly TfliteBoundary[];
  readonly outputs: readonly TfliteBoundary[];
  /** Rewrites and approximations applied, one line each, for reports. */
  readonly notes: readonly string[];
}
export interface FloatImport extends ImportBase {
  readonly precision: 'float32';
  readonly graph: Graph;
}
export interface Int8Import extends ImportBase {
  readonly precision: 'int8';
  readonly graph: QuantGraph;
}
export type TfliteImport = FloatImport | Int8Import;

/** A TFLite tensor that exists only as a view the IR has no op for: the NCHW transpose of an NHWC tensor, possibly already averaged over some of its spatial axes. */
interface NchwView {
  readonly source: TensorId;
  /** NCHW axes (2 = H, 3 = W) already averaged. */
  readonly reduced: ReadonlySet<number>;
  /** The NCHW axes the view still has as dimensions, in order (MEAN without keep_dims drops them). */
  readonly present: readonly number[];
  readonly op: TfliteOperator;
  /** int8: the MEAN ops folded in so far, each with the NCHW axes it averaged and its arithmetic. */
  readonly means: readonly { readonly axes: readonly number[]; readonly step?: MeanStep }[];
}

/** Error lines stay one line, free of escape sequences, whatever a model's tensor names hold (the IR quotes names as they are). */
const oneLine = printable;

type ClampActivation = Extract<Activation, 'none' | 'relu' | 'relu6'>;

function irActivation(a: FusedActivation): ClampActivation | undefined {
  return a === 'NONE' ? 'none' : a === 'RELU' ? 'relu' : a === 'RELU6' ? 'relu6' : undefined;
}

/** The int8 clamp a fused activation is (TANH and SIGN_BIT are refused before any clamp is asked for). */
function clampOf(a: FusedActivation): Clamp {
  return a === 'RELU' ? 'relu' : a === 'RELU6' ? 'relu6' : a === 'RELU_N1_TO_1' ? 'relu_n1_to_1' : 'none';
}

/** Which precision the model is: int8 when any activation is int8; uint8 models are refused. */
function modelPrecision(model: TfliteModel): 'float32' | 'int8' {
  const activations = model.tensors.filter((t) => !hasData(model, t));
  const uint8 = activations.find((t) => t.type === 'UINT8');
  if (uint8) throw new InputError(`${model.file}: tensor ${show(uint8.name, 80)} is UINT8: asymmetric uint8 models are not supported (convert the model to int8)`);
  return activations.some((t) => t.type === 'INT8') ? 'int8' : 'float32';
}

export interface TfliteImportOptions {
  /** Fold a PAD that only a convolution reads into that convolution's padding. Default true. */
  readonly foldPad?: boolean;
}

export function tfliteToIr(model: TfliteModel, graphName: string, options: TfliteImportOptions = {}): TfliteImport {
  return new Importer(model, graphName, modelPrecision(model), options).run();
}

class Importer {
  private readonly b: GraphBuilder;
  private readonly ids = new Map<number, TensorId>();
  private readonly views = new Map<number, NchwView>();
  /** PAD outputs read only by the next convolution, which takes the padding over (see pad()). */
  /** The TFLite op each IR op comes from, by IR op name (for notes written after the passes). */
  private readonly sourceOp = new Map<string, TfliteOperator>();
  /** IR pad op name -> the index in `notes` kept for what became of it (filled after PAD folding). */
  private readonly padNotes = new Map<string, number>();
  /** How many times each tensor is read by any op. */
  private readonly params: QuantOp[] = [];
  private readonly tensorNames = new Set<string>();
  private readonly opNames = new Set<string>();
  private readonly skipped = new Set<number>();
  private readonly notes: string[] = [];
  private readonly int8: boolean;
  private readonly file: string;
  private inputs: TfliteBoundary[] = [];
  private outputs: TfliteBoundary[] = [];

  constructor(
    private readonly model: TfliteModel,
    graphName: string,
    precision: 'float32' | 'int8',
    private readonly importOptions: TfliteImportOptions,
  ) {
    this.b = new GraphBuilder(graphName);
    this.int8 = precision === 'int8';
    this.file = model.file;
  }

  // ---- errors and names ----

  private failOp(op: TfliteOperator, msg: string): never {
    const names = (ids: readonly number[]) => ids.map((i) => (i < 0 ? '(none)' : show(this.model.tensors[i].name, 80))).join(', ');
    throw new InputError(oneLine(`${this.file}: op #${op.index} ${op.opName}: ${msg} (inputs ${names(op.inputs)}; outputs ${names(op.outputs)})`));
  }

  private tensor(i: number): TfliteTensor {
    return this.model.tensors[i];
  }

  private unique(set: Set<string>, base: string): string {
    let name = base === '' ? 'tensor' : base;
    for (let k = 1; set.has(name); k++) name = `${base}.${k}`;
    set.add(name);
    return name;
  }

  // ---- tensors ----

  private checkActivationSize(t: TfliteTensor, op?: TfliteOperator): void {
    const n = elementCount(t.shape);
    if (n > MAX_ACTIVATION_ELEMENTS) {
      const msg = `tensor ${show(t.name, 80)} ${shapeText(t.shape)} has ${n} elements, more than the ${MAX_ACTIVATION_ELEMENTS} allowed`;
      if (op) this.failOp(op, msg);
      throw new InputError(`${this.file}: ${msg}`);
    }
    if (t.isVariable || t.sparse) {
      const msg = `tensor ${show(t.name, 80)} is ${t.isVariable ? 'a variable' : 'sparse'}, which is not supported`;
      if (op) this.failOp(op, msg);
      throw new InputError(`${this.file}: ${msg}`);
    }
  }

  /** The per-tensor int8 quantization of an activation (or an add's constant operand). */
  private quantOf(i: number, op?: TfliteOperator): TensorQuant {
    const t = this.tensor(i);
    const q = t.quantization;
    const fail = (msg: string): never => {
      if (op) this.failOp(op, `tensor ${show(t.name, 80)}: ${msg}`);
      throw new InputError(`${this.file}: tensor ${show(t.name, 80)}: ${msg}`);
    };
    if (t.type !== 'INT8') fail(`is ${t.type === 'OTHER' ? `type code ${t.typeCode}` : t.type}, expected INT8 in an int8 model`);
    if (!q || q.scale.length !== 1 || q.zeroPoint.length !== 1) return fail(`needs one scale and zero point (per-tensor quantization), has ${q ? `${q.scale.length}/${q.zeroPoint.length}` : 'none'}`);
    const scale = q.scale[0];
    const zeroPoint = q.zeroPoint[0];
    if (!(Number.isFinite(scale) && scale > 0)) fail(`scale ${scale} must be positive and finite`);
    if (!Number.isInteger(zeroPoint) || zeroPoint < QMIN || zeroPoint > QMAX) fail(`zero point ${zeroPoint} is outside int8`);
    return { scale, zeroPoint };
  }

  /** The IR id of an activation the op reads. */
  private act(op: TfliteOperator, k: number): TensorId {
    const i = op.inputs[k];
    if (i === undefined || i < 0) this.failOp(op, `input ${k} is missing`);
    const id = this.ids.get(i);
    if (id !== undefined) return id;
    const t = this.tensor(i);
    if (this.views.has(i)) this.failOp(op, `reads ${show(t.name, 80)}, the output of TRANSPOSE op #${this.views.get(i)!.op.index}; the IR takes a TRANSPOSE to NCHW only when MEAN then averages H and W`);
    if (hasData(this.model, t)) this.failOp(op, `input ${k} ${show(t.name, 80)} is a constant where the IR needs an activation`);
    this.failOp(op, `reads ${show(t.name, 80)} before any op produces it (ops out of order, a cycle, or a missing graph input)`);
  }

  private constantOf<T extends 'FLOAT32' | 'INT8' | 'INT32'>(op: TfliteOperator, k: number, type: T) {
    const i = op.inputs[k];
    if (i === undefined || i < 0) this.failOp(op, `input ${k} is missing`);
    const t = this.tensor(i);
    if (!hasData(this.model, t)) this.failOp(op, `input ${k} ${show(t.name, 80)} must be a constant`);
    const data = constantData(this.model, t, type as never) as Float32Array | Int8Array | Int32Array | string;
    if (typeof data === 'string') this.failOp(op, data);
    return { t, data: data as T extends 'FLOAT32' ? Float32Array : T extends 'INT8' ? Int8Array : Int32Array };
  }

  /** An int32 operand (paddings, axes, shapes) as numbers. */
  private intOperand(op: TfliteOperator, k: number): number[] {
    return Array.from(this.constantOf(op, k, 'INT32').data);
  }

  // ---- emitting ops ----

  /** Adds an IR op whose output is TFLite tensor `outIndex`; checks the IR's shape against the declared one. */
  private emit(op: TfliteOperator, spec: OpSpec, outIndex: number, quant?: TensorQuant, p?: QuantOp, declared?: Shape): TensorId {
    const t = this.tensor(outIndex);
    this.checkActivationSize(t, op);
    let id: TensorId;
    try {
      id = this.b.op(spec, this.unique(this.tensorNames, t.name), this.int8 ? 'int8' : 'float32', quant ? tensorQuantization(quant) : undefined);
      this.sourceOp.set(spec.name, op);
    } catch (e) {
      if (e instanceof IrError) this.failOp(op, e.message);
      throw e;
    }
    const want = declared ?? t.shape;
    if (!sameShape(this.b.shapeOf(id), want)) this.failOp(op, `the model declares output ${shapeText(want)}, the op computes ${shapeText(this.b.shapeOf(id))}`);
    if (this.int8) {
      if (!p) throw new Error(`bug: int8 op #${op.index} without parameters`);
      this.params.push(p);
    }
    return id;
  }

  private opName(op: TfliteOperator, suffix = ''): string {
    const out = op.outputs[0] !== undefined ? this.tensor(op.outputs[0]).name : '';
    return this.unique(this.opNames, `${out || op.opName.toLowerCase()}${suffix}`);
  }

  /** The declared output, or a reshape to it when the IR's natural shape differs only in layout. */
  private emitWithReshape(op: TfliteOperator, spec: OpSpec, natural: Shape, quant?: TensorQuant, p?: QuantOp): void {
    const outIndex = op.outputs[0];
    const declared = this.tensor(outIndex).shape;
    if (sameShape(natural, declared)) {
      this.ids.set(outIndex, this.emit(op, spec, outIndex, quant, p));
      return;
    }
    if (elementCount(natural) !== elementCount(declared)) this.failOp(op, `the model declares output ${shapeText(declared)}, the op computes ${shapeText(natural)}`);
    // An intermediate tensor in the IR's shape, then the reshape to the model's.
    const mid = this.emitNamed(op, spec, `${this.tensor(outIndex).name}.pre_reshape`, natural, quant, p);
    const reshape: OpSpec = { kind: 'reshape', name: this.opName(op, '.reshape'), inputs: [mid], shape: declared.slice() };
    this.ids.set(outIndex, this.emit(op, reshape, outIndex, quant, { kind: 'reshape' }));
  }

  private emitNamed(op: TfliteOperator, spec: OpSpec, name: string, shape: Shape, quant?: TensorQuant, p?: QuantOp): TensorId {
    let id: TensorId;
    try {
      id = this.b.op(spec, this.unique(this.tensorNames, name), this.int8 ? 'int8' : 'float32', quant ? tensorQuantization(quant) : undefined);
      this.sourceOp.set(spec.name, op);
    } catch (e) {
      if (e instanceof IrError) this.failOp(op, e.message);
      throw e;
    }
    if (!sameShape(this.b.shapeOf(id), shape)) this.failOp(op, `expected ${shapeText(shape)}, the op computes ${shapeText(this.b.shapeOf(id))}`);
    if (this.int8) this.params.push(p!);
    return id;
  }

  private fusedActivation(op: TfliteOperator, a: FusedActivation): ClampActivation {
    const ir = irActivation(a);
    if (ir) return ir;
    // int8 carries RELU_N1_TO_1 as its clamp (actMin/actMax); the float IR has no such activation.
    if (a === 'RELU_N1_TO_1' && this.int8) {
      this.notes.push(`op #${op.index} ${op.opName}: fused RELU_N1_TO_1 kept as the int8 clamp only (the IR op says activation none)`);
      return 'none';
    }
    this.failOp(op, `fused activation ${a} is not supported`);
  }

  private options<K extends TfliteOptions['kind']>(op: TfliteOperator, kind: K): Extract<TfliteOptions, { kind: K }> {
    if (op.options.kind !== kind) throw new Error(`bug: op #${op.index} has ${op.options.kind} options, expected ${kind}`);
    return op.options as Extract<TfliteOptions, { kind: K }>;
  }

  private sameQuant(op: TfliteOperator, a: TensorQuant, b: TensorQuant, what: string): void {
    if (a.scale !== b.scale || a.zeroPoint !== b.zeroPoint)
      this.failOp(op, `${what}: input and output quantization differ (${a.scale}/${a.zeroPoint} vs ${b.scale}/${b.zeroPoint}); TFLite's int8 kernel requires them equal`);
  }

  private wrapMultiplier<T>(op: TfliteOperator, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof ScaleRangeError) this.failOp(op, `scales give an unusable requantization multiplier: ${e.message}`);
      throw e;
    }
  }

  // ---- graph boundary ----

  private setUpInputs(): void {
    const consumers = (i: number) => this.model.operators.filter((o) => o.inputs.includes(i));
    for (const i of this.model.inputs) {
      const t = this.tensor(i);
      this.checkActivationSize(t);
      if (this.ids.has(i)) throw new InputError(`${this.file}: tensor ${show(t.name, 80)} is listed twice as a graph input`);
      if (hasData(this.model, t)) throw new InputError(`${this.file}: graph input ${show(t.name, 80)} has constant data`);
      if (!this.int8) {
        if (t.type !== 'FLOAT32') throw new InputError(`${this.file}: graph input ${show(t.name, 80)} is ${t.type} in a float model`);
        this.ids.set(i, this.b.input(this.unique(this.tensorNames, t.name), t.shape, 'float32'));
        this.inputs.push({ name: t.name, fileDtype: 'float32' });
        continue;
      }
      if (t.type === 'INT8') {
        const q = this.quantOf(i);
        this.ids.set(i, this.b.input(this.unique(this.tensorNames, t.name), t.shape, 'int8', tensorQuantization(q)));
        this.inputs.push({ name: t.name, fileDtype: 'int8', quant: q });
        continue;
      }
      // A float input that the model quantizes itself: the int8 graph starts after its QUANTIZE.
      const users = consumers(i);
      const quantize = users[0];
      if (t.type !== 'FLOAT32' || users.length !== 1 || quantize.builtin !== Builtin.QUANTIZE)
        throw new InputError(`${this.file}: graph input ${show(t.name, 80)} is ${t.type} in an int8 model; only a float input read by one QUANTIZE op is supported`);
      const out = quantize.outputs[0];
      if (out === undefined || quantize.outputs.length !== 1) throw new InputError(`${this.file}: op #${quantize.index} QUANTIZE must have one output`);
      const q = this.quantOf(out, quantize);
      this.checkActivationSize(this.tensor(out), quantize);
      if (!sameShape(this.tensor(out).shape, t.shape)) this.failOp(quantize, 'changes the shape');
      this.ids.set(out, this.b.input(this.unique(this.tensorNames, this.tensor(out).name), t.shape, 'int8', tensorQuantization(q)));
      this.skipped.add(quantize.index);
      this.inputs.push({ name: t.name, fileDtype: 'float32', quant: q });
      this.notes.push(`graph input ${show(t.name, 80)}: float32 in the file, quantized by op #${quantize.index} QUANTIZE (scale ${q.scale}, zero point ${q.zeroPoint}); the int8 graph starts after it`);
    }
  }

  private setUpOutputs(): void {
    for (const i of this.model.outputs) {
      const t = this.tensor(i);
      let id = this.ids.get(i);
      if (id !== undefined) {
        this.b.output(id);
        this.outputs.push({ name: t.name, fileDtype: this.int8 ? 'int8' : 'float32', ...(this.int8 ? { quant: this.quantOf(i) } : {}) });
        continue;
      }
      // A float output that the model dequantizes itself: the int8 graph ends before its DEQUANTIZE.
      const producer = this.model.operators.find((o) => o.outputs.includes(i));
      if (this.int8 && producer && producer.builtin === Builtin.DEQUANTIZE && this.skipped.has(producer.index)) {
        const src = producer.inputs[0];
        id = this.ids.get(src);
        if (id === undefined) this.failOp(producer, 'its input is not computed by the graph');
        const q = this.quantOf(src, producer);
        this.b.output(id);
        this.outputs.push({ name: t.name, fileDtype: 'float32', quant: q });
        this.notes.push(`graph output ${show(t.name, 80)}: float32 in the file, dequantized by op #${producer.index} DEQUANTIZE; the int8 graph ends before it`);
        continue;
      }
      throw new InputError(`${this.file}: graph output ${show(t.name, 80)} is not produced by any op the importer mapped`);
    }
  }

  // ---- the walk ----

  run(): TfliteImport {
    this.setUpInputs();
    const graphOutputs = new Set(this.model.outputs);
    for (const op of this.model.operators) {
      if (this.skipped.has(op.index)) continue;
      if (op.builtin === Builtin.DEQUANTIZE && this.int8 && op.outputs.length === 1 && graphOutputs.has(op.outputs[0]) && this.ids.has(op.inputs[0] ?? -1)) {
        this.skipped.add(op.index);
        continue;
      }
      this.mapOp(op);
    }
    this.setUpOutputs();
    let graph: Graph;
    try {
      graph = validateGraph(this.b.build());
    } catch (e) {
      if (e instanceof IrError) throw new InputError(oneLine(`${this.file}: ${e.message}`));
      throw e;
    }
    // A NaN or infinite float weight would pass every later stage until calibration.
    const nonFinite = nonFiniteConstant(graph);
    if (nonFinite) throw new InputError(`${this.file}: ${nonFinite}`);
    if (this.int8 && this.params.length !== graph.ops.length) throw new Error(`bug: ${this.params.length} parameter records for ${graph.ops.length} ops`);
    const fold = this.importOptions.foldPad !== false;
    const done = this.int8 ? (fold ? foldPadsInt8({ ...graph, params: this.params }) : { graph: { ...graph, params: this.params }, folded: [] }) : fold ? foldPadsTraced(graph) : { graph, folded: [] };
    for (const f of done.folded) {
      const pad = this.sourceOp.get(graph.ops[f.pad].name)!;
      const conv = this.sourceOp.get(graph.ops[f.conv].name)!;
      this.notes[this.padNotes.get(graph.ops[f.pad].name)!] = `op #${pad.index} PAD: folded into op #${conv.index} ${conv.opName}'s padding`;
    }
    const base = { file: this.file, inputs: this.inputs, outputs: this.outputs, notes: this.notes.filter((n) => n !== '') };
    return this.int8 ? { ...base, precision: 'int8', graph: done.graph as QuantGraph } : { ...base, precision: 'float32', graph: done.graph };
  }

  private mapOp(op: TfliteOperator): void {
    if (op.outputs.length !== 1) this.failOp(op, `has ${op.outputs.length} outputs; the IR's ops have one`);
    if (this.ids.has(op.outputs[0]) || this.views.has(op.outputs[0])) this.failOp(op, `writes ${show(this.tensor(op.outputs[0]).name, 80)}, which already has a value`);
    switch (op.builtin) {
      case Builtin.CONV_2D:
      case Builtin.DEPTHWISE_CONV_2D:
        return this.conv(op);
      case Builtin.FULLY_CONNECTED:
        return this.fullyConnected(op);
      case Builtin.ADD:
      case Builtin.MUL:
        return this.binary(op);
      case Builtin.AVERAGE_POOL_2D:
      case Builtin.MAX_POOL_2D:
        return this.pool(op);
      case Builtin.MEAN:
        return this.mean(op);
      case Builtin.TRANSPOSE:
        return this.transpose(op);
      case Builtin.PAD:
        return this.pad(op);
      case Builtin.RESHAPE:
      case Builtin.SQUEEZE:
        return this.reshape(op);
      case Builtin.SOFTMAX:
        return this.softmax(op);
      case Builtin.HARD_SWISH:
        return this.hardSwish(op);
      case Builtin.CONCATENATION:
        return this.concat(op);
      case Builtin.QUANTIZE:
        return this.requantize(op);
      case Builtin.DEQUANTIZE:
        return this.failOp(op, 'DEQUANTIZE is supported only on a graph output (the int8 graph cannot switch to float inside)');
      case Builtin.LOGISTIC:
        return this.logistic(op);
      default:
        return this.failOp(op, 'this operator is not supported by the IR');
    }
  }

  // ---- per op ----

  private conv(op: TfliteOperator): void {
    const depthwise = op.builtin === Builtin.DEPTHWISE_CONV_2D;
    const o = depthwise ? this.options(op, 'depthwise') : this.options(op, 'conv');
    if (!(Number.isInteger(o.dilationH) && Number.isInteger(o.dilationW) && o.dilationH >= 1 && o.dilationW >= 1))
      this.failOp(op, `dilation_h_factor ${o.dilationH} / dilation_w_factor ${o.dilationW} must be positive integers`);
    const dilated = o.dilationH !== 1 || o.dilationW !== 1;
    const x = this.act(op, 0);
    const xs = this.b.shapeOf(x);
    if (xs.length !== 4) this.failOp(op, `input must be NHWC, got ${shapeText(xs)}`);
    const wt = this.tensor(op.inputs[1] ?? -1) ?? this.failOp(op, 'weight is missing');
    if (wt.shape.length !== 4) this.failOp(op, `weight must have rank 4, got ${shapeText(wt.shape)}`);
    const cin = xs[3];
    let cout: number, kh: number, kw: number, groups: number;
    if (depthwise) {
      // depth_multiplier is redundant (TFLite ignores it since 2.x): the weight's channels decide.
      [, kh, kw, cout] = wt.shape;
      if (wt.shape[0] !== 1 || cout % cin !== 0) this.failOp(op, `depthwise weight ${shapeText(wt.shape)} must be [1, KH, KW, C x multiplier] for ${cin} input channels`);
      groups = cin;
    } else {
      [cout, kh, kw] = wt.shape;
      const cpg = wt.shape[3];
      if (cin % cpg !== 0) this.failOp(op, `weight ${shapeText(wt.shape)} does not divide the ${cin} input channels`);
      groups = cin / cpg;
    }
    if ((kh - 1) * o.dilationH + 1 > MAX_DIM || (kw - 1) * o.dilationW + 1 > MAX_DIM)
      this.failOp(op, `dilation_h_factor ${o.dilationH} / dilation_w_factor ${o.dilationW} spread the ${kh}x${kw} kernel over more than ${MAX_DIM} inputs`);
    const ph = axisPadding(o.padding, xs[1], kh, o.strideH, o.dilationH);
    const pw = axisPadding(o.padding, xs[2], kw, o.strideW, o.dilationW);
    if (!(o.strideH >= 1 && o.strideW >= 1)) this.failOp(op, `stride ${o.strideH}x${o.strideW} must be positive`);
    if (!ph || !pw) this.failOp(op, `kernel ${kh}x${kw}${dilated ? ` (dilation ${o.dilationH}x${o.dilationW})` : ''} does not fit the ${xs[1]}x${xs[2]} input with ${o.padding} padding`);
    const padding = { top: ph.before, bottom: ph.after, left: pw.before, right: pw.after };
    const activation = this.fusedActivation(op, o.activation);
    const name = this.opName(op);
    const wName = this.unique(this.tensorNames, wt.name);
    const ohwi: Shape = depthwise ? [cout, kh, kw, 1] : wt.shape;
    const geometry = { kind: 'conv2d' as const, name, kernel: [kh, kw] as const, stride: [o.strideH, o.strideW] as const, padding, groups, activation, ...(dilated ? { dilation: [o.dilationH, o.dilationW] as const } : {}) };

    if (!this.int8) {
      const w = this.constantOf(op, 1, 'FLOAT32').data;
      const wId = this.b.constant(wName, ohwi, depthwise ? depthwiseToOhwi(w, kh, kw, cout) : w);
      const inputs = [x, wId];
      if ((op.inputs[2] ?? -1) >= 0) inputs.push(this.floatBias(op, 2, cout));
      this.ids.set(op.outputs[0], this.emit(op, { ...geometry, inputs }, op.outputs[0]));
      return;
    }
    const qIn = this.quantOf(op.inputs[0], op);
    const qOut = this.quantOf(op.outputs[0], op);
    const { data: w } = this.constantOf(op, 1, 'INT8');
    const wScales = this.weightScales(op, wt, cout, depthwise ? 3 : 0);
    const wQuant = channelQuant(wScales, wScales.length > 1);
    const wId = this.b.constant(wName, ohwi, depthwise ? depthwiseToOhwi(w, kh, kw, cout) : w, wQuant);
    const bId = this.int8Bias(op, 2, cout, qIn.scale, wScales, name);
    const m = this.wrapMultiplier(op, () => convMultipliers(qIn.scale, wScales, qOut.scale, cout, 'double'));
    const params = convParams(convGeometry(geometry), qIn, qOut, activationClamp(clampOf(o.activation), qOut), m);
    const variant = convClassOf(geometry, cin, cout);
    this.ids.set(op.outputs[0], this.emit(op, { ...geometry, inputs: [x, wId, bId] }, op.outputs[0], qOut, { kind: 'conv2d', variant, groups, params }));
  }

  /** Weight scales, checked: symmetric (zero point 0), one per tensor or one per output channel along `axis`. */
  private weightScales(op: TfliteOperator, wt: TfliteTensor, cout: number, axis: number): number[] {
    const q = wt.quantization;
    if (wt.type !== 'INT8') this.failOp(op, `weight ${show(wt.name, 80)} is ${wt.type}, expected INT8`);
    if (!q || q.scale.length === 0) this.failOp(op, `weight ${show(wt.name, 80)} has no quantization`);
    if (q.scale.length !== 1 && (q.scale.length !== cout || q.quantizedDimension !== axis))
      this.failOp(op, `weight ${show(wt.name, 80)} has ${q.scale.length} scales on dimension ${q.quantizedDimension}; expected 1, or ${cout} on dimension ${axis}`);
    if (q.zeroPoint.some((z) => z !== 0)) this.failOp(op, `weight ${show(wt.name, 80)} has a nonzero zero point (int8 weights must be symmetric)`);
    if (!q.scale.every((s) => Number.isFinite(s) && s > 0)) this.failOp(op, `weight ${show(wt.name, 80)} has a scale that is not positive and finite`);
    return q.scale.slice();
  }

  private floatBias(op: TfliteOperator, k: number, channels: number): TensorId {
    const { t, data } = this.constantOf(op, k, 'FLOAT32');
    if (data.length !== channels) this.failOp(op, `bias ${show(t.name, 80)} has ${data.length} values for ${channels} output channels`);
    return this.b.constant(this.unique(this.tensorNames, t.name), [channels], data);
  }

  /** The model's int32 bias with its own quantization, or zeros (scale input x weight) when the op has none. */
  private int8Bias(op: TfliteOperator, k: number, channels: number, inputScale: number, wScales: readonly number[], opName: string): TensorId {
    const perChannel = wScales.length > 1;
    const quant = channelQuant(biasScales(inputScale, wScales), perChannel);
    if ((op.inputs[k] ?? -1) < 0) {
      this.notes.push(`op #${op.index} ${op.opName}: no bias in the model; a zero int32 bias is added (the int8 kernels always take one)`);
      return this.b.constant(this.unique(this.tensorNames, `${opName}.bias`), [channels], new Int32Array(channels), quant);
    }
    const { t, data } = this.constantOf(op, k, 'INT32');
    if (data.length !== channels) this.failOp(op, `bias ${show(t.name, 80)} has ${data.length} values for ${channels} output channels`);
    const q = t.quantization;
    const own: Quantization | undefined =
      q && q.scale.length === channels && channels > 1 && q.scale.every((s) => Number.isFinite(s) && s > 0)
        ? { scale: q.scale.slice(), zeroPoint: q.scale.map(() => 0), axis: 0 }
        : q && q.scale.length === 1 && Number.isFinite(q.scale[0]) && q.scale[0] > 0
          ? { scale: [q.scale[0]], zeroPoint: [0] }
          : undefined;
    return this.b.constant(this.unique(this.tensorNames, t.name), [channels], data, own ?? quant);
  }

  private fullyConnected(op: TfliteOperator): void {
    const o = this.options(op, 'fully_connected');
    if (o.weightsFormat !== 0) this.failOp(op, `weights format ${o.weightsFormat} (shuffled) is not supported`);
    const x = this.act(op, 0);
    const wt = this.tensor(op.inputs[1] ?? -1) ?? this.failOp(op, 'weight is missing');
    if (wt.shape.length !== 2) this.failOp(op, `weight must be [OUT, IN], got ${shapeText(wt.shape)}`);
    const [out] = wt.shape;
    const activation = this.fusedActivation(op, o.activation);
    const name = this.opName(op);
    const wName = this.unique(this.tensorNames, wt.name);
    const xs = this.b.shapeOf(x);
    const natural: Shape = [xs[0], out];
    if (!this.int8) {
      const wId = this.b.constant(wName, wt.shape, this.constantOf(op, 1, 'FLOAT32').data);
      const inputs = [x, wId];
      if ((op.inputs[2] ?? -1) >= 0) inputs.push(this.floatBias(op, 2, out));
      this.emitWithReshape(op, { kind: 'fully_connected', name, inputs, activation }, natural);
      return;
    }
    const qIn = this.quantOf(op.inputs[0], op);
    const qOut = this.quantOf(op.outputs[0], op);
    const wScales = this.weightScales(op, wt, out, 0);
    const wQuant = channelQuant(wScales, wScales.length > 1);
    const wId = this.b.constant(wName, wt.shape, this.constantOf(op, 1, 'INT8').data, wQuant);
    const bId = this.int8Bias(op, 2, out, qIn.scale, wScales, name);
    // TFLite: per-channel weights as a conv (double), one weight scale in float (GetQuantizedConvolutionMultipler).
    const m = this.wrapMultiplier(op, () => convMultipliers(qIn.scale, wScales, qOut.scale, out, wScales.length > 1 ? 'double' : 'float'));
    const params = convParams(POINT_GEOMETRY, qIn, qOut, activationClamp(clampOf(o.activation), qOut), m);
    this.emitWithReshape(op, { kind: 'fully_connected', name, inputs: [x, wId, bId], activation }, natural, qOut, { kind: 'fully_connected', params });
  }

  /** An ADD/MUL operand: an activation, or a constant (int8 with its own quantization, or float). */
  private operand(op: TfliteOperator, k: number): TensorId {
    const i = op.inputs[k] ?? -1;
    if (i < 0) this.failOp(op, `input ${k} is missing`);
    const t = this.tensor(i);
    if (!hasData(this.model, t)) return this.act(op, k);
    const existing = this.ids.get(i);
    if (existing !== undefined) return existing;
    const id = this.int8
      ? this.b.constant(this.unique(this.tensorNames, t.name), t.shape, this.constantOf(op, k, 'INT8').data, tensorQuantization(this.quantOf(i, op)))
      : this.b.constant(this.unique(this.tensorNames, t.name), t.shape, this.constantOf(op, k, 'FLOAT32').data);
    this.ids.set(i, id);
    return id;
  }

  private binary(op: TfliteOperator): void {
    const o = this.options(op, 'activation');
    if (op.inputs.length !== 2) this.failOp(op, `takes 2 inputs, got ${op.inputs.length}`);
    const a = this.operand(op, 0);
    const c = this.operand(op, 1);
    const kind = op.builtin === Builtin.ADD ? 'add' : 'mul';
    const activation = this.fusedActivation(op, o.activation);
    const spec: OpSpec = { kind, name: this.opName(op), inputs: [a, c], activation };
    if (!this.int8) {
      this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0]));
      return;
    }
    const layout = elementwiseLayout(this.b.shapeOf(a), this.b.shapeOf(c));
    if (!layout) this.failOp(op, `int8 ${kind} supports equal shapes or a per-channel/scalar operand, not ${shapeText(this.b.shapeOf(a))} with ${shapeText(this.b.shapeOf(c))}`);
    const qa = this.quantOf(op.inputs[0], op);
    const qb = this.quantOf(op.inputs[1], op);
    const qOut = this.quantOf(op.outputs[0], op);
    const p: QuantOp =
      kind === 'add'
        ? { kind, layout, params: this.wrapMultiplier(op, () => addParams(qa, qb, qOut, activationClamp(clampOf(o.activation), qOut))) }
        : { kind, layout, params: this.wrapMultiplier(op, () => mulParams(qa, qb, qOut, activationClamp(clampOf(o.activation), qOut), 'double')) };
    this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0], qOut, p));
  }

  private pool(op: TfliteOperator): void {
    const o = this.options(op, 'pool');
    const x = this.act(op, 0);
    const xs = this.b.shapeOf(x);
    if (xs.length !== 4) this.failOp(op, `input must be NHWC, got ${shapeText(xs)}`);
    if (!(o.strideH >= 1 && o.strideW >= 1 && o.filterH >= 1 && o.filterW >= 1)) this.failOp(op, `filter ${o.filterH}x${o.filterW} and stride ${o.strideH}x${o.strideW} must be positive`);
    const ph = axisPadding(o.padding, xs[1], o.filterH, o.strideH);
    const pw = axisPadding(o.padding, xs[2], o.filterW, o.strideW);
    if (!ph || !pw) this.failOp(op, `filter ${o.filterH}x${o.filterW} does not fit the ${xs[1]}x${xs[2]} input with ${o.padding} padding`);
    const padding = { top: ph.before, bottom: ph.after, left: pw.before, right: pw.after };
    const kind = op.builtin === Builtin.MAX_POOL_2D ? 'max_pool' : 'avg_pool';
    const spec: OpSpec = { kind, name: this.opName(op), inputs: [x], kernel: [o.filterH, o.filterW], stride: [o.strideH, o.strideW], padding };
    if (!this.int8) {
      // The IR's pools have no fused activation: a separate op applies it.
      const act = this.fusedActivation(op, o.activation);
      if (act === 'none') {
        this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0]));
        return;
      }
      const mid = this.emitNamed(op, spec, `${this.tensor(op.outputs[0]).name}.pre_activation`, this.tensor(op.outputs[0]).shape);
      this.ids.set(op.outputs[0], this.emit(op, { kind: act, name: this.opName(op, `.${act}`), inputs: [mid] }, op.outputs[0]));
      return;
    }
    if (o.activation === 'TANH' || o.activation === 'SIGN_BIT') this.failOp(op, `fused activation ${o.activation} is not supported`);
    const qIn = this.quantOf(op.inputs[0], op);
    const qOut = this.quantOf(op.outputs[0], op);
    this.sameQuant(op, qIn, qOut, kind);
    const geometry = { kernelH: o.filterH, kernelW: o.filterW, strideH: o.strideH, strideW: o.strideW, padTop: padding.top, padLeft: padding.left };
    const p: QuantOp = { kind, params: poolParams(geometry, activationClamp(clampOf(o.activation), qOut)) };
    this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0], qOut, p));
  }

  private transpose(op: TfliteOperator): void {
    const perm = this.intOperand(op, 1);
    const x = this.act(op, 0);
    const xs = this.b.shapeOf(x);
    const out = this.tensor(op.outputs[0]);
    if (perm.length !== xs.length || new Set(perm).size !== perm.length || perm.some((p) => !(p >= 0 && p < xs.length)))
      this.failOp(op, `permutation [${perm.join(', ')}] is not a permutation of rank ${xs.length}`);
    if (this.int8) this.sameQuant(op, this.quantOf(op.inputs[0], op), this.quantOf(op.outputs[0], op), 'TRANSPOSE');
    // Moving only size-1 dimensions keeps the element order: a reshape.
    const moved = perm.map((p) => xs[p]);
    const nonUnit = (order: number[]) => order.filter((p) => xs[p] !== 1);
    const keepsOrder = nonUnit(perm).every((p, k, a) => k === 0 || a[k - 1] < p);
    if (keepsOrder) {
      const spec: OpSpec = { kind: 'reshape', name: this.opName(op), inputs: [x], shape: moved };
      this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0], this.int8 ? this.quantOf(op.outputs[0], op) : undefined, { kind: 'reshape' }));
      return;
    }
    if (xs.length === 4 && perm.join() === '0,3,1,2' && sameShape(out.shape, moved)) {
      // NHWC -> NCHW: kept as a view; MEAN over H and W turns it into a global average pool.
      this.views.set(op.outputs[0], { source: x, reduced: new Set(), present: [0, 1, 2, 3], op, means: [] });
      return;
    }
    this.failOp(op, `permutation [${perm.join(', ')}] of ${shapeText(xs)} is not supported (only layout no-ops, or NHWC to NCHW before a spatial MEAN)`);
  }

  private mean(op: TfliteOperator): void {
    const o = this.options(op, 'reducer');
    const inIndex = op.inputs[0] ?? -1;
    const axesRaw = this.intOperand(op, 1);
    const view = this.views.get(inIndex);
    const sourceId = view ? view.source : this.act(op, 0);
    const rank = view ? view.present.length : this.b.shapeOf(sourceId).length;
    const axes = new Set(axesRaw.map((a) => (a < 0 ? a + rank : a)));
    if ([...axes].some((a) => !Number.isInteger(a) || a < 0 || a >= rank)) this.failOp(op, `axes [${axesRaw.join(', ')}] are out of range for rank ${rank}`);
    const qOut = this.int8 ? this.quantOf(op.outputs[0], op) : undefined;
    // TFLite's int8 MEAN (quant/op-params.ts meanStep): its special 4-D path needs keep_dims and the axes [1, 2] as written.
    const special4d = o.keepDims && rank === 4 && axesRaw.length === 2 && ((axesRaw[0] === 1 && axesRaw[1] === 2) || (axesRaw[0] === 2 && axesRaw[1] === 1));
    const step = qOut ? this.wrapMultiplier(op, () => meanStep(this.quantOf(inIndex, op), qOut, special4d)) : undefined;
    const xs = this.b.shapeOf(sourceId);
    let means: { readonly axes: readonly number[]; readonly step?: MeanStep }[];

    if (view) {
      // The axes index the view's remaining dims; map them back to NCHW axes (2 = H, 3 = W).
      const nchwAxes = [...axes].map((a) => view.present[a]);
      if (nchwAxes.some((a) => a !== 2 && a !== 3)) this.failOp(op, `averages NCHW axes [${nchwAxes.join(', ')}] of a transposed tensor; only H and W (a global average pool) are supported`);
      const reduced = new Set([...view.reduced, ...nchwAxes]);
      means = [...view.means, { axes: nchwAxes, ...(step ? { step } : {}) }];
      if (reduced.size < 2) {
        const present = o.keepDims ? view.present : view.present.filter((a) => !reduced.has(a));
        const declared = this.tensor(op.outputs[0]).shape;
        const expected = present.map((a) => (reduced.has(a) ? 1 : [xs[0], xs[3], xs[1], xs[2]][a]));
        if (!sameShape(declared, expected)) this.failOp(op, `the model declares output ${shapeText(declared)}, the op computes ${shapeText(expected)}`);
        this.views.set(op.outputs[0], { source: view.source, reduced, present, op, means });
        this.notes.push(`op #${op.index} MEAN: averages one spatial axis of a transposed tensor; folded with the next MEAN into one global average pool`);
        return;
      }
    } else if (xs.length !== 4 || axes.size !== 2 || !axes.has(1) || !axes.has(2)) {
      this.failOp(op, `only MEAN over H and W of an NHWC tensor is supported, got axes [${axesRaw.join(', ')}] of ${shapeText(xs)}`);
    } else means = [{ axes: [2, 3], ...(step ? { step } : {}) }];
    means = means!;
    const spec: OpSpec = { kind: 'global_avg_pool', name: this.opName(op), inputs: [sourceId] };
    let p: QuantOp | undefined;
    if (this.int8) {
      const steps = means.filter((m) => m.axes.length > 0).map((m) => m.step!);
      const nonEmpty = means.filter((m) => m.axes.length > 0);
      // Averaging an axis of size 1 is a copy in TFLite too (sum / 1, or the requantization of one value), but
      // keep every MEAN as its own step so the arithmetic stays TFLite's.
      const mean: MeanParams =
        nonEmpty.length === 1
          ? { axes: 'hw', steps }
          : nonEmpty.length === 2 && nonEmpty[0].axes.length === 1
            ? { axes: nonEmpty[0].axes[0] === 3 ? 'w,h' : 'h,w', steps }
            : this.failOp(op, `averages H and W in ${nonEmpty.length} MEAN ops; one or two (one axis each) are supported`);
      p = { kind: 'global_avg_pool', ...FULL_RANGE, mean };
      const what = (s: MeanStep) => (s.rounding === 'truncate' ? 'truncating (reference_ops::Mean, equal quantizations)' : s.rounding === 'nearest' ? 'requantized and rounded to nearest (reference_integer_ops::Mean)' : 'in float32 (QuantizedMeanOrSum, different quantizations)');
      this.notes.push(`op #${op.index} MEAN: int8 mean as TFLite computes it: ${mean.axes === 'hw' ? 'one division' : `two divisions (${mean.axes === 'w,h' ? 'W then H' : 'H then W'})`}, ${steps.map(what).join(', then ')}`);
    }
    this.notes.push(`op #${op.index} MEAN: mapped to a global average pool${view ? ` (TRANSPOSE op #${view.op.index} and the MEAN ops before folded in)` : ''}`);
    this.emitWithReshape(op, spec, [xs[0], 1, 1, xs[3]], qOut, p);
  }

  private pad(op: TfliteOperator): void {
    const x = this.act(op, 0);
    const xs = this.b.shapeOf(x);
    const pads = this.intOperand(op, 1);
    if (xs.length !== 4 || pads.length !== 8) this.failOp(op, `only NHWC padding with a [4, 2] paddings tensor is supported (input ${shapeText(xs)}, ${pads.length} padding values)`);
    const [nb, na, top, bottom, left, right, cb, ca] = pads;
    if (nb || na || cb || ca) this.failOp(op, `pads the batch or channel axis ([${pads.join(', ')}]); only H and W are supported`);
    if ([top, bottom, left, right].some((v) => !(v >= 0 && v <= 1 << 16))) this.failOp(op, `paddings [${pads.join(', ')}] must be non-negative and at most 65536`);
    const padding = { top, bottom, left, right };
    const qOut = this.int8 ? this.quantOf(op.outputs[0], op) : undefined;
    if (qOut) this.sameQuant(op, this.quantOf(op.inputs[0], op), qOut, 'PAD');
    const spec: OpSpec = { kind: 'pad', name: this.opName(op), inputs: [x], padding, value: 0 };
    // A PAD read only by a convolution becomes that convolution's padding after the walk (fold-pads.ts); its
    // note keeps this place among the notes.
    this.padNotes.set(spec.name, this.notes.length);
    this.notes.push('');
    if (!qOut) {
      this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0]));
      return;
    }
    // TFLite's int8 PAD fills with the output zero point: real value 0.
    this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0], qOut, { kind: 'pad', padTop: top, padLeft: left, value: qOut.zeroPoint }));
  }

  private reshape(op: TfliteOperator): void {
    const x = this.act(op, 0);
    const shape = this.tensor(op.outputs[0]).shape.slice();
    const spec: OpSpec = { kind: 'reshape', name: this.opName(op), inputs: [x], shape };
    if (!this.int8) {
      this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0]));
      return;
    }
    const qIn = this.quantOf(op.inputs[0], op);
    const qOut = this.quantOf(op.outputs[0], op);
    this.sameQuant(op, qIn, qOut, op.opName);
    this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0], qOut, { kind: 'reshape' }));
  }

  private softmax(op: TfliteOperator): void {
    const o = this.options(op, 'softmax');
    if (o.beta !== 1) this.failOp(op, `beta ${o.beta} is not supported (the IR's softmax has beta 1)`);
    const x = this.act(op, 0);
    const spec: OpSpec = { kind: 'softmax', name: this.opName(op), inputs: [x] };
    if (!this.int8) {
      this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0]));
      return;
    }
    const xs = this.b.shapeOf(x);
    if (xs[xs.length - 1] > SOFTMAX_MAX_ROW) this.failOp(op, `rows of ${xs[xs.length - 1]} values exceed the int8 softmax's ${SOFTMAX_MAX_ROW}`);
    const qIn = this.quantOf(op.inputs[0], op);
    const qOut = this.quantOf(op.outputs[0], op);
    if (qOut.scale !== SOFTMAX_OUTPUT.scale || qOut.zeroPoint !== SOFTMAX_OUTPUT.zeroPoint)
      this.failOp(op, `int8 softmax output must have scale 1/256 and zero point -128 (TFLite's rule), got ${qOut.scale}/${qOut.zeroPoint}`);
    this.notes.push(`op #${op.index} SOFTMAX: int8 softmax by src/quant's exponent table, not TFLite's fixed-point exp (equal on every 2-value row at MLPerf VWW's scale; rare differences of 1 on long rows)`);
    this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0], qOut, { kind: 'softmax', expTable: softmaxExpTable(qIn.scale) }));
  }

  private hardSwish(op: TfliteOperator): void {
    const x = this.act(op, 0);
    const spec: OpSpec = { kind: 'hard_swish', name: this.opName(op), inputs: [x] };
    if (!this.int8) {
      this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0]));
      return;
    }
    const qIn = this.quantOf(op.inputs[0], op);
    const qOut = this.quantOf(op.outputs[0], op);
    let lut: Int8Array;
    try {
      lut = hardSwishTableTflite(qIn, qOut);
    } catch (e) {
      if (e instanceof RangeError) this.failOp(op, e.message);
      throw e;
    }
    this.notes.push(`op #${op.index} HARD_SWISH: int8 table of TFLite's 16-bit fixed-point hard-swish (reference_ops::HardSwish), exact`);
    this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0], qOut, { kind: 'hard_swish', lut }));
  }

  private logistic(op: TfliteOperator): void {
    const x = this.act(op, 0);
    const spec: OpSpec = { kind: 'sigmoid', name: this.opName(op), inputs: [x] };
    if (!this.int8) {
      this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0]));
      return;
    }
    const qIn = this.quantOf(op.inputs[0], op);
    const qOut = this.quantOf(op.outputs[0], op);
    if (qOut.scale !== LOGISTIC_OUTPUT.scale || qOut.zeroPoint !== LOGISTIC_OUTPUT.zeroPoint)
      this.failOp(op, `int8 LOGISTIC output must have scale 1/256 and zero point -128 (TFLite's rule), got ${qOut.scale}/${qOut.zeroPoint}`);
    this.notes.push(`op #${op.index} LOGISTIC: int8 table of TFLite's fixed-point logistic (reference_integer_ops::Logistic, as TFLite Micro runs it)`);
    this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0], qOut, { kind: 'sigmoid', lut: logisticTableTflite(qIn) }));
  }

  private concat(op: TfliteOperator): void {
    const o = this.options(op, 'concat');
    if (o.activation !== 'NONE') this.failOp(op, `fused activation ${o.activation} on a concatenation is not supported`);
    const xs = op.inputs.map((_, k) => this.operandForConcat(op, k));
    const shapes = xs.map((id) => this.b.shapeOf(id));
    const rank = shapes[0].length;
    const axis = o.axis < 0 ? o.axis + rank : o.axis;
    if (!(axis >= 0 && axis < rank)) this.failOp(op, `axis ${o.axis} is out of range for rank ${rank}`);
    const spec: OpSpec = { kind: 'concat', name: this.opName(op), inputs: xs, axis: o.axis };
    if (!this.int8) {
      this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0]));
      return;
    }
    const qOut = this.quantOf(op.outputs[0], op);
    op.inputs.forEach((i) => this.sameQuant(op, this.quantOf(i, op), qOut, 'CONCATENATION'));
    if (shapes.some((s) => s.length !== rank)) this.failOp(op, 'inputs differ in rank');
    // Every input has the output's quantization (checked above): the parts are plain copies.
    const parts = concatParts(shapes, axis, shapes.map(() => qOut), qOut);
    this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0], qOut, { kind: 'concat', parts }));
  }

  private operandForConcat(op: TfliteOperator, k: number): TensorId {
    const i = op.inputs[k] ?? -1;
    if (i >= 0 && hasData(this.model, this.tensor(i))) this.failOp(op, `input ${k} is a constant; concatenating constants is not supported`);
    return this.act(op, k);
  }

  /** QUANTIZE inside an int8 graph: int8 to int8 requantization, as a one-input concatenation (the IR's requantizing copy). */
  private requantize(op: TfliteOperator): void {
    if (!this.int8) this.failOp(op, 'QUANTIZE in a float model is not supported');
    const inT = this.tensor(op.inputs[0] ?? -1) ?? this.failOp(op, 'input is missing');
    if (inT.type !== 'INT8') this.failOp(op, `quantizes a ${inT.type} tensor inside the graph; only a graph input may be float`);
    const x = this.act(op, 0);
    const qIn = this.quantOf(op.inputs[0], op);
    const qOut = this.quantOf(op.outputs[0], op);
    const n = elementCount(this.b.shapeOf(x));
    const requant = sameQuant(qIn, qOut) ? undefined : this.wrapMultiplier(op, () => requantParams(qIn, qOut));
    const shape = this.b.shapeOf(x);
    this.notes.push(`op #${op.index} QUANTIZE: int8 to int8 requantization mapped to a one-input concatenation (a requantizing copy)`);
    const spec: OpSpec = { kind: 'concat', name: this.opName(op), inputs: [x], axis: shape.length - 1 };
    this.ids.set(op.outputs[0], this.emit(op, spec, op.outputs[0], qOut, { kind: 'concat', parts: [{ outer: 1, inner: n, outStride: n, outOffset: 0, ...(requant ? { requant } : {}) }] }));
  }
}
