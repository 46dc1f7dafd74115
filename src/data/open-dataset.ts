// `--dataset D` / `--calibration D`: the name of a built-in dataset, or an ImageFolder path.
import type { Dataset, InputSpec } from './dataset.ts';
import { openImageFolder } from './image-folder.ts';
import { openMnist } from './mnist.ts';
import type { Preprocess } from './preprocess.ts';

/** A built-in dataset (mnist) is taken by name before any folder of the same name (write ./mnist for a folder). */
export function openDataset(name: string, spec: InputSpec, preprocess: Preprocess): Dataset {
  if (name === 'mnist') return openMnist(spec, preprocess);
  return openImageFolder(name, spec, preprocess);
}
