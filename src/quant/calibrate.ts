// Calibration: the real range of every activation tensor over a set of inputs, from the float
// interpreter: the overall min/max (TFLite's post-training default) and the mean of each sample's
// min/max (the moving-average ranges of TF's quantization-aware training); quantize() picks one.
// Ranges are widened to include 0 when the quantization is chosen (scales.ts), not here.
import type { Graph } from '../ir/graph.ts';
import { elementCount } from '../ir/tensors.ts';
import { InputError, show } from '../errors.ts';
import { uniformStream } from '../random/seeded-random.ts';
import { firstNonFinite, nonFiniteText } from './finite-values.ts';
import { runFloat } from './float-interpreter.ts';
import { modelLabel, opLabel } from './messages.ts';
import type { Range } from './scales.ts';

/** What calibration saw of one tensor over all samples. */
export interface CalibratedRange extends Range {
  /** Means over the samples of each sample's own min and max: narrower than min/max, less swayed by one outlier. */
  readonly meanMin: number;
  readonly meanMax: number;
}

export interface Calibration {
  /** By tensor id: graph inputs and every op output. */
  readonly ranges: ReadonlyMap<number, CalibratedRange>;
  /** By op index: the value before a fused activation (used for a fused hard-sigmoid). */
  readonly preActivation: ReadonlyMap<number, CalibratedRange>;
  /** How many inputs were seen. */
  readonly samples: number;
}

interface Acc {
  min: number;
  max: number;
  sumMin: number;
  sumMax: number;
  n: number;
}

export interface CalibrateOptions {
  /** How the model is named in messages (its file); default `graph "<name>"`. */
  source?: string;
}

/** A tensor's min and max; NaN as soon as any value is NaN or infinite (min/max comparisons skip a NaN). */
function extent(v: Float32Array): { lo: number; hi: number } | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x - x !== 0) return undefined;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return { lo, hi };
}

function add(map: Map<number, Acc>, key: number, lo: number, hi: number): void {
  const a = map.get(key) ?? { min: Infinity, max: -Infinity, sumMin: 0, sumMax: 0, n: 0 };
  a.min = Math.min(a.min, lo);
  a.max = Math.max(a.max, hi);
  a.sumMin += lo;
  a.sumMax += hi;
  a.n++;
  map.set(key, a);
}

function finish(map: Map<number, Acc>): Map<number, CalibratedRange> {
  return new Map([...map].map(([k, a]) => [k, { min: a.min, max: a.max, meanMin: a.sumMin / a.n, meanMax: a.sumMax / a.n }]));
}

/**
 * Runs the float graph on each sample (one Float32Array, or one per graph input) and records per-tensor ranges.
 * A NaN or infinite value anywhere is an InputError naming the tensor, the op computing it and the sample:
 * no int8 scale can hold it, and it means a corrupt weight or input rather than a range.
 */
export function calibrate(g: Graph, inputs: readonly (Float32Array | readonly Float32Array[])[], opts: CalibrateOptions = {}): Calibration {
  const where = modelLabel(g, opts.source);
  if (inputs.length === 0) throw new InputError(`${where}: calibration needs at least one input`);
  const producer = new Map<number, number>();
  g.ops.forEach((op, i) => op.outputs.forEach((t) => producer.set(t, i)));
  const ranges = new Map<number, Acc>();
  const preActivation = new Map<number, Acc>();
  inputs.forEach((x, sample) => {
    const nonFinite = (what: string, v: Float32Array): never => {
      const k = firstNonFinite(v);
      throw new InputError(`${where}: calibration input ${sample} gives ${nonFiniteText(v[k])} in ${what}; no int8 scale can hold it (a corrupt weight, or values that overflow float32?)`);
    };
    runFloat(g, x, {
      observe: {
        tensor: (id, v) => {
          if (v.length === 0) return;
          const e = extent(v);
          if (e) return add(ranges, id, e.lo, e.hi);
          const op = producer.get(id);
          const t = `tensor ${show(g.tensors[id].name)}`;
          nonFinite(op === undefined ? `graph input ${t}: the input data itself` : `${t}, the output of ${opLabel(g.ops[op], op)}`, v);
        },
        preActivation: (op, v) => {
          if (v.length === 0) return;
          const e = extent(v);
          if (e) return add(preActivation, op, e.lo, e.hi);
          nonFinite(`${opLabel(g.ops[op], op)} before its fused activation`, v);
        },
      },
    });
  });
  return { ranges: finish(ranges), preActivation: finish(preActivation), samples: inputs.length };
}

// ImageNet per-channel normalisation, the lab's preprocessing (torchvision's transforms.Normalize values).
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/**
 * Seeded synthetic inputs for `--calibration random`: every pixel uniform in [0, 1), then normalised with
 * the ImageNet mean and std of its channel when the input is a 3-channel NHWC image (so values lie in
 * about [-2.12, 2.64], the range a trained MCUNet sees); any other input is uniform in [-1, 1).
 * Sample k of a seed is the same whatever the count.
 */
export function syntheticInputs(g: Graph, count: number, seed: number): Float32Array[][] {
  const out: Float32Array[][] = [];
  for (let k = 0; k < count; k++)
    out.push(
      g.inputs.map((id) => {
        const t = g.tensors[id];
        const u = uniformStream(seed, `calibration.${k}.${t.name}`);
        const n = elementCount(t.shape);
        const image = t.shape.length === 4 && t.shape[3] === 3;
        const x = new Float32Array(n);
        for (let i = 0; i < n; i++) x[i] = image ? (u() - IMAGENET_MEAN[i % 3]) / IMAGENET_STD[i % 3] : 2 * u() - 1;
        return x;
      }),
    );
  return out;
}
