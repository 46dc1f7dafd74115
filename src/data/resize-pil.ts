// PIL's 8-bit BILINEAR resize, reproduced so that an ImageFolder of PNG/JPEG files is resized to the
// same bytes as the lab's torchvision Resize((r, r)) on PIL images. What PIL does (Resample.c):
// per axis, the triangle filter widened by the downscale factor over the window
// [trunc(centre - support + 0.5), trunc(centre + support + 0.5)), weights normalised and then rounded
// to 22-bit fixed point; each output is (sum + 2^21) >> 22 clamped to 0..255; rows first, then columns,
// with the intermediate image rounded to 8 bits. The float resize (resize.ts) differs from this by up to 1.

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);

interface FixedTaps {
  readonly start: Int32Array;
  readonly weights: Int32Array[];
}

function fixedTaps(inSize: number, outSize: number): FixedTaps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // bilinear's support is 1, widened by the filter scale
  const start = new Int32Array(outSize);
  const weights: Int32Array[] = [];
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(centre - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(centre + support + 0.5));
    const w = new Float64Array(Math.max(0, hi - lo));
    let sum = 0;
    for (let j = lo; j < hi; j++) {
      const x = Math.abs((j - centre + 0.5) / filterScale);
      w[j - lo] = x < 1 ? 1 - x : 0;
      sum += w[j - lo];
    }
    start[i] = lo;
    weights.push(Int32Array.from(w, (v) => {
      const k = sum !== 0 ? v / sum : v;
      return Math.trunc(k < 0 ? k * (1 << PRECISION_BITS) - 0.5 : k * (1 << PRECISION_BITS) + 0.5);
    }));
  }
  return { start, weights };
}

function clip8(acc: number): number {
  if (acc <= 0) return 0;
  const v = Math.floor(acc / (1 << PRECISION_BITS));
  return v > 255 ? 255 : v;
}

/** Resizes a row-major 8-bit plane of sw x sh to dw x dh exactly as PIL's Image.resize(BILINEAR). */
export function resizePlanePil(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  if (src.length !== sw * sh) throw new RangeError(`plane of ${src.length} values is not ${sw}x${sh}`);
  let cur = Uint8Array.from(src);
  if (dw !== sw) {
    const t = fixedTaps(sw, dw);
    const next = new Uint8Array(dw * sh);
    for (let y = 0; y < sh; y++)
      for (let x = 0; x < dw; x++) {
        const w = t.weights[x];
        const base = y * sw + t.start[x];
        let acc = HALF;
        for (let k = 0; k < w.length; k++) acc += cur[base + k] * w[k];
        next[y * dw + x] = clip8(acc);
      }
    cur = next;
  }
  if (dh !== sh) {
    const t = fixedTaps(sh, dh);
    const next = new Uint8Array(dw * dh);
    for (let y = 0; y < dh; y++) {
      const w = t.weights[y];
      for (let x = 0; x < dw; x++) {
        let acc = HALF;
        for (let k = 0; k < w.length; k++) acc += cur[(t.start[y] + k) * dw + x] * w[k];
        next[y * dw + x] = clip8(acc);
      }
    }
    cur = next;
  }
  return cur;
}

/** PIL's convert('L') of one RGB pixel: ITU-R 601-2 weights in 16-bit fixed point, rounded. */
export function pilLuminance(r: number, g: number, b: number): number {
  return (19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16;
}
