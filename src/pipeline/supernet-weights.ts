// Where an arch config's weights come from when the user holds the lab's super network: `--supernet FILE`
// loads the checkpoint once per command; each arch then gets its subnet's trained weights, with the
// BatchNorm statistics re-calibrated on a dataset when `--calib-bn` names one (the lab's calib_bn on the
// holdout images: every image of the calibration half, the odd indices).
import { calibrationImages, DEFAULT_PREPROCESS, openDataset, splitHalf } from '../data/index.ts';
import { loadSupernet, supernetGraph, type Supernet, type SupernetGraph } from '../frontend/supernet/index.ts';
import type { ArchConfig } from '../space/config.ts';

export interface SupernetRequest {
  file: string;
  /** A dataset name (`mnist` or an ImageFolder) to re-calibrate BN on. */
  calibBn?: string;
  calibBnBatch: number;
  calibBnResolution?: number;
  labQuirk: boolean;
}

export interface SupernetWeights {
  /** The trained float graph of one arch (BN folded), with notes for the report. */
  graphFor(arch: ArchConfig): SupernetGraph;
  source: string;
}

/** Loads the checkpoint (exit 2 naming the key at fault) and returns the per-arch extractor. */
export function supernetWeights(req: SupernetRequest): SupernetWeights {
  const sn: Supernet = loadSupernet(req.file);
  // Decoded and resized once per resolution: search --verify-top calibrates every candidate on them.
  const imagesAt = new Map<number, Float32Array[]>();
  const calibBn =
    req.calibBn === undefined
      ? undefined
      : {
          batchSize: req.calibBnBatch,
          resolution: req.calibBnResolution,
          labQuirk: req.labQuirk,
          images: (r: number) => {
            let images = imagesAt.get(r);
            if (!images) {
              const half = splitHalf(openDataset(req.calibBn!, { channels: 3, height: r, width: r, layout: 'nhwc' }, DEFAULT_PREPROCESS), 'calibration');
              images = calibrationImages(half, half.size);
              imagesAt.set(r, images);
            }
            return images;
          },
        };
  return {
    source: sn.source,
    graphFor: (arch) => {
      const g = supernetGraph(sn, arch, { calibBn });
      if (calibBn) g.notes.push(`BN calibration images: ${req.calibBn} (odd indices, as the lab's holdout split)`);
      return g;
    },
  };
}
