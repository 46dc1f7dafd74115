// IR -> ONNX (opset 13), as PyTorch would write the same network: NCHW activations, OIHW conv weights,
// fused activations as their own nodes (Relu, Clip(0, 6), HardSigmoid(1/6, 1/2); hard-swish as
// x * HardSigmoid(x), since HardSwish needs opset 14), Flatten + Gemm(transB) for fully connected.
// importOnnx reads such a file back to the same IR: same ops and shapes, bit-identical weights.
import { convDilation, isConstant, type Activation, type Graph, type Op, type Shape, type Tensor } from '../../ir/index.ts';
import { transpose } from './const-ops.ts';
import { FOLDED_BN_KEY } from './import.ts';
import { irIndexOfOnnx, NCHW_MAP } from './layout.ts';
import { onnx } from './proto.ts';

export const EXPORT_OPSET = 13;

type Node = InstanceType<typeof onnx.NodeProto>;
type Attr = InstanceType<typeof onnx.AttributeProto>;
const A = onnx.AttributeProto.AttributeType;

function ints(name: string, v: readonly number[]): Attr {
  return onnx.AttributeProto.create({ name, type: A.INTS, ints: v.slice() });
}
function int(name: string, v: number): Attr {
  return onnx.AttributeProto.create({ name, type: A.INT, i: v });
}
function float(name: string, v: number): Attr {
  return onnx.AttributeProto.create({ name, type: A.FLOAT, f: v });
}

/** The ONNX dims of an IR shape: NCHW for rank 4, as is otherwise. */
function onnxDims(shape: Shape): number[] {
  return shape.length === 4 ? [shape[0], shape[3], shape[1], shape[2]] : shape.slice();
}

function floatTensor(name: string, dims: readonly number[], data: Float32Array) {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return onnx.TensorProto.create({ name, dims: dims.slice(), dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytes });
}

function int64Tensor(name: string, values: readonly number[]) {
  return onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values.slice() });
}

