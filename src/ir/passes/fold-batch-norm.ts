// Folding a per-channel affine map (an eval-mode BatchNorm, a bias Add, a scale Mul) into the conv or
// fully connected layer before it: the one place its arithmetic is written, for the arch lowering (seeded
// and trained BatchNorms) and the ONNX importer (BatchNormalization, and Add / Mul of a per-channel constant).
// The IR has no BatchNorm op, so this is the fold's arithmetic, not a Graph -> Graph pass: a BatchNorm is
// folded while its double-precision scale still exists (a 1x1 depthwise stand-in would hold it in float32).

/** An eval-mode BatchNorm: y = (x - mean) / sqrt(variance + eps) * gamma + beta, per channel. */
export interface BatchNormValues {
  readonly gamma: ArrayLike<number>;
  readonly beta: ArrayLike<number>;
  readonly mean: ArrayLike<number>;
  readonly variance: ArrayLike<number>;
  readonly eps: number;
}

/** A BatchNorm as y = x * scale + shift per channel, in double: scale = gamma / sqrt(variance + eps), shift = beta - mean * scale. */
export function batchNormAffine(bn: BatchNormValues): { scale: Float64Array; shift: Float64Array } {
  const c = bn.gamma.length;
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let o = 0; o < c; o++) {
    scale[o] = bn.gamma[o] / Math.sqrt(bn.variance[o] + bn.eps);
    shift[o] = bn.beta[o] - bn.mean[o] * scale[o];
  }
  return { scale, shift };
}

/**
 * Folds y = layer(x) * scale + shift (per output channel o, axis 0 of the weight) into the layer, in place:
 * w[o] *= scale[o]; bias[o] = bias[o] * scale[o] + shift[o], each stored as float32. A missing scale is 1 and
 * a missing shift 0. Without a bias the new bias is the shift itself (a BatchNorm after a bias-free conv).
 */
export function foldAffine(weight: Float32Array, bias: Float32Array, scale: ArrayLike<number> | undefined, shift: ArrayLike<number> | undefined, hadBias = true): void {
  const cout = bias.length;
  const per = weight.length / cout;
  for (let o = 0; o < cout; o++) {
    const s = scale ? scale[o] : 1;
    if (scale) for (let i = o * per; i < (o + 1) * per; i++) weight[i] = weight[i] * s;
    const sh = shift ? shift[o] : 0;
    bias[o] = hadBias ? bias[o] * s + sh : sh;
  }
}
