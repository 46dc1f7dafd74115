// --kernels cmsis-nn against a user's CMSIS-NN checkout (CMSIS_NN_ROOT): the same models, generated with
// the CMSIS-NN calls of templates/model/cmsis-nn/, built with the CMSIS-NN sources they need, run in QEMU
// on Cortex-M7 (stm32f746's emulator link on mps2-an500, or mps2-an500 itself when the weights exceed
// 1 MB) and Cortex-M4 (mps2-an386): the firmware's output bytes must equal the TypeScript int8
// interpreter's and the own kernels' firmware's, layer by layer and patch by patch. Skipped (and reported
// as skipped, never as passed) without a checkout: CMSIS-NN is in no registry reachable here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { cmsisNnRoot, modelProject } from '../../src/codegen/index.ts';
import { findArmToolchain, gccArguments, haveBuildAndQemu, measureFirmware, runQemu, writeProject, type FirmwareSize, type RunResult } from '../../src/emu/index.ts';
import { archSource } from '../../src/pipeline/model-source.ts';
import { planFor } from '../../src/pipeline/prepare.ts';
import { calibrate, quantize, quantizeInput, runInt8 } from '../../src/quant/index.ts';
import type { KernelBackend, Plan } from '../../src/schedule/index.ts';
import { smallestArch } from '../../src/space/sample.ts';
import { runCliAsync } from '../helpers/run-cli.ts';
import { subnetCases, type SubnetCase } from './subnets.ts';
import { pool } from '../helpers/pool.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-cmsis-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const enabled = !!process.env.CMSIS_NN_ROOT && haveBuildAndQemu();

interface Outcome {
  c: SubnetCase;
  board: string;
  backend: KernelBackend;
  plan: Plan;
  golden: Int8Array;
  run: RunResult;
  size: FirmwareSize;
}


const same = (a: Uint8Array, b: Int8Array | Uint8Array) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

describe.skipIf(!enabled)('--kernels cmsis-nn (CMSIS_NN_ROOT set): random subnets bit-exact in QEMU, equal to the own kernels', () => {
  // Four of the seeded subnets of subnets-qemu.test.ts: wid 0, 1, 2, layer by layer and patched.
  const cases = subnetCases(4);
  const outcomes: Outcome[] = [];

  beforeAll(async () => {
    const root = cmsisNnRoot(undefined);
    const gcc = findArmToolchain().gcc;
    const jobs: (() => Promise<Outcome>)[] = [];
    cases.forEach((c, k) => {
      const src = archSource(c.arch, { seed: k, calibrationSamples: 6, testSets: 1 });
      const q = quantize(src.graph, calibrate(src.graph, src.calibration));
      const input = quantizeInput(q, src.tests[0].input);
      const golden = runInt8(q, input).outputs[0];
      const builds: [string, KernelBackend][] = [
        [c.m7, 'cmsis-nn'],
        ['mps2-an386', 'cmsis-nn'],
        [c.m7, 'own'],
      ];
      for (const [name, backend] of builds) {
        const board = loadBoard(name);
        const plan = planFor(q, board, c.patch, backend);
        const dir = path.join(tmp, `${k}-${name}-${backend}`);
        const project = writeProject(dir, modelProject({ board, q, plan, backend, cmsisRoot: backend === 'cmsis-nn' ? root : undefined, modelName: q.name, testSets: [{ input, expected: golden }] }));
        jobs.push(async () => {
          const built = await execa(gcc, gccArguments(project, 'qemu')!, { cwd: dir, reject: false, all: true });
          if (built.exitCode !== 0) throw new Error(`${c.label} on ${name} (${backend}): ${built.all}`);
          const elf = path.join(dir, project.recipe.qemu!.elf);
          const run = await runQemu(elf, project.qemu!, { timeoutMs: 60_000 });
          return { c, board: name, backend, plan, golden, run, size: measureFirmware(elf, project.layouts.qemu!) };
        });
      }
    });
    outcomes.push(...(await pool(jobs, 2)));
    for (const o of outcomes)
      console.log(
        `${o.backend.padEnd(8)} ${o.board.padEnd(10)} ${o.c.label}: ${o.run.outcome}, ${(o.run.instructions.total / o.plan.macs).toFixed(2)} instructions/MAC, ` +
          `flash ${o.size.flashBytes} B vs ${o.plan.flash.total} planned, stack ${o.run.stackBytes} B`,
      );
  }, 1_200_000);

  it('covers wid 0, 1 and 2, layer-by-layer and patched plans', () => {
    expect(new Set(cases.map((c) => c.arch.wid))).toEqual(new Set([0, 1, 2]));
    const cmsis = outcomes.filter((o) => o.backend === 'cmsis-nn');
    expect(cmsis.filter((o) => o.plan.patch !== null).length).toBeGreaterThanOrEqual(2);
    expect(cmsis.filter((o) => o.plan.patch === null).length).toBeGreaterThanOrEqual(2);
    expect(new Set(cmsis.map((o) => loadBoard(o.board).core))).toEqual(new Set(['cortex-m7', 'cortex-m4']));
  });

  it('every CMSIS-NN firmware passes and prints the golden bytes, on Cortex-M7 and Cortex-M4', () => {
    const cmsis = outcomes.filter((o) => o.backend === 'cmsis-nn');
    expect(cmsis).toHaveLength(2 * cases.length);
    expect(cmsis.filter((o) => !o.run.pass || !same(o.run.output, o.golden)).map((o) => `${o.board} ${o.c.label}: ${o.run.outcome}`)).toEqual([]);
  });

  it('the CMSIS-NN firmware prints the same bytes as the own kernels firmware', () => {
    for (const o of outcomes.filter((x) => x.backend === 'own')) {
      const twin = outcomes.find((x) => x.backend === 'cmsis-nn' && x.board === o.board && x.c === o.c)!;
      expect(o.run.pass, o.c.label).toBe(true);
      expect(same(twin.run.output, o.run.output), o.c.label).toBe(true);
    }
  });

  it('the arena in the ELF is the planned one; planned flash is within 2% of the ELF', () => {
    for (const o of outcomes.filter((x) => x.backend === 'cmsis-nn')) {
      expect(o.size.sram.regionBuffers, o.c.label).toBe(o.plan.sram.arena);
      expect(Math.abs(o.plan.flash.total - o.size.flashBytes) / o.size.flashBytes, `${o.board} ${o.c.label} flash`).toBeLessThanOrEqual(0.02);
    }
  });

  it('the command line: compile --kernels cmsis-nn builds, and run passes', async () => {
    const arch = path.join(tmp, 'small.json');
    fs.writeFileSync(arch, JSON.stringify(smallestArch(96)));
    const out = path.join(tmp, 'cli');
    const c = await runCliAsync(['compile', arch, '--board', 'stm32f746', '--kernels', 'cmsis-nn', '--out', out, '--json', '--calibration-samples', '2'], { timeoutMs: 300_000 });
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ ok: true, kernels: 'cmsis-nn', status: 'built' });
    const r = await runCliAsync(['run', out, '--json'], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, outputsMatch: true, kernels: 'cmsis-nn' });
  }, 420_000);
});
