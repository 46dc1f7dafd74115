// Loading an accuracy predictor from a file: mcu-nas's own JSON format or a lab PyTorch checkpoint
// (.pth, told apart by the zip signature, not the name). No file: the predictor shipped in predictors/.
import { fileURLToPath } from 'node:url';
import { readBytes } from '../io/read-input.ts';
import { MAX_JSON_DEPTH, tooDeepAt } from '../io/json-depth.ts';
import { createPredictor, type AccuracyPredictor } from './accuracy-predictor.ts';
import { loadTorchPredictor } from './torch-checkpoint.ts';
import { predictorFromJson } from './predictor-file.ts';
import { InputError } from '../errors.ts';
import type { MlpWeights } from './mlp.ts';

/** The shipped predictor (trained by `mcu-nas predictor train`, see its "training" field). */
export const DEFAULT_PREDICTOR_FILE = fileURLToPath(new URL('../../predictors/mcunet-acc-mlp.json', import.meta.url));

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** The weights in `file`, whichever of the two formats it is. */
export function loadWeights(file: string): MlpWeights {
  const bytes = readBytes(file);
  if (ZIP_MAGIC.every((b, i) => bytes[i] === b)) return loadTorchPredictor(bytes, file);
  const text = bytes.toString('utf8');
  // Depth first: the checks after the parse walk the value recursively.
  if (tooDeepAt(text) >= 0) throw new InputError(`${file}: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: neither a PyTorch checkpoint (.pth zip) nor a JSON predictor file (${(e as Error).message})`);
  }
  return predictorFromJson(value, file);
}

let shipped: AccuracyPredictor | undefined;

/** Loads a predictor; without a file, the shipped default (loaded once per process). */
export function loadPredictor(file?: string): AccuracyPredictor {
  if (file === undefined) return (shipped ??= createPredictor(loadWeights(DEFAULT_PREDICTOR_FILE), DEFAULT_PREDICTOR_FILE));
  return createPredictor(loadWeights(file), file);
}

/** The name the search command uses. */
export const loadAccuracyModel = loadPredictor;
