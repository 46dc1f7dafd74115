// One training step of the lab MLP (ReLU hidden layers with bias, bias-free last layer, fixed
// base_acc) on a mini-batch: forward, L1 loss, backward, Adam. Everything heavy is the row kernel:
//   forward      Z[b]   = bias + Σ_{n: H[b,n]>0} H[b,n] · Wᵀ[n]
//   weight grad  dWᵀ[n] = Σ_{b: H[b,n]>0} H[b,n] · dZ[b]
//   input grad   dH[b]  = Σ_{m: dZ[b,m]≠0} dZ[b,m] · W[m]      (then masked by the ReLU)
// so the one-hot input and the ReLU zeros are skipped in both directions. Parameters live transposed
// (Wᵀ) for the forward pass; a row-major copy W is refreshed after each update for the input grads.
import { RowKernel, type AdamScalars } from './row-kernel.ts';
import { listNonZero, listOneHot } from './row-lists.ts';
import { transpose } from './mlp-inference.ts';
import { ENCODING_DIM } from '../space/encode.ts';
import type { EncodedBatch } from './encoded-batch.ts';
import type { DenseLayer, MlpWeights } from './mlp.ts';
import { between, xoshiro128ss, type Uniform } from '../random/seeded-random.ts';

export interface AdamSettings {
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay (AdamW); 0 = plain Adam. */
  weightDecay: number;
  /** Probability of zeroing a hidden activation during training steps (inverted dropout); 0 = off. */
  dropout: number;
  /** Decay of the exponential moving average of the weights that predict() and weights() use; 0 = off. */
  emaDecay: number;
}

/** PyTorch's Adam defaults (the lab calls torch.optim.Adam with defaults). */
export const ADAM_DEFAULTS: AdamSettings = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, emaDecay: 0, dropout: 0 };

interface Layer {
  in: number;
  out: number;
  /** Byte offsets into kernel memory. */
  wt: number; // [in][out] parameters
  w: number; // [out][in] copy, for input gradients (0 if not needed)
  b: number;
  gwt: number;
  gb: number;
  h: number; // [batch][out] activations after ReLU
  dz: number; // [batch][out] gradient before the ReLU
}

/** A block of parameters with its gradient, Adam moments and running average (byte offsets). */
interface ParamBlock {
  p: number;
  g: number;
  n: number;
  m: number;
  v: number;
  s: number;
}

export class MlpTrainer {
  private readonly k = new RowKernel();
  private readonly layers: Layer[] = [];
  private readonly last: Float32Array; // bias-free output layer, length hidden
  private readonly gLast: Float32Array;
  private readonly lastM: Float32Array;
  private readonly lastV: Float32Array;
  private readonly lastS: Float32Array;
  private readonly blocks: ParamBlock[] = [];
  private readonly list: number;
  private readonly y: Float64Array;
  private readonly g: Float64Array;
  private readonly bucketStart = new Int32Array(ENCODING_DIM + 1);
  private readonly bucket: Int32Array;
  private t = 0;
  private readonly dropRng: Uniform;

