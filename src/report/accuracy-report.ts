// The accuracy report of `mcu-nas evaluate`: float vs int8 accuracy, the per-class table, both confusion
// matrices and the worst-classified images as pictures. templates/accuracy-report.html.hbs places the
// values (in the same page chrome as the memory report, templates/partials/report-page.hbs); this file
// only computes them. Class names and file names come from the user's files: Handlebars escapes them, and
// the only unescaped values are the PNG data URIs made here (checked to be nothing but base64).
import Handlebars from 'handlebars';
import { pictureToPng, type InputPicture } from './picture.ts';
import { reportTemplate, TEMPLATES_DIR } from './render-html.ts';
import type { ExampleKind, ExampleScores } from './worst-examples.ts';

export interface ClassifierAccuracy {
  /** 'onnxruntime', 'float interpreter', 'int8 interpreter'. */
  readonly engine: string;
  readonly correct: number;
  readonly accuracy: number;
  /** confusion[true class][predicted class]. */
  readonly confusion: readonly (readonly number[])[];
}

export interface ReportExample {
  readonly index: number;
  /** Where the image came from (a file path or mnist#123): untrusted text. */
  readonly source: string;
  readonly label: number;
  readonly kind: ExampleKind;
  readonly float: ExampleScores;
  readonly int8: ExampleScores;
  /** The model's input as the model saw it (resized and normalised). */
  readonly picture: InputPicture;
}

export interface AccuracyReport {
  readonly model: string;
  readonly file: string;
  readonly dataset: string;
  /** The evaluated view, e.g. 'photos (even indices)'. */
  readonly evaluated: string;
  readonly images: number;
  readonly classes: readonly string[];
  readonly calibration: string;
  /** How images became model inputs, in words. */
  readonly preprocessing: string;
  readonly float: ClassifierAccuracy;
  readonly int8: ClassifierAccuracy;
  /** float minus int8 accuracy (a fraction). */
  readonly drop: number;
  readonly flips: number;
  readonly emulated: { readonly count: number; readonly identical: number; readonly board?: string; readonly emulator?: string; readonly note?: string };
  readonly examples: readonly ReportExample[];
  /** Relative link to compile's memory report in the same folder, when there is one. */
  readonly memoryReport?: string;
}

/** Confusion matrices are drawn up to this many classes (a 1000-class matrix is a million cells). */
export const MAX_CONFUSION_CLASSES = 40;

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;
const points = (x: number) => `${x > 0 ? '+' : ''}${(100 * x).toFixed(2)}`;
const probability = (x: number) => x.toFixed(3);
const score = (x: number) => (Number.isFinite(x) ? String(Number(x.toPrecision(4))) : '–');

const KIND_TEXT: Record<ExampleKind, string> = {
  flip: 'float and int8 disagree',
  mistake: 'both wrong',
  unsure: 'right, least confident',
};

function className(classes: readonly string[], k: number): string {
  return k >= 0 && k < classes.length ? classes[k] : `output ${k} (no such class in the dataset)`;
}

function matrix(classes: readonly string[], m: readonly (readonly number[])[]) {
  return m.map((row, i) => ({
    name: classes[i],
    cells: row.map((v, j) => ({ value: v, cls: i === j ? 'diagonal' : v > 0 ? 'off' : '' })),
  }));
}

function dataUri(uri: string): Handlebars.SafeString {
  if (!/^data:image\/png;base64,[A-Za-z0-9+/]*={0,2}$/.test(uri)) throw new Error('bug: a picture URI that is not base64 PNG');
  return new Handlebars.SafeString(uri);
}

function viewModel(r: AccuracyReport) {
  const big = r.classes.length > MAX_CONFUSION_CLASSES;
  const classRows = r.classes.map((name, i) => {
    const images = (r.float.confusion[i] ?? []).reduce((a, b) => a + b, 0);
    const f = r.float.confusion[i]?.[i] ?? 0;
    const q = r.int8.confusion[i]?.[i] ?? 0;
    // Images whose prediction is outside the class list are in no confusion column: count them from the int8 row too.
    const n = Math.max(images, (r.int8.confusion[i] ?? []).reduce((a, b) => a + b, 0));
    return {
      name,
      images: n,
      floatCorrect: f,
      int8Correct: q,
      floatAccuracy: n === 0 ? '' : percent(f / n),
      int8Accuracy: n === 0 ? '' : percent(q / n),
      change: n === 0 ? '' : points((q - f) / n),
      worse: q < f,
    };
  });
  const first = r.examples[0]?.picture;
  return {
    ...r,
    text: {
      floatAccuracy: percent(r.float.accuracy),
      int8Accuracy: percent(r.int8.accuracy),
      drop: points(r.drop),
      dropWorse: r.drop > 0,
      emulated:
        r.emulated.count > 0
          ? `${r.emulated.identical} of ${r.emulated.count} images give identical int8 outputs on ${r.emulated.board ?? 'the board'} in ${r.emulated.emulator ?? 'the emulator'}`
          : (r.emulated.note ?? 'not run'),
      emulatedOk: r.emulated.count > 0 && r.emulated.identical === r.emulated.count,
      emulatedBad: r.emulated.count > 0 && r.emulated.identical !== r.emulated.count,
      inputSize: first ? `${first.width}×${first.height}${first.channels === 1 ? ', grayscale' : ''}` : '',
      memoryReport: r.memoryReport ?? '',
    },
    classRows,
    confusion: big
      ? null
      : [
          { title: `float (${r.float.engine})`, rows: matrix(r.classes, r.float.confusion) },
          { title: `int8 (${r.int8.engine})`, rows: matrix(r.classes, r.int8.confusion) },
        ],
    maxConfusion: MAX_CONFUSION_CLASSES,
    pictures: r.examples.map((e) => {
      const png = pictureToPng(e.picture);
      const side = (s: ExampleScores) => ({
        name: className(r.classes, s.predicted),
        score: score(s.score),
        labelScore: score(s.labelScore),
        probability: probability(s.probability),
        labelProbability: probability(s.labelProbability),
        right: s.predicted === e.label,
      });
      return {
        src: dataUri(png.uri),
        width: png.width,
        height: png.height,
        factor: png.factor,
        source: e.source,
        index: e.index,
        label: className(r.classes, e.label),
        kind: e.kind,
        kindText: KIND_TEXT[e.kind],
        float: side(e.float),
        int8: side(e.int8),
      };
    }),
  };
}

/** The accuracy report as one self-contained HTML page (inline CSS and PNG pictures, no scripts). */
export function renderAccuracyHtml(r: AccuracyReport, templatesDir = TEMPLATES_DIR): string {
  return reportTemplate('accuracy-report.html.hbs', templatesDir)(viewModel(r));
}
