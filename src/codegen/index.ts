// Code generation: QuantGraph + Plan -> the model's C (templates/model/), and a firmware project around it.
export { generateModel, type CModel, type GeneratedFile, type GenerateOptions } from './model.ts';
export { writeModelProject, type ModelProject, type ModelProjectSpec } from './project.ts';
export { kernelFiles, cmsisNnRoot, type KernelFiles } from './kernels.ts';
export { arenaMap, regionName, type ArenaMap, type ArenaBlock } from './arena.ts';
export { cComment, cIdentifier, CIdentifierScope } from './escape.ts';
