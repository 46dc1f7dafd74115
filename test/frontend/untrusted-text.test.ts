// Text from a model file or from onnxruntime reaches the terminal only through printable(): no escape
// sequence, no second line (a forged `error:`), no invisible reordering.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, printable, show } from '../../src/errors.ts';
import { importOnnx } from '../../src/frontend/onnx/index.ts';
import { importTflite } from '../../src/frontend/tflite/index.ts';
import { openOnnx } from '../../src/oracle/onnxruntime.ts';
import { calibrate, quantize } from '../../src/quant/index.ts';
import { runCliAsync } from '../helpers/run-cli.ts';
import { REPO, sharedPath } from '../helpers/shared.ts';
import { buildModel, ints, values } from './onnx-model-builder.ts';

const FORGED = '\x1b[31mX\nerror: forged line';

describe('printable', () => {
  it('removes escape sequences and folds line breaks into one line', () => {
    expect(printable(FORGED)).toBe('X error: forged line');
    expect(printable('a\r\n\r\nb\tc')).toBe('a b c');
    // OSC (set the window title) ended by BEL or ST, and an 8-bit CSI.
    expect(printable('\x1b]0;pwned\x07ok\x1b]2;t\x1b\\!')).toBe('ok!');
    expect(printable('\u009b2Jclear')).toBe('clear');
  });

  it('shows any other control character as an escape, and keeps ordinary text', () => {
    expect(printable('a\u0000b\u007fc\u0085d')).toBe('a\\u0000b\\u007fc d');
    expect(printable('x\u202eevil')).toBe('x\\u202eevil');
    expect(printable('ünïcödé ✓ 𝄞 "quoted" \\ back')).toBe('ünïcödé ✓ 𝄞 "quoted" \\ back');
  });

  it('leaves no control character whatever the input', () => {
    let x = 7;
    for (let k = 0; k < 200; k++) {
      let s = '';
      for (let j = 0; j < 40; j++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        s += String.fromCharCode(x % 3 === 0 ? (x >>> 8) % 0xa0 : x % 3 === 1 ? 0x1b : 0x20 + ((x >>> 8) % 0x60));
      }
      expect(printable(s)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
  });

  it('is applied by show(), so C1 controls that JSON leaves alone are escaped too', () => {
    expect(show('a\u0090b')).toBe('"a\\u0090b"');
    expect(show(FORGED)).not.toMatch(/[\u001b\n]/);
  });

  it('an InputError message built with it is one line', () => {
    const e = new InputError(`model.onnx: node ${printable(FORGED)} is not supported`);
    expect(`error: ${e.message}\n`.match(/error:/g)?.length).toBe(2); // the forged text stays inside the one line
    expect(`error: ${e.message}\n`.split('\n')).toHaveLength(2);
  });
});

/** What a terminal would act on (a line break, an escape): none of it may come from the model. Escaped text ("\\u001b") is fine. */
function expectOneCleanLine(message: string): void {
  expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
}

// A Reshape to a shape the input cannot take: our importer refuses it, onnxruntime loads it and fails at run time.
const badReshape = (name: string) =>
  buildModel({
    inputs: [{ name: 'x', dims: [1, 2] }],
    outputs: ['y'],
    nodes: [{ op: 'Reshape', name, inputs: ['x', 'shape'], outputs: ['y'] }],
    inits: [{ name: 'shape', dims: [1], data: [3], int64: true }],
  });

describe('a node named with escape codes and a forged error line', () => {
  it('the ONNX importer names it on one line', () => {
    const bytes = buildModel({ inputs: [{ name: 'x', dims: [1, 4] }], outputs: ['y'], nodes: [{ op: 'Erf', name: FORGED, inputs: ['x'], outputs: ['y'] }] });
    expect(() => importOnnx(bytes, { source: 'evil.onnx' })).toThrow(InputError);
    try {
      importOnnx(bytes, { source: 'evil.onnx' });
    } catch (e) {
      expect((e as Error).message).toMatch(/^evil\.onnx: node #0 ".*X.*error: forged line" \(op Erf\) is not supported/);
      expectOneCleanLine((e as Error).message);
    }
  });

  it('quantize() names the op on one line (its op names are the model\'s)', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', dims: [1, 1, 4, 4] }],
      outputs: ['y'],
      nodes: [
        { op: 'Conv', name: FORGED, inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: ints([1, 1]) } },
        { op: 'Relu', inputs: ['c'], outputs: ['y'] },
      ],
      // Channel 1's weight is huge and negative: the ReLU zeroes it, so the output scale stays small and its multiplier overflows.
      inits: [{ name: 'w', dims: [2, 1, 1, 1], data: [1, -1e38] }],
    });
    const g = importOnnx(bytes, { source: 'evil.onnx' }).graph;
    const x = values(16, 5).map(Math.abs);
    let message = '';
    try {
      quantize(g, calibrate(g, [x], { source: 'evil.onnx' }), { source: 'evil.onnx' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^evil\.onnx: op #0 ".*forged line" \(conv2d\): scale out of range/);
    expectOneCleanLine(message);
  });

  it('onnxruntime\'s message is wrapped on one line, and onnxruntime prints nothing of its own', async () => {
    const session = await openOnnx(badReshape(FORGED), { source: 'evil.onnx' });
    let message = '';
    try {
      await session.run([{ dims: [1, 2], data: new Float32Array(2) }]);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      message = (e as Error).message;
    } finally {
      await session.close();
    }
    expect(message).toMatch(/^evil\.onnx: onnxruntime failed to run the model \(.*X error: forged line/);
    expectOneCleanLine(message);

    // onnxruntime's own logger writes to the process's stderr (natively): watch it from a child process.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-ort-log-'));
    try {
      fs.writeFileSync(path.join(dir, 'evil.onnx'), badReshape(FORGED));
      const script = `import { openOnnx } from ${JSON.stringify(path.join(REPO, 'src/oracle/onnxruntime.ts'))};
        const s = await openOnnx(${JSON.stringify(path.join(dir, 'evil.onnx'))});
        try { await s.run([{ dims: [1, 2], data: new Float32Array(2) }]); } catch { process.stdout.write('refused'); }`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      await new Promise((resolve) => child.on('close', resolve));
      expect(stdout).toBe('refused');
      expect(stderr).not.toContain('forged line');
      expect(stderr).not.toContain('\u001b');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('the TFLite importer keeps an error line single when a tensor name holds line breaks', () => {
    const bytes = new Uint8Array(fs.readFileSync(sharedPath('data/tflite-mlcommons-vww/vww_96_int8.tflite')));
    // Truncating the file in its structure gives an error naming it; the name check is that it never spans lines.
    for (const n of [100, 1000, 5000]) {
      try {
        importTflite(bytes.subarray(0, n), 'evil\n\u001b[31m.tflite');
      } catch (e) {
        expectOneCleanLine(printable((e as Error).message));
      }
    }
  });

  it('the command line prints one error line for it (exit 2)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-evil-'));
    try {
      const file = path.join(dir, 'evil.onnx');
      fs.writeFileSync(file, buildModel({ inputs: [{ name: 'x', dims: [1, 4] }], outputs: ['y'], nodes: [{ op: 'Erf', name: FORGED, inputs: ['x'], outputs: ['y'] }] }));
      const r = await runCliAsync(['compile', file, '--board', 'stm32f746', '--calibration', 'random', '--no-build', '--out', path.join(dir, 'out')], { timeoutMs: 60_000 });
      expect(r.code).toBe(2);
      const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('npm warn'));
      expect(lines.filter((l) => l.startsWith('error:'))).toHaveLength(1);
      expect(lines.some((l) => /^error: forged/.test(l))).toBe(false);
      expect(r.stderr).not.toContain('\u001b');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
