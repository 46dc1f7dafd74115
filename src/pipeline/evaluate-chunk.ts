// evaluate's image loop, whole or in shares: the float and int8 classifiers over a range of the evaluated
// images, and the merge of consecutive ranges into what one pass over all of them gives (counts, confusion,
// first mistakes, the same worst images). A pool worker (src/cli/pool-worker.ts) runs evaluateChunk on its
// share: it opens the model and the dataset itself and takes the caller's int8 graph, so every share is
// scored by the same int8 model.
import { looksLikeProbabilities, WorstExamples, type WorstExample } from '../report/index.ts';
import { measureAccuracy, mergeAccuracy, openDataset, type AccuracyResult, type Classifier, type Dataset, type Preprocess } from '../data/index.ts';
import { argmax, dequantizeOutput, quantizeInput, runInt8, type QuantGraph } from '../quant/index.ts';
import { supernetWeights, type SupernetRequest } from './supernet-weights.ts';
import { splitRange, type TaskKind } from '../pool/pool.ts';
import { chooseCalibration, loadEvaluatedModel, type EvaluatedModel } from './evaluated-model.ts';

/** What a kept worst image carries: its picture, and both score vectors (to rank it again in a merge). */
export interface WorstPayload {
  source: string;
  image: Float32Array;
  floatScores: Float32Array;
  int8Scores: Float32Array;
}

export interface ScoredImages {
  accuracy: AccuracyResult;
  worst: WorstExamples<WorstPayload>;
  /** The float scores of the range's first image (the first image decides how scores read as probabilities). */
  firstFloat: Float32Array | null;
}

/** Float and int8 classifiers over images start..end-1 of `evaluation`, and the worst-classified among them. */
export async function scoreImages(
  model: EvaluatedModel,
  q: QuantGraph,
  evaluation: Dataset,
  opts: {
    range?: { start: number; end: number };
    worst: number;
    probabilities?: boolean;
    onImage?: (done: number, total: number) => void;
    /** The int8 output of image `index` computed already (by the host C build); default: the int8 interpreter now. */
    int8Of?: (index: number) => Int8Array;
  },
): Promise<ScoredImages> {
  // measureAccuracy shows each image to the float classifier, then the int8 one; the int8 step hands both
  // score vectors to the worst-image selection.
  const worst = new WorstExamples<WorstPayload>(opts.worst, opts.probabilities);
  let floatOf: { index: number; scores: Float32Array } | undefined;
  let firstFloat: Float32Array | null = null;
  const classifiers: Classifier[] = [
    {
      name: model.floatEngine,
      predict: async (s, index) => {
        const scores = await model.floatScores(s.image);
        floatOf = { index, scores };
        firstFloat ??= Float32Array.from(scores);
        return argmax(scores);
      },
    },
    {
      name: opts.int8Of ? 'int8 host C' : 'int8 interpreter',
      predict: (s, index) => {
        const y = opts.int8Of ? opts.int8Of(index) : runInt8(q, quantizeInput(q, model.toIr(s.image))).outputs[0];
        const scores = model.fromIr(dequantizeOutput(q, y));
        const f = floatOf;
        if (f?.index === index) worst.offer(index, s.label, f.scores, scores, () => ({ source: s.source, image: s.image, floatScores: Float32Array.from(f.scores), int8Scores: Float32Array.from(scores) }));
        return argmax(model.fromIr(Float32Array.from(y)));
      },
    },
  ];
  const accuracy = await measureAccuracy(evaluation, classifiers, { onImage: opts.onImage, range: opts.range });
  return { accuracy, worst, firstFloat };
}

/** A worker's share of an evaluation: the request (without functions) and the caller's int8 graph. */
export interface EvaluateChunk {
  model: string;
  seed: number;
  supernet?: SupernetRequest;
  dataset: string;
  preprocess: Preprocess;
  limit?: number;
  split: boolean;
  calibration?: string;
  calibrationSamples: number;
  q: QuantGraph;
  start: number;
  end: number;
  worst: number;
  /** The int8 outputs of images start..end-1, back to back, when the host C build computed them. */
  int8?: Int8Array;
}

export interface ChunkResult {
  accuracy: AccuracyResult;
  kept: WorstExample<WorstPayload>[];
  firstFloat: Float32Array | null;
}

/** A share scored on a pool worker (src/cli/pool-worker.ts runs evaluateChunk for it). */
export const EVALUATE_CHUNK: TaskKind<EvaluateChunk, ChunkResult, 'evaluate-chunk'> = { name: 'evaluate-chunk' };

/** A worker keeps the model and dataset it opened for the next share of the same evaluation. */
let open: { key: string; model: EvaluatedModel; evaluation: Dataset } | undefined;

export async function evaluateChunk(c: EvaluateChunk, onImage?: (done: number) => void): Promise<ChunkResult> {
  const key = JSON.stringify({ ...c, q: undefined, start: undefined, end: undefined, worst: undefined, int8: undefined });
  if (open?.key !== key) {
    await open?.model.close();
    open = undefined;
    const trained = c.supernet ? supernetWeights(c.supernet) : undefined;
    const model = await loadEvaluatedModel(c.model, c.seed, trained ? (arch) => trained.graphFor(arch) : undefined);
    const dataset = openDataset(c.dataset, model.spec, c.preprocess);
    const cal = chooseCalibration(model, dataset, c.preprocess, c.dataset, { calibration: c.calibration, samples: c.calibrationSamples, seed: c.seed, split: c.split, limit: c.limit });
    open = { key, model, evaluation: cal.evaluation };
  }
  // Progress every 32 images (a message per image would cost more than some images do).
  const given = c.int8;
  const bytes = given ? given.length / Math.max(1, c.end - c.start) : 0;
  const int8Of = given ? (i: number) => given.subarray((i - c.start) * bytes, (i - c.start + 1) * bytes) : undefined;
  const scored = await scoreImages(open.model, c.q, open.evaluation, { range: { start: c.start, end: c.end }, worst: c.worst, int8Of, onImage: (done, total) => (done % 32 === 0 || done === total) && onImage?.(done) });
  return { accuracy: scored.accuracy, kept: scored.worst.kept(), firstFloat: scored.firstFloat };
}

/** Consecutive shares (in image order) merged into what scoreImages over all of them gives. */
export function mergeChunks(parts: readonly ChunkResult[], worst: number): { accuracy: AccuracyResult; worst: WorstExamples<WorstPayload> } {
  const first = parts.find((p) => p.firstFloat !== null)?.firstFloat;
  const merged = new WorstExamples<WorstPayload>(worst, first ? looksLikeProbabilities(first) : undefined);
  // Offered again in image order, so a tie keeps the earlier image, as in one pass.
  for (const e of parts.flatMap((p) => p.kept).sort((a, b) => a.index - b.index)) merged.offer(e.index, e.label, e.payload.floatScores, e.payload.int8Scores, () => e.payload);
  return { accuracy: mergeAccuracy(parts.map((p) => p.accuracy)), worst: merged };
}

/** `jobs` ranges of about equal size covering 0..size-1, several per job so a slow share does not hold up the rest. */
export function imageRanges(size: number, jobs: number): { start: number; end: number }[] {
  return splitRange(size, jobs * 4);
}
