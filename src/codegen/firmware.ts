// The firmware around a model: the runtime (copied from firmware/), main.c (the application, and the
// self-test when test vectors are present), the test vectors (test_vectors.c for the emulator link,
// vectors.bin for a test bench), both linker scripts, a Makefile, a CMakeLists.txt with its toolchain
// file, the clock set-up and the RP2040's boot stage 2 where the board needs them, Renode files where
// Renode models the board, and firmware.json (manifest.ts), as a value: files and manifest. The model's
// own files (model.h + C sources) come from model.ts (project.ts puts the two together); this module
// only needs their names. Nothing here touches the disk except to read firmware/ and templates/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clockTree } from '../board/clock.ts';
import type { Board } from '../board/schema.ts';
import { InputError } from '../errors.ts';
import { STACK_BYTES } from '../schedule/sram-layout.ts';
import { BOOT2_FILE, renderBoot2 } from './boot2.ts';
import { CLOCK_CONFIG_HEADER, clockSetup, renderClockConfig } from './clock-config.ts';
import { consoleFor } from './console.ts';
import { cComment, cIdentifier } from './escape.ts';
import { BENCH_VECTORS_BASE, linkLayout, renderLinkerScript, VECTOR_TABLE_BYTES } from './link-layout.ts';
import { hex32 } from './literals.ts';
import { FORMAT, MANIFEST, type CProject, type FirmwareManifest, type ProjectFile } from './manifest.ts';
import { qemuArguments, qemuTarget } from './qemu-args.ts';
import { buildRecipe, TEST_VECTORS_SOURCE, type BuildRecipe, type Optimization } from './recipe.ts';
import { renderTemplate } from './render.ts';
import { renderTestVectors, vectorsBlob, VECTORS_FILE, type TestSet } from './test-vectors.ts';

/** The runtime's sources (firmware/*.c, *.h, *.md), copied into the project's runtime/ folder. */
export const FIRMWARE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../firmware');
/** Wall-clock limit written into the Makefile's run target and the Renode test. */
const RUN_TIMEOUT_SECONDS = 60;

export interface FirmwareSpec {
  board: Board;
  /** Any text (a user's model name): it reaches C only escaped. */
  modelName: string;
  /** The model's C files, relative to the project folder (the caller writes them, and model.h). */
  sources: string[];
  /** Extra include folders, relative to the project folder (e.g. the kernels). */
  includeDirs?: string[];
  testSets: TestSet[];
  /** Stack reserved by the linker script; default: the planner's figure, so plan and link agree. */
  stackBytes?: number;
  optimize?: Optimization;
  /** The board regions of the run the planner chose for the stack and static data. */
  runtimeRegions?: readonly string[];
}

function runtimeFiles(): ProjectFile[] {
  return fs
    .readdirSync(FIRMWARE_DIR)
    .filter((f) => /\.(c|h|md)$/.test(f))
    .sort()
    .map((f) => ({ path: `runtime/${f}`, content: fs.readFileSync(path.join(FIRMWARE_DIR, f)) }));
}

/**
 * Whether compile writes firmware.resc/.robot for a board: it needs the Renode platform of its chip (the
 * board file's emulator.renode, a .repl path inside Renode's install, e.g. platforms/cpus/stm32f746.repl)
 * and a console UART on the board link that Renode models (its name there, e.g. sysbus.usart1), for the
 * pass line. A board's variant may move the console (stm32f746 nucleo: USART3).
 */
export type RenodeSupport = { ok: true; platform: string; uart: string } | { ok: false; reason: string };

export function renodeSupport(board: Board): RenodeSupport {
  if (board.emulated) return { ok: false, reason: 'an emulator target, run by QEMU; Renode ships no model of it' };
  if (!board.emulator.renode) return { ok: false, reason: `Renode ships no platform for ${board.name}: its board file has no emulator.renode` };
  const uart = consoleFor(board, 'board').renodeName;
  if (!uart) return { ok: false, reason: `no console UART is known for ${board.name}'s board link, so nothing would print the pass line` };
  return { ok: true, platform: board.emulator.renode, uart };
}

