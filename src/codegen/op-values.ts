// Per op, every value its template places: where its tensors are (arena block and offset, shape), its
// integer parameters from the QuantGraph, the symbols of its constants, its scratch buffer and, in the
// patch stage, its tile records. Backends choose the template; the values are the same for both.
import type { BackendDescription } from '../backend/index.ts';
import type { Graph, Op } from '../ir/graph.ts';
import { elementCount, isConstant } from '../ir/tensors.ts';
import type { QuantGraph, QuantOp } from '../quant/quant-graph.ts';
import type { Plan } from '../schedule/index.ts';
import type { ArenaMap } from './arena.ts';
import { cComment } from './escape.ts';
import { stageOp, stageValues, type PatchStageValues } from './patch-tables.ts';

/** A tensor the op reads or writes: a base symbol (an arena block or a constant array) plus an offset. */
export interface TensorView {
  base: string;
  offset: number;
  /** NHWC sides; a [N, C] tensor is h = N, w = 1. */
  h: number;
  w: number;
  c: number;
  bytes: number;
  comment: string;
}

export interface OpValues {
  id: number;
  /** Template file name inside the backend folder. */
  template: string;
  comment: string;
  input: TensorView;
  input2: TensorView | null;
  output: TensorView;
  /** Symbols of the op's constants (weights, bias, multipliers, shifts, table), or null. */
  weights: string | null;
  bias: string | null;
  multiplier: string | null;
  shift: string | null;
  lut: string | null;
  scratch: { base: string; offset: number; bytes: number } | null;
  /** The op's integer parameters (a QuantOp's params, flattened for the template). */
  p: Record<string, unknown>;
  tile: PatchStageValues | null;
}

export interface ConstArray {
  symbol: string;
  type: 'int8_t' | 'int32_t';
  values: ArrayLike<number>;
  comment: string;
}

export interface OpSymbols {
  /** Flash arrays, in op order. */
  arrays: ConstArray[];
}

const sym = (kind: string, id: number) => `mcunas_${kind}${id}`;

/** One multiplier and shift for every channel (a per-tensor quantized layer). */
const uniform = (m: Int32Array, s: Int32Array) => m.every((x, i) => x === m[0] && s[i] === s[0]);

export function templateOf(op: Op, p: QuantOp): string {
  switch (p.kind) {
    case 'conv2d':
      return p.variant === 'depthwise' ? 'depthwise' : p.variant === 'pointwise' ? 'pointwise' : 'conv';
    case 'avg_pool':
    case 'max_pool':
      return 'pool';
    case 'relu':
    case 'relu6':
    case 'hard_sigmoid':
    case 'hard_swish':
    case 'sigmoid':
      return 'lut';
    default:
      return op.kind;
  }
}

function describe(g: Graph, op: Op, p: QuantOp): string {
  const out = g.tensors[op.outputs[0]].shape.join('x');
  if (op.kind === 'conv2d') {
    const d = op.dilation && (op.dilation[0] !== 1 || op.dilation[1] !== 1) ? ` dilation ${op.dilation[0]}x${op.dilation[1]}` : '';
    return `${op.name}: ${p.kind === 'conv2d' ? p.variant : 'conv'} ${op.kernel[0]}x${op.kernel[1]} stride ${op.stride[0]}${d} -> ${out}`;
  }
  return `${op.name}: ${op.kind} -> ${out}`;
}

/**
 * The own fully connected kernel's MCUNAS_FC_ROWS4 layout (firmware/kernels/own/mcunas_kernels.h): rows 4g..4g+3
 * of the [rows][cols] weights interleaved a word at a time (word k of row 4g + r at 4g x cols + 16k + 4r), the
 * rows % 4 left over after them unchanged; each row's bias plus inputOffset x its weight sum (int32: at most
 * 128 x 128 x cols in magnitude beside the bias, as the kernel's own accumulator).
 */
export function fcRows4Layout(w: Int8Array, b: Int32Array, rows: number, cols: number, inputOffset: number): { weights: Int8Array; bias: Int32Array } {
  if (cols % 4 !== 0 || w.length !== rows * cols || b.length !== rows) throw new Error(`bug: fcRows4Layout on ${rows}x${cols} weights`);
  const weights = new Int8Array(w.length);
  const groups = Math.floor(rows / 4);
  for (let g = 0; g < groups; g++)
    for (let r = 0; r < 4; r++)
      for (let k = 0; k < cols; k += 4)
        for (let j = 0; j < 4; j++) weights[4 * g * cols + 4 * k + 4 * r + j] = w[(4 * g + r) * cols + k + j];
  weights.set(w.subarray(4 * groups * cols), 4 * groups * cols);
  const bias = new Int32Array(rows);
  for (let o = 0; o < rows; o++) {
    let sum = 0;
    for (let i = 0; i < cols; i++) sum += w[o * cols + i];
    bias[o] = (b[o] + inputOffset * sum) | 0;
  }
  return { weights, bias };
}