  constructor(
    readonly hidden: readonly number[],
    readonly baseAcc: number,
    readonly maxBatch: number,
    seed: number,
    private readonly adam: AdamSettings = ADAM_DEFAULTS,
    /** The network learns (label - baseAcc) · targetScale; weights() folds 1/targetScale into the last layer. */
    readonly targetScale = 1,
  ) {
    if (!(targetScale > 0 && Number.isFinite(targetScale))) throw new RangeError(`targetScale must be a positive number, got ${targetScale}`);
    const k = this.k;
    const rng = xoshiro128ss(seed);
    this.dropRng = xoshiro128ss(seed + 2);
    let inn = ENCODING_DIM;
    hidden.forEach((out, i) => {
      const l: Layer = {
        in: inn,
        out,
        wt: k.alloc(inn * out),
        w: i > 0 ? k.alloc(inn * out) : 0,
        b: k.alloc(out),
        gwt: k.alloc(inn * out),
        gb: k.alloc(out),
        h: k.alloc(maxBatch * out),
        dz: k.alloc(maxBatch * out),
      };
      this.layers.push(l);
      inn = out;
    });
    this.list = k.alloc(2 * Math.max(maxBatch, ...hidden, ENCODING_DIM));
    this.last = new Float32Array(inn);
    this.gLast = new Float32Array(inn);
    this.lastM = new Float32Array(inn);
    this.lastV = new Float32Array(inn);
    this.lastS = new Float32Array(inn);
    this.y = new Float64Array(maxBatch);
    this.g = new Float64Array(maxBatch);
    this.bucket = new Int32Array(maxBatch * 48);

    // PyTorch's nn.Linear init: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn in
    // torch layout order so a seed means the same network whatever the storage layout.
    const f32 = k.f32;
    for (const l of this.layers) {
      const bound = 1 / Math.sqrt(l.in);
      const w = new Float32Array(l.out * l.in);
      for (let i = 0; i < w.length; i++) w[i] = between(rng, -bound, bound);
      f32.set(transpose(w, l.out, l.in), l.wt / 4);
      for (let i = 0; i < l.out; i++) f32[l.b / 4 + i] = between(rng, -bound, bound);
    }
    const bound = 1 / Math.sqrt(inn);
    for (let i = 0; i < inn; i++) this.last[i] = between(rng, -bound, bound);
    this.lastS.set(this.last);
    this.refreshRowMajor();
    for (const l of this.layers) {
      this.blocks.push(this.block(l.wt, l.gwt, l.in * l.out));
      this.blocks.push(this.block(l.b, l.gb, l.out));
    }
  }

  private block(p: number, g: number, n: number): ParamBlock {
    const b = { p, g, n, m: this.k.alloc(n), v: this.k.alloc(n), s: this.k.alloc(n) };
    const f32 = this.k.f32;
    f32.copyWithin(b.s / 4, p / 4, p / 4 + n);
    return b;
  }

  private refreshRowMajor(): void {
    const f32 = this.k.f32;
    for (const l of this.layers) {
      if (!l.w) continue;
      transpose(f32.subarray(l.wt / 4, l.wt / 4 + l.in * l.out), l.in, l.out, f32.subarray(l.w / 4, l.w / 4 + l.in * l.out));
    }
  }

  /** Forward over rows [from, to) of `data` (≤ maxBatch of them); fills this.y with the scaled outputs (no baseAcc). */
  private forward(data: EncodedBatch, rows: ArrayLike<number>, from: number, to: number, training = false): void {
    const { k, layers, list } = this;
    const drop = training ? this.adam.dropout : 0;
    const keep = 1 / (1 - drop);
    const f32 = k.f32;
    const i32 = k.i32;
    const n = to - from;
    for (let li = 0; li < layers.length; li++) {
      const l = layers[li];
      const prev = layers[li - 1];
      for (let b = 0; b < n; b++) {
        const h = l.h / 4 + b * l.out;
        f32.copyWithin(h, l.b / 4, l.b / 4 + l.out);
        let count: number;
        if (prev) count = listNonZero(f32, i32, prev.h / 4 + b * prev.out, prev.out, false, list / 4, l.wt, l.out * 4);
        else {
          const r = rows[from + b];
          count = listOneHot(f32, i32, data.idx, data.start[r], data.start[r + 1], list / 4, l.wt, l.out * 4);
        }
        k.accRows(l.h + b * l.out * 4, l.out, list, count);
        if (drop) {
          for (let i = h; i < h + l.out; i++) f32[i] = f32[i] > 0 && this.dropRng() >= drop ? f32[i] * keep : 0;
        } else for (let i = h; i < h + l.out; i++) if (f32[i] < 0) f32[i] = 0;
      }
    }
    const top = layers[layers.length - 1];
    const w = this.last;
    for (let b = 0; b < n; b++) {
      const h = top.h / 4 + b * top.out;
      let s = 0;
      for (let i = 0; i < top.out; i++) s += f32[h + i] * w[i];
      this.y[b] = s;
    }
  }