/** A Makefile line runs in a shell and make expands "$": board flash commands are written as given, "$" doubled. */
const makeText = (s: string) => s.replace(/\$/g, '$$$$');
/** The body of a CMake quoted argument. */
const cmakeText = (s: string) => s.replace(/[\\"$;]/g, (c) => `\\${c}`);

function renderMakefile(board: Board, m: FirmwareManifest, modelComment: string): string {
  const r = m.recipe;
  const [flashCommand, ...otherFlashCommands] = m.flashCommands.map(makeText);
  return renderTemplate('Makefile.hbs', {
    boardComment: cComment(`${board.name} (${board.description})`),
    modelComment,
    qemu: m.qemu && r.qemu ? { machine: m.qemu.machine, timeoutSeconds: RUN_TIMEOUT_SECONDS, args: qemuArguments(m.qemu.machine, '$<', 'uart.txt').slice(0, -2).join(' ') } : null,
    flashCommand: flashCommand ?? null,
    otherFlashCommands,
    uf2: r.board.uf2 ?? null,
    cpuFlags: r.cpuFlags.join(' '),
    cflags: r.cflags.join(' '),
    includes: r.includeDirs.map((d) => `-I${d}`).join(' '),
    includeDirs: r.includeDirs.filter((d) => d !== '.' && d !== 'runtime'),
    sources: r.sources.join(' '),
    boardSources: r.board.sources.join(' '),
    qemuSources: r.qemu ? r.qemu.sources.join(' ') : '',
    ldflags: r.ldflags.join(' '),
    boardDefs: r.board.defines.join(' '),
    qemuDefs: r.qemu ? r.qemu.defines.join(' ') : '',
  });
}

function renderCMake(m: FirmwareManifest, modelComment: string, boardComment: string): string {
  const r = m.recipe;
  const flashCommand = m.flashCommands[0];
  const isRuntime = (s: string) => s.startsWith('runtime/') || s === 'main.c';
  return renderTemplate('CMakeLists.txt.hbs', {
    boardComment,
    modelComment,
    flashCommand: flashCommand ?? null,
    flashCommandCmake: flashCommand ? cmakeText(flashCommand) : null,
    cpuFlags: r.cpuFlags.join(' '),
    cflags: r.cflags.join(' '),
    ldflags: r.ldflags.join(' '),
    includeDirs: r.includeDirs.join(' '),
    extraIncludeDirs: r.includeDirs.filter((d) => d !== '.' && d !== 'runtime'),
    modelSources: r.sources.filter((s) => !isRuntime(s)).join(' '),
    runtimeSources: r.sources.filter(isRuntime).join(' '),
    boardSources: r.board.sources.join(';'),
    boardDefs: r.board.defines.join(';'),
    hasQemuLink: r.qemu !== null,
    qemuSources: r.qemu ? r.qemu.sources.join(';') : '',
    qemuDefs: r.qemu ? r.qemu.defines.join(';') : '',
  });
}

export function firmwareProject(spec: FirmwareSpec): CProject {
  const { board } = spec;
  // No test sets (compile --test-sets 0): the board image alone, with no emulator link, vectors or
  // Renode test (they exist to check outputs, and there is nothing to check).
  const tested = spec.testSets.length > 0;
  spec.testSets.forEach((s, i) => {
    if (s.input.length === 0) throw new Error(`test set ${i}: empty input`);
    if (s.expected && s.expected.length === 0) throw new Error(`test set ${i}: empty expected output`);
  });
  const stackBytes = spec.stackBytes ?? STACK_BYTES;
  const layoutOpts = { stackBytes, runtimeRegions: spec.runtimeRegions };
  const boardLayout = linkLayout(board, 'board', layoutOpts)!;
  const qemuLayout = tested ? (linkLayout(board, 'qemu', layoutOpts) ?? null) : null;
  const recipe: BuildRecipe = buildRecipe(board, {
    sources: spec.sources,
    includeDirs: spec.includeDirs ?? [],
    optimize: spec.optimize ?? 'O3',
    hasQemuLink: qemuLayout !== null,
  });
  const qemu = board.emulator.qemu ? qemuTarget(board) : null;
  // Board files may come from a user's folder: their text reaches a Makefile and a Renode script.
  board.flashCommands.forEach((c, i) => {
    if (/[\x00-\x1f\x7f]/.test(c)) throw new InputError(`board ${board.name}: field "flashCommands[${i}]" must be one line without control characters`);
  });
  if (board.emulator.renode !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(board.emulator.renode))
    throw new InputError(`board ${board.name}: field "emulator.renode" must be a platform path like "platforms/cpus/stm32f746.repl"`);
  const renodeFiles = renodeSupport(board);
  const renode =
    tested && renodeFiles.ok
      ? {
          resc: 'firmware.resc',
          robot: 'firmware.robot',
          uart: renodeFiles.uart,
          vectors: VECTORS_FILE,
          vectorsBase: BENCH_VECTORS_BASE,
          vectorsAt: boardLayout.flash.origin + (boardLayout.boot2Bytes ?? 0) + VECTOR_TABLE_BYTES,
        }
      : null;
  const manifest: FirmwareManifest = {
    format: FORMAT,
    modelName: spec.modelName,
    board: { name: board.name, description: board.description, core: board.core, clockHz: board.clockHz, emulated: board.emulated ?? false, variant: board.variant ?? null, clock: clockTree(board.clock).summary },
    qemu,
    layouts: { board: boardLayout, qemu: qemuLayout },
    recipe,
    flashCommands: board.flashCommands.map((c) =>
      c.replace(/\{elf\}/g, recipe.board.elf).replace(/\{bin\}/g, recipe.board.bin).replace(/\{hex\}/g, recipe.board.hex).replace(/\{uf2\}/g, 'firmware.uf2'),
    ),
    renode,
    testSets: spec.testSets.length,
  };

  const files: ProjectFile[] = runtimeFiles();
  const modelComment = cComment(spec.modelName);
  const write = (name: string, content: string | Uint8Array) => files.push({ path: name, content });
  write(
    'main.c',
    renderTemplate('main.c.hbs', {
      modelComment,
      boardComment: cComment(board.name),
      modelId: cIdentifier(spec.modelName, 'model'),
      boardId: cIdentifier(board.name, 'board'),
      qemuTickHz: qemu?.tickHz ?? 0,
    }),
  );
  const clock = board.emulated ? null : clockSetup(board);
  if (clock) write(CLOCK_CONFIG_HEADER, renderClockConfig(board, clock));
  if (boardLayout.boot2Bytes) write(BOOT2_FILE, renderBoot2());
  const blob = tested ? vectorsBlob(spec.testSets) : null;
  if (blob) {
    write(TEST_VECTORS_SOURCE, renderTestVectors(spec.testSets, modelComment));
    write(VECTORS_FILE, blob);
  }
  write(recipe.board.script, renderLinkerScript(board, boardLayout, recipe.board.script));
  if (qemuLayout && recipe.qemu) write(recipe.qemu.script, renderLinkerScript(board, qemuLayout, recipe.qemu.script));
  write('Makefile', renderMakefile(board, manifest, modelComment));
  write('CMakeLists.txt', renderCMake(manifest, modelComment, cComment(`${board.name} (${board.description})`)));
  write('arm-none-eabi.cmake', renderTemplate('arm-none-eabi.cmake.hbs', {}));
  if (renode && blob) {
    const values = {
      boardComment: cComment(`${board.name} (${board.description})`),
      machineName: board.name,
      platform: board.emulator.renode,
      elf: recipe.board.elf,
      vectors: renode.vectors,
      vectorsBase: hex32(renode.vectorsBase),
      vectorsAt: hex32(renode.vectorsAt),
      // Whole 4 KB pages, at least one.
      vectorsRegionBytes: hex32(Math.max(4096, Math.ceil(blob.length / 4096) * 4096)),
      uart: renode.uart,
      timeoutSeconds: RUN_TIMEOUT_SECONDS,
    };
    write(renode.resc, renderTemplate('firmware.resc.hbs', values));
    write(renode.robot, renderTemplate('firmware.robot.hbs', values));
  }
  write(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  return { files, manifest };
}
