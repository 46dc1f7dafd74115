// The accuracy report's parts: the worst-image selection, the model input as a picture (de-normalised,
// enlarged, PNG) and the HTML page (numbers, confusion matrices, pictures, escaping, shared chrome).
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  enlarge,
  MAX_CONFUSION_CLASSES,
  pictureFactor,
  pictureRgba,
  pictureToPng,
  renderAccuracyHtml,
  renderHtmlReport,
  toProbabilities,
  looksLikeProbabilities,
  WorstExamples,
  type AccuracyReport,
  type InputPicture,
} from '../../src/report/index.ts';

/** An input as the dataset makes it: pixels p (0..255) normalised with the lab's mean 0.5, std 0.5. */
function labPicture(width: number, height: number, channels: 1 | 3, layout: 'nchw' | 'nhwc', pixel: (x: number, y: number, c: number) => number, channelOrder: 'rgb' | 'bgr' = 'rgb'): InputPicture {
  const data = new Float32Array(channels * width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) {
        const v = (pixel(x, y, c) / 255 - 0.5) / 0.5;
        data[layout === 'nchw' ? c * width * height + y * width + x : (y * width + x) * channels + c] = v;
      }
  return { width, height, channels, layout, data, scale: 1, mean: [0.5], std: [0.5], channelOrder };
}

describe('worst-classified images', () => {
  it('takes flips first (up to half), then confident mistakes, then unsure right answers, worst first', () => {
    const w = new WorstExamples<string>(4);
    const made: number[] = [];
    const offer = (i: number, label: number, f: number[], q: number[]) => w.offer(i, label, f, q, () => (made.push(i), `img${i}`));
    offer(0, 0, [5, 0], [4, 0]); // right, int8 margin 4
    offer(1, 0, [1, 0], [0.1, 0]); // right, margin 0.1: the least sure
    offer(2, 1, [3, 0], [3, 0]); // both wrong, margin 3
    offer(3, 1, [9, 0], [9, 0]); // both wrong, margin 9
    offer(4, 0, [2, 0], [0, 1]); // flip, 2 + 1
    offer(5, 0, [0.5, 0], [0, 0.5]); // flip, 0.5 + 0.5
    offer(6, 1, [6, 0], [0, 4]); // flip, 6 + 4
    const r = w.result();
    expect(r.map((e) => [e.index, e.kind])).toEqual([[6, 'flip'], [4, 'flip'], [3, 'mistake'], [2, 'mistake']]);
    expect(r.map((e) => e.payload)).toEqual(['img6', 'img4', 'img3', 'img2']);
    expect(r[0].float).toMatchObject({ predicted: 0, score: 6, labelScore: 0 });
    expect(r[0].int8).toMatchObject({ predicted: 1, score: 4, labelScore: 4 });
    // Only kept images hand over their payload (7 offered, each bucket holds at most 4).
    expect(made.length).toBeLessThanOrEqual(7);
    const few = new WorstExamples<number>(3);
    few.offer(0, 0, [5, 0], [4, 0], () => 0);
    few.offer(1, 0, [1, 0], [0.1, 0], () => 1);
    few.offer(2, 1, [0, 3], [0, 3], () => 2);
    expect(few.result().map((e) => [e.index, e.kind])).toEqual([[1, 'unsure'], [2, 'unsure'], [0, 'unsure']]); // margins 0.1, 3, 4
    expect(new WorstExamples<number>(0).result()).toEqual([]);
  });

  it('probabilities: softmax of logits, or the distribution a Softmax model gives', () => {
    expect(looksLikeProbabilities([0.2, 0.8])).toBe(true);
    expect(looksLikeProbabilities([2, -1])).toBe(false);
    const p = toProbabilities([1000, 0], false);
    expect([p[0], p[1]]).toEqual([1, 0]);
    expect(Array.from(toProbabilities([0.25, 0.5, 0.26], true)).reduce((a, b) => a + b)).toBeCloseTo(1, 12);
  });
});

describe('the model input as a picture', () => {
  it('maps normalised values back to the pixels, in either layout, BGR back to RGB', () => {
    const px = (x: number, y: number, c: number) => (x * 30 + y * 7 + c * 50) % 256;
    for (const layout of ['nchw', 'nhwc'] as const) {
      const rgba = pictureRgba(labPicture(3, 2, 3, layout, px));
      expect(Array.from(rgba.subarray(4 * 4, 4 * 5))).toEqual([px(1, 1, 0), px(1, 1, 1), px(1, 1, 2), 255]);
    }
    const bgr = pictureRgba(labPicture(1, 1, 3, 'nchw', (_x, _y, c) => [10, 20, 30][c], 'bgr'));
    expect(Array.from(bgr)).toEqual([30, 20, 10, 255]);
    // Raw 0..255 inputs (--scale 255) and out-of-range values (clamped).
    const raw = pictureRgba({ width: 2, height: 1, channels: 1, layout: 'nchw', data: [-40, 300], scale: 255, mean: [0], std: [1], channelOrder: 'rgb' });
    expect(Array.from(raw)).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
  });

  it('enlarges by nearest neighbour to at least 112 pixels and encodes a PNG that decodes to that size', () => {
    expect([pictureFactor(28, 28), pictureFactor(14, 14), pictureFactor(8, 8), pictureFactor(96, 96), pictureFactor(160, 120), pictureFactor(1, 1)]).toEqual([4, 8, 14, 2, 1, 16]);
    const big = enlarge(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 2, 1, 2);
    expect(Array.from(big)).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8, 1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8]);
    const digit = labPicture(28, 28, 1, 'nchw', (x, y) => (x === y ? 255 : 0));
    const png = pictureToPng(digit);
    expect(png).toMatchObject({ width: 112, height: 112, factor: 4 });
    expect(png.uri).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    const decoded = PNG.sync.read(Buffer.from(png.uri.split(',')[1], 'base64'));
    expect([decoded.width, decoded.height]).toEqual([112, 112]);
    const at = (x: number, y: number) => decoded.data[4 * (y * 112 + x)];
    expect([at(0, 0), at(3, 3), at(4, 0), at(111, 111), at(50, 10)]).toEqual([255, 255, 0, 255, 0]);
  });
});

