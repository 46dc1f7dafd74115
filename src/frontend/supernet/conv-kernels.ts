// Faster float32 convolutions for BN re-calibration, which runs the subnet over dozens of images per
// batch (the reference interpreter's convF32 is written for clarity, one image at a time). Same results
// as convF32 up to summation order: sums are taken in double per output, as there. NHWC activations,
// OHWI weights, padding k//2 on every side (every conv of the lab's subnet has it).

/** A 1x1 conv, stride 1: [P, Cin] x [Cout, Cin]^T (+ bias), four pixels at a time so each weight load serves four products. */
export function pointwiseF32(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, P: number, Cin: number, Cout: number): Float32Array {
  const y = new Float32Array(P * Cout);
  let p = 0;
  for (; p + 4 <= P; p += 4) {
    const a0 = p * Cin;
    const a1 = a0 + Cin;
    const a2 = a1 + Cin;
    const a3 = a2 + Cin;
    for (let o = 0; o < Cout; o++) {
      const wb = o * Cin;
      const b = bias ? bias[o] : 0;
      let s0 = b;
      let s1 = b;
      let s2 = b;
      let s3 = b;
      for (let i = 0; i < Cin; i++) {
        const wv = w[wb + i];
        s0 += wv * x[a0 + i];
        s1 += wv * x[a1 + i];
        s2 += wv * x[a2 + i];
        s3 += wv * x[a3 + i];
      }
      y[p * Cout + o] = s0;
      y[(p + 1) * Cout + o] = s1;
      y[(p + 2) * Cout + o] = s2;
      y[(p + 3) * Cout + o] = s3;
    }
  }
  for (; p < P; p++)
    for (let o = 0; o < Cout; o++) {
      let s = bias ? bias[o] : 0;
      for (let i = 0; i < Cin; i++) s += w[o * Cin + i] * x[p * Cin + i];
      y[p * Cout + o] = s;
    }
  return y;
}

export interface SquareConv {
  /** Input side and channels; output side follows from k, stride and padding k//2. */
  H: number;
  W: number;
  k: number;
  stride: number;
}

const outSide = (h: number, k: number, s: number) => Math.floor((h + 2 * (k >> 1) - k) / s) + 1;

/**
 * Depthwise k x k conv (+ bias): weight [C, k, k, 1]. Four channels at a time with their sums in locals
 * across all taps (about twice the reference kernel, which keeps a sum array in memory).
 */
export function depthwiseF32(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, C: number, g: SquareConv): Float32Array {
  const { H, W, k, stride } = g;
  const pad = k >> 1;
  const Ho = outSide(H, k, stride);
  const Wo = outSide(W, k, stride);
  const wt = new Float32Array(k * k * C);
  for (let c = 0; c < C; c++) for (let t = 0; t < k * k; t++) wt[t * C + c] = w[c * k * k + t];
  const y = new Float32Array(Ho * Wo * C);
  const C4 = C & ~3;
  for (let oy = 0; oy < Ho; oy++) {
    const y0 = oy * stride - pad;
    const kyLo = Math.max(0, -y0);
    const kyHi = Math.min(k, H - y0);
    for (let ox = 0; ox < Wo; ox++) {
      const x0 = ox * stride - pad;
      const kxLo = Math.max(0, -x0);
      const kxHi = Math.min(k, W - x0);
      const ob = (oy * Wo + ox) * C;
      for (let c = 0; c < C4; c += 4) {
        let s0 = bias ? bias[c] : 0;
        let s1 = bias ? bias[c + 1] : 0;
        let s2 = bias ? bias[c + 2] : 0;
        let s3 = bias ? bias[c + 3] : 0;
        for (let ky = kyLo; ky < kyHi; ky++) {
          let ib = ((y0 + ky) * W + x0 + kxLo) * C + c;
          let wb = (ky * k + kxLo) * C + c;
          for (let kx = kxLo; kx < kxHi; kx++, ib += C, wb += C) {
            s0 += wt[wb] * x[ib];
            s1 += wt[wb + 1] * x[ib + 1];
            s2 += wt[wb + 2] * x[ib + 2];
            s3 += wt[wb + 3] * x[ib + 3];
          }
        }
        y[ob + c] = s0;
        y[ob + c + 1] = s1;
        y[ob + c + 2] = s2;
        y[ob + c + 3] = s3;
      }
      for (let c = C4; c < C; c++) {
        let s = bias ? bias[c] : 0;
        for (let ky = kyLo; ky < kyHi; ky++) for (let kx = kxLo; kx < kxHi; kx++) s += wt[(ky * k + kx) * C + c] * x[((y0 + ky) * W + x0 + kx) * C + c];
        y[ob + c] = s;
      }
    }
  }
  return y;
}

/** Dense k x k conv (+ bias), weight [Cout, k, k, Cin]: per output pixel, each input value scales a row of Cout weights. */
export function denseConvF32(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, Cin: number, Cout: number, g: SquareConv): Float32Array {
  const { H, W, k, stride } = g;
  const pad = k >> 1;
  const Ho = outSide(H, k, stride);
  const Wo = outSide(W, k, stride);
  // [k, k, Cin, Cout]: the Cout weights of one input value are contiguous.
  const wt = new Float64Array(w.length);
  for (let o = 0; o < Cout; o++) for (let t = 0; t < k * k; t++) for (let i = 0; i < Cin; i++) wt[(t * Cin + i) * Cout + o] = w[(o * k * k + t) * Cin + i];
  const y = new Float32Array(Ho * Wo * Cout);
  const acc = new Float64Array(Cout);
  for (let oy = 0; oy < Ho; oy++) {
    const y0 = oy * stride - pad;
    for (let ox = 0; ox < Wo; ox++) {
      const x0 = ox * stride - pad;
      if (bias) acc.set(bias);
      else acc.fill(0);
      for (let ky = Math.max(0, -y0); ky < Math.min(k, H - y0); ky++)
        for (let kx = Math.max(0, -x0); kx < Math.min(k, W - x0); kx++) {
          const ib = ((y0 + ky) * W + x0 + kx) * Cin;
          for (let i = 0; i < Cin; i++) {
            const xv = x[ib + i];
            const wb = ((ky * k + kx) * Cin + i) * Cout;
            for (let o = 0; o < Cout; o++) acc[o] += xv * wt[wb + o];
          }
        }
      y.set(acc, (oy * Wo + ox) * Cout);
    }
  }
  return y;
}
