// The C project as a value (src/codegen/project.ts): every file and the manifest of a small model, built in
// memory (no folder written, no compiler), checked for what it must hold and for agreeing with itself: the
// recipe names only files it has, firmware.json is the manifest, the arena's linker sections are regions of
// both linker scripts, vectors.bin is the test sets' blob. test/codegen/project-snapshot.test.ts pins the
// bytes that compile writes; this pins the shape of the value.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { FIRMWARE_DIR, ManifestSchema, modelProject, vectorsBlob, VECTORS_MAGIC, type ModelProject, type TestSet } from '../../src/codegen/index.ts';
import { calibrate, quantize, quantizeInput, runInt8 } from '../../src/quant/index.ts';
import { archSource } from '../../src/pipeline/model-source.ts';
import { planFor } from '../../src/pipeline/prepare.ts';
import { smallestArch } from '../../src/space/sample.ts';

const src = archSource(smallestArch(96), { seed: 5, calibrationSamples: 2, testSets: 2 });
const q = quantize(src.graph, calibrate(src.graph, src.calibration));
const tests: TestSet[] = src.tests.map((t) => {
  const input = quantizeInput(q, t.input);
  return { input, expected: runInt8(q, input).outputs[0] };
});

function project(boardName: string, testSets: TestSet[]): ModelProject {
  const board = loadBoard(boardName);
  return modelProject({ board, q, plan: planFor(q, board, 'off', 'own'), backend: 'own', modelName: 'tiny "model" */', testSets });
}

const text = (p: ModelProject, file: string) => {
  const f = p.files.find((x) => x.path === file);
  if (!f) throw new Error(`no ${file} in the project`);
  return typeof f.content === 'string' ? f.content : Buffer.from(f.content).toString('utf8');
};
const bytes = (p: ModelProject, file: string) => {
  const c = p.files.find((x) => x.path === file)!.content;
  return typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c);
};
const runtime = fs.readdirSync(FIRMWARE_DIR).filter((f) => /\.(c|h|md)$/.test(f)).map((f) => `runtime/${f}`);

