// The generated C project, byte for byte: every file `compile --no-build` writes for a spread of real
// models, frontends, boards, kernel backends and plans, pinned by its SHA-256. A refactor that claims
// "behaviour unchanged" proves it here; a deliberate change of the generated code updates the snapshot
// (`npx vitest run test/codegen/project-snapshot.test.ts -u`) and says why in its commit.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cmsisSourcesFor } from '../../src/codegen/kernels.ts';
import { runInProcess } from '../helpers/run-in-process.ts';
import { SHARED, sharedPath } from '../helpers/shared.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-snapshot-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// --kernels cmsis-nn copies the library's files into the project: a stand-in checkout of empty files keeps
// the snapshot independent of which CMSIS-NN version a machine has (the generated glue is what is pinned).
const cmsis = path.join(tmp, 'cmsis-nn');
for (const f of ['Include/arm_nnfunctions.h', ...cmsisSourcesFor(['conv', 'pointwise', 'depthwise', 'fully_connected', 'add', 'mul', 'pool', 'global_avg_pool', 'pad']).map((s) => `Source/${s}`)]) {
  fs.mkdirSync(path.dirname(path.join(cmsis, f)), { recursive: true });
  fs.writeFileSync(path.join(cmsis, f), '');
}
const arch = path.join(tmp, 'arch.json');
fs.writeFileSync(arch, JSON.stringify({ wid: 0, ks: [3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5], e: [3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4, 6, 3, 4], d: [1, 2, 0, 1, 2, 0], image_size: 96 }));

const CASES: Record<string, string[]> = {
  'onnx mnist8, test data, stm32f746': [sharedPath('data/onnx-mnist8/model.onnx'), '--test-data', sharedPath('data/onnx-mnist8/test_data_set_0')],
  'onnx mcunet w0.5 r96, stm32f411': [sharedPath('data/onnx-mcunet-subnets/mcunet-w050-smallest-r96.onnx'), '--test-data', sharedPath('data/onnx-mcunet-subnets/mcunet-w050-smallest-r96.test'), '--board', 'stm32f411'],
  'onnx atmega mnist, random calibration, nrf52840': [sharedPath('data/onnx-atmega-mnist/mnist.simplified.onnx'), '--calibration', 'random', '--board', 'nrf52840'],
  'tflite MLPerf VWW int8, stm32f746': [sharedPath('data/tflite-mlcommons-vww/vww_96_int8.tflite')],
  'tflite MLPerf VWW float, calibrated, stm32h743': [sharedPath('data/tflite-mlcommons-vww/vww_96_float.tflite'), '--calibration', 'random', '--board', 'stm32h743'],
  'tflite MCUNet vww1, min-sram patches, stm32f746 nucleo': [sharedPath('data/tflite-mcunet-vww/vww.tflite'), '--patch', 'min-sram', '--variant', 'nucleo'],
  'tflite MLPerf IC, nucleo-l4r5zi': [sharedPath('data/tflite-mlperf-tiny/pretrainedResnet_quant.tflite'), '--board', 'nucleo-l4r5zi'],
  'tflite MLPerf AD, cmsis-nn kernels': [sharedPath('data/tflite-mlperf-tiny/ad01_int8.tflite'), '--kernels', 'cmsis-nn', '--cmsis-nn', cmsis],
  'arch config, seeded, rp2040': [arch, '--board', 'rp2040', '--seed', '7'],
  'arch config, seeded, stm32f412, no test sets': [arch, '--board', 'stm32f412', '--test-sets', '0'],
};

// report.json names the input file by its absolute path: the shared folder and this run's temp folder sit
// elsewhere on CI's machine, so both become placeholders before hashing (the rest is pinned byte for byte).
function machineFree(bytes: Buffer): Buffer {
  const text = bytes.toString('latin1');
  if (!text.includes(SHARED) && !text.includes(tmp)) return bytes;
  return Buffer.from(text.split(SHARED).join('<shared>').split(tmp).join('<tmp>'), 'latin1');
}

function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = crypto.createHash('sha256').update(machineFree(fs.readFileSync(p))).digest('hex').slice(0, 16);
    }
  };
  walk(dir);
  return out;
}

describe('compile --no-build writes the same C project, byte for byte', () => {
  for (const [name, args] of Object.entries(CASES)) {
    it(name, async () => {
      const out = path.join(tmp, name.replace(/\W+/g, '-'));
      const r = await runInProcess(['compile', ...args, '--no-build', '--quiet', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(hashes(out)).toMatchSnapshot();
    }, 120_000);
  }
});
