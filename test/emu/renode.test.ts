// Renode is not packaged here; this runs only where renode-test is on PATH and is reported as skipped
// otherwise (never counted as passed).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { buildFirmware, findRenodeTest, haveBuildAndQemu, runRenode } from '../../src/emu/index.ts';
import { writeToyProject } from './toy-model.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-renode-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

it.skipIf(!findRenodeTest() || !haveBuildAndQemu())('the board link of stm32f746 passes on Renode (robot file, UART pass string)', async () => {
  const project = writeToyProject(path.join(tmp, 'f746'), loadBoard('stm32f746'));
  await buildFirmware(project);
  const r = await runRenode(project, { timeoutMs: 180_000 });
  expect(r.pass, r.log).toBe(true);
});
