// The int8 model as a host program that scores a batch (`mcu-nas evaluate`'s host-C engine): the model's C
// (model.ts, the project's own kernels), the two runtime headers it includes, and
// templates/model/host_batch_main.c.hbs, which runs the model on every int8 input of its stdin and writes
// the outputs to its stdout. A value: the caller writes and builds it (src/pipeline/host-int8.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QuantGraph } from '../quant/quant-graph.ts';
import type { Plan } from '../schedule/index.ts';
import { kernelFiles } from './kernels.ts';
import { generateModel, templatesUsed, type GeneratedFile } from './model.ts';
import { renderModelTemplate } from './render.ts';

const FIRMWARE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../firmware');
/** The runtime headers model.h includes (the rest of the runtime is the firmware's). */
const RUNTIME_HEADERS = ['mcunas_model.h', 'mcunas_runtime.h'];

export interface HostBatchProgram {
  /** Generated files, relative to the build folder. */
  files: GeneratedFile[];
  /** Files to copy into the build folder: absolute source -> relative target. */
  copies: { from: string; to: string }[];
  /** C sources to compile, relative to the build folder. */
  sources: string[];
  /** Include folders, relative to the build folder. */
  includeDirs: string[];
  inputBytes: number;
  outputBytes: number;
}

/** The program for a quantized graph and a plan made for the project's own kernels (`plan.kernels === 'own'`). */
export function hostBatchProgram(q: QuantGraph, plan: Plan): HostBatchProgram {
  const kernels = kernelFiles('own', templatesUsed(q));
  const model = generateModel(q, plan, { backend: 'own', boardName: 'the host', kernelHeaders: kernels.headers, kernelSources: kernels.sources, kernelIncludeDirs: kernels.includeDirs });
  const sources = ['host_batch_main.c', ...model.sources, ...kernels.sources];
  const includeDirs = ['.', 'runtime', ...kernels.includeDirs];
  const main = renderModelTemplate('host_batch_main.c.hbs', {
    includeFlags: kernels.includeDirs.map((d) => `-I${d}`).join(' '),
    modelSources: [...model.sources, ...kernels.sources].join(' '),
  });
  return {
    files: [...model.files.filter((f) => f.name !== 'host_main.c'), { name: 'host_batch_main.c', text: main }],
    copies: [...kernels.copies, ...RUNTIME_HEADERS.map((h) => ({ from: path.join(FIRMWARE, h), to: `runtime/${h}` }))],
    sources,
    includeDirs,
    inputBytes: model.inputBytes,
    outputBytes: model.outputBytes,
  };
}
