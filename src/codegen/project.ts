// A complete firmware project for a model: the generated model C (model.ts), the kernels (kernels.ts)
// and the runtime, Makefile and linker scripts around them (src/emu's writeFirmwareProject, which
// writes firmware.json). The folder then builds with `make` or with mcu-nas.
import fs from 'node:fs';
import path from 'node:path';
import type { Board } from '../board/schema.ts';
import type { QuantGraph } from '../quant/quant-graph.ts';
import type { KernelBackend, Plan } from '../schedule/index.ts';
import { STACK_BYTES } from '../schedule/index.ts';
import { writeFirmwareProject, type FirmwareProject } from '../emu/project.ts';
import type { TestSet } from '../emu/test-vectors.ts';
import { kernelFiles } from './kernels.ts';
import { generateModel, templatesUsed, type CModel } from './model.ts';

export interface ModelProjectSpec {
  board: Board;
  q: QuantGraph;
  plan: Plan;
  backend: KernelBackend;
  cmsisRoot?: string;
  /** Any text: reaches C only escaped. */
  modelName: string;
  testSets: TestSet[];
}

export interface ModelProject {
  project: FirmwareProject;
  model: CModel;
}

export function writeModelProject(dir: string, spec: ModelProjectSpec): ModelProject {
  const kernels = kernelFiles(spec.backend, templatesUsed(spec.q), spec.cmsisRoot);
  const model = generateModel(spec.q, spec.plan, {
    backend: spec.backend,
    boardName: spec.board.name,
    kernelHeaders: kernels.headers,
    kernelSources: kernels.sources,
    kernelIncludeDirs: kernels.includeDirs,
  });
  fs.mkdirSync(dir, { recursive: true });
  for (const c of kernels.copies) {
    const to = path.join(dir, c.to);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(c.from, to);
  }
  for (const f of model.files) fs.writeFileSync(path.join(dir, f.name), f.text);
  const project = writeFirmwareProject(dir, {
    board: spec.board,
    modelName: spec.modelName,
    sources: [...model.sources, ...kernels.sources],
    includeDirs: kernels.includeDirs,
    testSets: spec.testSets,
    stackBytes: STACK_BYTES,
    runtimeRegions: model.runtimeRegions,
  });
  return { project, model };
}
