// An extracted, BN-re-calibrated subnet goes through the existing pipeline: prepare (int8 calibration,
// quantization, plan) builds firmware that runs bit-exact in QEMU on stm32f746's emulator link, and the
// ONNX export runs in onnxruntime to PyTorch's logits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../../src/board/index.ts';
import { modelProject } from '../../../src/codegen/index.ts';
import { findArmToolchain, gccArguments, haveBuildAndQemu, runQemu, writeProject, type RunResult } from '../../../src/emu/index.ts';
import { exportOnnx } from '../../../src/frontend/onnx/export.ts';
import { importOnnx } from '../../../src/frontend/onnx/index.ts';
import { labParams } from '../../../src/ir/cost.ts';
import { readSupernet, supernetGraph, type Supernet } from '../../../src/frontend/supernet/index.ts';
import { runOnnx } from '../../../src/oracle/onnxruntime.ts';
import type { ModelSource } from '../../../src/pipeline/model-source.ts';
import { prepare, type Prepared } from '../../../src/pipeline/prepare.ts';
import { agreement, dequantizeOutput, runFloat } from '../../../src/quant/index.ts';
import { parseArchConfig } from '../../../src/space/config.ts';
import { readNpy } from './npy.ts';
import { CONFIGS, DIR, PTH, calibrationImages, configInputs, maxAbsDiff } from './reference.ts';

let loaded: Supernet | undefined;
const supernet = () => (loaded ??= readSupernet(fs.readFileSync(PTH), PTH));
const archOf = (c: (typeof CONFIGS)[number]) => parseArchConfig({ ...c.config, image_size: c.image_size }, c.name);

describe("ONNX export of extracted subnets runs in onnxruntime to PyTorch's logits", () => {
  it.each(CONFIGS)('$name, BN as stored', async (c) => {
    const { graph } = supernetGraph(supernet(), archOf(c));
    const bytes = exportOnnx(graph);
    const r = c.image_size;
    const ref = readNpy(`${DIR}/${c.name}.logits-before-calib.npy`).data;
    for (let j = 0; j < 2; j++) {
      const x = readNpy(`${DIR}/${c.name}.input${j}.npy`).data as Float32Array; // NCHW, as the file's input
      const [out] = await runOnnx(bytes, [{ dims: [1, 3, r, r], data: x }]);
      expect(maxAbsDiff(out.data, ref.subarray(2 * j, 2 * j + 2))).toBeLessThan(1e-4);
    }
  });

  it('smallest_r96 after BN re-calibration (batches of 32)', async () => {
    const c = CONFIGS[0];
    const g = supernetGraph(supernet(), archOf(c), { calibBn: { images: calibrationImages(c).images, batchSize: 32 } });
    const bytes = exportOnnx(g.graph);
    const ref = readNpy(`${DIR}/${c.name}.logits-after-calib.npy`).data;
    for (let j = 0; j < 2; j++) {
      const x = readNpy(`${DIR}/${c.name}.input${j}.npy`).data as Float32Array;
      const [out] = await runOnnx(bytes, [{ dims: [1, 3, 96, 96], data: x }]);
      expect(maxAbsDiff(out.data, ref.subarray(2 * j, 2 * j + 2))).toBeLessThan(1e-4);
    }
  });
});

describe('int8 compile of an extracted, re-calibrated subnet', () => {
  const c = CONFIGS[0];
  const board = loadBoard('stm32f746');
  let prepared: Prepared;
  let source: ModelSource;

  beforeAll(() => {
    const calib = calibrationImages(c).images;
    const g = supernetGraph(supernet(), archOf(c), { calibBn: { images: calib, batchSize: 32 } });
    // int8 ranges from 16 calibration images; the test inputs are another image of the set and the network's input0.
    source = {
      name: g.graph.name,
      graph: g.graph,
      calibration: calib.slice(0, 16),
      tests: [{ input: calib[40] }, { input: configInputs(c)[0] }],
      notes: g.notes,
      calibrationSource: 'shared calibration images',
      referenceEngine: 'float interpreter',
    };
    prepared = prepare(source, board, { patch: 'off', backend: 'own' });
  });

  it('quantizes and plans through the pipeline, and keeps the lab parameter count', () => {
    // The lab's count_parameters everywhere: the float IR, the plan (compile's report.json), and the
    // graph read back from the ONNX export (which records which convs carry a folded BN).
    expect(labParams(source.graph)).toBe(c.count_parameters);
    expect(prepared.plan.params).toBe(c.count_parameters);
    expect(labParams(importOnnx(exportOnnx(source.graph)).graph)).toBe(c.count_parameters);
    expect(prepared.plan.fits).toBe(true);
    expect(prepared.tests).toHaveLength(2);
    const float = runFloat(source.graph, source.tests[0].input).outputs[0];
    const a = agreement(float, dequantizeOutput(prepared.q, prepared.tests[0].golden));
    console.log(`int8 vs float on a calibration-set image: cosine ${a.cosine.toFixed(4)}, top-1 ${a.top1Match}`);
    expect(a.top1Match).toBe(true);
  });

  describe.skipIf(!haveBuildAndQemu())('in QEMU', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-supernet-'));
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
    let run: RunResult;

    beforeAll(async () => {
      const project = writeProject(
        tmp,
        modelProject({
          board,
          q: prepared.q,
          plan: prepared.plan,
          backend: 'own',
          modelName: prepared.q.name,
          testSets: prepared.tests.map((t) => ({ input: t.input, expected: t.golden })),
        }),
      );
      const built = await execa(findArmToolchain().gcc, gccArguments(project, 'qemu')!, { cwd: tmp, reject: false, all: true });
      if (built.exitCode !== 0) throw new Error(built.all);
      run = await runQemu(path.join(tmp, project.recipe.qemu!.elf), project.qemu!, { timeoutMs: 120_000 });
    }, 300_000);

    it('runs bit-exact: the firmware prints the golden int8 output of every test input', () => {
      expect(run.pass, run.outcome).toBe(true);
      expect(run.sets).toHaveLength(prepared.tests.length);
      run.sets.forEach((s, k) => expect(Buffer.from(s.output).equals(Buffer.from(prepared.tests[k].golden.buffer)), `test ${k}`).toBe(true));
    });
  });
});
