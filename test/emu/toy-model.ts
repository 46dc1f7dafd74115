// The hand-written toy model (fixtures/toy-model) and its output computed in TypeScript, so the tests
// check the firmware's bytes against an independent computation.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Board } from '../../src/board/schema.ts';
import { firmwareProject, type TestSet } from '../../src/codegen/index.ts';
import { writeProject, type FirmwareProject } from '../../src/emu/index.ts';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/toy-model');

export const toyInput = (seed: number) => Int8Array.from({ length: 64 }, (_, i) => ((i * 37 + seed * 11) % 256) - 128);

/** model.c in TypeScript: 32 rounds of h = h * 31 + x + round over 8 lanes, each lane folded to a byte. */
export function toyOutput(input: Int8Array): Int8Array {
  const h = Uint32Array.from({ length: 8 }, (_, i) => (2166136261 + i) >>> 0);
  for (let r = 0; r < 32; r++) for (let i = 0; i < 64; i++) h[i & 7] = (Math.imul(h[i & 7], 31) + (input[i] & 0xff) + r) >>> 0;
  return Int8Array.from(h, (v) => (v ^ (v >>> 8) ^ (v >>> 16) ^ (v >>> 24)) & 0xff);
}

/** A project around the toy model; `defines` go at the top of model.c (TOY_FAULT, TOY_BIG_BSS). */
export function writeToyProject(dir: string, board: Board, opts: { testSets?: TestSet[]; defines?: string[]; modelName?: string } = {}): FirmwareProject {
  const input = toyInput(0);
  const project = writeProject(
    dir,
    firmwareProject({
      board,
      modelName: opts.modelName ?? 'toy checksum',
      sources: ['model.c'],
      testSets: opts.testSets ?? [{ input, expected: toyOutput(input) }],
    }),
  );
  fs.copyFileSync(path.join(FIXTURE, 'model.h'), path.join(dir, 'model.h'));
  const prelude = (opts.defines ?? []).map((d) => `#define ${d} 1\n`).join('');
  fs.writeFileSync(path.join(dir, 'model.c'), prelude + fs.readFileSync(path.join(FIXTURE, 'model.c'), 'utf8'));
  return project;
}
