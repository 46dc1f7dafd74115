// ONNX ModelProto -> float IR. Reads the file's structure defensively (every name, size and reference is
// checked), orders the nodes, binds graph inputs in NHWC, converts node by node (node-handlers.ts) and
// builds the IR graph, which is validated before it is returned.
import path from 'node:path';
import { InputError, printable, show } from '../../errors.ts';
import { IrError, validateGraph, type Graph, type Shape } from '../../ir/index.ts';
import { fuseActivations } from '../../ir/passes/fuse-activations.ts';
import { readBytes } from '../../io/read-input.ts';
import { nonFiniteConstant } from '../../quant/finite-values.ts';
import { ImportContext, NodeView, type ActValue } from './context.ts';
import { NCHW_MAP, identityMap, nhwcShape, type Binding } from './layout.ts';
import { MAX_NODES, MAX_TENSOR_ELEMENTS } from './limits.ts';
import { convertNode } from './node-handlers.ts';
import { decodeModel, int64, type GraphProto, type Int64, type ModelProto, type ValueInfoProto } from './proto.ts';
import { checkDims, ElementBudget, readTensorProto } from './tensor-proto.ts';

/**
 * Lowest ONNX IR version accepted: 3 introduced opset imports, which every model we read declares. A newer
 * IR version only adds fields, which the decoder skips, so there is no upper bound here (onnxruntime, when
 * it runs the file as the reference, has its own).
 */
export const MIN_IR_VERSION = 3;

/** Lowest and highest ai.onnx opset accepted (PyTorch, TF converters and CNTK export within this). */
export const MIN_OPSET = 7;
export const MAX_OPSET = 21;

/** Metadata key under which `exportOnnx` lists convs that carry a folded BatchNorm (for lab-style counts). */
export const FOLDED_BN_KEY = 'mcu-nas.folded_batch_norm';

export interface OnnxImport {
  readonly graph: Graph;
  /** Per IR graph input, in order: how the ONNX input's NCHW data maps onto it (see layout.ts onnxToIr). */
  readonly inputs: readonly Binding[];
  /** Per IR graph output, in order: how to read it back in the ONNX output's layout (irToOnnx). */
  readonly outputs: readonly Binding[];
  readonly opset: number;
  /** e.g. "pytorch 1.13.0". */
  readonly producer: string;
}

export interface ImportOptions {
  /** How the model is named in messages (a file name). */
  source?: string;
  /** IR graph name; default the ONNX graph's name, else the source's base name. */
  name?: string;
}

function opsetOf(m: ModelProto, source: string): number {
  const entries = (m.opsetImport ?? []).filter((o) => !o.domain || o.domain === 'ai.onnx');
  if (entries.length === 0) throw new InputError(`${source}: no ai.onnx opset is declared`);
  const v = int64(entries[0].version as Int64);
  if (!(v >= MIN_OPSET && v <= MAX_OPSET)) throw new InputError(`${source}: opset ${v} is not supported (${MIN_OPSET} to ${MAX_OPSET})`);
  return v;
}

