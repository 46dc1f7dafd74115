// BatchNorm re-calibration as the lab's set_running_statistics (mcunet/utils/bn_utils.py, reached through
// calib_bn; PROVENANCE.md of ../shared/data/mcunet-supernet-seeded): the images go through the subnet in
// consecutive batches (no shuffling, the last batch may be smaller), every BN normalising with the batch's
// own mean and biased variance; each BN's new running mean and variance are the sample-weighted averages
// of the per-batch values (an AverageMeter with weight = batch size), not statistics pooled over all
// images, with no momentum and no unbiasing. gamma and beta stay as they were.
import { InputError } from '../../errors.ts';
import { forwardBatch } from './batch-forward.ts';
import { withBatchNormStats, type SubnetWeights } from './extract.ts';

export interface RecalibrateOptions {
  batchSize: number;
  /** Side of the square images; default the config's image_size. */
  resolution?: number;
}

export interface Recalibrated {
  weights: SubnetWeights;
  /** Images used and the batch sizes they went in, for the command's output. */
  images: number;
  batches: number[];
  resolution: number;
}

/** Resolutions a calibration run accepts: the subnet is fully convolutional, but tiny or huge inputs are mistakes. */
export const CALIB_RESOLUTION_RANGE = [32, 512] as const;

/** The subnet with every BN's running statistics recomputed on `images` (each [r, r, 3] NHWC, normalised as for inference). */
export function recalibrateBn(w: SubnetWeights, images: readonly Float32Array[], opts: RecalibrateOptions): Recalibrated {
  const r = opts.resolution ?? w.arch.image_size;
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new InputError(`BN calibration: batch size ${opts.batchSize} is not a positive integer`);
  if (!Number.isInteger(r) || r < CALIB_RESOLUTION_RANGE[0] || r > CALIB_RESOLUTION_RANGE[1])
    throw new InputError(`BN calibration: resolution ${r} is not an integer in ${CALIB_RESOLUTION_RANGE.join('..')}`);
  if (images.length === 0) throw new InputError('BN calibration: no images');
  images.forEach((x, i) => {
    if (x.length !== r * r * 3) throw new InputError(`BN calibration: image ${i} has ${x.length} values, expected ${r}x${r}x3 = ${r * r * 3}`);
  });

  const sums = new Map<string, { mean: Float64Array; variance: Float64Array; n: number }>();
  const batches: number[] = [];
  for (let start = 0; start < images.length; start += opts.batchSize) {
    const batch = images.slice(start, start + opts.batchSize);
    batches.push(batch.length);
    forwardBatch(w, batch, r, {
      kind: 'batch',
      seen: (layer, s) => {
        let acc = sums.get(layer);
        if (!acc) sums.set(layer, (acc = { mean: new Float64Array(s.mean.length), variance: new Float64Array(s.mean.length), n: 0 }));
        for (let c = 0; c < s.mean.length; c++) {
          acc.mean[c] += s.mean[c] * s.n;
          acc.variance[c] += s.variance[c] * s.n;
        }
        acc.n += s.n;
      },
    });
  }
  const stats = new Map<string, { mean: Float32Array; variance: Float32Array }>();
  for (const [layer, acc] of sums)
    stats.set(layer, { mean: Float32Array.from(acc.mean, (v) => v / acc.n), variance: Float32Array.from(acc.variance, (v) => v / acc.n) });
  return { weights: withBatchNormStats(w, stats), images: images.length, batches, resolution: r };
}

export interface CalibBnRequest {
  /** What the user asked for: the batch size and the resolution (default the config's image_size). */
  batchSize: number;
  resolution?: number;
  /**
   * The lab notebook calls calib_bn(net, path, batch_size, image_size) against the signature
   * (net, path, resolution, batch_size), so it calibrates at resolution = batch size with batch size =
   * resolution. Set to reproduce its numbers.
   */
  labQuirk?: boolean;
}

/** The resolution and batch size a calibration really runs with (the quirk swaps them). */
export function calibBnSettings(req: CalibBnRequest, imageSize: number): { resolution: number; batchSize: number } {
  const resolution = req.resolution ?? imageSize;
  return req.labQuirk ? { resolution: req.batchSize, batchSize: resolution } : { resolution, batchSize: req.batchSize };
}