  /** Predictions (fractions) for the given rows, in order. */
  predict(data: EncodedBatch, rows: ArrayLike<number>, out = new Float64Array(rows.length)): Float64Array {
    this.swapAverage();
    for (let from = 0; from < rows.length; from += this.maxBatch) {
      const to = Math.min(rows.length, from + this.maxBatch);
      this.forward(data, rows, from, to);
      for (let b = 0; b < to - from; b++) out[from + b] = this.y[b] / this.targetScale + this.baseAcc;
    }
    this.swapAverage();
    return out;
  }

  /** One Adam step on rows[from..to) with labels (fractions); returns the batch's mean absolute error (fraction). */
  step(data: EncodedBatch, labels: ArrayLike<number>, rows: ArrayLike<number>, from: number, to: number, lr: number): number {
    const { k, layers, list } = this;
    const f32 = k.f32;
    const i32 = k.i32;
    const n = to - from;
    this.forward(data, rows, from, to, true);
    // d(dropout(relu(z)))/dz for a unit that is on: 1/(1-p) (1 without dropout).
    const keep = 1 / (1 - this.adam.dropout);

    // L1 loss on the scaled target, mean over the batch: d/dy = sign(y - t) / n (torch: sign(0) = 0).
    const scale = this.targetScale;
    let loss = 0;
    for (let b = 0; b < n; b++) {
      const d = this.y[b] - (labels[rows[from + b]] - this.baseAcc) * scale;
      loss += Math.abs(d);
      this.g[b] = (d > 0 ? 1 : d < 0 ? -1 : 0) / n;
    }

    for (const blk of this.blocks) f32.fill(0, blk.g / 4, blk.g / 4 + blk.n);
    const top = layers[layers.length - 1];
    this.gLast.fill(0);
    for (let b = 0; b < n; b++) {
      const h = top.h / 4 + b * top.out;
      const dz = top.dz / 4 + b * top.out;
      const gb = this.g[b];
      for (let i = 0; i < top.out; i++) {
        const a = f32[h + i];
        this.gLast[i] += gb * a;
        f32[dz + i] = a > 0 ? gb * keep * this.last[i] : 0;
      }
    }

    for (let li = layers.length - 1; li >= 0; li--) {
      const l = layers[li];
      const prev = layers[li - 1];
      // Bias gradient: the sum of dZ rows.
      let count = 0;
      for (let b = 0; b < n; b++) {
        i32[list / 4 + 2 * count] = l.dz + b * l.out * 4;
        f32[list / 4 + 2 * count + 1] = 1;
        count++;
      }
      k.accRows(l.gb, l.out, list, count);
      if (prev) {
        // dWᵀ[j] = Σ_b H_prev[b, j] · dZ[b], over the b where the input is active.
        for (let j = 0; j < l.in; j++) {
          let c = 0;
          for (let b = 0; b < n; b++) {
            const a = f32[prev.h / 4 + b * prev.out + j];
            if (a > 0) {
              i32[list / 4 + 2 * c] = l.dz + b * l.out * 4;
              f32[list / 4 + 2 * c + 1] = a;
              c++;
            }
          }
          if (c) k.accRows(l.gwt + j * l.out * 4, l.out, list, c);
        }
        // dH_prev[b] = Σ_m dZ[b, m] · W[m], then the ReLU mask turns it into dZ_prev[b].
        for (let b = 0; b < n; b++) {
          const dzPrev = prev.dz / 4 + b * prev.out;
          f32.fill(0, dzPrev, dzPrev + prev.out);
          const c = listNonZero(f32, i32, l.dz / 4 + b * l.out, l.out, false, list / 4, l.w, l.in * 4);
          k.accRows(prev.dz + b * prev.out * 4, prev.out, list, c);
          const h = prev.h / 4 + b * prev.out;
          for (let i = 0; i < prev.out; i++) f32[dzPrev + i] = f32[h + i] > 0 ? f32[dzPrev + i] * keep : 0;
        }
      } else {
        // First layer, one-hot input: dWᵀ[i] = Σ of dZ[b] over the b whose encoding has a one at i.
        const start = this.bucketStart;
        start.fill(0);
        for (let b = 0; b < n; b++) {
          const r = rows[from + b];
          for (let j = data.start[r]; j < data.start[r + 1]; j++) start[data.idx[j] + 1]++;
        }
        for (let i = 0; i < ENCODING_DIM; i++) start[i + 1] += start[i];
        const fillAt = start.slice(0, ENCODING_DIM);
        for (let b = 0; b < n; b++) {
          const r = rows[from + b];
          for (let j = data.start[r]; j < data.start[r + 1]; j++) this.bucket[fillAt[data.idx[j]]++] = b;
        }
        for (let i = 0; i < ENCODING_DIM; i++) {
          const c = start[i + 1] - start[i];
          if (!c) continue;
          for (let q = 0; q < c; q++) {
            i32[list / 4 + 2 * q] = l.dz + this.bucket[start[i] + q] * l.out * 4;
            f32[list / 4 + 2 * q + 1] = 1;
          }
          k.accRows(l.gwt + i * l.out * 4, l.out, list, c);
        }
      }
    }

    this.t++;
    this.adamUpdate(lr);
    this.refreshRowMajor();
    return loss / n / scale;
  }


