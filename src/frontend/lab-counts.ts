// The lab's figures computed from an IR graph (spec §6), so the IR can be checked against
// data/mcunet-vectors.json. MACs: conv/linear products (`macs_pure`) are graphMacs in src/ir.
// Parameters: count_parameters counts what the PyTorch model trains: conv weights, 2 per BatchNorm
// channel (gamma, beta; running stats are buffers), the SE convs' biases, the classifier's weight and
// bias. After folding, a BN's conv carries a bias that PyTorch never had; count the BN in its place.
import { elementCount, type Graph } from '../ir/index.ts';

export function labParams(g: Graph): number {
  let n = 0;
  for (const op of g.ops) {
    if (op.kind !== 'conv2d' && op.kind !== 'fully_connected') continue;
    const [, w, bias] = op.inputs;
    n += elementCount(g.tensors[w].shape);
    if (op.kind === 'conv2d' && op.foldedBatchNorm) n += 2 * g.tensors[op.outputs[0]].shape[3];
    else if (bias !== undefined) n += elementCount(g.tensors[bias].shape);
  }
  return n;
}

/** Names of the convs a BatchNorm was folded into (every conv but the SE ones, in the lab's subnet). */
export function convsWithBatchNorm(g: Graph): string[] {
  return g.ops.filter((op) => op.kind === 'conv2d' && op.foldedBatchNorm).map((op) => op.name);
}
