// Every place that reads a user's file goes through the bounded reader. A folder given where a file
// is expected tells them apart: fs.readFileSync would fail with EISDIR, only the bounded reader says
// "not a regular file (a directory)". (A FIFO would tell them apart too, but an unrouted reader would
// then block this worker for good.)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILTIN_BOARDS_DIR, loadBoard } from '../../src/board/index.ts';
import { readFirmwareProject } from '../../src/emu/project.ts';
import { InputError } from '../../src/errors.ts';
import { importOnnxFile } from '../../src/frontend/onnx/index.ts';
import { loadSupernet } from '../../src/frontend/supernet/index.ts';
import { importTfliteFile } from '../../src/frontend/tflite/index.ts';
import { readHead, MAX_JSON_DEPTH } from '../../src/io/read-input.ts';
import { readCompiled } from '../../src/pipeline/run.ts';
import { loadWeights } from '../../src/predict/load-model.ts';
import { loadPredictorFile } from '../../src/predict/predictor-file.ts';
import { parseArchJson } from '../../src/space/config.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'entry-points-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A folder at `name` inside a fresh folder; returns the folder it is in. */
function folderNamed(name: string): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'd-'));
  fs.mkdirSync(path.join(dir, name));
  return dir;
}

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

const NOT_A_FILE = '(a directory)';

describe('each reader of a user file refuses what is not a regular file', () => {
  it.each([
    ['a board in --boards-dir', 'b.json', (d: string) => loadBoard('b', { boardsDir: d })],
    ['an ONNX model', 'm.onnx', (d: string) => importOnnxFile(path.join(d, 'm.onnx'))],
    ['a TFLite model', 'm.tflite', (d: string) => importTfliteFile(path.join(d, 'm.tflite'))],
    ['report.json of a compiled folder', 'report.json', (d: string) => readCompiled(d)],
    ['firmware.json of a firmware project', 'firmware.json', (d: string) => readFirmwareProject(d)],
    ['a predictor (JSON or .pth)', 'p.pth', (d: string) => loadWeights(path.join(d, 'p.pth'))],
    ['a predictor file', 'p.json', (d: string) => loadPredictorFile(path.join(d, 'p.json'))],
    ['a super-network checkpoint', 's.pth', (d: string) => loadSupernet(path.join(d, 's.pth'))],
  ])('%s', (_what, name, read) => {
    const dir = folderNamed(name);
    const m = messageOf(() => read(dir));
    expect(m).toContain(`${path.join(dir, name)}: not a regular file ${NOT_A_FILE}`);
  });

  it('test-vectors.json of a compiled folder', () => {
    const dir = folderNamed('test-vectors.json');
    fs.writeFileSync(path.join(dir, 'report.json'), '{"status": "built"}');
    expect(messageOf(() => readCompiled(dir))).toContain(`${path.join(dir, 'test-vectors.json')}: not a regular file ${NOT_A_FILE}`);
  });

  it('a board file that is a symlink to /dev/zero', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'zero-'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'z.json'));
    const t0 = performance.now();
    expect(messageOf(() => loadBoard('z', { boardsDir: dir }))).toBe(`${path.join(dir, 'z.json')}: not a regular file (it links to /dev/zero, a character device)`);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('a built-in board still loads through it', () => {
    expect(loadBoard('stm32f746').name).toBe('stm32f746');
    expect(fs.existsSync(path.join(BUILTIN_BOARDS_DIR, 'stm32f746.json'))).toBe(true);
  });
});

describe('nesting depth before anything walks the value', () => {
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;

  it('an arch config (profile, compile, export read it this way)', () => {
    expect(messageOf(() => parseArchJson(deep, 'deep.json'))).toBe(`deep.json: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('predictor files', () => {
    const file = path.join(tmp, 'deep-predictor.json');
    fs.writeFileSync(file, deep);
    expect(messageOf(() => loadWeights(file))).toBe(`${file}: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect(messageOf(() => loadPredictorFile(file))).toBe(`${file}: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  });
});

describe('readHead: the start of a file, to recognise it', () => {
  it('reads at most N bytes of a file of any size, and refuses a FIFO without blocking', () => {
    const file = path.join(tmp, 'head.html');
    fs.writeFileSync(file, `<meta name="generator">${'x'.repeat(100_000)}`);
    expect(readHead(file, 23).toString()).toBe('<meta name="generator">');
    expect(readHead(file, 1 << 20).length).toBe(100_023);
    const fifo = path.join(tmp, 'report.html');
    execFileSync('mkfifo', [fifo], { timeout: 5000 }); // Node has no mkfifo of its own
    expect(messageOf(() => readHead(fifo, 4096))).toBe(`${fifo}: not a regular file (a FIFO)`);
  });
});