function valueInfo(name: string, dims: readonly number[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
}

class Writer {
  readonly nodes: Node[] = [];
  readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly used = new Set<string>();
  private readonly names = new Map<number, string>();
  private readonly shared = new Map<string, string>();
  private readonly written = new Set<number>();

  constructor(private readonly g: Graph) {
    g.inputs.forEach((t, k) => this.names.set(t, this.unique(k === 0 ? 'input' : `input_${k}`)));
    g.outputs.forEach((t, k) => this.names.set(t, this.unique(k === 0 ? 'output' : `output_${k}`)));
    for (const t of g.tensors) if (!this.names.has(t.id)) this.names.set(t.id, this.unique(t.name));
  }

  unique(name: string): string {
    let n = name;
    for (let k = 2; this.used.has(n); k++) n = `${name}_${k}`;
    this.used.add(n);
    return n;
  }

  name(t: number): string {
    return this.names.get(t)!;
  }

  node(opType: string, name: string, inputs: string[], outputs: string[], attribute: Attr[] = []): void {
    this.nodes.push(onnx.NodeProto.create({ opType, name: this.unique(`node:${name}`).slice(5), input: inputs, output: outputs, attribute }));
  }

  /** A new initializer under a fresh name. */
  constant(name: string, dims: readonly number[], data: Float32Array): string {
    const n = this.unique(name);
    this.initializers.push(floatTensor(n, dims, data));
    return n;
  }

  /** The initializer of IR constant `t` (under its own name), with data given in ONNX layout. */
  irConstant(t: Tensor, dims: readonly number[], data: Float32Array): string {
    // A constant read by two ops gets a second initializer (its layout may differ per use).
    if (this.written.has(t.id)) return this.constant(t.name, dims, data);
    this.written.add(t.id);
    const n = this.name(t.id);
    this.initializers.push(floatTensor(n, dims, data));
    return n;
  }

  /** One initializer per distinct small constant (Clip bounds, shapes). */
  sharedScalar(key: string, make: (name: string) => InstanceType<typeof onnx.TensorProto>): string {
    let n = this.shared.get(key);
    if (!n) {
      n = this.unique(key);
      this.initializers.push(make(n));
      this.shared.set(key, n);
    }
    return n;
  }

  tensor(t: number): Tensor {
    return this.g.tensors[t];
  }

  /** An IR constant as an ONNX initializer, in ONNX layout, broadcast-aligned to `rank` (IR right-aligns). */
  constantOperand(t: Tensor, rank: number): string {
    const data = t.data as Float32Array;
    const shape = [...new Array<number>(Math.max(0, rank - t.shape.length)).fill(1), ...t.shape];
    if (shape.length !== 4) return this.irConstant(t, shape, data);
    const c = transpose({ dims: shape, dtype: 'float', data }, [0, 3, 1, 2]);
    return this.irConstant(t, c.dims, c.data as Float32Array);
  }

  /** Writes the activation node(s) reading `pre` and producing `out`. */
  activation(kind: Activation | 'hard_swish', opName: string, pre: string, out: string): void {
    if (kind === 'relu') this.node('Relu', `${opName}/relu`, [pre], [out]);
    else if (kind === 'relu6') {
      const lo = this.sharedScalar('clip_min', (n) => floatTensor(n, [], Float32Array.of(0)));
      const hi = this.sharedScalar('clip_max', (n) => floatTensor(n, [], Float32Array.of(6)));
      this.node('Clip', `${opName}/relu6`, [pre, lo, hi], [out]);
    } else if (kind === 'hardsigmoid') this.node('HardSigmoid', `${opName}/hard_sigmoid`, [pre], [out], [float('alpha', 1 / 6), float('beta', 0.5)]);
    else if (kind === 'hard_swish') {
      const gate = this.unique(`${out}:gate`);
      this.node('HardSigmoid', `${opName}/hard_sigmoid`, [pre], [gate], [float('alpha', 1 / 6), float('beta', 0.5)]);
      this.node('Mul', opName, [pre, gate], [out]);
    }
  }

  /** The node's output name, and where the op itself writes (before a fused activation). */
  outputs(op: Op): { out: string; pre: string; act: Activation } {
    const out = this.name(op.outputs[0]);
    const act = 'activation' in op ? op.activation : 'none';
    return { out, act, pre: act === 'none' ? out : this.unique(`${out}:pre`) };
  }
}

function padsOf(p: { top: number; left: number; bottom: number; right: number }): number[] {
  return [p.top, p.left, p.bottom, p.right];
}

function writeOp(w: Writer, op: Op): void {
  const x = w.name(op.inputs[0]);
  const xShape = w.tensor(op.inputs[0]).shape;
  const { out, pre, act } = w.outputs(op);
  switch (op.kind) {
    case 'conv2d': {
      const wt = w.tensor(op.inputs[1]);
      const oihw = transpose({ dims: wt.shape, dtype: 'float', data: wt.data as Float32Array }, [0, 3, 1, 2]);
      const inputs = [x, w.irConstant(wt, oihw.dims, oihw.data as Float32Array)];
      if (op.inputs[2] !== undefined) {
        const b = w.tensor(op.inputs[2]);
        inputs.push(w.irConstant(b, b.shape, b.data as Float32Array));
      }
      w.node('Conv', op.name, inputs, [pre], [
        ints('dilations', convDilation(op)),
        int('group', op.groups),
        ints('kernel_shape', op.kernel),
        ints('pads', padsOf(op.padding)),
        ints('strides', op.stride),
      ]);
      break;
    }
    case 'fully_connected': {
      const wt = w.tensor(op.inputs[1]);
      const [outN, k] = wt.shape;
      let a = x;
      let weight = wt.data as Float32Array;
      if (xShape.length !== 2) {
        // Flatten reads ONNX (NCHW) order; the IR reads its own: move each weight column to match.
        a = w.unique(`${op.name}:flat`);
        w.node('Flatten', `${op.name}/flatten`, [x], [a], [int('axis', 1)]);
        const dims = onnxDims(xShape);
        const pos = irIndexOfOnnx({ dims: [1, ...dims.slice(1)], map: xShape.length === 4 ? NCHW_MAP : dims.map((_, i) => i) }, [1, ...xShape.slice(1)]);
        weight = new Float32Array(weight.length);
        const src = wt.data as Float32Array;
        for (let o = 0; o < outN; o++) for (let q = 0; q < k; q++) weight[o * k + q] = src[o * k + pos[q]];
      }
      const inputs = [a, w.irConstant(wt, wt.shape, weight)];
      if (op.inputs[2] !== undefined) {
        const b = w.tensor(op.inputs[2]);
        inputs.push(w.irConstant(b, b.shape, b.data as Float32Array));
      }
      w.node('Gemm', op.name, inputs, [pre], [float('alpha', 1), float('beta', 1), int('transB', 1)]);
      break;
    }
    case 'add':
    case 'mul': {
      const rank = w.tensor(op.outputs[0]).shape.length;
      const operand = (id: number) => {
        const t = w.tensor(id);
        if (isConstant(t)) return w.constantOperand(t, rank);
        if (t.shape.length !== rank) throw new Error(`cannot export op "${op.name}": operands of different ranks`);
        return w.name(id);
      };
      w.node(op.kind === 'add' ? 'Add' : 'Mul', op.name, op.inputs.map(operand), [pre]);
      break;
    }
    case 'global_avg_pool':
      w.node('GlobalAveragePool', op.name, [x], [out]);
      break;
    case 'avg_pool':
    case 'max_pool':
      w.node(op.kind === 'avg_pool' ? 'AveragePool' : 'MaxPool', op.name, [x], [out], [
        ints('kernel_shape', op.kernel),
        ints('pads', padsOf(op.padding)),
        ints('strides', op.stride),
        ...(op.kind === 'avg_pool' ? [int('count_include_pad', 0)] : []),
      ]);
      break;
    case 'pad': {
      const p = op.padding;
      const pads = w.sharedScalar(`${op.name}.pads`, (n) => int64Tensor(n, [0, 0, p.top, p.left, 0, 0, p.bottom, p.right]));
      const value = w.constant(`${op.name}.value`, [], Float32Array.of(op.value));
      w.node('Pad', op.name, [x, pads, value], [out], []);
      break;
    }
    case 'reshape': {
      // Through NHWC order on both sides, as the IR's reshape sees the data.
      let src = x;
      if (xShape.length === 4) {
        src = w.unique(`${out}:nhwc`);
        w.node('Transpose', `${op.name}/to_nhwc`, [x], [src], [ints('perm', [0, 2, 3, 1])]);
      }
      const shape = w.sharedScalar(`${op.name}.shape`, (n) => int64Tensor(n, op.shape));
      if (op.shape.length === 4) {
        const flat = w.unique(`${out}:flat`);
        w.node('Reshape', op.name, [src, shape], [flat]);
        w.node('Transpose', `${op.name}/to_nchw`, [flat], [out], [ints('perm', [0, 3, 1, 2])]);
      } else w.node('Reshape', op.name, [src, shape], [out]);
      break;
    }
    case 'relu':
    case 'relu6':
      w.activation(op.kind, op.name, x, out);
      break;
    case 'hard_sigmoid':
      w.activation('hardsigmoid', op.name, x, out);
      break;
    case 'hard_swish':
      w.activation('hard_swish', op.name, x, out);
      break;
    case 'sigmoid':
      w.node('Sigmoid', op.name, [x], [out]);
      break;
    case 'softmax':
      w.node('Softmax', op.name, [x], [out], [int('axis', xShape.length === 4 ? 1 : -1)]);
      break;
    case 'concat': {
      const rank = xShape.length;
      const axis = op.axis < 0 ? op.axis + rank : op.axis;
      w.node('Concat', op.name, op.inputs.map((t) => w.name(t)), [out], [int('axis', rank === 4 ? [0, 2, 3, 1][axis] : axis)]);
      break;
    }
  }
  if (act !== 'none') w.activation(act, op.name, pre, out);
}

export interface ExportOptions {
  /** Written as the model's producer_version. */
  producerVersion?: string;
}

/** The float ONNX model of an IR graph (which must carry its weights). */
export function exportOnnx(g: Graph, opts: ExportOptions = {}): Uint8Array {
  for (const t of g.tensors) if (t.elided) throw new Error(`cannot export graph "${g.name}": constant "${t.name}" has no values (a shape-only graph)`);
  const w = new Writer(g);
  for (const op of g.ops) writeOp(w, op);
  const folded = g.ops.filter((o) => o.kind === 'conv2d' && o.foldedBatchNorm).map((o) => o.name);
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: EXPORT_OPSET }],
    producerName: 'mcu-nas',
    producerVersion: opts.producerVersion ?? '',
    graph: {
      name: g.name,
      node: w.nodes,
      initializer: w.initializers,
      input: g.inputs.map((t) => valueInfo(w.name(t), onnxDims(g.tensors[t].shape))),
      output: g.outputs.map((t) => valueInfo(w.name(t), onnxDims(g.tensors[t].shape))),
    },
    metadataProps: folded.length ? [{ key: FOLDED_BN_KEY, value: JSON.stringify(folded) }] : [],
  });
  return onnx.ModelProto.encode(model).finish();
}