  /** torch.optim.Adam (decoupled weight decay), then the running average of the weights. */
  private adamUpdate(lr: number): void {
    const { beta1, beta2, eps, weightDecay, emaDecay } = this.adam;
    // Short memory at first, so the average is not anchored at the random init.
    const d = emaDecay ? Math.min(emaDecay, (1 + this.t) / (10 + this.t)) : 1;
    const c: AdamScalars = {
      beta1,
      beta2,
      eps,
      stepSize: lr / (1 - beta1 ** this.t),
      invSbc2: 1 / Math.sqrt(1 - beta2 ** this.t),
      decay: 1 - lr * weightDecay,
      mix: 1 - d,
    };
    for (const b of this.blocks) this.k.adam(b.p, b.g, b.m, b.v, b.s, b.n, c);
    const { last, gLast, lastM, lastV, lastS } = this;
    for (let i = 0; i < last.length; i++) {
      const gi = gLast[i];
      lastM[i] = beta1 * lastM[i] + (1 - beta1) * gi;
      lastV[i] = beta2 * lastV[i] + (1 - beta2) * gi * gi;
      last[i] = last[i] * c.decay - (c.stepSize * lastM[i]) / (Math.sqrt(lastV[i]) * c.invSbc2 + eps);
      lastS[i] += c.mix * (last[i] - lastS[i]);
    }
  }

  /** Exchanges live and averaged weights (a no-op without averaging); called in pairs. */
  private swapAverage(): void {
    if (!this.adam.emaDecay) return;
    const f32 = this.k.f32;
    const swap = (s: Float32Array, so: number, p: Float32Array, po: number, n: number) => {
      for (let i = 0; i < n; i++) {
        const t = s[so + i];
        s[so + i] = p[po + i];
        p[po + i] = t;
      }
    };
    for (const b of this.blocks) swap(f32, b.s / 4, f32, b.p / 4, b.n);
    swap(this.lastS, 0, this.last, 0, this.last.length);
  }

  /** The network as plain weights (PyTorch layout): the averaged one when averaging is on. */
  weights(): MlpWeights {
    this.swapAverage();
    try {
      return this.currentWeights();
    } finally {
      this.swapAverage();
    }
  }

  private currentWeights(): MlpWeights {
    const f32 = this.k.f32;
    const layers = this.layers.map((l) => ({
      out: l.out,
      in: l.in,
      weight: transpose(f32.slice(l.wt / 4, l.wt / 4 + l.in * l.out), l.in, l.out),
      bias: f32.slice(l.b / 4, l.b / 4 + l.out),
    }));
    // The scale folds into the bias-free last layer, so the file is the lab's form: z + baseAcc.
    const out: DenseLayer = { out: 1, in: this.last.length, weight: this.last.map((v) => v / this.targetScale), bias: null };
    return { activation: 'relu', layers: [...layers, out], baseAcc: this.baseAcc };
  }
}

