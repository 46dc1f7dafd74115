// The accuracy predictor the search calls: the lab MLP behind a two-method interface.
import type { ArchConfig } from '../space/config.ts';
import { IMAGE_SIZES } from '../space/constants.ts';
import { largestArch, smallestArch } from '../space/sample.ts';
import { encodeBatch, type EncodedBatch } from './encoded-batch.ts';
import { MlpInference } from './mlp-inference.ts';
import type { MlpWeights } from './mlp.ts';

export interface AccuracyPredictor {
  /** Predicted top-1 accuracy of one config, as a fraction (0.9 = 90 %). */
  predict(c: ArchConfig): number;
  /** The same for many configs at once, in order (the fast path). */
  predictMany(cs: readonly ArchConfig[]): Float32Array;
  /** Configs already encoded (see encoded-batch.ts). */
  predictEncoded(b: EncodedBatch): Float32Array;
  readonly weights: MlpWeights;
  /** Where the weights came from (a file path). */
  readonly source: string;
}

/**
 * A couple of thousand predictions at load, so V8 has optimized the encoder and the list building and
 * tiered up the SIMD kernel before the first search (cold, the first ~1,500 run several times slower).
 */
function warmUp(mlp: MlpInference): void {
  const configs: ArchConfig[] = [];
  for (let i = 0; i < 2000; i++) {
    const size = IMAGE_SIZES[i % IMAGE_SIZES.length];
    configs.push(i % 2 ? largestArch(size) : smallestArch(size));
  }
  mlp.run(encodeBatch(configs));
}

export function createPredictor(weights: MlpWeights, source: string): AccuracyPredictor {
  const mlp = new MlpInference(weights);
  warmUp(mlp);
  return {
    weights,
    source,
    predict: (c) => mlp.run(encodeBatch([c]))[0],
    predictMany: (cs) => mlp.run(encodeBatch(cs)),
    predictEncoded: (b) => mlp.run(b),
  };
}
