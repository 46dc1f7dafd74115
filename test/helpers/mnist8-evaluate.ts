// The evaluate request the pool tests share: onnx-mnist8 on MNIST digits (raw pixels scaled to [0, 1]),
// calibrated on its own test inputs, no emulated images. Each test names what it varies.
import { DEFAULT_PREPROCESS, normalisationFromFlags, type Preprocess } from '../../src/data/index.ts';
import type { EvaluateRequest } from '../../src/pipeline/evaluate.ts';
import { sharedPath } from './shared.ts';

export const MNIST8 = sharedPath('data/onnx-mnist8');
export const MNIST8_PREPROCESS: Preprocess = { ...DEFAULT_PREPROCESS, ...normalisationFromFlags({ scale: 255 }) };

export function mnist8Request(vary: Required<Pick<EvaluateRequest, 'limit' | 'jobs' | 'int8Engine'>> & Partial<EvaluateRequest>, stages: string[] = []): EvaluateRequest {
  return {
    model: `${MNIST8}/model.onnx`,
    dataset: 'mnist',
    preprocess: MNIST8_PREPROCESS,
    seed: 0,
    split: false,
    calibration: MNIST8,
    calibrationSamples: 3,
    emulated: 0,
    backend: 'own',
    emulator: 'qemu',
    worst: 12,
    onStage: (m) => stages.push(m),
    ...vary,
  };
}
