// The own predictor format: exact round trip, validated on load with errors naming file and field.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { loadWeights } from '../../src/predict/load-model.ts';
import { loadTorchPredictor } from '../../src/predict/torch-checkpoint.ts';
import { loadPredictorFile, predictorToJson, savePredictorFile } from '../../src/predict/predictor-file.ts';
import { sharedPath } from '../helpers/shared.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcu-nas-pred-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const pth = sharedPath('data', 'mcunet-acc-predictor-untrained', 'OFAMCUNets_acc_predictor.pth');
const lab = loadTorchPredictor(fs.readFileSync(pth), pth);

describe('predictor file', () => {
  it('round-trips every weight bit for bit, and the training record', () => {
    const file = path.join(tmp, 'p.json');
    savePredictorFile(file, lab, { seed: 3 });
    const back = loadPredictorFile(file);
    expect(back.activation).toBe('relu');
    expect(back.baseAcc).toBe(lab.baseAcc);
    expect(back.training).toEqual({ seed: 3 });
    back.layers.forEach((l, i) => {
      expect(Buffer.from(l.weight.buffer).equals(Buffer.from(lab.layers[i].weight.buffer))).toBe(true);
      expect(l.bias === null).toBe(lab.layers[i].bias === null);
      if (l.bias) expect(Buffer.from(l.bias.buffer).equals(Buffer.from(lab.layers[i].bias!.buffer))).toBe(true);
    });
    // loadWeights tells the formats apart by content.
    expect(loadWeights(file).layers[1].weight).toEqual(lab.layers[1].weight);
  });

  it('names the field at fault', () => {
    const base = predictorToJson(lab);
    const cases: [unknown, RegExp][] = [
      [{ ...base, format: 'something' }, /q\.json: not an mcu-nas accuracy predictor/],
      [{ ...base, baseAcc: 'x' }, /q\.json: field "baseAcc"/],
      [{ ...base, layers: [{ ...base.layers[0], weight: 'AAAA' }, ...base.layers.slice(1)] }, /q\.json: field "layers\[0\]\.weight": holds 3 bytes, expected 204800/],
      [{ ...base, layers: [{ ...base.layers[0], bias: '!!' }, ...base.layers.slice(1)] }, /q\.json: field "layers\[0\]\.bias"/],
      [{ ...base, layers: base.layers.slice(1) }, /q\.json: layer 0 takes 400 inputs, but the previous width is 128/],
    ];
    for (const [value, re] of cases) {
      const file = path.join(tmp, 'q.json');
      fs.writeFileSync(file, JSON.stringify(value));
      expect(() => loadWeights(file)).toThrow(InputError);
      expect(() => loadWeights(file)).toThrow(re);
    }
  });
});
