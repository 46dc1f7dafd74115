// Float IR + calibration -> QuantGraph (TFLite's int8 scheme, see quant-graph.ts for what it holds).
// Per op, the output quantization comes from calibration, except where TFLite ties it to the input
// (pools, pad, reshape: same scale and zero point) or fixes it (softmax: 1/256, -128). Every integer a
// kernel needs is computed here, once.
import type { Activation, Graph, Op, Quantization, Tensor } from '../ir/graph.ts';
import { convClass } from '../ir/passes/conv-class.ts';
import { isConstant, shapeText } from '../ir/tensors.ts';
import { checkGraph } from '../ir/validate.ts';
import { InputError, printable, show } from '../errors.ts';
import type { Calibration, CalibratedRange } from './calibrate.ts';
import { approx, ScaleRangeError } from './fixed-point.ts';
import { firstNonFinite, nonFiniteSummary } from './finite-values.ts';
import { modelLabel, opLabel } from './messages.ts';
import { SOFTMAX_MAX_ROW, SOFTMAX_OUTPUT, softmaxExpTable, unaryTable } from './lookup-tables.ts';
import { hardSwishTableTflite, LOGISTIC_OUTPUT, logisticTableTflite } from './tflite-int8.ts';
import { activationClamp, addParams, channelQuant, concatParts, convGeometry, convMultipliers, convParams, elementwiseLayout, FULL_RANGE, mulParams, poolParams, windowGeometry } from './op-params.ts';
import type { ElementwiseLayout, QuantGraph, QuantOp, TensorQuant } from './quant-graph.ts';
import { chooseActivationQuant, quantizeBias, quantizeValue, quantizeWeightsPerChannel, quantizeWeightsPerTensor, tensorQuantization, valueRange, type Range } from './scales.ts';

export interface QuantizeOptions {
  /**
   * Per-output-channel weights for fully connected layers too. Default false: one scale per tensor, TFLite's
   * default for FULLY_CONNECTED and what CMSIS-NN's arm_fully_connected_s8 takes.
   */
  perChannelFullyConnected?: boolean;
  /**
   * Graph outputs get their calibrated range widened by this fraction of its span on each side (default
   * 0.5: twice the span). A classifier gives a handful of values per sample, so min/max over a few
   * calibration samples underestimates their spread, and a clipped logit is the costliest error there is;
   * the coarser step is still far below the noise of the layers before.
   */
  outputMargin?: number;
  /**
   * Which calibrated range sets an activation's scale: 'mean' (default), the mean over samples of each
   * sample's min and max, or 'minmax', the extremes over all samples (TFLite's converter). On seeded
   * subnets 'mean' gives about half the output error: one outlier sample no longer coarsens every step.
   */
  ranges?: 'mean' | 'minmax';
  /** How the model is named in messages (its file); default `graph "<name>"`. */
  source?: string;
}

export const DEFAULT_OUTPUT_MARGIN = 0.5;

export { ADD_LEFT_SHIFT } from './fixed-point.ts';

function fromQuantization(q: Quantization | undefined): TensorQuant | undefined {
  return q && q.scale.length === 1 ? { scale: q.scale[0], zeroPoint: q.zeroPoint[0] } : undefined;
}

