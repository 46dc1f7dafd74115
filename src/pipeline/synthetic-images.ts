// Seeded, structured synthetic images for models that come without test data: a tinted background, a sine
// grating and a few soft blobs (as test/frontend/tflite-vww.test.ts makes them). Unlike uniform noise
// they have the spatial structure of photographs, so a classifier's decision on them is not always the
// same class, and the int8 model has margins to keep or lose.
import { lcg32 } from '../random/seeded-random.ts';

/**
 * `count` images of `height` x `width` x `channels` values in [0, 1], NHWC order (one pixel's channels
 * together). The same seed gives the same images.
 */
export function structuredImages(height: number, width: number, channels: number, count: number, seed: number): Float32Array[] {
  const r = lcg32(seed ^ 0x5bd1e995); // the same seed gives the same images
  const out: Float32Array[] = [];
  const size = Math.max(height, width);
  for (let k = 0; k < count; k++) {
    const x = new Float32Array(height * width * channels);
    const blobs = Array.from({ length: 1 + Math.floor(r() * 6) }, () => ({
      cx: r() * width,
      cy: r() * height,
      rad: size * (0.05 + r() * 0.4),
      color: Array.from({ length: channels }, () => r()),
      amp: r() * 2 - 1,
    }));
    const [fx, fy, grating] = [(r() * 48) / size, (r() * 48) / size, r() * 0.5];
    const base = Array.from({ length: channels }, () => r());
    for (let y = 0; y < height; y++)
      for (let xx = 0; xx < width; xx++)
        for (let c = 0; c < channels; c++) {
          let v = base[c] * 0.5 + grating * 0.5 * Math.sin(fx * xx + fy * y);
          for (const b of blobs) v += b.amp * b.color[c] * Math.exp(-((xx - b.cx) ** 2 + (y - b.cy) ** 2) / (b.rad * b.rad));
          x[(y * width + xx) * channels + c] = Math.min(1, Math.max(0, v));
        }
    out.push(x);
  }
  return out;
}
