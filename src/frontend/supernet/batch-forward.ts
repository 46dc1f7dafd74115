// A float32 forward pass of an extracted subnet over a batch of images with each BatchNorm as its own
// step (not folded), which BN re-calibration needs: in the lab's set_running_statistics every BN
// normalises with the statistics of the batch it sees, so layer L's input depends on the batch statistics
// of every BN before it. The topology is the IR's (lowerArch, shape only); the values are the subnet's.
// Only the ops lowerArch emits exist here: conv2d, global_avg_pool, mul (SE gate), add, fully_connected.
import { lowerArch, type BatchNormParams } from '../arch-to-ir.ts';
import type { Conv2dOp, Graph, Op } from '../../ir/graph.ts';
import { applyActivation, convF32, fullyConnectedF32, globalAvgPoolF32, type ConvGeometry } from '../../quant/float-kernels.ts';
import { denseConvF32, depthwiseF32, pointwiseF32 } from './conv-kernels.ts';
import { lastUses } from '../../quant/float-interpreter.ts';
import type { ArchConfig } from '../../space/config.ts';
import type { SubnetWeights } from './extract.ts';

/** Per-channel statistics of one BN's input over a batch: mean and biased variance over (N, H, W). */
export interface BatchStats {
  readonly mean: Float32Array;
  readonly variance: Float32Array;
  /** Images in the batch (the lab's AverageMeter weight). */
  readonly n: number;
}

export type BatchNormMode =
  /** Eval mode: the running statistics the subnet carries. */
  | { readonly kind: 'running' }
  /** set_running_statistics' forward: normalise with the batch's own statistics and report them. */
  | { readonly kind: 'batch'; readonly seen: (layer: string, stats: BatchStats) => void };

/** The subnet's topology at `resolution`, without values (microseconds to build). */
export function subnetTopology(arch: ArchConfig, resolution: number): Graph {
  return lowerArch({ ...arch, image_size: resolution as ArchConfig['image_size'] }, { weights: 'elided' });
}

/** Batch statistics of `ys` (N images, NHWC, C innermost), as the lab computes them: mean first, then mean squared deviation. */
function batchStats(ys: readonly Float32Array[], C: number): BatchStats {
  const sum = new Float64Array(C);
  let count = 0;
  for (const y of ys) {
    for (let i = 0; i < y.length; i += C) for (let c = 0; c < C; c++) sum[c] += y[i + c];
    count += y.length / C;
  }
  // The lab subtracts a float32 mean.
  const mean = Float32Array.from(sum, (s) => s / count);
  const sq = new Float64Array(C);
  for (const y of ys)
    for (let i = 0; i < y.length; i += C)
      for (let c = 0; c < C; c++) {
        const d = y[i + c] - mean[c];
        sq[c] += d * d;
      }
  return { mean, variance: Float32Array.from(sq, (s) => s / count), n: ys.length };
}

/**
 * y = (x - mean) / sqrt(var + eps) * gamma + beta in place, computed as PyTorch's CPU batch_norm does:
 * y = x * alpha + shift with alpha = gamma / sqrt(var + eps), shift = beta - mean * alpha; then ReLU6 if asked.
 */
function normalise(ys: readonly Float32Array[], bn: BatchNormParams, mean: Float32Array, variance: Float32Array, relu6: boolean): void {
  const C = bn.gamma.length;
  const alpha = Float64Array.from(bn.gamma, (g, c) => g / Math.sqrt(variance[c] + bn.eps));
  const shift = Float64Array.from(bn.beta, (b, c) => b - mean[c] * alpha[c]);
  for (const y of ys)
    for (let i = 0; i < y.length; i += C)
      if (relu6) for (let c = 0; c < C; c++) y[i + c] = Math.min(Math.max(y[i + c] * alpha[c] + shift[c], 0), 6);
      else for (let c = 0; c < C; c++) y[i + c] = y[i + c] * alpha[c] + shift[c];
}

/**
 * Runs the subnet on `images` (each [r, r, 3] NHWC, already normalised) at `resolution`, every BN in
 * `mode`. Returns the logits of each image.
 */
