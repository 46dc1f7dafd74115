// The graph being imported, before it is final: ops stay editable so that a later ONNX node can fold
// into an earlier op (a BatchNorm or bias Add into its conv, a Relu into the op before it). `build`
// then drops what no output needs and hands the rest to GraphBuilder, which checks every shape again.
import { GraphBuilder, inferOutputShapes, IrError, type Graph, type Op, type OpSpec, type Shape, type TensorId } from '../../ir/index.ts';

export interface DraftTensor {
  name: string;
  shape: number[];
  data?: Float32Array;
  /** Index of the producing draft op, or -1 (input or constant). */
  producer: number;
  /** How many ONNX value names stand for this tensor (aliases from Identity, Reshape no-ops, ...). */
  bound: number;
}

export interface DraftOp {
  spec: OpSpec;
  out: TensorId;
}

export class Draft {
  readonly tensors: DraftTensor[] = [];
  readonly ops: DraftOp[] = [];
  readonly inputs: TensorId[] = [];
  private readonly tensorNames = new Set<string>();
  private readonly opNames = new Set<string>();

  /** A name not used yet: model names may repeat (or be empty) in a malformed file. */
  private unique(set: Set<string>, name: string): string {
    let n = name || 'unnamed';
    for (let k = 2; set.has(n); k++) n = `${name || 'unnamed'}_${k}`;
    set.add(n);
    return n;
  }

  tensor(name: string, shape: Shape, data?: Float32Array): TensorId {
    this.tensors.push({ name: this.unique(this.tensorNames, name), shape: shape.slice(), data, producer: -1, bound: 0 });
    return this.tensors.length - 1;
  }

  input(name: string, shape: Shape): TensorId {
    const id = this.tensor(name, shape);
    this.inputs.push(id);
    return id;
  }

  rename(t: TensorId, name: string): void {
    this.tensorNames.delete(this.tensors[t].name);
    this.tensors[t].name = this.unique(this.tensorNames, name);
  }

  /** The op's output shape; throws IrError when the inputs do not fit the op. */
  inferShape(spec: OpSpec): Shape {
    return inferOutputShapes({ ...spec, outputs: [0] } as Op, spec.inputs.map((t) => this.tensors[t].shape))[0];
  }

  /** Appends an op (its name made unique) and its output tensor; returns the output's id. */
  op(spec: OpSpec, outName: string): TensorId {
    const shape = this.inferShape(spec);
    const named = { ...spec, name: this.unique(this.opNames, spec.name) } as OpSpec;
    const out = this.tensor(outName, shape);
    this.tensors[out].producer = this.ops.length;
    this.ops.push({ spec: named, out });
    return out;
  }

  producerOf(t: TensorId): DraftOp | undefined {
    const p = this.tensors[t].producer;
    return p >= 0 ? this.ops[p] : undefined;
  }

  /** Replaces an op's parameters (same output); re-infers the output shape. */
  replace(op: DraftOp, spec: OpSpec): void {
    const shape = this.inferShape(spec);
    op.spec = { ...spec, name: op.spec.name } as OpSpec;
    this.tensors[op.out].shape = shape.slice();
  }

  build(graphName: string, outputs: readonly TensorId[]): Graph {
    // Keep only ops some output depends on (ONNX graphs may carry dead nodes; folding leaves some).
    const live = new Uint8Array(this.tensors.length);
    for (const t of outputs) live[t] = 1;
    const keep = new Uint8Array(this.ops.length);
    for (let i = this.ops.length - 1; i >= 0; i--) {
      const op = this.ops[i];
      if (!live[op.out]) continue;
      keep[i] = 1;
      for (const t of op.spec.inputs) live[t] = 1;
    }
    const b = new GraphBuilder(graphName);
    const id = new Int32Array(this.tensors.length).fill(-1);
    for (const t of this.inputs) id[t] = b.input(this.tensors[t].name, this.tensors[t].shape);
    const ref = (t: TensorId): TensorId => {
      if (id[t] < 0) {
        const d = this.tensors[t];
        if (!d.data) throw new IrError(`tensor "${d.name}" is read before it is computed`);
        id[t] = b.constant(d.name, d.shape, d.data);
      }
      return id[t];
    };
    this.ops.forEach((op, i) => {
      if (!keep[i]) return;
      const spec = { ...op.spec, inputs: op.spec.inputs.map(ref) } as OpSpec;
      id[op.out] = b.op(spec, this.tensors[op.out].name);
    });
    b.output(...outputs.map(ref));
    return b.build();
  }
}
