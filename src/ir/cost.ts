// The one MAC and parameter counter. Every figure the tool prints comes from here, in one of two
// counting modes, and wherever both kinds are printed each carries its kind in its name:
//
// - products (`macsPure`): multiply-accumulate products, what a kernel computes: conv = out_elems x
//   Cin/groups x KH x KW, fully connected = N x IN x OUT; element-wise ops, pools and activations count 0.
//   The same in the float and the int8 graph (folding a BatchNorm changes no product).
// - lab (`labMacs`, `labParams`): the MIT lab's figures (spec §6, data/mcunet-vectors.json): thop 0.1.1
//   inside count_net_flops counts the products + 4 per element leaving a BatchNorm; count_parameters
//   counts what the PyTorch model trains: conv/linear weights, their own biases (SE convs, classifier),
//   and 2 per BatchNorm channel (gamma, beta; running stats are buffers). The pre-2022 thop
//   (`macsThopLegacy`, the lab notebook's asserted 7.770656) counted 1 per output element of a conv
//   with a bias and 2 per BatchNorm element instead.
// - deployed params (`graphParams`): elements of the constants the graph holds. A folded BatchNorm
//   leaves 1 bias per channel where the lab counts 2 (gamma and beta), so this is the lab count minus
//   one per BatchNorm channel (mcunet w0.5 r96 smallest: 304,538 lab, 300,898 deployed).
//
// The IR marks a conv whose BatchNorm was folded in (`foldedBatchNorm`); that is all the lab mode needs.
// `CountTally` is the counter itself: the IR walk below feeds it op by op, and the fast config walk of
// the search (src/predict/efficiency.ts) feeds it the same layers from the config alone
// (test/predict/efficiency.test.ts checks both give the same figures).
import type { Graph, Op } from './graph.ts';
import { elementCount, isConstant } from './tensors.ts';

/** Products of a convolution: output elements x the window (KH x KW x input channels per group). */
export function convProducts(outElements: number, kh: number, kw: number, cinPerGroup: number): number {
  return outElements * kh * kw * cinPerGroup;
}

/** count_parameters of a conv/linear layer: weights + 2 per BatchNorm channel, or + its own bias. */
export function layerLabParams(weights: number, cout: number, batchNorm: boolean, bias: boolean): number {
  return weights + (batchNorm ? 2 * cout : bias ? cout : 0);
}

/** The lab's figures of a network (spec §6). */
export interface LabCounts {
  /** thop 0.1.1 (count_net_flops): products + 4 per BatchNorm output element. */
  macs: number;
  /** Conv and linear products only (what a kernel computes). */
  macsPure: number;
  /** The pre-2022 thop count: products + 1 per output of a conv with bias + 2 per BatchNorm element. */
  macsThopLegacy: number;
  /** count_parameters. */
  params: number;
}

/** Accumulates the counts layer by layer (conv and linear layers are all that count). */
export class CountTally {
  private products = 0;
  private bnElements = 0;
  private convBiasElements = 0;
  private params = 0;

  /** A conv producing `outElements` (= spatial x cout) with a KH x KW x cinPerGroup window. */
  conv(outElements: number, kh: number, kw: number, cinPerGroup: number, cout: number, batchNorm: boolean, bias: boolean): void {
    this.products += convProducts(outElements, kh, kw, cinPerGroup);
    if (batchNorm) this.bnElements += outElements;
    else if (bias) this.convBiasElements += outElements;
    this.params += layerLabParams(cout * kh * kw * cinPerGroup, cout, batchNorm, bias);
  }

  /** A fully connected layer on `batch` rows (thop counts neither its bias nor, in any version, more than the products). */
  linear(batch: number, inFeatures: number, outFeatures: number, bias: boolean): void {
    this.products += batch * inFeatures * outFeatures;
    this.params += layerLabParams(inFeatures * outFeatures, outFeatures, false, bias);
  }

  counts(): LabCounts {
    return {
      macs: this.products + 4 * this.bnElements,
      macsPure: this.products,
      macsThopLegacy: this.products + this.convBiasElements + 2 * this.bnElements,
      params: this.params,
    };
  }
}

/** Products of one op (see the top of this file). */
export function opMacs(g: Graph, op: Op): number {
  if (op.kind === 'conv2d') {
    const w = g.tensors[op.inputs[1]].shape; // [Cout, KH, KW, Cin/groups]
    return convProducts(elementCount(g.tensors[op.outputs[0]].shape), w[1], w[2], w[3]);
  }
  if (op.kind === 'fully_connected') {
    const w = g.tensors[op.inputs[1]].shape; // [OUT, IN]
    return g.tensors[op.outputs[0]].shape[0] * w[0] * w[1];
  }
  return 0;
}

/** count_parameters of one op: conv/linear weights, + 2 per channel for a folded BatchNorm, else + its bias. */
export function opLabParams(g: Graph, op: Op): number {
  if (op.kind !== 'conv2d' && op.kind !== 'fully_connected') return 0;
  const [, w, bias] = op.inputs;
  const cout = g.tensors[w].shape[0];
  const batchNorm = op.kind === 'conv2d' && op.foldedBatchNorm === true;
  return layerLabParams(elementCount(g.tensors[w].shape), cout, batchNorm, bias !== undefined);
}

/** Products of the whole graph. */
export function graphMacs(g: Graph): number {
  let n = 0;
  for (const op of g.ops) n += opMacs(g, op);
  return n;
}

/** Deployed params: elements of every constant the ops read, each tensor counted once even if shared. */
export function graphParams(g: Graph): number {
  const seen = new Set<number>();
  let n = 0;
  for (const op of g.ops)
    for (const id of op.inputs) {
      const t = g.tensors[id];
      if (!isConstant(t) || seen.has(id)) continue;
      seen.add(id);
      n += elementCount(t.shape);
    }
  return n;
}

/** The lab's figures of the graph (thop 0.1.1 MACs, count_parameters), from the IR. */
export function labCounts(g: Graph): LabCounts {
  const tally = new CountTally();
  for (const op of g.ops) {
    if (op.kind === 'conv2d') {
      const w = g.tensors[op.inputs[1]].shape;
      tally.conv(elementCount(g.tensors[op.outputs[0]].shape), w[1], w[2], w[3], w[0], op.foldedBatchNorm === true, op.inputs[2] !== undefined);
    } else if (op.kind === 'fully_connected') {
      const w = g.tensors[op.inputs[1]].shape;
      tally.linear(g.tensors[op.outputs[0]].shape[0], w[1], w[0], op.inputs[2] !== undefined);
    }
  }
  return tally.counts();
}

/** count_parameters of the graph (the lab's figure). */
export function labParams(g: Graph): number {
  let n = 0;
  for (const op of g.ops) n += opLabParams(g, op);
  return n;
}

/** Names of the convs a BatchNorm was folded into (every conv but the SE ones, in the lab's subnet). */
export function convsWithBatchNorm(g: Graph): string[] {
  return g.ops.filter((op) => op.kind === 'conv2d' && op.foldedBatchNorm).map((op) => op.name);
}
