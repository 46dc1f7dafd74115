// mcu-nas ci: the generated GitHub Actions and GitLab CI files parse as YAML, have the keys their CI
// systems need, a job matrix that is exactly the boards asked for (and the Renode matrix exactly those
// whose chip Renode models), keep the ELF and the reports as artifacts, never replace a user's own
// workflow without --force, and their build + QEMU commands run here as written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { renodeSupport } from '../../src/codegen/firmware.ts';
import { findRenodeTest, haveBuildAndQemu } from '../../src/emu/index.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { REPO, sharedPath } from '../helpers/shared.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-ci-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const BOARDS = ['stm32f746', 'stm32f412', 'mps2-an386'];
// Independently of the generator: which of them Renode models (platform in the board file, a console UART).
const RENODE = BOARDS.filter((b) => renodeSupport(loadBoard(b)).ok);

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
}

async function generate(dir: string, extra: string[]) {
  fs.mkdirSync(dir, { recursive: true });
  return runInProcess(['ci', 'model.onnx', '--calibration', 'calib', '--boards', BOARDS.join(','), ...extra], { cwd: dir });
}

describe('GitHub Actions workflow', () => {
  const dir = path.join(tmp, 'gh');
  const file = path.join(dir, '.github/workflows/mcu-nas.yml');
  let wf: { name: string; on: Record<string, unknown>; jobs: Record<string, { 'runs-on': string; container: unknown; needs?: string; strategy: { matrix: { board: string[] } }; steps: Step[] }> };

  it('parses, with the keys GitHub needs and a matrix of exactly the boards', async () => {
    const r = await generate(dir, ['--out', '.github/workflows/mcu-nas.yml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote .github/workflows/mcu-nas.yml (GitHub Actions): 3 board(s) built and checked in QEMU, ${RENODE.length} tested on Renode`);
    expect(r.stdout).toContain('mps2-an386: no Renode test (an emulator target, run by QEMU; Renode ships no model of it)');
    wf = parse(fs.readFileSync(file, 'utf8'));
    expect(Object.keys(wf)).toEqual(['name', 'on', 'jobs']);
    expect(Object.keys(wf.on)).toEqual(['push', 'pull_request', 'workflow_dispatch']);
    const { firmware, renode } = wf.jobs;
    expect(firmware['runs-on']).toBe('ubuntu-24.04');
    expect(firmware.container).toBe('node:20-bookworm');
    expect(firmware.strategy.matrix.board).toEqual(BOARDS);
    expect(RENODE).toEqual(['stm32f746', 'stm32f412']);
    expect(renode.strategy.matrix.board).toEqual(RENODE);
    expect(renode.needs).toBe('firmware');
    expect(renode.container).toEqual({ image: 'antmicro/renode:1.16.1', options: '--user root' });
    for (const job of [firmware, renode]) for (const s of job.steps) expect(Boolean(s.uses) !== Boolean(s.run), JSON.stringify(s)).toBe(true);
  });

  it('builds with Debian packages, checks in QEMU, runs renode-test and keeps ELF and reports', () => {
    const { firmware, renode } = wf.jobs;
    const runs = firmware.steps.flatMap((s) => (s.run ? [s.run] : []));
    expect(runs[0]).toMatch(/^apt-get update && .*apt-get install -y --no-install-recommends gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm/);
    expect(runs).toContain('npx mcu-nas compile model.onnx --calibration calib --board ${{ matrix.board }} --out build/${{ matrix.board }}');
    expect(runs).toContain('npx mcu-nas run build/${{ matrix.board }} --json > build/run-${{ matrix.board }}.json');
    const upload = firmware.steps.find((s) => s.uses === 'actions/upload-artifact@v4')!;
    expect(upload.if).toBe('always()');
    expect(upload.with!.name).toBe('firmware-${{ matrix.board }}');
    expect(upload.with!.path.trim().split('\n')).toEqual(['build/${{ matrix.board }}', 'build/run-${{ matrix.board }}.json']);
    const download = renode.steps.find((s) => s.uses === 'actions/download-artifact@v4')!;
    // The artifact's root is build/ (the common folder of its two paths).
    expect(download.with).toEqual({ name: 'firmware-${{ matrix.board }}', path: 'build' });
    expect(renode.steps.find((s) => s.run)!.run).toBe('renode-test build/${{ matrix.board }}/firmware.robot --results-dir renode-results/${{ matrix.board }}');
    const kept = renode.steps.find((s) => s.uses === 'actions/upload-artifact@v4')!;
    expect(kept.with!.path.trim().split('\n')).toEqual(['renode-results/${{ matrix.board }}', 'build/${{ matrix.board }}/firmware.elf']);
  });

  it("replaces its own file, never a user's workflow without --force", async () => {
    expect((await generate(dir, ['--out', '.github/workflows/mcu-nas.yml'])).code).toBe(0);
    const mine = path.join(dir, '.github/workflows/release.yml');
    fs.writeFileSync(mine, 'name: release\n');
    const r = await generate(dir, ['--out', '.github/workflows/release.yml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: --out: .github/workflows/release.yml exists and was not written by mcu-nas; give --force to replace it\n");
    expect(fs.readFileSync(mine, 'utf8')).toBe('name: release\n');
    expect((await generate(dir, ['--out', '.github/workflows/release.yml', '--force'])).code).toBe(0);
    expect(fs.readFileSync(mine, 'utf8')).toMatch(/^# \.github\/workflows\/release\.yml: generated by `mcu-nas ci/);
  });

  it('refuses unknown boards, repeated boards and a model path that is not a plain path (exit 2)', async () => {
    const err = async (words: string[]) => (await runInProcess(words, { cwd: dir })).stderr;
    expect(await err(['ci', '--boards', 'stm32f746,nosuch', '--out', 'x.yml'])).toMatch(/^error: .*nosuch/);
    expect(await err(['ci', '--boards', 'stm32f746,stm32f746', '--out', 'x.yml'])).toBe('error: --boards: stm32f746 given twice\n');
    expect(await err(['ci', 'm.onnx;rm -rf', '--boards', 'stm32f746', '--out', 'x.yml'])).toMatch(/^error: ci: the model path "m.onnx;rm -rf" must be a relative path/);
    expect(await err(['ci', '--out', 'x.yml'])).toMatch(/^error: --boards: required/);
    expect(fs.existsSync(path.join(dir, 'x.yml'))).toBe(false);
  });

  // The toolchain and npm steps install what this machine already has; the rest run as written, with
  // `npx mcu-nas` meaning this checkout's bin.
  it.skipIf(!haveBuildAndQemu())("the firmware job's build and QEMU commands pass here for stm32f746", async () => {
    const work = path.join(tmp, 'gh-run');
    fs.mkdirSync(work);
    fs.copyFileSync(sharedPath('data/onnx-mnist8/model.onnx'), path.join(work, 'model.onnx'));
    fs.cpSync(sharedPath('data/onnx-mnist8'), path.join(work, 'calib'), { recursive: true });
    const commands = wf.jobs.firmware.steps
      .flatMap((s) => (s.run ? [s.run] : []))
      .filter((c) => !c.startsWith('apt-get') && c !== 'npm ci')
      .map((c) => c.replaceAll('${{ matrix.board }}', 'stm32f746').replaceAll('npx mcu-nas', `node ${path.join(REPO, 'bin/mcu-nas.js')}`));
    expect(commands).toHaveLength(2);
    for (const c of commands) {
      const r = await execa('bash', ['-e', '-c', c], { cwd: work, reject: false, all: true });
      expect(r.exitCode, `${c}\n${r.all}`).toBe(0);
    }
    const run = JSON.parse(fs.readFileSync(path.join(work, 'build/run-stm32f746.json'), 'utf8'));
    expect(run).toMatchObject({ ok: true, outputsMatch: true, board: 'stm32f746' });
    // What the upload step keeps, and what the Renode job then needs.
    for (const f of ['firmware.elf', 'firmware.robot', 'firmware.resc', 'vectors.bin']) expect(fs.existsSync(path.join(work, 'build/stm32f746', f)), f).toBe(true);
  }, 300_000);

  it.skipIf(!findRenodeTest())("the Renode job's command passes where renode-test is installed", async () => {
    const work = path.join(tmp, 'gh-run');
    const c = wf.jobs.renode.steps.find((s) => s.run)!.run!.replaceAll('${{ matrix.board }}', 'stm32f746');
    const r = await execa('bash', ['-e', '-c', c], { cwd: work, reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
  }, 300_000);
});

describe('GitLab CI file', () => {
  it('parses, with stages, a parallel matrix of exactly the boards, the Renode image and artifacts', async () => {
    const dir = path.join(tmp, 'gl');
    const r = await generate(dir, ['--gitlab', '--out', '.gitlab-ci.yml']);
    expect(r.code, r.stderr).toBe(0);
    const ci = parse(fs.readFileSync(path.join(dir, '.gitlab-ci.yml'), 'utf8'));
    expect(Object.keys(ci)).toEqual(['stages', 'firmware', 'renode']);
    expect(ci.stages).toEqual(['firmware', 'renode']);
    expect(ci.firmware.stage).toBe('firmware');
    expect(ci.firmware.image).toBe('node:20-bookworm');
    expect(ci.firmware.parallel.matrix).toEqual([{ BOARD: BOARDS }]);
    expect(ci.firmware.script.slice(1)).toEqual(['npm ci', 'npx mcu-nas compile model.onnx --calibration calib --board "$BOARD" --out "build/$BOARD"', 'npx mcu-nas run "build/$BOARD" --json > "build/run-$BOARD.json"']);
    expect(ci.firmware.artifacts).toEqual({ when: 'always', paths: ['build/$BOARD', 'build/run-$BOARD.json'] });
    expect(ci.renode.image).toBe('antmicro/renode:1.16.1');
    expect(ci.renode.parallel.matrix).toEqual([{ BOARD: RENODE }]);
    expect(ci.renode.needs).toEqual(['firmware']);
    expect(ci.renode.script).toEqual(['renode-test "build/$BOARD/firmware.robot" --results-dir "renode-results/$BOARD"']);
    expect(ci.renode.artifacts.paths).toEqual(['renode-results/$BOARD', 'build/$BOARD/firmware.elf']);
  });

  it('has no Renode job when no board has a Renode platform', async () => {
    const dir = path.join(tmp, 'gl2');
    fs.mkdirSync(dir);
    const r = await runInProcess(['ci', '--boards', 'mps2-an386', '--gitlab', '--out', '.gitlab-ci.yml'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(parse(fs.readFileSync(path.join(dir, '.gitlab-ci.yml'), 'utf8')))).toEqual(['stages', 'firmware']);
  });
});
