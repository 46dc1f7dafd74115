// Building a graph op by op, with each op's output shape inferred as it is added. Frontends (the arch
// lowering, later ONNX/TFLite) use this so that a shape error points at the op that caused it.
import { IrError, type DType, type Graph, type Op, type Quantization, type Shape, type Tensor, type TensorData, type TensorId } from './graph.ts';
import { inferOutputShapes } from './shapes.ts';
import { describeOp } from './validate.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An op as given to the builder: everything but its outputs, which the builder creates. */
export type OpSpec = DistributiveOmit<Op, 'outputs'>;

function dtypeOf(data: TensorData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int8Array) return 'int8';
  return 'int32';
}

export class GraphBuilder {
  private readonly tensors: Tensor[] = [];
  private readonly ops: Op[] = [];
  private readonly inputs: TensorId[] = [];
  private readonly outputs: TensorId[] = [];
  private readonly names = new Set<string>();

  constructor(readonly name: string) {}

  /** A tensor without a producer yet (use input/constant/op unless you need it). */
  tensor(name: string, shape: Shape, dtype: DType, extra?: { quant?: Quantization; data?: TensorData; elided?: boolean }): TensorId {
    if (this.names.has(name)) throw new IrError(`graph "${this.name}": tensor name "${name}" is used twice`);
    this.names.add(name);
    const id = this.tensors.length;
    const t: { -readonly [K in keyof Tensor]: Tensor[K] } = { id, name, shape: shape.slice(), dtype };
    if (extra?.quant) t.quant = extra.quant;
    if (extra?.data) t.data = extra.data;
    if (extra?.elided) t.elided = true;
    this.tensors.push(t);
    return id;
  }

  input(name: string, shape: Shape, dtype: DType = 'float32', quant?: Quantization): TensorId {
    const id = this.tensor(name, shape, dtype, quant ? { quant } : undefined);
    this.inputs.push(id);
    return id;
  }

  constant(name: string, shape: Shape, data: TensorData, quant?: Quantization): TensorId {
    return this.tensor(name, shape, dtypeOf(data), quant ? { data, quant } : { data });
  }

  /** A constant of the given shape and dtype whose values are left out (shape-only graphs). */
  elidedConstant(name: string, shape: Shape, dtype: DType): TensorId {
    return this.tensor(name, shape, dtype, { elided: true });
  }

  shapeOf(id: TensorId): Shape {
    return this.tensors[id].shape;
  }

  /** Appends the op, creates its output tensor `outName` (dtype of the first input unless given) and returns its id. */
  op(spec: OpSpec, outName: string, outDtype?: DType, outQuant?: Quantization): TensorId {
    // The output's id is known before the tensor exists: it will be the next one.
    const op = { ...spec, outputs: [this.tensors.length] } as Op;
    let shape: Shape;
    try {
      shape = inferOutputShapes(op, spec.inputs.map((id) => this.tensors[id].shape))[0];
    } catch (e) {
      if (e instanceof IrError) throw new IrError(`graph "${this.name}": ${describeOp(op, this.ops.length)}: ${e.message}`);
      throw e;
    }
    const out = this.tensor(outName, shape, outDtype ?? this.tensors[spec.inputs[0]].dtype, outQuant ? { quant: outQuant } : undefined);
    this.ops.push(op);
    return out;
  }

  output(...ids: TensorId[]): void {
    this.outputs.push(...ids);
  }

  build(): Graph {
    return { name: this.name, tensors: this.tensors.slice(), ops: this.ops.slice(), inputs: this.inputs.slice(), outputs: this.outputs.slice() };
  }
}
