// Fast float32 inference of an MlpWeights over one-hot encoded configs. The first layer is a sum of
// ≤ 48 weight rows; each later layer sums the rows of Wᵀ picked by the non-zero activations. Weights
// are stored transposed (row n of Wᵀ = what input n adds to every output) so every step is one
// contiguous row run through the SIMD kernel.
import type { DenseLayer, MlpWeights } from './mlp.ts';
import type { EncodedBatch } from './encoded-batch.ts';
import { RowKernel } from './row-kernel.ts';
import { listNonZero, listOneHot } from './row-lists.ts';

/** Wᵀ of a [out][in] PyTorch weight: [in][out]. */
export function transpose(w: Float32Array, out: number, inn: number, dst: Float32Array = new Float32Array(w.length)): Float32Array {
  for (let o = 0; o < out; o++) for (let i = 0; i < inn; i++) dst[i * out + o] = w[o * inn + i];
  return dst;
}

/**
 * Without activations the network is one affine map; folding it (in float64) into a single
 * 128 → 1 layer makes the linear lab checkpoint cost 48 additions per config.
 */
export function collapseLinear(w: MlpWeights): DenseLayer {
  // Push each basis vector's effect through: row vector r = last ∘ … ∘ first, plus the folded biases.
  let r = Float64Array.from(w.layers[w.layers.length - 1].weight);
  let bias = w.layers[w.layers.length - 1].bias?.[0] ?? 0;
  for (let li = w.layers.length - 2; li >= 0; li--) {
    const l = w.layers[li];
    const next = new Float64Array(l.in);
    for (let o = 0; o < l.out; o++) {
      const ro = r[o];
      if (l.bias) bias += ro * l.bias[o];
      for (let i = 0; i < l.in; i++) next[i] += ro * l.weight[o * l.in + i];
    }
    r = next;
  }
  return { out: 1, in: r.length, weight: Float32Array.from(r), bias: Float32Array.of(bias) };
}

interface HiddenLayer {
  in: number;
  out: number;
  /** Byte offsets in kernel memory. */
  wt: number;
  act: number;
  bias: Float32Array;
}

export class MlpInference {
  private readonly k = new RowKernel();
  private readonly hidden: HiddenLayer[] = [];
  private readonly lastW: Float32Array;
  private readonly lastB: number;
  private readonly relu: boolean;
  private readonly list: number;

  constructor(readonly weights: MlpWeights) {
    const ls = weights.activation === 'none' ? [collapseLinear(weights)] : weights.layers;
    this.relu = weights.activation === 'relu';
    let maxIn = 0;
    for (const l of ls.slice(0, -1)) {
      const wt = this.k.alloc(l.in * l.out);
      const act = this.k.alloc(l.out);
      this.k.f32.set(transpose(l.weight, l.out, l.in), wt / 4);
      this.hidden.push({ in: l.in, out: l.out, wt, act, bias: l.bias ?? new Float32Array(l.out) });
      maxIn = Math.max(maxIn, l.in);
    }
    this.list = this.k.alloc(2 * maxIn);
    const last = ls[ls.length - 1];
    this.lastW = last.weight.slice();
    this.lastB = last.bias ? last.bias[0] : 0;
  }

  /** Predicted accuracy (fraction) of each config of the batch, into `out` (allocated if not given). */
  run(batch: EncodedBatch, out = new Float32Array(batch.n)): Float32Array {
    const { k, hidden, relu, lastW } = this;
    const f32 = k.f32;
    const i32 = k.i32;
    const list = this.list;
    const listAt = list / 4;
    const base = this.weights.baseAcc + this.lastB;
    for (let b = 0; b < batch.n; b++) {
      let prev: HiddenLayer | undefined;
      for (const h of hidden) {
        f32.set(h.bias, h.act / 4);
        const count = prev
          ? listNonZero(f32, i32, prev.act / 4, prev.out, relu, listAt, h.wt, h.out * 4)
          : listOneHot(f32, i32, batch.idx, batch.start[b], batch.start[b + 1], listAt, h.wt, h.out * 4);
        k.accRows(h.act, h.out, list, count);
        prev = h;
      }
      // Last layer: one dot product, in float64 (it is 400 terms; the cost is nothing).
      let s = 0;
      if (prev) {
        const a = prev.act / 4;
        for (let i = 0; i < prev.out; i++) {
          const v = f32[a + i];
          if (relu ? v > 0 : true) s += v * lastW[i];
        }
      } else {
        for (let j = batch.start[b]; j < batch.start[b + 1]; j++) s += lastW[batch.idx[j]];
      }
      out[b] = s + base;
    }
    return out;
  }
}
