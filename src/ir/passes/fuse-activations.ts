// Activation fusion: a relu, relu6 or hard-sigmoid op whose input is read by nothing else becomes the
// activation of the conv, fully connected, add or mul op that produced that input (a relu6 also upgrades a
// fused relu, relu6(relu(x)) = relu6(x)). The fused op then writes the activation's output tensor (its
// name); the intermediate tensor and the activation op are gone. Ops are visited in order, so chains fold
// one after the other. Graph -> Graph; the input graph is not changed.
import type { Activation, Graph, Op, Tensor, TensorId } from '../graph.ts';
import { graphIndex } from '../topology.ts';

const FUSED: Partial<Record<Op['kind'], Activation>> = { relu: 'relu', relu6: 'relu6', hard_sigmoid: 'hardsigmoid' };
const TAKES_ACTIVATION = new Set<Op['kind']>(['conv2d', 'fully_connected', 'add', 'mul']);

/**
 * Fuses activations into their producers. `mayFuse(t)` can keep an intermediate tensor `t` (e.g. one a
 * quantized model gives its own quantization); by default every sole-reader intermediate may go.
 */
export function fuseActivations(g: Graph, mayFuse: (t: Tensor) => boolean = () => true): Graph {
  const { producer, consumers } = graphIndex(g);
  const outputs = new Set(g.outputs);
  const ops: (Op | undefined)[] = g.ops.slice();
  const names = g.tensors.map((t) => t.name);
  /** Tensor id -> the id standing for it after a fusion (the activation's output -> the producer's). */
  const alias = new Int32Array(g.tensors.length).map((_, i) => i);
  const dropped = new Uint8Array(g.tensors.length);
  /** Which op now writes each tensor (a fusion moves the activation's output to the producer). */
  const writer = Int32Array.from(producer);
  ops.forEach((op, i) => {
    const act = op && FUSED[op.kind];
    if (!op || !act) return;
    // `xin` is the tensor this op reads; `x` the tensor standing for it now (the producer's, after an earlier fusion).
    const xin = op.inputs[0];
    const x = alias[xin];
    const p = writer[x];
    const prev = p >= 0 ? ops[p] : undefined;
    if (!prev || !TAKES_ACTIVATION.has(prev.kind) || consumers[xin].length !== 1 || outputs.has(xin) || !mayFuse(g.tensors[xin])) return;
    const current = (prev as Op & { activation: Activation }).activation;
    if (!(current === 'none' || (current === 'relu' && act === 'relu6'))) return;
    // The producer keeps its output tensor (its place in the tensor list) under the activation output's name.
    const y = op.outputs[0];
    names[x] = names[y];
    alias[y] = x;
    dropped[y] = 1;
    writer[x] = p;
    ops[p] = { ...prev, activation: act } as Op;
    ops[i] = undefined;
  });
  if (!dropped.some((d) => d === 1)) return g;
  // Renumber: tensors keep their order, dropped ones leave no gap.
  const newId = new Int32Array(g.tensors.length).fill(-1);
  const tensors: Tensor[] = [];
  g.tensors.forEach((t, i) => {
    if (dropped[i]) return;
    newId[i] = tensors.length;
    tensors.push({ ...t, id: tensors.length, name: names[i] });
  });
  const map = (t: TensorId): TensorId => newId[alias[t]];
  const kept = ops.filter((op): op is Op => op !== undefined).map((op) => ({ ...op, inputs: op.inputs.map(map), outputs: op.outputs.map(map) }) as Op);
  return { ...g, tensors, ops: kept, inputs: g.inputs.map(map), outputs: g.outputs.map(map) };
}
