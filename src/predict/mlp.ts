// The lab's accuracy MLP as plain data: 128 → 400 → 400 → 400 → 1, ReLU between layers, the last layer
// without bias, plus a constant base_acc (LAB accuracy_predictor.py; spec §5). The output is a fraction
// (0.9 = 90 %). The same type also holds the "linear" student checkpoint (no ReLU, no biases).
import { InputError } from '../errors.ts';
import { ENCODING_DIM } from '../space/encode.ts';

export interface DenseLayer {
  /** Output and input widths. */
  out: number;
  in: number;
  /** PyTorch layout: [out][in], row-major. */
  weight: Float32Array;
  /** Length `out`, or null for a bias-free layer. */
  bias: Float32Array | null;
}

export type Activation = 'relu' | 'none';

export interface MlpWeights {
  /** Applied after every layer except the last. */
  activation: Activation;
  layers: DenseLayer[];
  /** Added to the last layer's output (the lab's mean training label). */
  baseAcc: number;
}

/** The lab's widths. */
export const LAB_HIDDEN = [400, 400, 400] as const;

/** Checks the shapes chain from the 128-dim encoding to one output; throws InputError naming `source`. */
export function checkMlp(w: MlpWeights, source: string): MlpWeights {
  const fail = (what: string): never => {
    throw new InputError(`${source}: ${what}`);
  };
  if (w.layers.length < 1) fail('the network has no layers');
  if (!Number.isFinite(w.baseAcc)) fail(`base_acc is not a finite number (${w.baseAcc})`);
  let width = ENCODING_DIM;
  w.layers.forEach((l, i) => {
    const last = i === w.layers.length - 1;
    if (l.in !== width) fail(`layer ${i} takes ${l.in} inputs, but the previous width is ${width}`);
    if (last && l.out !== 1) fail(`the last layer must have 1 output, got ${l.out}`);
    // The SIMD kernel works in groups of 4 floats.
    if (!last && (l.out < 4 || l.out % 4 !== 0)) fail(`hidden layer ${i} width ${l.out} is not a positive multiple of 4`);
    if (l.weight.length !== l.out * l.in) fail(`layer ${i} weight has ${l.weight.length} values, expected ${l.out}x${l.in}`);
    if (l.bias && l.bias.length !== l.out) fail(`layer ${i} bias has ${l.bias.length} values, expected ${l.out}`);
    for (const a of [l.weight, l.bias ?? new Float32Array(0)])
      for (let k = 0; k < a.length; k++) if (!Number.isFinite(a[k])) fail(`layer ${i} holds a non-finite value (${a[k]})`);
    width = l.out;
  });
  return w;
}

/**
 * Straightforward float64 forward pass over a dense input: the definition the fast paths are tested
 * against (and what the lab's test vectors were computed with).
 */
export function forwardReference(w: MlpWeights, x: ArrayLike<number>): number {
  let h = Float64Array.from(x);
  w.layers.forEach((l, i) => {
    const z = new Float64Array(l.out);
    for (let o = 0; o < l.out; o++) {
      let s = l.bias ? l.bias[o] : 0;
      for (let k = 0; k < l.in; k++) s += l.weight[o * l.in + k] * h[k];
      z[o] = i < w.layers.length - 1 && w.activation === 'relu' ? Math.max(0, s) : s;
    }
    h = z;
  });
  return h[0] + w.baseAcc;
}
