// The predictor report (`mcu-nas predictor eval --report DIR`): predicted against measured accuracy, one
// point per dataset row, with the identity line y = x, and the fit's MAE, largest error and Pearson r (the
// lab's correlation plot). templates/report/predictor.html.hbs places the values; scatter.ts lays out.
import { addToOutputFolder } from '../io/output-folder.ts';
import { reportTemplate, TEMPLATES_DIR } from './render-html.ts';
import { layoutScatter, scatterView, type ScatterPoint } from './scatter.ts';

export interface PredictorReportInput {
  /** The predictor file (or its description). */
  readonly predictor: string;
  /** The dataset folder. */
  readonly dataset: string;
  /** Accuracies as fractions (0.92 = 92 %), row by row. */
  readonly predicted: ArrayLike<number>;
  readonly measured: ArrayLike<number>;
  readonly mae: number;
  readonly maxAbsError: number;
  readonly pearson: number;
}

const points = (x: number) => `${(100 * x).toFixed(3)}`;

function viewModel(r: PredictorReportInput) {
  const n = r.predicted.length;
  const pts: ScatterPoint[] = [];
  for (let i = 0; i < n; i++)
    pts.push({ x: 100 * r.measured[i], y: 100 * r.predicted[i], kind: 'point', title: `row ${i}: measured ${(100 * r.measured[i]).toFixed(2)}%, predicted ${(100 * r.predicted[i]).toFixed(2)}%` });
  const layout = layoutScatter({
    width: 560,
    height: 520,
    x: { label: 'measured top-1 accuracy (dataset), %', format: (v) => `${Number(v.toPrecision(4))}` },
    y: { label: 'predicted top-1 accuracy, %', format: (v) => `${Number(v.toPrecision(4))}` },
    points: pts,
    identity: true,
  });
  return {
    predictor: r.predictor,
    dataset: r.dataset,
    rows: n.toLocaleString('en-US'),
    mae: points(r.mae),
    maxAbsError: points(r.maxAbsError),
    pearson: Number.isFinite(r.pearson) ? r.pearson.toFixed(4) : 'undefined (a constant column)',
    svg: scatterView(layout),
    drawn: layout.points.length.toLocaleString('en-US'),
    merged: layout.merged.toLocaleString('en-US'),
    anyMerged: layout.merged > 0,
  };
}

/** The predictor report as one self-contained HTML page (inline SVG and CSS, no scripts). */
export function renderPredictorHtml(r: PredictorReportInput, templatesDir = TEMPLATES_DIR): string {
  return reportTemplate('report/predictor.html.hbs', templatesDir)(viewModel(r));
}

export const PREDICTOR_HTML = 'predictor.html';
export const PREDICTOR_JSON = 'predictor.json';

/** Writes DIR/predictor.html and DIR/predictor.json (`summary`, as --json prints it) into an output folder. */
export function writePredictorReport(dir: string, r: PredictorReportInput, summary: unknown): { html: string; json: string } {
  addToOutputFolder(dir, { [PREDICTOR_HTML]: renderPredictorHtml(r), [PREDICTOR_JSON]: `${JSON.stringify(summary, null, 1)}\n` }, '--report');
  return { html: `${dir.replace(/\/$/, '')}/${PREDICTOR_HTML}`, json: `${dir.replace(/\/$/, '')}/${PREDICTOR_JSON}` };
}
