// The generated C is portable C99: built for the host with -Wall -Wextra -Werror and AddressSanitizer +
// UndefinedBehaviorSanitizer, it gives the golden bytes too (a layer-by-layer and a patched model). The
// patched one also carries hostile model and tensor names (comment terminators, newlines, quotes), which
// must reach the C only escaped: the build would fail otherwise.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { modelProject } from '../../src/codegen/index.ts';
import { findExecutable, writeProject } from '../../src/emu/index.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { calibrate, quantize, quantizeInput, runInt8 } from '../../src/quant/index.ts';
import { archSource } from '../../src/pipeline/model-source.ts';
import { planFor } from '../../src/pipeline/prepare.ts';
import type { PatchRequest } from '../../src/schedule/index.ts';
import { smallestArch } from '../../src/space/sample.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-host-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const cc = findExecutable('gcc');

const HOSTILE = ' */ #include "evil.h"\n/* \\\n"quoted" ??/ café';

/** The same graph with every tensor and the model renamed to something hostile (names stay unique). */
function hostile(g: Graph): Graph {
  return { ...g, name: `model${HOSTILE}`, tensors: g.tensors.map((t) => ({ ...t, name: `${t.name}${HOSTILE}${t.id}` })), ops: g.ops.map((o) => ({ ...o, name: `${o.name}${HOSTILE}` })) };
}

async function hostRun(label: string, patch: PatchRequest, rename: boolean) {
  const board = loadBoard('stm32f746');
  const src = archSource(smallestArch(96), { seed: 3, calibrationSamples: 2, testSets: 1 });
  const graph = rename ? hostile(src.graph) : src.graph;
  const q = quantize(graph, calibrate(graph, src.calibration));
  const plan = planFor(q, board, patch, 'own');
  const input = quantizeInput(q, src.tests[0].input);
  const golden = runInt8(q, input).outputs[0];
  const dir = path.join(tmp, label);
  const generated = modelProject({ board, q, plan, backend: 'own', modelName: q.name, testSets: [{ input, expected: golden }] });
  const project = writeProject(dir, generated);
  const model = generated.model;
  const sources = ['host_main.c', ...project.recipe.sources.filter((s) => !s.startsWith('runtime/') && s !== 'main.c' && s !== 'test_vectors.c')];
  const flags = ['-std=c99', '-O1', '-g', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-I.', '-Iruntime', '-Ikernels'];
  const built = await execa(cc!, [...flags, ...sources, '-o', 'model-host'], { cwd: dir, reject: false, all: true });
  expect(built.all, `${label}: host build`).toBe('');
  expect(built.exitCode).toBe(0);
  const run = await execa(path.join(dir, 'model-host'), [], { input: Buffer.from(input.buffer), encoding: 'buffer', reject: false });
  expect(run.exitCode, String(run.stderr)).toBe(0);
  return { out: new Int8Array(run.stdout), golden, plan, model, dir };
}

describe.skipIf(!cc)('generated C on the host with sanitizers', () => {
  it('layer by layer: same bytes as the TypeScript int8 model', async () => {
    const r = await hostRun('layers', 'off', false);
    expect(r.plan.patch).toBeNull();
    expect(Buffer.from(r.out).equals(Buffer.from(r.golden.buffer))).toBe(true);
  });

  it('patch by patch, with hostile names: same bytes, and no name reaches the C unescaped', async () => {
    const r = await hostRun('patched', { n: 3, layer: `blocks.2.point_linear${HOSTILE}` }, true);
    expect(r.plan.patch?.n).toBe(3);
    expect(Buffer.from(r.out).equals(Buffer.from(r.golden.buffer))).toBe(true);
    for (const f of ['model.c', 'model.h', 'weights.c', 'weights.h', 'main.c', 'test_vectors.c']) {
      const text = fs.readFileSync(path.join(r.dir, f), 'utf8');
      // Names may appear in comments (escaped: no comment can end early) and as escaped identifiers; never as text.
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      expect(code, f).not.toMatch(/evil\.h|"quoted"|café|\?\?/);
      expect(text, f).not.toContain('??/');
      expect(text, f).not.toMatch(/\\\n/);
    }
  });
});
