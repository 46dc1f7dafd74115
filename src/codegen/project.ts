// The whole C project of a model as a value (DESIGN.md: codegen owns the C project): the generated model
// C (model.ts), the kernels (kernels.ts), the firmware around them (firmware.ts: runtime, main.c, test
// vectors, both linker scripts, Makefile, CMake, clock set-up, boot2, Renode files, firmware.json) and
// the output folder's README (readme.ts, with the plan's fit verdict; compile renders it again with the
// measured figures once built). Tests can look at every byte without a disk or a compiler; src/emu
// writes it, builds it and runs it.
import fs from 'node:fs';
import type { Board } from '../board/schema.ts';
import type { QuantGraph } from '../quant/quant-graph.ts';
import type { KernelBackend, Plan } from '../schedule/index.ts';
import { STACK_BYTES } from '../schedule/index.ts';
import { misfitReasons } from '../schedule/plan-table.ts';
import { firmwareProject } from './firmware.ts';
import { kernelFiles } from './kernels.ts';
import type { CProject, ProjectFile } from './manifest.ts';
import { generateModel, templatesUsed, type CModel } from './model.ts';
import { README_FILE, projectReadme } from './readme.ts';
import type { TestSet } from './test-vectors.ts';

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

/** A model's C project, with what code generation knows about the model (for reports). */
export interface ModelProject extends CProject {
  model: CModel;
}

export function modelProject(spec: ModelProjectSpec): ModelProject {
  const kernels = kernelFiles(spec.backend, templatesUsed(spec.q), spec.cmsisRoot);
  const model = generateModel(spec.q, spec.plan, {
    backend: spec.backend,
    boardName: spec.board.name,
    kernelHeaders: kernels.headers,
    kernelSources: kernels.sources,
    kernelIncludeDirs: kernels.includeDirs,
  });
  const firmware = firmwareProject({
    board: spec.board,
    modelName: spec.modelName,
    sources: [...model.sources, ...kernels.sources],
    includeDirs: kernels.includeDirs,
    testSets: spec.testSets,
    stackBytes: STACK_BYTES,
    runtimeRegions: model.runtimeRegions,
  });
  const project = { ...firmware, model };
  const readme = projectReadme(project, spec.board, spec.plan, { build: null, fits: spec.plan.fits, reasons: misfitReasons(spec.plan) });
  const files: ProjectFile[] = [
    ...kernels.copies.map((c) => ({ path: c.to, content: fs.readFileSync(c.from) })),
    ...model.files.map((f) => ({ path: f.name, content: f.text })),
    ...firmware.files,
    { path: README_FILE, content: readme },
  ];
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new Error(`bug: two files of the project at ${f.path}`);
    seen.add(f.path);
  }
  return { files, manifest: firmware.manifest, model };
}