describe('modelProject: the whole C project as a value', () => {
  const p = project('stm32f746', tests);
  const paths = p.files.map((f) => f.path);

  it('holds the model, kernels, runtime, main, test vectors, both linker scripts, Makefile/CMake, Renode files, clock set-up, manifest and README, each once', () => {
    const own = paths.filter((f) => !f.startsWith('runtime/') && !f.startsWith('kernels/')).sort();
    expect(own).toEqual(
      [
        'CMakeLists.txt', 'Makefile', 'README.md', 'arm-none-eabi.cmake', 'firmware.json', 'firmware.resc', 'firmware.robot', 'host_main.c', 'link-board.ld', 'link-qemu.ld',
        'main.c', 'mcunas_clock_config.h', 'model.c', 'model.h', 'test_vectors.c', 'vectors.bin', 'weights.c', 'weights.h',
      ].sort(),
    );
    expect(paths.filter((f) => f.startsWith('runtime/')).sort()).toEqual([...runtime].sort());
    expect(paths).toContain('kernels/mcunas_kernels.h');
    expect(new Set(paths).size).toBe(paths.length);
    for (const f of paths) expect(f, f).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_./-]*$/);
    for (const f of paths) expect(f.split('/'), f).not.toContain('..');
  });

  it('firmware.json is the manifest, valid against the schema src/emu reads it with', () => {
    const json = JSON.parse(text(p, 'firmware.json'));
    expect(json).toEqual(p.manifest);
    expect(ManifestSchema.safeParse(json).success).toBe(true);
    expect(p.manifest).toMatchObject({ format: 'mcu-nas-firmware/1', modelName: 'tiny "model" */', testSets: 2, board: { name: 'stm32f746', core: 'cortex-m7' } });
    expect(p.manifest.qemu?.machine).toBe('mps2-an500');
    expect(p.manifest.renode).toMatchObject({ resc: 'firmware.resc', robot: 'firmware.robot', vectors: 'vectors.bin' });
  });

  it('the recipe names only files and folders of the project, and every C file of the project that is not a header is compiled', () => {
    const r = p.manifest.recipe;
    const has = new Set(paths);
    for (const s of [...r.sources, ...r.board.sources, ...r.qemu!.sources, r.board.script, r.qemu!.script]) expect(has.has(s), s).toBe(true);
    for (const d of r.includeDirs) expect(d === '.' || paths.some((f) => f.startsWith(`${d}/`)), d).toBe(true);
    const compiled = new Set([...r.sources, ...r.board.sources, ...r.qemu!.sources, 'host_main.c']);
    const kernelSources = paths.filter((f) => f.startsWith('kernels/') && f.endsWith('.c'));
    expect(kernelSources.length).toBeGreaterThan(0);
    for (const f of paths.filter((x) => x.endsWith('.c') && !x.startsWith('runtime/'))) expect(compiled.has(f), f).toBe(true);
    expect(r.board.sources).toContain('runtime/clock_stm32f4f7.c');
    expect(r.board.sources).not.toContain('test_vectors.c');
  });

  it('the arena blocks sit in linker sections that both linker scripts declare (one naming rule)', () => {
    const modelC = text(p, 'model.c');
    expect(p.model.arena.blocks.length).toBeGreaterThan(0);
    for (const b of p.model.arena.blocks) {
      expect(modelC).toContain(`MCUNAS_IN_REGION("${b.region}")`);
      for (const ld of ['link-board.ld', 'link-qemu.ld']) {
        expect(text(p, ld), `${ld}: ${b.region}`).toMatch(new RegExp(`^\\s*${b.region} \\(rw\\) : ORIGIN`, 'm'));
        expect(text(p, ld)).toContain(`*(.sram.${b.region} .sram.${b.region}.*)`);
      }
    }
    expect(p.manifest.layouts.board.ram.map((r) => r.name)).toContain(p.model.arena.blocks[0].region);
  });

  it('vectors.bin is the blob of the test sets, and test_vectors.c holds the same bytes', () => {
    const blob = vectorsBlob(tests);
    expect(bytes(p, 'vectors.bin').equals(Buffer.from(blob))).toBe(true);
    expect(bytes(p, 'vectors.bin').readUInt32LE(0)).toBe(VECTORS_MAGIC);
    const literal = [...text(p, 'test_vectors.c').matchAll(/0x([0-9a-f]{2})\b/g)].map((m) => parseInt(m[1], 16));
    expect(Buffer.from(literal).equals(Buffer.from(blob))).toBe(true);
  });

  it('names from the model reach C only escaped', () => {
    for (const f of ['main.c', 'test_vectors.c', 'Makefile', 'link-board.ld']) expect(text(p, f), f).not.toContain('tiny "model" */');
  });

  it('is a value: the same inputs give the same files, byte for byte', () => {
    const again = project('stm32f746', tests);
    expect(again.files.map((f) => f.path)).toEqual(paths);
    for (const f of again.files) expect(bytes(again, f.path).equals(bytes(p, f.path)), f.path).toBe(true);
  });
});

describe('modelProject for the RP2040 without test sets', () => {
  const p = project('rp2040', []);
  const paths = p.files.map((f) => f.path);

  it('has the board image alone: boot2 and clock set-up, no emulator link, vectors or Renode files', () => {
    expect(paths).toEqual(expect.arrayContaining(['boot2.S', 'mcunas_clock_config.h', 'link-board.ld', 'firmware.json', 'README.md']));
    for (const f of ['link-qemu.ld', 'test_vectors.c', 'vectors.bin', 'firmware.resc', 'firmware.robot']) expect(paths, f).not.toContain(f);
    expect(p.manifest).toMatchObject({ testSets: 0, renode: null, layouts: { qemu: null }, recipe: { qemu: null } });
    expect(p.manifest.recipe.board.sources[0]).toBe('boot2.S');
    expect(p.manifest.layouts.board.boot2Bytes).toBe(256);
    expect(text(p, 'boot2.S').match(/^\s*\.byte /gm)).toHaveLength(16);
  });
});

it('the README of the project states the plan\'s verdict before any build', () => {
  const p = project('stm32f746', tests);
  const readme = text(p, 'README.md');
  expect(readme).toContain('stm32f746');
  expect(readme).toContain('not built yet');
});