export function forwardBatch(w: SubnetWeights, images: readonly Float32Array[], resolution: number, mode: BatchNormMode): Float32Array[] {
  const g = subnetTopology(w.arch, resolution);
  const values: (Float32Array[] | undefined)[] = new Array(g.tensors.length);
  const lastUse = lastUses(g);
  values[g.inputs[0]] = images.slice();
  g.ops.forEach((op, i) => {
    const xs = values[op.inputs[0]]!;
    values[op.outputs[0]] = runOp(g, op, w, xs, values, mode);
    for (const t of op.inputs) if (lastUse[t] === i) values[t] = undefined;
  });
  return values[g.outputs[0]]!;
}

/** The fast kernel for the convs a subnet has (square kernel, padding k//2, no dilation), else the reference one. */
function conv(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, op: Conv2dOp, geometry: ConvGeometry): Float32Array {
  const [, H, W, Cin] = geometry.inShape;
  const Cout = geometry.outShape[3];
  const k = op.kernel[0];
  const square = !op.dilation && op.kernel[1] === k && op.stride[0] === op.stride[1] && [op.padding.top, op.padding.left, op.padding.bottom, op.padding.right].every((p) => p === k >> 1);
  if (!square) return convF32(x, w, bias, geometry);
  if (k === 1 && op.stride[0] === 1 && op.groups === 1) return pointwiseF32(x, w, bias, H * W, Cin, Cout);
  const g = { H, W, k, stride: op.stride[0] };
  if (op.groups === Cin && Cout === Cin) return depthwiseF32(x, w, bias, Cin, g);
  if (op.groups === 1) return denseConvF32(x, w, bias, Cin, Cout, g);
  return convF32(x, w, bias, geometry);
}

function runOp(g: Graph, op: Op, w: SubnetWeights, xs: Float32Array[], values: (Float32Array[] | undefined)[], mode: BatchNormMode): Float32Array[] {
  const shape = (id: number) => g.tensors[id].shape;
  switch (op.kind) {
    case 'conv2d': {
      const l = w.layer(op.name);
      const geometry = { inShape: shape(op.inputs[0]), outShape: shape(op.outputs[0]), kernel: op.kernel, stride: op.stride, padding: op.padding, groups: op.groups, ...(op.dilation ? { dilation: op.dilation } : {}) };
      const ys = xs.map((x) => conv(x, l.weight, l.bias, op, geometry));
      if (l.bn) {
        const relu6 = op.activation === 'relu6';
        if (mode.kind === 'running') normalise(ys, l.bn, l.bn.mean, l.bn.variance, relu6);
        else {
          const s = batchStats(ys, l.bn.gamma.length);
          mode.seen(op.name, s);
          normalise(ys, l.bn, s.mean, s.variance, relu6);
        }
        if (relu6 || op.activation === 'none') return ys;
      }
      if (op.activation === 'relu6') for (const y of ys) for (let k = 0; k < y.length; k++) y[k] = Math.min(Math.max(y[k], 0), 6);
      else if (op.activation !== 'none') for (const y of ys) for (let k = 0; k < y.length; k++) y[k] = applyActivation(op.activation, y[k]);
      return ys;
    }
    case 'global_avg_pool':
      return xs.map((x) => globalAvgPoolF32(x, shape(op.inputs[0])));
    case 'mul': {
      // The SE gate: [1, H, W, C] times [1, 1, 1, C].
      const gates = values[op.inputs[1]]!;
      return xs.map((x, n) => {
        const gate = gates[n];
        const C = gate.length;
        const y = new Float32Array(x.length);
        for (let k = 0; k < x.length; k += C) for (let c = 0; c < C; c++) y[k + c] = x[k + c] * gate[c];
        return y;
      });
    }
    case 'add': {
      const bs = values[op.inputs[1]]!;
      return xs.map((x, n) => x.map((v, k) => v + bs[n][k]));
    }
    case 'fully_connected': {
      const l = w.layer(op.name);
      return xs.map((x) => fullyConnectedF32(x, 1, l.weight, l.bias, shape(op.outputs[0])[1]));
    }
    default:
      throw new Error(`bug: op kind ${op.kind} (${op.name}) is not in a lowered subnet`);
  }
}