class MinHeap {
  private readonly a: number[] = [];
  push(v: number): void {
    const a = this.a;
    let i = a.push(v) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= a[i]) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): number | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (r < a.length && a[r] < a[m]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/** Node indices in an order where every node comes after the producers of its inputs. */
function topologicalOrder(nodes: readonly NodeView[], known: ReadonlySet<string>, initializerNames: ReadonlySet<string>): number[] {
  const producer = new Map<string, number>();
  for (const n of nodes)
    for (const o of n.outputs) {
      if (o === '') continue;
      if (known.has(o)) n.fail(`writes ${show(o)}, which is a graph input or initializer`);
      if (producer.has(o)) n.fail(`writes ${show(o)}, which node #${producer.get(o)} also writes`);
      producer.set(o, n.index);
    }
  const waiting = new Int32Array(nodes.length);
  const readers = new Map<number, number[]>();
  for (const n of nodes) {
    const deps = new Set<number>();
    for (const i of n.inputs) {
      if (i === '' || known.has(i)) continue;
      const p = producer.get(i);
      if (p === undefined) n.fail(`reads ${show(i)}, which no node produces and is not a graph input or initializer`);
      deps.add(p);
    }
    waiting[n.index] = deps.size;
    for (const p of deps) (readers.get(p) ?? readers.set(p, []).get(p)!).push(n.index);
  }
  // Nodes computed from initializers alone (Constant nodes, mostly) go first, so that every pattern
  // looking ahead finds its constants; then ready nodes lowest index first, so a file that is already
  // in order keeps its order.
  const order: number[] = [];
  const ready = new MinHeap();
  for (let i = 0; i < nodes.length; i++) {
    if (waiting[i] !== 0) continue;
    if (nodes[i].inputs.every((name) => name === '' || initializerNames.has(name))) order.push(i);
    else ready.push(i);
  }
  for (const i of order.slice()) for (const r of readers.get(i) ?? []) if (--waiting[r] === 0) ready.push(r);
  for (let i = ready.pop(); i !== undefined; i = ready.pop()) {
    order.push(i);
    for (const r of readers.get(i) ?? []) if (--waiting[r] === 0) ready.push(r);
  }
  if (order.length < nodes.length) {
    const stuck = nodes.find((n) => waiting[n.index] > 0)!;
    throw new InputError(`${stuck.where}: is part of a cycle (or depends on one); ONNX graphs must be acyclic`);
  }
  return order;
}

/** The static float shape of a graph input; a symbolic batch dimension is taken as 1. */
function inputShape(v: ValueInfoProto, source: string): number[] {
  const what = `${source}: graph input ${show(v.name ?? '')}`;
  const tt = v.type?.tensorType;
  if (!tt) throw new InputError(`${what}: is not a tensor`);
  if (tt.elemType !== 1) throw new InputError(`${what}: element type ${tt.elemType} is not float32`);
  const dims = (tt.shape?.dim ?? []).map((d, i) => {
    if (d.dimValue !== null && d.dimValue !== undefined && (d.dimParam ?? '') === '') return d.dimValue as Int64;
    if (i === 0) return 1; // a named (dynamic) batch: run with one item
    throw new InputError(`${what}: dimension ${i} is not fixed (${show(d.dimParam ?? '?')}); export with a static shape`);
  });
  return checkDims(dims, what, 1).dims;
}

/** What a variant of this importer plugs in (the QDQ one, qdq-import.ts): it sees every node first, and the draft before it is built. */
export interface ImportHooks {
  /** Converts node `n` and returns true, or returns false to leave it to the float handlers. */
  convert?(ctx: ImportContext, n: NodeView): boolean;
  /** Called once every node is converted, before the draft becomes the IR graph. */
  beforeBuild?(ctx: ImportContext): void;
}

export function importOnnx(bytes: Uint8Array, opts: ImportOptions = {}): OnnxImport {
  const imp = importOnnxWith(bytes, opts, {});
  return { ...imp, graph: fuseActivations(imp.graph) };
}

export function importOnnxWith(bytes: Uint8Array, opts: ImportOptions, hooks: ImportHooks): OnnxImport {
  const source = opts.source ?? 'model.onnx';
  const model = decodeModel(bytes, source);
  const g: GraphProto | null | undefined = model.graph;
  if (!g) throw new InputError(`${source}: has no graph`);
  const irVersion = int64(model.irVersion as Int64);
  // 0 is also what an absent ir_version decodes to: a file no ONNX writer produces.
  if (!(irVersion >= MIN_IR_VERSION)) throw new InputError(`${source}: ir_version ${irVersion} is not a valid ONNX IR version (${MIN_IR_VERSION} or later)`);
  const opset = opsetOf(model, source);
  const nodeProtos = g.node ?? [];
  if (nodeProtos.length > MAX_NODES) throw new InputError(`${source}: ${nodeProtos.length} nodes is more than ${MAX_NODES}`);
  const nodes = nodeProtos.map((p, i) => new NodeView(p, i, source));

  const budget = new ElementBudget();
  const initializers = new Map<string, ReturnType<typeof readTensorProto>>();
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    if (name === '') throw new InputError(`${source}: an initializer has no name`);
    if (initializers.has(name)) throw new InputError(`${source}: initializer ${show(name)} is given twice`);
    initializers.set(name, readTensorProto(t, `${source}: initializer ${show(name)}`, budget));
  }
  // Old IR versions list initializers among the inputs too; those are constants, not inputs.
  const realInputs = (g.input ?? []).filter((v) => !initializers.has(v.name ?? ''));
  const known = new Set<string>([...initializers.keys(), ...realInputs.map((v) => v.name ?? '')]);
  if (known.size !== initializers.size + realInputs.length) throw new InputError(`${source}: a graph input name is given twice`);
  const order = topologicalOrder(nodes, known, new Set(initializers.keys()));
  // graph.value_info and the graph outputs' declared types are never read: every shape here is computed
  // from the graph inputs (checked above) through the ops, so a wrong or negative dimension there is
  // harmless to the import (test/fuzz/onnx-structure.test.ts shows the graph is the same without it).

  const uses = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  for (const n of nodes)
    n.inputs.forEach((i) => {
      uses.set(i, (uses.get(i) ?? 0) + 1);
      const c = consumers.get(i) ?? consumers.set(i, []).get(i)!;
      if (c[c.length - 1] !== n.index) c.push(n.index);
    });
  const outputNames = (g.output ?? []).map((o) => o.name ?? '');
  if (outputNames.length === 0) throw new InputError(`${source}: the graph has no outputs`);
  for (const o of outputNames) uses.set(o, (uses.get(o) ?? 0) + 1);

  const ctx = new ImportContext(source, opset, uses, consumers, nodes, new Set(outputNames), budget, new Set());
  for (const [name, c] of initializers) ctx.bindConst(name, c);
  const inputs: Binding[] = [];
  let activationElements = 0;
  for (const v of realInputs) {
    const name = v.name ?? '';
    const dims = inputShape(v, source);
    // NCHW, unless the model itself transposes the input from NHWC first (TF converters do).
    const readers = consumers.get(name) ?? [];
    const nhwcFile = dims.length === 4 && readers.length > 0 && readers.every((i) => nodes[i].op === 'Transpose' && (nodes[i].attrs.ints('perm') ?? []).join() === '0,3,1,2');
    const nchw = dims.length === 4 && !nhwcFile;
    const irShape: Shape = nchw ? nhwcShape(dims) : dims;
    const map = nchw ? NCHW_MAP : identityMap(dims.length);
    const t = ctx.draft.input(name, irShape);
    ctx.bind(name, { kind: 'act', t, dims, map });
    inputs.push({ name, dims, map, irShape });
    activationElements += irShape.reduce((a, b) => a * b, 1);
  }
  if (activationElements > MAX_TENSOR_ELEMENTS) throw new InputError(`${source}: graph inputs hold more than ${MAX_TENSOR_ELEMENTS} elements`);

  for (const i of order) {
    if (ctx.absorbed.has(i) || hooks.convert?.(ctx, nodes[i])) continue;
    convertNode(ctx, nodes[i], nodes[i].proto.domain ?? '');
  }

  const outTensors: number[] = [];
  const outputs: Binding[] = outputNames.map((name) => {
    const v = ctx.value(name);
    if (!v) throw new InputError(`${source}: graph output ${show(name)} is not produced by any node`);
    if (v.kind !== 'act') throw new InputError(`${source}: graph output ${show(name)} is a constant; there is nothing to compute`);
    const a: ActValue = v;
    outTensors.push(a.t);
    return { name, dims: a.dims, map: a.map, order: a.order, irShape: ctx.draft.tensors[a.t].shape.slice() };
  });

  markFoldedBatchNorm(ctx, model);
  hooks.beforeBuild?.(ctx);
  const graphName = opts.name ?? (g.name || path.basename(source).replace(/\.onnx$/i, ''));
  let graph: Graph;
  try {
    graph = validateGraph(ctx.draft.build(graphName, outTensors));
  } catch (e) {
    if (e instanceof IrError) throw new InputError(`${source}: the imported graph is not valid: ${printable(e.message)}`);
    throw e;
  }
  // A NaN or infinite weight would pass every later stage until calibration, or silently become 0 in int8.
  const nonFinite = nonFiniteConstant(graph);
  if (nonFinite) throw new InputError(`${source}: ${nonFinite}`);
  const producer = `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim();
  return { graph, inputs, outputs, opset, producer };
}

/** Restores the folded-BatchNorm marks that exportOnnx records (a PyTorch export has no such record). */
function markFoldedBatchNorm(ctx: ImportContext, model: ModelProto): void {
  const entry = (model.metadataProps ?? []).find((p) => p.key === FOLDED_BN_KEY);
  if (!entry?.value) return;
  let names: unknown;
  try {
    names = JSON.parse(entry.value);
  } catch {
    return; // advisory only: a damaged record does not make the model unusable
  }
  if (!Array.isArray(names)) return;
  const set = new Set(names.filter((x): x is string => typeof x === 'string'));
  for (const op of ctx.draft.ops)
    if (op.spec.kind === 'conv2d' && set.has(op.spec.name) && !op.spec.foldedBatchNorm) op.spec = { ...op.spec, foldedBatchNorm: true };
}

export function importOnnxFile(file: string, opts: Omit<ImportOptions, 'source'> = {}): OnnxImport {
  return importOnnx(readBytes(file), { ...opts, source: file });
}

