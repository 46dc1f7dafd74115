// Resampling one image plane, separably (rows, then columns), with float results (not rounded to 8 bits).
//
// 'bilinear' is a triangle filter over pixel centres (half-pixel convention, align_corners=False). With
// antialias, a downscale widens the triangle by the scale factor, as PIL's BILINEAR does and so
// torchvision's Resize on PIL images (the lab's pipeline) and on tensors with antialias=True; without it,
// it is plain 2-tap bilinear, torch.nn.functional.interpolate(mode='bilinear'). Samples past the border
// are dropped and the remaining weights renormalised (PIL), which equals torch's clamping of the
// source coordinate. PIL rounds each pass to 8 bits and uses fixed-point weights, so values here may
// differ from PIL's by up to 1 (on the 0..255 scale); resize-pil.ts has PIL's exact 8-bit path.
//
// 'area' averages the input pixels each output pixel covers, weighting partly covered ones by the covered
// fraction (cv2.INTER_AREA). For an integer factor it is the exact k x k mean: 28 -> 14 is 2x2 average
// pooling. It runs in one 2-D pass with the weights left unnormalised (1 per whole pixel) and one division
// at the end, so an integer factor gives the correctly rounded mean, not a product of rounded halves.

export type Interpolation = 'bilinear' | 'area';

export interface ResizeOptions {
  readonly interpolation: Interpolation;
  /** Bilinear only: widen the filter when downscaling. */
  readonly antialias: boolean;
}

/** For each output index: the first input index it reads and the weights of the inputs from there. */
interface Taps {
  readonly start: Int32Array;
  readonly weights: Float64Array[];
}

function triangleTaps(inSize: number, outSize: number, antialias: boolean): Taps {
  const scale = inSize / outSize;
  const support = antialias && scale > 1 ? scale : 1;
  const start = new Int32Array(outSize);
  const weights: Float64Array[] = [];
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support - 0.5));
    const hi = Math.min(inSize - 1, Math.ceil(centre + support - 0.5));
    const w = new Float64Array(hi - lo + 1);
    for (let j = lo; j <= hi; j++) w[j - lo] = Math.max(0, 1 - Math.abs((j + 0.5 - centre) / support));
    start[i] = lo;
    weights.push(normalised(w));
  }
  return { start, weights };
}

function areaTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const start = new Int32Array(outSize);
  const weights: Float64Array[] = [];
  for (let i = 0; i < outSize; i++) {
    const from = i * scale;
    const to = (i + 1) * scale;
    const lo = Math.floor(from);
    const hi = Math.min(inSize - 1, Math.ceil(to) - 1);
    const w = new Float64Array(hi - lo + 1);
    for (let j = lo; j <= hi; j++) w[j - lo] = Math.min(to, j + 1) - Math.max(from, j);
    start[i] = lo;
    weights.push(w);
  }
  return { start, weights };
}

function normalised(w: Float64Array): Float64Array {
  let sum = 0;
  for (const v of w) sum += v;
  return w.map((v) => v / sum);
}

function areaResize(src: Float64Array, sw: number, sh: number, dw: number, dh: number): Float64Array {
  const tx = areaTaps(sw, dw);
  const ty = areaTaps(sh, dh);
  const out = new Float64Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const wy = ty.weights[y];
    for (let x = 0; x < dw; x++) {
      const wx = tx.weights[x];
      let acc = 0;
      let total = 0;
      for (let i = 0; i < wy.length; i++)
        for (let j = 0; j < wx.length; j++) {
          const w = wy[i] * wx[j];
          acc += w * src[(ty.start[y] + i) * sw + tx.start[x] + j];
          total += w;
        }
      out[y * dw + x] = acc / total;
    }
  }
  return out;
}

/** Resamples a row-major plane of sw x sh values to dw x dh. Same size returns a copy, exactly. */
export function resizePlane(src: ArrayLike<number>, sw: number, sh: number, dw: number, dh: number, o: ResizeOptions): Float64Array {
  if (src.length !== sw * sh) throw new RangeError(`plane of ${src.length} values is not ${sw}x${sh}`);
  let cur = Float64Array.from(src);
  if (dw === sw && dh === sh) return cur;
  if (o.interpolation === 'area') return areaResize(cur, sw, sh, dw, dh);
  if (dw !== sw) {
    const t = triangleTaps(sw, dw, o.antialias);
    const next = new Float64Array(dw * sh);
    for (let y = 0; y < sh; y++)
      for (let x = 0; x < dw; x++) {
        const w = t.weights[x];
        const base = y * sw + t.start[x];
        let acc = 0;
        for (let k = 0; k < w.length; k++) acc += w[k] * cur[base + k];
        next[y * dw + x] = acc;
      }
    cur = next;
  }
  if (dh !== sh) {
    const t = triangleTaps(sh, dh, o.antialias);
    const next = new Float64Array(dw * dh);
    for (let y = 0; y < dh; y++) {
      const w = t.weights[y];
      for (let x = 0; x < dw; x++) {
        let acc = 0;
        for (let k = 0; k < w.length; k++) acc += w[k] * cur[(t.start[y] + k) * dw + x];
        next[y * dw + x] = acc;
      }
    }
    cur = next;
  }
  return cur;
}

/** Python's round (half to even), which torchvision's CenterCrop uses for its offsets. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** The centre dw x dh window of a sw x sh plane, at torchvision CenterCrop's offsets. */
export function centreCrop(src: Float64Array, sw: number, sh: number, dw: number, dh: number): Float64Array {
  if (dw > sw || dh > sh) throw new RangeError(`cannot crop ${dw}x${dh} out of ${sw}x${sh}`);
  const top = roundHalfEven((sh - dh) / 2);
  const left = roundHalfEven((sw - dw) / 2);
  const out = new Float64Array(dw * dh);
  for (let y = 0; y < dh; y++) out.set(src.subarray((y + top) * sw + left, (y + top) * sw + left + dw), y * dw);
  return out;
}
