// A generated C project on disk. Code generation (src/codegen) hands over a CProject, every file and
// the manifest as a value; this module writes it into a folder, reads firmware.json back from a folder
// (a user's, given to `mcu-nas run`: it is validated first), and turns the manifest's recipe into the
// gcc command lines that build.ts runs.
import fs from 'node:fs';
import path from 'node:path';
import type { CProject, FirmwareManifest } from '../codegen/manifest.ts';
import { MANIFEST, ManifestSchema } from '../codegen/manifest.ts';
import type { BuildRecipe, LinkRecipe } from '../codegen/recipe.ts';
import { InputError } from '../errors.ts';
import { readJson } from '../io/read-input.ts';

/** A project on disk: its folder and its manifest. */
export interface FirmwareProject extends FirmwareManifest {
  dir: string;
}

/** Writes every file of a project into `dir` (made if absent; files of the same names are replaced). */
export function writeProject(dir: string, project: CProject): FirmwareProject {
  for (const f of project.files) {
    const to = path.join(dir, f.path);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, f.content);
  }
  return { ...project.manifest, dir: path.resolve(dir) };
}

export function readFirmwareProject(dir: string): FirmwareProject {
  const file = path.join(dir, MANIFEST);
  let value: unknown;
  try {
    value = readJson(file);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError(`${e.message} (not a firmware project?)`);
  }
  const r = ManifestSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new InputError(`${file}: field "${issue.path.join('.')}": ${issue.message}`);
  }
  return { ...r.data, dir: path.resolve(dir) };
}

/** gcc's arguments for one link, relative to the project folder. */
export function linkArguments(recipe: BuildRecipe, link: LinkRecipe): string[] {
  return [
    ...recipe.cpuFlags,
    ...recipe.cflags,
    ...link.defines,
    ...recipe.includeDirs.map((d) => `-I${d}`),
    ...recipe.sources,
    ...link.sources,
    '-T',
    link.script,
    ...recipe.ldflags,
    `-Wl,-Map=${link.map}`,
    '-o',
    link.elf,
  ];
}

/** The gcc command lines of a project, for messages and tests. */
export function gccArguments(project: FirmwareManifest, link: 'board' | 'qemu'): string[] | undefined {
  const l = link === 'board' ? project.recipe.board : project.recipe.qemu;
  return l ? linkArguments(project.recipe, l) : undefined;
}
