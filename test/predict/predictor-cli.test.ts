// `mcu-nas predictor train|eval` as a user runs them: JSON on stdout, exit 2 with one error line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliAsync as runCli } from '../helpers/run-cli.ts';
import { sharedPath } from '../helpers/shared.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcu-nas-pcli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const data = path.join(tmp, 'data');
fs.mkdirSync(path.join(data, 'src'), { recursive: true });
fs.copyFileSync(
  sharedPath('data', 'mcunet-acc-dataset', 'src', 'OFAMCUNets_r112_gpu0_acc_table.json.gz'),
  path.join(data, 'src', 'OFAMCUNets_r112_gpu0_acc_table.json.gz'),
);

describe('mcu-nas predictor', () => {
  it('eval --json reports {rows, mae, maxAbsError, pearson} for a lab .pth', async () => {
    const r = await runCli(['predictor', 'eval', '--data', data, '--predictor', sharedPath('data', 'mcunet-acc-predictor', 'OFAMCUNets_acc_predictor.pth'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rows).toBe(1125);
    expect(out.mae).toBeGreaterThan(0.001);
    expect(out.mae).toBeLessThan(0.004);
    expect(out.pearson).toBeGreaterThan(0.9); // one resolution only: a narrower spread than the whole set
    expect(out.maxAbsError).toBeGreaterThan(out.mae);
  });

  it('train --json writes a predictor that eval reads back', async () => {
    const out = path.join(tmp, 'p.json');
    const r = await runCli(['predictor', 'train', '--data', data, '--out', out, '--epochs', '1', '--seed', '2', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ rows: 1125, trainRows: 1000, validRows: 125, epochs: 1, seed: 2, splitSeed: 2, schedule: 'linear' });
    expect(typeof s.seconds).toBe('number');
    expect(s.validMae).toBeGreaterThan(0);
    const e = await runCli(['predictor', 'eval', '--data', data, '--predictor', out, '--json']);
    expect(e.code).toBe(0);
    expect(JSON.parse(e.stdout).rows).toBe(1125);
  });

  it('--split-seed fixes the held-out rows whatever the init seed, and is recorded in the command', async () => {
    const runs = await Promise.all(
      [3, 4].map(async (seed) => {
        const out = path.join(tmp, `s${seed}.json`);
        const r = await runCli(['predictor', 'train', '--data', data, '--out', out, '--epochs', '1', '--seed', String(seed), '--split-seed', '5', '--json']);
        expect(r.code).toBe(0);
        return { summary: JSON.parse(r.stdout), file: JSON.parse(fs.readFileSync(out, 'utf8')) };
      }),
    );
    expect(runs[0].summary.splitSeed).toBe(5);
    expect(runs[0].summary.baseAcc).toBe(runs[1].summary.baseAcc); // the same training rows
    expect(runs[0].summary.validMae).not.toBe(runs[1].summary.validMae);
    expect(runs[0].file.training.command).toMatch(/--seed 3 --split-seed 5 .*--weight-decay 0\.5 --target-scale 100 /);
  });

  it('bad training options exit 2 with one error line naming the flag', async () => {
    for (const [flag, value] of [['--weight-decay', '-1'], ['--warmup-epochs', '3'], ['--target-scale', '0'], ['--split-seed', '1.5']]) {
      const r = await runCli(['predictor', 'train', '--data', data, '--out', path.join(tmp, 'never.json'), '--epochs', '2', flag, value]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^error: ${flag}: expected .*\n$`));
      expect(fs.existsSync(path.join(tmp, 'never.json'))).toBe(false);
    }
  });

  it('bad input exits 2 with one error line naming it', async () => {
    const r = await runCli(['predictor', 'eval', '--data', path.join(tmp, 'missing'), '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: .*missing: no such dataset directory\n$/);
    const bad = path.join(tmp, 'bad.pth');
    fs.writeFileSync(bad, fs.readFileSync(sharedPath('data', 'mcunet-acc-predictor', 'OFAMCUNets_acc_predictor.pth')).subarray(0, 5000));
    const t = await runCli(['predictor', 'eval', '--data', data, '--predictor', bad]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/^error: .*bad\.pth: not a PyTorch checkpoint/);
  });
});
