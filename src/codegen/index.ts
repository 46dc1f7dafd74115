// Code generation: QuantGraph + Plan -> the whole C project as a value (CProject: files + manifest):
// the model's C, the kernels, the runtime, main.c, test vectors, linker scripts, Makefile/CMake, Renode
// files, firmware.json and the README. src/emu writes, builds and runs it; nothing here imports src/emu.
export { generateModel, type CModel, type GeneratedFile, type GenerateOptions } from './model.ts';
export { modelProject, type ModelProject, type ModelProjectSpec } from './project.ts';
export { firmwareProject, renodeSupport, FIRMWARE_DIR, type FirmwareSpec, type RenodeSupport } from './firmware.ts';
export { MANIFEST, ManifestSchema, type CProject, type FirmwareManifest, type ProjectFile } from './manifest.ts';
export { kernelFiles, cmsisNnRoot, type KernelFiles } from './kernels.ts';
export { arenaMap, type ArenaMap, type ArenaBlock } from './arena.ts';
export * from './link-layout.ts';
export * from './recipe.ts';
export * from './console.ts';
export * from './qemu-args.ts';
export * from './test-vectors.ts';
export * from './clock-config.ts';
export * from './boot2.ts';
export * from './literals.ts';
export { renderTemplate, TEMPLATES_DIR } from './render.ts';
export { projectReadme, renderReadme, README_FILE, type ReadmeBuild, type ReadmeVerdict } from './readme.ts';
export { cComment, cIdentifier, CIdentifierScope } from './escape.ts';
