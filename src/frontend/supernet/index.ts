// Deploying the lab's trained subnets: the once-for-all checkpoint -> the active subnet's weights (as
// get_active_subnet) -> optionally BN re-calibration on images (as set_running_statistics) -> the float IR
// with BN folded, ready for the usual pipeline (quantize, plan, codegen, ONNX export).
import type { Graph } from '../../ir/graph.ts';
import { lowerArch } from '../arch-to-ir.ts';
import type { ArchConfig } from '../../space/config.ts';
import { InputError } from '../../errors.ts';
import { CALIB_RESOLUTION_RANGE, calibBnSettings, recalibrateBn, type CalibBnRequest } from './bn-calibration.ts';
import { extractSubnet, subnetParameterCount, type SubnetWeights } from './extract.ts';
import { loadSupernet, type Supernet } from './load.ts';

export { readSupernet, loadSupernet, type Supernet } from './load.ts';
export { extractSubnet, subnetParameterCount, subnetStateDict, withBatchNormStats, LAB_BN_EPS, type SubnetWeights, type SubnetLayer } from './extract.ts';
export { recalibrateBn, calibBnSettings, CALIB_RESOLUTION_RANGE, type CalibBnRequest, type Recalibrated } from './bn-calibration.ts';
export { forwardBatch, subnetTopology, type BatchNormMode, type BatchStats } from './batch-forward.ts';
export { expectedSupernetKeys } from './expected-keys.ts';

export interface SupernetGraphOptions {
  /** Re-calibrate BN first. `images` are normalised [r, r, 3] NHWC images at the resolution the request resolves to. */
  calibBn?: CalibBnRequest & { images: readonly Float32Array[] | ((resolution: number) => readonly Float32Array[]) };
  /** Graph name; default lowerArch's. */
  name?: string;
}

export interface SupernetGraph {
  graph: Graph;
  weights: SubnetWeights;
  /** The lab's count_parameters of the subnet. */
  params: number;
  /** Present when BN was re-calibrated: what it ran on. */
  calibration?: { images: number; batches: number[]; resolution: number; labQuirk: boolean };
  /** Lines for a report: where the weights came from, what calibrated the BNs. */
  notes: string[];
}

/** The float IR of `arch`'s subnet with the super network's trained weights (a checkpoint path or a loaded one). */
export function supernetGraph(supernet: string | Supernet, arch: ArchConfig, opts: SupernetGraphOptions = {}): SupernetGraph {
  const sn = typeof supernet === 'string' ? loadSupernet(supernet) : supernet;
  let weights = extractSubnet(sn, arch);
  const notes = [`weights from the super network ${sn.source}, extracted as the lab's get_active_subnet`];
  let calibration: SupernetGraph['calibration'];
  if (opts.calibBn) {
    const { resolution, batchSize } = calibBnSettings(opts.calibBn, arch.image_size);
    const [lo, hi] = CALIB_RESOLUTION_RANGE;
    if (opts.calibBn.labQuirk && !(Number.isInteger(resolution) && resolution >= lo && resolution <= hi))
      throw new InputError(`BN calibration with the lab notebook's quirk runs at resolution = batch size = ${resolution}, which is not an integer in ${lo}..${hi}`);
    const images = typeof opts.calibBn.images === 'function' ? opts.calibBn.images(resolution) : opts.calibBn.images;
    const r = recalibrateBn(weights, images, { batchSize, resolution });
    weights = r.weights;
    calibration = { images: r.images, batches: r.batches, resolution, labQuirk: opts.calibBn.labQuirk === true };
    notes.push(
      `BatchNorm statistics re-calibrated on ${r.images} images at ${resolution}x${resolution} in ${r.batches.length} batches of ${batchSize}` +
        (opts.calibBn.labQuirk ? ' (the lab notebook\'s swapped resolution and batch size)' : ''),
    );
  } else notes.push('BatchNorm statistics as stored in the super network (not re-calibrated)');
  const graph = lowerArch(arch, { provided: weights, ...(opts.name ? { name: opts.name } : {}) });
  return { graph, weights, params: subnetParameterCount(weights), calibration, notes };
}
