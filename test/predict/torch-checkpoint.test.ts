// The lab's own checkpoints load in both key layouts and reproduce their test vectors; damaged or
// foreign files are refused with an InputError that names the file.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { loadPredictor } from '../../src/predict/load-model.ts';
import { forwardReference } from '../../src/predict/mlp.ts';
import { detectLayout, loadTorchPredictor } from '../../src/predict/torch-checkpoint.ts';
import { unpickleStateDict } from '../../src/predict/torch-pickle.ts';
import { parseArchConfig } from '../../src/space/config.ts';
import { encodeIndices } from '../../src/space/encode.ts';
import { sharedPath } from '../helpers/shared.ts';

interface Vector {
  arch?: unknown;
  feature_one_indices: number[];
  predicted: number;
}

const CASES = [
  { dir: 'mcunet-acc-predictor', layout: 'linear', activation: 'none', layers: 4 },
  { dir: 'mcunet-acc-predictor-untrained', layout: 'intended', activation: 'relu', layers: 4 },
] as const;

for (const c of CASES) {
  describe(c.dir, () => {
    const pth = sharedPath('data', c.dir, 'OFAMCUNets_acc_predictor.pth');
    const vectors = (JSON.parse(fs.readFileSync(sharedPath('data', c.dir, 'test_vectors.json'), 'utf8')) as { vectors: Vector[] }).vectors;

    it(`is read as the ${c.layout} layout`, () => {
      const w = loadTorchPredictor(fs.readFileSync(pth), pth);
      expect(w.layout).toBe(c.layout);
      expect(w.activation).toBe(c.activation);
      expect(w.layers.map((l) => [l.out, l.in])).toEqual([[400, 128], [400, 400], [400, 400], [1, 400]]);
      expect(w.layers.map((l) => l.bias !== null)).toEqual(c.layout === 'intended' ? [true, true, true, false] : [false, false, false, false]);
    });

    it('reproduces every test vector to 1e-5 (fast path and reference)', () => {
      const p = loadPredictor(pth);
      expect(vectors.length).toBeGreaterThanOrEqual(13);
      for (const v of vectors) {
        const x = new Float64Array(128);
        for (const i of v.feature_one_indices) x[i] = 1;
        expect(Math.abs(forwardReference(p.weights, x) - v.predicted)).toBeLessThan(1e-5);
        if (v.arch) {
          const arch = parseArchConfig(v.arch, 'test vector');
          expect(encodeIndices(arch)).toEqual(v.feature_one_indices);
          expect(Math.abs(p.predict(arch) - v.predicted)).toBeLessThan(1e-5);
        }
      }
    });
  });
}

describe('key layout detection', () => {
  it('tells the lab MLP from the linear variant', () => {
    expect(detectLayout(['base_acc', 'layers.0.weight', 'layers.1.weight', 'layers.2.weight', 'layers.3.weight'], 'f').layout).toBe('linear');
    const intended = ['base_acc', 'layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias', 'layers.4.weight', 'layers.4.bias', 'layers.6.weight'];
    expect(detectLayout(intended, 'f')).toEqual({ layout: 'intended', indices: [0, 2, 4, 6] });
  });

  it('refuses unknown keys and mixed layouts, naming the file', () => {
    expect(() => detectLayout(['base_acc', 'layers.0.weight', 'layers.1.weight', 'head.weight'], 'p.pth')).toThrow(/p\.pth: unknown state dict key "head\.weight"/);
    expect(() => detectLayout(['base_acc', 'layers.0.weight', 'layers.0.bias', 'layers.1.weight'], 'p.pth')).toThrow(/p\.pth: unknown state dict layout/);
    expect(() => detectLayout(['layers.0.weight', 'layers.1.weight'], 'p.pth')).toThrow(/no base_acc/);
  });
});

describe('damaged and hostile checkpoints', () => {
  const pth = sharedPath('data', 'mcunet-acc-predictor-untrained', 'OFAMCUNets_acc_predictor.pth');
  const bytes = fs.readFileSync(pth);

  it('a truncated file throws InputError naming it', () => {
    for (const cut of [0, 10, 1000, bytes.length >> 1, bytes.length - 30, bytes.length - 1]) {
      const f = () => loadTorchPredictor(bytes.subarray(0, cut), 'cut.pth');
      expect(f).toThrow(InputError);
      expect(f).toThrow(/^cut\.pth: /);
    }
  });

  it('a storage of the wrong size is reported with its tensor', () => {
    // Shrink the recorded size of storage "1" (layers.0.weight, 51200 floats) inside data.pkl: the pickle
    // says 51200 (BININT2 0xC800); rewrite it to 51199 so it no longer matches the data file.
    const copy = Buffer.from(bytes);
    const at = copy.indexOf(Buffer.from([0x4d, 0x00, 0xc8])); // BININT2 51200
    expect(at).toBeGreaterThan(0);
    copy[at + 1] = 0xff;
    copy[at + 2] = 0xc7;
    expect(() => loadTorchPredictor(copy, 'bad.pth')).toThrow(
      'bad.pth: tensor "layers.0.weight": storage data/1 has 204800 bytes, expected 204796 (truncated?)',
    );
  });

  it('the unpickler never resolves a global outside the whitelist', () => {
    const evil = Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.from('cos\nsystem\n'), Buffer.from('X\x02\x00\x00\x00lsR.', 'latin1')]);
    expect(() => unpickleStateDict(evil, 'evil.pkl')).toThrow(/evil\.pkl: pickle refers to os\.system, which is not allowed/);
  });

  it('an unknown opcode or a truncated pickle is an InputError, not a crash', () => {
    expect(() => unpickleStateDict(Buffer.from([0x80, 0x02, 0xff]), 'x.pkl')).toThrow(/unsupported pickle opcode 0xff/);
    expect(() => unpickleStateDict(Buffer.from([0x80, 0x02, 0x58, 0xff, 0xff, 0xff, 0x7f]), 'x.pkl')).toThrow(/truncated/);
    expect(() => unpickleStateDict(Buffer.from([0x80, 0x02, 0x7d]), 'x.pkl')).toThrow(/truncated/);
  });

  it('a file that is not a checkpoint names what it is not', () => {
    expect(() => loadTorchPredictor(Buffer.from('hello world'), 'h.pth')).toThrow(/h\.pth: not a PyTorch checkpoint/);
  });
});
