// Building a firmware project with arm-none-eabi-gcc (through execa, no shell): both links at once,
// then .bin and .hex of the board link. The commands are the recipe in firmware.json, which is also
// what the generated Makefile runs.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { InputError } from '../errors.ts';
import { measureFirmware, type FirmwareSize } from './firmware-size.ts';
import { explainLinkFailure } from './link-errors.ts';
import { linkArguments, readFirmwareProject, type FirmwareProject } from './project.ts';
import { APT_INSTALL, findArmToolchain, GCC_PACKAGES, type ArmToolchain } from './toolchain.ts';
import { uf2FromBinary } from './uf2.ts';

export interface Firmware {
  project: FirmwareProject;
  /** The board link: what to flash. */
  elf: string;
  bin: string;
  hex: string;
  /** The emulator link, or null for a board without a QEMU stand-in. */
  qemuElf: string | null;
  size: { board: FirmwareSize; qemu: FirmwareSize | null };
  /** Wall-clock seconds of this build (0 when it was up to date). */
  seconds: number;
  /** The board's flash commands, with the firmware files filled in. */
  flashCommands: string[];
}

export interface BuildOptions {
  toolchain?: ArmToolchain;
  /** Rebuild even when the outputs are newer than every input. */
  force?: boolean;
  /** Build the board link alone (what is flashed; e.g. to measure it), always rebuilt. */
  boardOnly?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** An error in generated or hand-written C: a bug, not a user mistake; the compiler's words are kept. */
export class BuildError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'BuildError';
  }
}

function mtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/** True when some output is missing or older than a source, header, linker script or the manifest. */
export function needsBuild(project: FirmwareProject): boolean {
  const outputs = [project.recipe.board.elf, project.recipe.board.bin, project.recipe.board.hex, ...(project.recipe.qemu ? [project.recipe.qemu.elf] : [])];
  const oldest = Math.min(...outputs.map((f) => mtime(path.join(project.dir, f))));
  if (oldest < 0) return true;
  const links = [project.recipe.board, ...(project.recipe.qemu ? [project.recipe.qemu] : [])];
  const inputs = [...project.recipe.sources, ...links.flatMap((l) => [...l.sources, l.script]), 'firmware.json'];
  for (const dir of project.recipe.includeDirs) {
    const full = path.join(project.dir, dir);
    if (fs.existsSync(full)) for (const f of fs.readdirSync(full)) if (f.endsWith('.h')) inputs.push(path.join(dir, f));
  }
  return inputs.some((f) => mtime(path.join(project.dir, f)) > oldest);
}

function compilerFailure(stderr: string, project: FirmwareProject): Error {
  const layouts = [project.layouts.board, ...(project.layouts.qemu ? [project.layouts.qemu] : [])];
  const overflow = explainLinkFailure(stderr, project.board.name, layouts);
  if (overflow) return overflow;
  if (/cannot read spec file '(nano|nosys)\.specs'|stdint\.h: No such file/.test(stderr))
    return new InputError(`newlib for arm-none-eabi is missing; install it: ${APT_INSTALL} ${GCC_PACKAGES}`);
  const first = stderr.split('\n').find((l) => /error|undefined reference/i.test(l)) ?? stderr.trim().split('\n')[0] ?? '';
  return new BuildError(`firmware build failed in ${project.dir}: ${first.trim()}`, stderr);
}

export async function buildFirmware(projectOrDir: FirmwareProject | string, opts: BuildOptions = {}): Promise<Firmware> {
  const project = typeof projectOrDir === 'string' ? readFirmwareProject(projectOrDir) : projectOrDir;
  const tools = opts.toolchain ?? findArmToolchain(opts.env);
  const { recipe, dir } = project;
  const started = performance.now();
  let built = false;
  const withQemu = recipe.qemu !== null && !opts.boardOnly;
  if (opts.force || opts.boardOnly || needsBuild(project)) {
    const links = [recipe.board, ...(recipe.qemu && withQemu ? [recipe.qemu] : [])];
    const results = await Promise.all(
      links.map((l) => execa(tools.gcc, linkArguments(recipe, l), { cwd: dir, reject: false, all: true, env: opts.env })),
    );
    const failed = results.filter((r) => r.exitCode !== 0);
    if (failed.length > 0) {
      for (const l of links) fs.rmSync(path.join(dir, l.elf), { force: true });
      throw compilerFailure(failed.map((r) => String(r.all ?? r.stderr ?? '')).join('\n'), project);
    }
    const elf = recipe.board.elf;
    const copies = await Promise.all([
      execa(tools.objcopy, ['-O', 'binary', elf, recipe.board.bin], { cwd: dir, reject: false }),
      execa(tools.objcopy, ['-O', 'ihex', elf, recipe.board.hex], { cwd: dir, reject: false }),
    ]);
    const bad = copies.find((r) => r.exitCode !== 0);
    if (bad) throw new BuildError(`objcopy failed in ${dir}: ${String(bad.stderr).trim()}`, String(bad.stderr));
    // The flat binary starts at the flash base (the link puts nothing below it): the UF2 places it there.
    if (recipe.board.uf2) fs.writeFileSync(path.join(dir, recipe.board.uf2), uf2FromBinary(fs.readFileSync(path.join(dir, recipe.board.bin)), project.layouts.board.flash.origin));
    built = true;
  }
  const at = (f: string) => path.join(dir, f);
  return {
    project,
    elf: at(recipe.board.elf),
    bin: at(recipe.board.bin),
    hex: at(recipe.board.hex),
    qemuElf: recipe.qemu && withQemu ? at(recipe.qemu.elf) : null,
    size: {
      board: measureFirmware(at(recipe.board.elf), project.layouts.board),
      qemu: recipe.qemu && withQemu && project.layouts.qemu ? measureFirmware(at(recipe.qemu.elf), project.layouts.qemu) : null,
    },
    seconds: built ? (performance.now() - started) / 1000 : 0,
    flashCommands: project.flashCommands,
  };
}