function sample(classes: string[], examples = 3): AccuracyReport {
  const k = classes.length;
  const eye = (n: number) => Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? n : 0)));
  const int8 = eye(5);
  int8[0][0] = 4;
  int8[0][1 % k] += 1;
  return {
    model: 'net & <i>co</i>',
    file: 'net.onnx',
    dataset: 'photos',
    evaluated: 'photos (even indices)',
    images: 5 * k,
    classes,
    calibration: 'photos (odd indices) (10 images)',
    preprocessing: 'NCHW, 3 channels (RGB); resized to 8×8',
    float: { engine: 'onnxruntime', correct: 5 * k, accuracy: 1, confusion: eye(5) },
    int8: { engine: 'int8 interpreter', correct: 5 * k - 1, accuracy: (5 * k - 1) / (5 * k), confusion: int8 },
    drop: 1 / (5 * k),
    flips: 1,
    emulated: { count: 2, identical: 2, board: 'stm32f746', emulator: 'qemu (mps2-an500)' },
    examples: Array.from({ length: examples }, (_, i) => ({
      index: i,
      source: i === 0 ? '/data/<img onerror=x>.png' : `/data/${i}.png`,
      label: 0,
      kind: i === 0 ? ('flip' as const) : ('unsure' as const),
      float: { predicted: 0, score: 2.5, labelScore: 2.5, probability: 0.9, labelProbability: 0.9 },
      int8: { predicted: i === 0 ? 1 : 0, score: 2, labelScore: 1.5, probability: 0.6, labelProbability: 0.4 },
      picture: labPicture(8, 8, 3, 'nchw', (x, y, c) => (x + y + c) * 10),
    })),
  };
}

describe('accuracy report page', () => {
  const html = renderAccuracyHtml(sample(['ant', '<b onmouseover=x>zebra']));

  it('has the accuracies, the drop, the per-class table and both confusion matrices', () => {
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<meta name="generator" content="mcu-nas evaluate">');
    expect(html).toContain('<dt>float (onnxruntime)</dt><dd>100.00% (10/10)</dd>');
    expect(html).toContain('<dt>int8 (int8 interpreter)</dt><dd>90.00% (9/10)</dd>');
    expect(html).toContain('+10.00 points');
    expect(html).toContain('<tr class="over"><td>ant</td><td class="n">5</td><td class="n">5</td><td class="n">100.00%</td><td class="n">4</td><td class="n">80.00%</td><td class="n">-20.00</td></tr>');
    expect(html.match(/<table class="confusion">/g)).toHaveLength(2);
    expect(html).toContain('<td class="diagonal">4</td><td class="off">1</td>');
    expect(html).toContain('2 of 2 images give identical int8 outputs on stm32f746 in qemu (mps2-an500)');
  });

  it('shows each example as an inline PNG of the model input, with its name, label and both predictions', () => {
    const imgs = [...html.matchAll(/<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)" width="(\d+)" height="(\d+)"/g)];
    expect(imgs).toHaveLength(3);
    for (const m of imgs) {
      const png = PNG.sync.read(Buffer.from(m[1], 'base64'));
      expect([png.width, png.height, Number(m[2]), Number(m[3])]).toEqual([112, 112, 112, 112]);
    }
    expect(html).toContain("model's input as the model saw it");
    expect(html).toContain('float: ant, score 2.5 (p 0.900)');
    expect(html).toContain('int8: &lt;b onmouseover&#x3D;x&gt;zebra ✗, score 2 (p 0.600); label score 1.5 (p 0.400)');
    expect(html).toContain('float and int8 disagree');
  });

  it('escapes names from files and models', () => {
    expect(html).not.toMatch(/<img onerror/);
    expect(html).not.toMatch(/<b onmouseover/);
    expect(html).not.toContain('<i>co</i>');
    expect(html).toContain('/data/&lt;img onerror&#x3D;x&gt;.png');
    expect(html).toContain('<th>&lt;b onmouseover&#x3D;x&gt;zebra</th>');
    expect(html).toContain('net &amp; &lt;i&gt;co&lt;/i&gt;');
  });

  it('omits the matrices for many classes, and a prediction outside the classes is named as such', () => {
    const classes = Array.from({ length: MAX_CONFUSION_CLASSES + 1 }, (_, i) => `c${i}`);
    const many = renderAccuracyHtml(sample(classes, 1));
    expect(many).not.toContain('<table class="confusion">');
    expect(many).toContain(`Not drawn: ${classes.length} classes`);
    const r = sample(['a', 'b'], 1);
    const odd = renderAccuracyHtml({ ...r, examples: [{ ...r.examples[0], int8: { ...r.examples[0].int8, predicted: 7 } }] });
    expect(odd).toContain('int8: output 7 (no such class in the dataset)');
  });

  it('shares the page chrome (CSS) with the memory report', () => {
    const memory = renderHtmlReport({ board: 'b', model: 'm', macs: 1, params: 1, flash: { total: 1 }, sram: { total: 1 }, limitBytes: 10, layers: [] });
    const style = (h: string) => h.slice(h.indexOf('<style>'), h.indexOf('</style>'));
    expect(style(html).length).toBeGreaterThan(100);
    expect(style(html)).toBe(style(memory));
    expect(memory).toContain('<meta name="generator" content="mcu-nas compile">');
  });
});
