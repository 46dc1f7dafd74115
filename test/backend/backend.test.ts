// The kernel backend descriptions (src/backend): the planner refuses what a backend cannot run before any
// file is written, and each description's file tables name real files for every op template it has.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../src/backend/index.ts';
import { OWN_KERNELS_DIR } from '../../src/codegen/kernels.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { buildModel, ints, values } from '../frontend/onnx-model-builder.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-backend-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const TEMPLATES = path.resolve(import.meta.dirname, '../../templates/model');

describe('each backend description', () => {
  for (const b of Object.values(BACKENDS)) {
    it(`${b.name}: a template folder whose every op template has its kernel files listed, and those files exist`, () => {
      const templates = fs.readdirSync(path.join(TEMPLATES, b.templates)).filter((f) => f.endsWith('.hbs')).map((f) => f.replace(/\.hbs$/, ''));
      expect(templates.length).toBeGreaterThan(10);
      for (const t of templates) {
        // Every op template has its kernel files named (reshape is a view: no kernel; the tables' lut.c may be always compiled).
        const named = t in b.ownSources || (b.library !== undefined && t in b.library.sources) || (t === 'lut' && b.alwaysOwnSources.includes('lut.c')) || t === 'reshape';
        expect(named, `${b.name}/${t}: no kernel files named`).toBe(true);
        for (const f of [...(b.ownSources[t] ?? []), ...b.alwaysOwnSources]) expect(fs.existsSync(path.join(OWN_KERNELS_DIR, f)), `${b.name}/${t}: firmware/kernels/own/${f}`).toBe(true);
      }
      for (const t of Object.keys(b.ownSources)) expect(templates, `${b.name}: ownSources names a template that does not exist`).toContain(t);
    });
  }
});

describe('an op the backend cannot run stops at plan time', () => {
  // A 1x1 convolution with padding (the output border is the bias alone): CMSIS-NN's 1x1 kernels take no padding.
  const model = path.join(tmp, 'padded-1x1.onnx');
  fs.writeFileSync(
    model,
    buildModel({
      inputs: [{ name: 'x', dims: [1, 3, 8, 8] }],
      outputs: ['y'],
      nodes: [{ op: 'Conv', name: 'padded_pointwise', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { kernel_shape: ints([1, 1]), pads: ints([1, 1, 1, 1]) } }],
      inits: [
        { name: 'w', dims: [4, 3, 1, 1], data: values(12, 3) },
        { name: 'b', dims: [4], data: values(4, 4) },
      ],
    }),
  );
  // A stand-in checkout: the planner's refusal comes before any CMSIS-NN file is read.
  const cmsis = path.join(tmp, 'cmsis-nn');
  fs.mkdirSync(path.join(cmsis, 'Include'), { recursive: true });
  fs.writeFileSync(path.join(cmsis, 'Include', 'arm_nnfunctions.h'), '');

  it('--kernels cmsis-nn: exit 2, one error line naming the node and the reason, no output folder', async () => {
    const out = path.join(tmp, 'out-cmsis');
    const r = await runInProcess(['compile', model, '--calibration', 'random', '--kernels', 'cmsis-nn', '--cmsis-nn', cmsis, '--no-build', '--out', out]);
    expect(r.code).toBe(2);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual(['error: --kernels cmsis-nn: padded_pointwise (pointwise 1x1): a padded 1x1 convolution has no CMSIS-NN kernel; use --kernels own']);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(fs.existsSync(out)).toBe(false);
  });

  it('--kernels own runs it', async () => {
    const r = await runInProcess(['compile', model, '--calibration', 'random', '--no-build', '--quiet', '--out', path.join(tmp, 'out-own')]);
    expect(r.code, r.stderr).toBe(0);
  });
});