/**
 * Builds every op's values and the flash arrays they refer to, with the weight layouts the backend's
 * description names: depthwise weights 'chw' as the IR holds them ([C][KH][KW], own kernels) or 'hwc'
 * ([KH][KW][C], CMSIS-NN); with `fcRows4`, fully connected layers that can take it get their weights in
 * groups of four rows and the input offset folded into the bias (fcRows4Layout).
 */
export function opValues(q: QuantGraph, plan: Plan, arena: ArenaMap, layouts: Pick<BackendDescription, 'depthwiseLayout' | 'fcRows4'>): { ops: OpValues[]; arrays: ConstArray[] } {
  const { depthwiseLayout, fcRows4 } = layouts;
  const arrays: ConstArray[] = [];
  const constants = new Map<number, string>();
  const view = (id: number): TensorView => {
    const t = q.tensors[id];
    const s = t.shape;
    const [h, w, c] = s.length === 4 ? [s[1], s[2], s[3]] : s.length === 2 ? [s[0], 1, s[1]] : [1, 1, elementCount(s)];
    const comment = cComment(t.name, 80);
    if (isConstant(t)) {
      // A constant operand of an element-wise op: its int8 values go to flash.
      let symbol = constants.get(id);
      if (!symbol) {
        if (!(t.data instanceof Int8Array)) throw new Error(`bug: constant operand "${t.name}" is not int8`);
        symbol = `mcunas_const${id}`;
        constants.set(id, symbol);
        arrays.push({ symbol, type: 'int8_t', values: t.data, comment });
      }
      return { base: symbol, offset: 0, h, w, c, bytes: elementCount(s), comment };
    }
    const r = arena.tensor(t.name);
    return { base: `arena${r.span}`, offset: r.offset, h, w, c, bytes: elementCount(s), comment };
  };

  const ops = q.ops.map((op, i): OpValues => {
    const p = q.params[i];
    const comment = cComment(describe(q, op, p));
    const stage = stageOp(plan.patchGeometry, i);
    if (stage && stage.name !== op.name) throw new Error(`bug: patch stage op ${i} is ${stage.name}, graph op is ${op.name}`);
    const activations = op.inputs.filter((id) => !isConstant(q.tensors[id]) || op.kind === 'add' || op.kind === 'mul');
    const v: OpValues = {
      id: i,
      template: templateOf(op, p),
      comment,
      input: view(activations[0]),
      input2: activations.length > 1 && (op.kind === 'add' || op.kind === 'mul') ? view(activations[1]) : null,
      output: view(op.outputs[0]),
      weights: null,
      bias: null,
      multiplier: null,
      shift: null,
      lut: null,
      scratch: null,
      p: {},
      tile: stage ? stageValues(stage) : null,
    };
    const s = arena.scratch(op.name);
    if (s) v.scratch = { base: `arena${s.span}`, offset: s.offset, bytes: s.bytes };
    const push = (kind: string, type: ConstArray['type'], values: ArrayLike<number>, what: string) => {
      const symbol = sym(kind, i);
      arrays.push({ symbol, type, values, comment: cComment(`${op.name} ${what}`, 100) });
      return symbol;
    };
    switch (p.kind) {
      case 'conv2d':
      case 'fully_connected': {
        const w = q.tensors[op.inputs[1]];
        const b = q.tensors[op.inputs[2]];
        if (!(w.data instanceof Int8Array) || !(b.data instanceof Int32Array)) throw new Error(`bug: ${op.name}: weights are not int8/int32`);
        let data: Int8Array = w.data;
        if (p.kind === 'conv2d' && p.variant === 'depthwise' && depthwiseLayout === 'hwc') {
          // [C][KH][KW] -> [KH][KW][C]
          const C = w.shape[0];
          const K = elementCount(w.shape) / C;
          data = new Int8Array(data.length);
          for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) data[k * C + c] = w.data[c * K + k];
        }
        let bias: Int32Array = b.data;
        const rows4 = fcRows4 && p.kind === 'fully_connected' && (p.params.weightOffset ?? 0) === 0 && w.shape.length === 2 && w.shape[1] % 4 === 0 && w.shape[0] >= 4;
        if (rows4) ({ weights: data, bias } = fcRows4Layout(data, bias, w.shape[0], w.shape[1], p.params.inputOffset));
        v.weights = push('w', 'int8_t', data, `weights ${w.shape.join('x')}${rows4 ? ' (rows in groups of four)' : ''}`);
        v.bias = push('b', 'int32_t', bias, rows4 ? 'bias + input offset x weight sums' : 'bias');
        v.multiplier = push('m', 'int32_t', p.params.multiplier, 'requantization multipliers');
        v.shift = push('s', 'int32_t', p.params.shift, 'requantization shifts');
        if (p.params.lut) v.lut = push('lut', 'int8_t', p.params.lut, 'fused hard-sigmoid table');
        const { multiplier: _m, shift: _s, lut: _l, ...rest } = p.params;
        if (p.kind === 'fully_connected') {
          // The layer reads its input as a [batches][inFeatures] matrix whatever the tensor's rank: a
          // [1, H, W, C] map flattened in NHWC order (ONNX Flatten/Reshape folded into the layer, the
          // weights permuted by the importer) is one row of H*W*C features, not H*W rows of C.
          const inFeatures = w.shape[w.shape.length - 1];
          const batches = v.input.bytes / inFeatures;
          if (!Number.isInteger(batches) || batches < 1) throw new Error(`bug: ${op.name}: ${v.input.bytes} input values are not rows of ${inFeatures} features`);
          v.input = { ...v.input, h: batches, w: 1, c: inFeatures };
          v.output = { ...v.output, h: batches, w: 1, c: v.output.bytes / batches };
        }
        v.p = { ...rest, fcRows4: rows4, dilationH: rest.dilationH ?? 1, dilationW: rest.dilationW ?? 1, weightOffset: rest.weightOffset ?? 0, groups: p.kind === 'conv2d' ? p.groups : 1, perTensor: p.kind === 'fully_connected' && uniform(p.params.multiplier, p.params.shift), firstMultiplier: p.params.multiplier[0], firstShift: p.params.shift[0] };
        if (p.kind === 'conv2d' && p.variant === 'depthwise' && op.kind === 'conv2d') {
          const inPlace = v.input.base === v.output.base && v.input.offset === v.output.offset;
          if (inPlace && !v.scratch) throw new Error(`bug: ${op.name} runs in place without a scratch plane`);
          v.p = { ...v.p, inPlace };
        }
        break;
      }
      case 'add':
      case 'mul': {
        const { lut, ...rest } = p.params;
        if (lut) v.lut = push('lut', 'int8_t', lut, 'fused hard-sigmoid table');
        v.p = { ...rest, ...p.layout };
        break;
      }
      case 'avg_pool':
      case 'max_pool':
        v.p = { ...p.params, isMax: p.kind === 'max_pool' };
        break;
      case 'global_avg_pool':
        // rounding 'nearest' without `mean`: mcunas_global_avgpool_s8 (and a CMSIS-NN avgpool); otherwise TFLite's
        // MEAN arithmetic through mcunas_mean_s8 (float32 scale and bias printed exactly as C float literals).
        v.p = {
          actMin: p.actMin,
          actMax: p.actMax,
          rounding: p.mean ? 'tflite-mean' : 'nearest',
          mean: p.mean
            ? {
                axes: { hw: 'MCUNAS_MEAN_HW', 'w,h': 'MCUNAS_MEAN_W_THEN_H', 'h,w': 'MCUNAS_MEAN_H_THEN_W' }[p.mean.axes],
                steps: [0, 1].map((k) => {
                  const st = p.mean?.steps[k];
                  if (!st) return { rounding: 'MCUNAS_MEAN_NEAREST', inputOffset: 0, outputOffset: 0, multiplier: 1 << 30, shift: 1, scale: '0.0f', bias: '0.0f' };
                  const float = (x: number) => (Number.isInteger(x) ? `${x}.0f` : `${x}f`);
                  return { ...st, rounding: `MCUNAS_MEAN_${st.rounding.toUpperCase()}`, scale: float(st.scale), bias: float(st.bias) };
                }),
              }
            : null,
        };
        break;
      case 'pad':
        v.p = { padTop: p.padTop, padLeft: p.padLeft, value: p.value };
        break;
      case 'relu':
      case 'relu6':
      case 'hard_sigmoid':
      case 'hard_swish':
      case 'sigmoid':
        v.lut = push('lut', 'int8_t', p.lut, `${p.kind} table`);
        v.p = { pixels: 1, channels: v.output.bytes };
        break;
      case 'softmax':
        v.lut = push('exp', 'int32_t', p.expTable, 'softmax exponent table (Q16)');
        v.p = { rowSize: v.output.c, rows: v.output.bytes / v.output.c };
        break;
      case 'concat':
        v.p = {
          parts: p.parts.map((part, k) => ({ ...part, input: view(op.inputs[k]), requant: part.requant ?? null })),
        };
        break;
      case 'reshape':
        if (v.input.base !== v.output.base || v.input.offset !== v.output.offset) v.p = { copy: true };
        else v.p = { copy: false };
        break;
    }
    if (v.tile && !['conv', 'pointwise', 'depthwise', 'pool', 'add', 'mul', 'lut'].includes(v.template))
      throw new Error(`code generation: ${op.name} (${op.kind}) cannot run patch by patch`);
    return v;
  });
  return { ops, arrays };
}
