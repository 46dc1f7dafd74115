// The importer's state while it walks the nodes: what every ONNX value name stands for (a constant, or
// an IR tensor with its layout), how often each name is read, and the draft graph. Op handlers
// (node-handlers.ts) read inputs and bind outputs through this.
import { InputError, printable, show } from '../../errors.ts';
import { elementCount, IrError, type OpSpec, type TensorId } from '../../ir/index.ts';
import { MAX_DIM, MAX_TENSOR_ELEMENTS } from './limits.ts';
import { FoldError } from './const-ops.ts';
import { Draft } from './draft.ts';
import type { Layout } from './layout.ts';
import { Attributes, type NodeProto } from './proto.ts';
import type { ConstTensor, ElementBudget } from './tensor-proto.ts';

export interface ConstValue {
  readonly kind: 'const';
  readonly c: ConstTensor;
}

export interface ActValue extends Layout {
  readonly kind: 'act';
  readonly t: TensorId;
}

export type Value = ConstValue | ActValue;

/** An op as handlers give it: the name defaults to the node's. */
export type EmitSpec = OpSpec extends infer S ? (S extends { name: string } ? Omit<S, 'name'> & { name?: string } : never) : never;

/** A model string for a message: escaped like JSON (control characters, quotes), without the quotes, shortened. */
export function bare(s: string, max = 40): string {
  const j = printable(JSON.stringify(s).slice(1, -1));
  return j.length > max ? `${j.slice(0, max - 3)}...` : j;
}

/** One node as a handler sees it. */
export class NodeView {
  readonly attrs: Attributes;
  readonly op: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];

  constructor(
    readonly proto: NodeProto,
    readonly index: number,
    private readonly source: string,
  ) {
    this.op = proto.opType ?? '';
    this.name = proto.name ?? '';
    this.inputs = proto.input ?? [];
    this.outputs = proto.output ?? [];
    this.attrs = new Attributes(proto.attribute, (m) => this.fail(m));
  }

  /** `model.onnx: node #12 "Foo_3" (op Erf)`: model names are shown escaped and shortened. */
  get where(): string {
    return `${this.source}: node #${this.index} ${show(this.name)} (op ${bare(this.op)})`;
  }

  fail(msg: string): never {
    // msg may quote the IR's messages, which carry names as the model gives them.
    throw new InputError(`${this.where}: ${printable(msg)}`);
  }

  /** `model.onnx: node #12 "Foo_3" (op Erf) is not supported[: why]`. */
  unsupported(why?: string): never {
    throw new InputError(`${this.where} is not supported${why ? `: ${why}` : ''}`);
  }

  /** The IR name for ops made from this node: the node's name, else its first output's. */
  get irName(): string {
    return this.name || this.outputs[0] || `${this.op}_${this.index}`;
  }
}

export class ImportContext {
  readonly draft = new Draft();
  private readonly values = new Map<string, Value>();

  constructor(
    readonly source: string,
    readonly opset: number,
    /** Reads of each value name by nodes, plus one per graph output that names it. */
    readonly uses: ReadonlyMap<string, number>,
    /** Node indices reading each value name. */
    readonly consumers: ReadonlyMap<string, readonly number[]>,
    readonly nodes: readonly NodeView[],
    readonly graphOutputs: ReadonlySet<string>,
    readonly budget: ElementBudget,
    /** Nodes already turned into IR by an earlier node's pattern (skipped when their turn comes). */
    readonly absorbed: Set<number>,
  ) {}

  value(name: string): Value | undefined {
    return this.values.get(name);
  }

  bind(name: string, v: Value): void {
    if (name === '') return;
    this.values.set(name, v);
    if (v.kind === 'act') this.draft.tensors[v.t].bound++;
  }

  /**
   * Binds `name` to `v` in place of `consumed`, a name read only by the node being converted (a fold
   * took its op over): the tensor keeps one live name, so a later node may fold into it too.
   */
  rebind(consumed: string, name: string, v: ActValue): void {
    this.bind(name, v);
    if (name !== '' && this.soleUse(consumed)) this.draft.tensors[v.t].bound--;
  }

  bindConst(name: string, c: ConstTensor): void {
    this.bind(name, { kind: 'const', c });
  }

  /** Input k, which must be present. */
  input(n: NodeView, k: number): Value {
    const name = n.inputs[k];
    if (name === undefined || name === '') n.fail(`input ${k} is missing`);
    const v = this.values.get(name);
    if (!v) n.fail(`input ${show(name)} has no value (it is produced later or by an unsupported construct)`);
    return v;
  }

  optionalInput(n: NodeView, k: number): Value | undefined {
    const name = n.inputs[k];
    return name === undefined || name === '' ? undefined : this.input(n, k);
  }

  constInput(n: NodeView, k: number, what: string): ConstTensor {
    const v = this.input(n, k);
    if (v.kind !== 'const') n.fail(`${what} (input ${k}) must be a constant`);
    return v.c;
  }

  actInput(n: NodeView, k: number): ActValue {
    const v = this.input(n, k);
    if (v.kind !== 'act') n.fail(`input ${k} must be computed from the graph input, it is a constant`);
    return v;
  }

  /** True when the value `name` is read once, by one node, and is not a graph output. */
  soleUse(name: string): boolean {
    return this.uses.get(name) === 1 && !this.graphOutputs.has(name);
  }

  /** The single node reading `name`, when there is exactly one and it has not been absorbed. */
  soleConsumer(name: string): NodeView | undefined {
    if (!this.soleUse(name)) return undefined;
    const c = this.consumers.get(name);
    if (!c || c.length !== 1 || this.absorbed.has(c[0])) return undefined;
    return this.nodes[c[0]];
  }

  /**
   * The draft op producing `v`, when that op may be changed to also do this node's work: nothing else
   * reads its output (one ONNX name, read once, here).
   */
  fusibleProducer(v: ActValue, name: string) {
    if (this.draft.tensors[v.t].bound !== 1 || !this.soleUse(name)) return undefined;
    return this.draft.producerOf(v.t);
  }

  /** Adds an op to the draft; a shape error becomes an InputError naming the node. */
  emit(n: NodeView, spec: EmitSpec, outName = n.outputs[0] ?? n.irName): TensorId {
    let t: TensorId;
    try {
      t = this.draft.op({ ...spec, name: spec.name ?? n.irName } as OpSpec, outName);
    } catch (e) {
      if (e instanceof IrError) n.fail(e.message);
      throw e;
    }
    const shape = this.draft.tensors[t].shape;
    // Shapes are only arithmetic until now; refuse before any later stage allocates them.
    if (elementCount(shape) > MAX_TENSOR_ELEMENTS || shape.some((d) => d > MAX_DIM)) n.fail(`output [${shape.join(', ')}] is too large`);
    return t;
  }

  /** Runs `f`, turning a fold error into an InputError naming the node. */
  folding<T>(n: NodeView, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof FoldError) n.fail(e.message);
      throw e;
    }
  }
}