export function quantize(g: Graph, calibration: Calibration, options: QuantizeOptions = {}): QuantGraph {
  const model = modelLabel(g, options.source);
  const problems = checkGraph(g);
  if (problems.length > 0) throw new InputError(`${model}: ${printable(problems[0])}`);
  const tensors: Tensor[] = g.tensors.slice();
  const names = new Set(g.tensors.map((t) => t.name));
  const quantOf = new Map<number, TensorQuant>();
  const done = new Set<number>();
  const ops: Op[] = [];
  const params: QuantOp[] = [];

  const fail = (op: Op, i: number, msg: string): never => {
    throw new InputError(`${model}: ${opLabel(op, i)}: ${msg}`);
  };
  const outputs = new Set(g.outputs);
  const margin = options.outputMargin ?? DEFAULT_OUTPUT_MARGIN;
  const pick = (r: CalibratedRange): Range => (options.ranges === 'minmax' ? r : { min: r.meanMin, max: r.meanMax });
  const calibrated = (id: number, op?: Op, i?: number): TensorQuant => {
    const r = calibration.ranges.get(id);
    if (!r) {
      const where = op ? `${opLabel(op, i ?? -1)}: ` : '';
      throw new InputError(`${model}: ${where}no calibration range for tensor ${show(g.tensors[id].name)} (calibrated on another graph?)`);
    }
    const chosen = pick(r);
    if (!outputs.has(id)) return chooseActivationQuant(chosen);
    const span = chosen.max - chosen.min;
    return chooseActivationQuant({ min: chosen.min - margin * span, max: chosen.max + margin * span });
  };
  const setActivation = (id: number, q: TensorQuant) => {
    quantOf.set(id, q);
    tensors[id] = { ...g.tensors[id], dtype: 'int8', quant: tensorQuantization(q) };
  };
  /** An activation input's quantization; a constant operand (e.g. an add's) is quantized per tensor from its own range. */
  const inputQuant = (id: number, op: Op, i: number): TensorQuant => {
    const known = quantOf.get(id);
    if (known) return known;
    const t = g.tensors[id];
    if (!(t.data instanceof Float32Array)) fail(op, i, `constant ${show(t.name)} must hold float32 values`);
    const data = t.data as Float32Array;
    finite(op, i, t.name, data);
    const q = chooseActivationQuant(valueRange(data));
    quantOf.set(id, q);
    tensors[id] = { ...t, dtype: 'int8', data: Int8Array.from(data, (v) => quantizeValue(v, q)), quant: tensorQuantization(q) };
    return q;
  };
  /** The clamp, the quantization the requantization targets, and the table of a fused activation. */
  const fusedOutput = (act: Activation, out: TensorQuant, opIndex: number, op: Op) => {
    if (act !== 'hardsigmoid') return { target: out, ...activationClamp(act, out), lut: undefined, preActivation: undefined };
    const r = calibration.preActivation.get(opIndex);
    if (!r) return fail(op, opIndex, 'no calibration range for the value before its hard-sigmoid');
    // hard-sigmoid is flat outside [-3, 3]: a wider pre-activation range would only waste int8 steps.
    const c = pick(r);
    const pre = chooseActivationQuant({ min: Math.max(c.min, -3), max: Math.min(c.max, 3) });
    return { target: pre, ...FULL_RANGE, lut: unaryTable('hard_sigmoid', pre, out), preActivation: pre };
  };
  /** A NaN or infinite weight is a corrupt model: no int8 scale holds it. */
  const finite = (op: Op, i: number, name: string, data: Float32Array) => {
    const k = firstNonFinite(data);
    if (k >= 0) fail(op, i, `constant ${show(name)} holds ${nonFiniteSummary(data, k)}; a model's weights must be finite numbers`);
  };
  const freshName = (base: string) => {
    let name = base;
    for (let k = 1; names.has(name); k++) name = `${base}.${k}`;
    names.add(name);
    return name;
  };

  /** A conv's multipliers; one out of range names the weight's largest value, the usual culprit (a flipped bit). */
  const weightMultipliers = <T,>(op: Op, i: number, w: Tensor, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof ScaleRangeError)) throw e;
      let m = 0;
      for (const v of w.data as Float32Array) m = Math.max(m, Math.abs(v));
      return fail(op, i, `scale out of range: ${e.message}; weight ${show(w.name)} reaches ${approx(m)} (a corrupt weight?)`);
    }
  };

  g.inputs.forEach((id, k) => {
    try {
      setActivation(id, calibrated(id));
    } catch (e) {
      if (e instanceof ScaleRangeError) throw new InputError(`${model}: graph input ${k} ${show(g.tensors[id].name)}: scale out of range: ${e.message}`);
      throw e;
    }
  });

  // Scales come from the model's weights and calibration: one out of range is the model's fault, named by op.
  const quantizeOp = (op: Op, i: number): void => {
    const outId = op.outputs[0];
    const shape = (id: number) => g.tensors[id].shape;
    switch (op.kind) {
      case 'conv2d':
      case 'fully_connected': {
        const [xId, wId, bId] = op.inputs;
        const w = g.tensors[wId];
        const b = bId !== undefined ? g.tensors[bId] : undefined;
        for (const t of [w, b]) {
          if (!t) continue;
          if (!(t.data instanceof Float32Array)) fail(op, i, `weight ${show(t.name)} must be a float32 constant${t.elided ? ' with its values (this graph is shape-only)' : ''}`);
          if (done.has(t.id)) fail(op, i, `constant ${show(t.name)} is shared with another op; int8 weights are quantized per op`);
          finite(op, i, t.name, t.data as Float32Array);
          done.add(t.id);
        }
        const qIn = inputQuant(xId, op, i);
        const qOut = calibrated(outId, op, i);
        setActivation(outId, qOut);
        const cout = w.shape[0];
        const perChannel = op.kind === 'conv2d' || options.perChannelFullyConnected === true;
        const qw = (perChannel ? quantizeWeightsPerChannel : quantizeWeightsPerTensor)(w.data as Float32Array, cout);
        const qb = quantizeBias(b?.data as Float32Array | undefined, cout, qIn.scale, qw.scales);
        const wQuant = channelQuant(qw.scales, perChannel);
        const bQuant = channelQuant(qb.scales, perChannel);
        tensors[wId] = { ...w, dtype: 'int8', data: qw.data, quant: wQuant };
        let biasId = bId;
        if (b) tensors[b.id] = { ...b, dtype: 'int32', data: qb.data, quant: bQuant };
        else {
          // Kernels always take a bias (zeros here), so the planner's flash count holds for every conv.
          biasId = tensors.length;
          tensors.push({ id: biasId, name: freshName(`${op.name}.bias`), shape: [cout], dtype: 'int32', data: qb.data, quant: bQuant });
        }
        const fused = fusedOutput(op.activation, qOut, i, op);
        // The calibrated lowering multiplies input and weight scales in float (as the bias scale), see op-params.ts Product.
        const m = weightMultipliers(op, i, w, () => convMultipliers(qIn.scale, qw.scales, fused.target.scale, cout, 'float'));
        const p = convParams(convGeometry(op), qIn, fused.target, fused, m, fused.lut);
        const pre = fused.preActivation ? { preActivation: fused.preActivation } : {};
        ops.push({ ...op, inputs: [xId, wId, biasId as number] });
        params.push(op.kind === 'conv2d' ? { kind: 'conv2d', variant: convClass(g, op), groups: op.groups, params: p, ...pre } : { kind: 'fully_connected', params: p, ...pre });
        return;
      }
      case 'add':
      case 'mul': {
        const [aId, bId] = op.inputs;
        const layout = elementwiseLayout(shape(aId), shape(bId));
        if (!layout) fail(op, i, `int8 ${op.kind} supports same shapes or a per-channel/scalar operand, not ${shapeText(shape(aId))} with ${shapeText(shape(bId))}`);
        const qa = inputQuant(aId, op, i);
        const qb = inputQuant(bId, op, i);
        const qOut = calibrated(outId, op, i);
        setActivation(outId, qOut);
        const fused = fusedOutput(op.activation, qOut, i, op);
        const pre = fused.preActivation ? { preActivation: fused.preActivation } : {};
        if (op.kind === 'add') params.push({ kind: 'add', layout: layout as ElementwiseLayout, params: addParams(qa, qb, fused.target, fused, fused.lut), ...pre });
        // TFLite 1.x/2.0 mul.cc: input1_scale * input2_scale / output_scale, evaluated in float.
        else params.push({ kind: 'mul', layout: layout as ElementwiseLayout, params: mulParams(qa, qb, fused.target, fused, 'float', fused.lut), ...pre });
        ops.push(op);
        return;
      }
      case 'global_avg_pool':
      case 'avg_pool':
      case 'max_pool':
      case 'pad':
      case 'reshape': {
        const qIn = inputQuant(op.inputs[0], op, i);
        setActivation(outId, qIn);
        if (op.kind === 'global_avg_pool') params.push({ kind: op.kind, ...FULL_RANGE });
        else if (op.kind === 'avg_pool' || op.kind === 'max_pool') params.push({ kind: op.kind, params: poolParams(windowGeometry(op), FULL_RANGE) });
        else if (op.kind === 'pad') params.push({ kind: 'pad', padTop: op.padding.top, padLeft: op.padding.left, value: quantizeValue(op.value, qIn) });
        else params.push({ kind: 'reshape' });
        ops.push(op);
        return;
      }
      case 'relu':
      case 'relu6':
      case 'hard_sigmoid':
      case 'hard_swish': {
        const qIn = inputQuant(op.inputs[0], op, i);
        const qOut = calibrated(outId, op, i);
        setActivation(outId, qOut);
        params.push({ kind: op.kind, lut: op.kind === 'hard_swish' ? hardSwishTable(qIn, qOut) : unaryTable(op.kind, qIn, qOut) });
        ops.push(op);
        return;
      }
      case 'sigmoid': {
        // TFLite fixes the int8 logistic's output quantization (1/256, -128) and computes it in fixed point.
        const qIn = inputQuant(op.inputs[0], op, i);
        setActivation(outId, LOGISTIC_OUTPUT);
        params.push({ kind: 'sigmoid', lut: logisticTableTflite(qIn) });
        ops.push(op);
        return;
      }
      case 'softmax': {
        const s = shape(op.inputs[0]);
        if (s[s.length - 1] > SOFTMAX_MAX_ROW) fail(op, i, `int8 softmax rows are limited to ${SOFTMAX_MAX_ROW} values, got ${s[s.length - 1]}`);
        const qIn = inputQuant(op.inputs[0], op, i);
        setActivation(outId, SOFTMAX_OUTPUT);
        params.push({ kind: 'softmax', expTable: softmaxExpTable(qIn.scale) });
        ops.push(op);
        return;
      }
      case 'concat': {
        const axis = op.axis < 0 ? op.axis + shape(op.inputs[0]).length : op.axis;
        const qOut = calibrated(outId, op, i);
        setActivation(outId, qOut);
        const parts = concatParts(op.inputs.map(shape), axis, op.inputs.map((id) => inputQuant(id, op, i)), qOut);
        params.push({ kind: 'concat', parts });
        ops.push(op);
        return;
      }
    }
  };
  g.ops.forEach((op, i) => {
    try {
      quantizeOp(op, i);
    } catch (e) {
      if (e instanceof ScaleRangeError) fail(op, i, `scale out of range: ${e.message}`);
      throw e;
    }
  });

  for (const t of tensors)
    if (!isConstant(t) && t.dtype !== 'int8') throw new Error(`bug: activation "${t.name}" was not quantized`);
  return { name: g.name, tensors, ops, inputs: g.inputs.slice(), outputs: g.outputs.slice(), params };
}

/**
 * The int8 hard-swish table: TFLite's 16-bit fixed-point HARD_SWISH (so a graph quantized here computes what
 * TFLite computes with the same scales), or the exact function rounded once where TFLite refuses the
 * quantization pair (input scale at least 128 times the output scale).
 */
export function hardSwishTable(input: TensorQuant, output: TensorQuant): Int8Array {
  try {
    return hardSwishTableTflite(input, output);
  } catch (e) {
    if (e instanceof RangeError) return unaryTable('hard_swish', input, output);
    throw e;
  }
}

/** The per-tensor quantization of an activation of a QuantGraph. */
export function activationQuant(q: Graph, id: number): TensorQuant {
  const t = q.tensors[id];
  const r = fromQuantization(t.quant);
  if (!r || t.dtype !== 'int8') throw new InputError(`tensor ${show(t.name)} is not a per-tensor int8 activation`);
  return r;
}
