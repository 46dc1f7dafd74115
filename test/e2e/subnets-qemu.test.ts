// THE end-to-end check: 20 seeded random subnets (wid 0-2, layer by layer and patch by patch), quantized,
// planned, generated as C with the own kernels, built with arm-none-eabi-gcc and run in QEMU on a
// Cortex-M7 (stm32f746's emulator link on mps2-an500, with the F746's real memory limits; mps2-an500
// itself for wid 2, whose weights exceed 1 MB) and a Cortex-M4 (mps2-an386). The firmware's output
// must equal the TypeScript int8 interpreter's bytes; the linked ELF and the measured stack must agree
// with the planner's flash (2%) and SRAM (5%) predictions; the int8 result must agree with the float
// interpreter (top-1, cosine >= 0.99). Only the emulator link is built here (the board link is the same
// C with other addresses; cli.test.ts builds both), which halves the gcc time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { findArmToolchain, gccArguments, haveBuildAndQemu, measureFirmware, runQemu, writeProject, type FirmwareSize, type RunResult } from '../../src/emu/index.ts';
import { modelProject } from '../../src/codegen/index.ts';
import { agreement, calibrate, dequantizeOutput, quantize, quantizeInput, runFloat, runInt8, type QuantGraph } from '../../src/quant/index.ts';
import { archSource } from '../../src/pipeline/model-source.ts';
import { planFor } from '../../src/pipeline/prepare.ts';
import type { Plan } from '../../src/schedule/index.ts';
import { subnetCases, type SubnetCase } from './subnets.ts';
import { pool } from '../helpers/pool.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-e2e-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Outcome {
  c: SubnetCase;
  board: string;
  plan: Plan;
  golden: Int8Array;
  float: Float32Array;
  q: QuantGraph;
  run: RunResult;
  size: FirmwareSize;
}

const cases = subnetCases(20);
const outcomes: Outcome[] = [];


describe.skipIf(!haveBuildAndQemu())('20 random subnets, own kernels, bit-exact in QEMU', () => {
  beforeAll(async () => {
    const gcc = findArmToolchain().gcc;
    const jobs: (() => Promise<Outcome>)[] = [];
    cases.forEach((c, k) => {
      // Quantize once per subnet; each board gets its own plan and build.
      const src = archSource(c.arch, { seed: k, calibrationSamples: 6, testSets: 1 });
      const q = quantize(src.graph, calibrate(src.graph, src.calibration));
      const input = quantizeInput(q, src.tests[0].input);
      const golden = runInt8(q, input).outputs[0];
      const float = runFloat(src.graph, src.tests[0].input).outputs[0];
      for (const name of [c.m7, 'mps2-an386']) {
        const board = loadBoard(name);
        const plan = planFor(q, board, c.patch, 'own');
        const dir = path.join(tmp, `${k}-${name}`);
        const project = writeProject(dir, modelProject({ board, q, plan, backend: 'own', modelName: q.name, testSets: [{ input, expected: golden }] }));
        jobs.push(async () => {
          const built = await execa(gcc, gccArguments(project, 'qemu')!, { cwd: dir, reject: false, all: true });
          if (built.exitCode !== 0) throw new Error(`${c.label} on ${name}: ${built.all}`);
          const elf = path.join(dir, project.recipe.qemu!.elf);
          const run = await runQemu(elf, project.qemu!, { timeoutMs: 60_000 });
          return { c, board: name, plan, golden, float, q, run, size: measureFirmware(elf, project.layouts.qemu!) };
        });
      }
    });
    outcomes.push(...(await pool(jobs, 2)));
    for (const o of outcomes)
      console.log(
        `${o.board.padEnd(10)} ${o.c.label}: ${o.run.outcome}, ${o.run.instructions.total} instructions (${(o.run.instructions.total / o.plan.macs).toFixed(2)}/MAC), ` +
          `flash ${o.size.flashBytes} B vs ${o.plan.flash.total} planned, SRAM ${o.size.staticSramBytes + (o.run.stackBytes ?? 0)} B vs ${o.plan.sram.total}, stack ${o.run.stackBytes} B`,
      );
  }, 900_000);

  it('covers wid 0, 1 and 2, layer-by-layer and patched plans', () => {
    expect(new Set(cases.map((c) => c.arch.wid))).toEqual(new Set([0, 1, 2]));
    expect(outcomes.filter((o) => o.plan.patch !== null).length).toBeGreaterThanOrEqual(16);
    expect(outcomes.filter((o) => o.plan.patch === null).length).toBeGreaterThanOrEqual(16);
  });

  it('every firmware passes and prints the golden bytes, on Cortex-M7 and Cortex-M4', () => {
    const bad = outcomes.filter((o) => !o.run.pass || Buffer.compare(Buffer.from(o.run.output), Buffer.from(o.golden.buffer)) !== 0);
    expect(bad.map((o) => `${o.board} ${o.c.label}: ${o.run.outcome}`)).toEqual([]);
    expect(outcomes).toHaveLength(40);
  });

  it('planned flash is within 2% of the linked ELF, planned SRAM within 5% of static data + measured stack', () => {
    for (const o of outcomes.filter((x) => x.board !== 'mps2-an386')) {
      const sram = o.size.staticSramBytes + (o.run.stackBytes ?? Number.NaN);
      expect(Math.abs(o.plan.flash.total - o.size.flashBytes) / o.size.flashBytes, `${o.c.label} flash`).toBeLessThanOrEqual(0.02);
      expect(Math.abs(o.plan.sram.total - sram) / sram, `${o.c.label} SRAM`).toBeLessThanOrEqual(0.05);
      // The arena in the ELF is the planner's arena, byte for byte.
      expect(o.size.sram.regionBuffers, o.c.label).toBe(o.plan.sram.arena);
    }
  });

  it('the int8 output agrees with the float interpreter: same top-1, cosine >= 0.99', () => {
    const rows = outcomes
      .filter((x) => x.board !== 'mps2-an386')
      .map((o) => ({ label: o.c.label, ...agreement(o.float, dequantizeOutput(o.q, o.golden)) }));
    console.log(rows.map((r) => `${r.label}: cosine ${r.cosine.toFixed(4)} top-1 ${r.top1Match}`).join('\n'));
    expect(rows.filter((r) => r.cosine < 0.99 || !r.top1Match).map((r) => `${r.label}: cosine ${r.cosine.toFixed(4)}, top-1 ${r.top1Match}`)).toEqual([]);
  });
});
