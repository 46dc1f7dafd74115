// The model evaluate scores, loaded once per thread: its float IR graph, the input the dataset must make,
// the float reference (onnxruntime, else the float interpreter), and the calibration inputs, never images
// that are evaluated. evaluate.ts (this thread) and evaluate-chunk.ts (a pool worker's share) both load it here.
import {
  calibrationImages,
  imageLength,
  inputSpecFromShape,
  openDataset,
  randomImages,
  separateCalibration,
  spread,
  type Dataset,
  type InputSpec,
  type Preprocess,
} from '../data/index.ts';
import { InputError } from '../errors.ts';
import { lowerArch } from '../frontend/arch-to-ir.ts';
import { irToOnnx, onnxToIr, readTestData } from '../frontend/onnx/index.ts';
import type { Graph } from '../ir/graph.ts';
import { readText, sourceName } from '../io/read-input.ts';
import { onnxruntimeMissing, openOnnx } from '../oracle/onnxruntime.ts';
import { runFloat } from '../quant/index.ts';
import { parseArchJson, type ArchConfig } from '../space/config.ts';
import { isTestDataFolder, readOnnxModel } from './file-source.ts';

// ---------------------------------------------------------------------------------------------------
// The model: its float IR graph, what input it wants, and a float reference to score.

export interface EvaluatedModel {
  readonly name: string;
  readonly file: string;
  readonly kind: 'onnx' | 'arch';
  readonly graph: Graph;
  /** The input as the dataset must make it: the ONNX input's layout, or NHWC for an arch config. */
  readonly spec: InputSpec;
  /** One image in `spec`'s layout -> the IR graph's input layout. */
  toIr(x: Float32Array): Float32Array;
  /** IR output values -> the model's own output order (class scores). */
  fromIr(y: Float32Array): Float32Array;
  /** The float reference's class scores for one image in `spec`'s layout. */
  floatScores(x: Float32Array): Promise<Float32Array>;
  readonly floatEngine: string;
  readonly classCount: number;
  close(): Promise<void>;
}

export async function loadEvaluatedModel(file: string, seed: number, trained?: (arch: ArchConfig) => { graph: Graph }): Promise<EvaluatedModel> {
  const source = sourceName(file);
  if (file.toLowerCase().endsWith('.onnx')) {
    const { bytes, qdq, imp } = readOnnxModel(file);
    if (qdq) throw new InputError(`${source}: a QDQ (quantized) ONNX model; evaluate takes float ONNX models and arch configs (compile and validate keep a QDQ model's own scales)`);
    if (imp.inputs.length !== 1) throw new InputError(`${source}: the model takes ${imp.inputs.length} inputs; an image dataset feeds one`);
    const b = imp.inputs[0];
    const out = imp.outputs[0];
    // The importer binds an NCHW input to an NHWC tensor; an input the model itself transposes from NHWC
    // keeps its layout.
    const nchw = b.map.length === 4 && b.map.join() === '0,3,1,2';
    const spec = inputSpecFromShape(b.dims, nchw ? 'nchw' : 'nhwc', source, b.name);
    const classCount = out.dims.reduce((a, d) => a * d, 1);
    // Without onnxruntime (an optional dependency), the float interpreter on the imported graph scores the images.
    const missing = await onnxruntimeMissing();
    if (missing) {
      const g = imp.graph;
      const toIr = (x: Float32Array) => onnxToIr(x, b);
      const fromIr = (y: Float32Array) => irToOnnx(y, out);
      return { name: g.name, file: source, kind: 'onnx', graph: g, spec, toIr, fromIr, floatScores: async (x) => fromIr(runFloat(g, toIr(x)).outputs[0]), floatEngine: `float interpreter (${missing})`, classCount, close: async () => {} };
    }
    // One session for the whole dataset (opening one per image would cost a minute over 10,000 images).
    const session = await openOnnx(bytes, { source });
    const outputName = session.outputNames[0];
    return {
      name: imp.graph.name,
      file: source,
      kind: 'onnx',
      graph: imp.graph,
      spec,
      toIr: (x) => onnxToIr(x, b),
      fromIr: (y) => irToOnnx(y, out),
      floatScores: async (x) => (await session.run({ [b.name]: { dims: b.dims, data: x } }, { outputs: [outputName] }))[0].data,
      floatEngine: 'onnxruntime',
      classCount: out.dims.reduce((a, d) => a * d, 1),
      close: () => session.close(),
    };
  }
  if (file.toLowerCase().endsWith('.tflite')) throw new InputError(`${source}: evaluate reads ONNX models and arch configs, not TFLite files yet`);
  const arch = parseArchJson(readText(file), source);
  const graph = trained ? trained(arch).graph : lowerArch(arch, { seed });
  const input = graph.tensors[graph.inputs[0]];
  const output = graph.tensors[graph.outputs[0]];
  return {
    name: graph.name,
    file: source,
    kind: 'arch',
    graph,
    spec: inputSpecFromShape(input.shape, 'nhwc', source, input.name),
    toIr: (x) => x,
    fromIr: (y) => y,
    floatScores: async (x) => runFloat(graph, x).outputs[0],
    floatEngine: 'float interpreter',
    classCount: output.shape.reduce((a, d) => a * d, 1),
    close: async () => {},
  };
}

// ---------------------------------------------------------------------------------------------------
// Calibration inputs: never images that are evaluated.

export interface CalibrationChoice {
  /** The evaluation images, after the split (if any) and the limit. */
  readonly evaluation: Dataset;
  /** Inputs in the IR's layout, for calibrate(). */
  readonly inputs: Float32Array[];
  readonly source: string;
  readonly split: boolean;
}

export interface CalibrationRequest {
  /** 'random', a dataset name/folder, or an ONNX test-data folder; undefined: the evaluation dataset. */
  readonly calibration?: string;
  readonly samples: number;
  readonly seed: number;
  readonly split: boolean;
  readonly limit?: number;
}

export function chooseCalibration(model: EvaluatedModel, dataset: Dataset, preprocess: Preprocess, datasetName: string, req: CalibrationRequest): CalibrationChoice {
  const name = req.calibration ?? datasetName;
  const limited = (ds: Dataset) => (req.limit === undefined ? ds : spread(ds, req.limit));
  if (name === 'random') {
    const s = separateCalibration(dataset, 'random', req.split);
    const inputs = randomImages(model.spec, preprocess, req.samples, req.seed).map(model.toIr);
    return { evaluation: limited(s.evaluation), inputs, source: `random (${req.samples} images of uniform pixels, seed ${req.seed})`, split: s.split };
  }
  if (isTestDataFolder(name)) {
    if (model.kind !== 'onnx') throw new InputError(`--calibration: ${name} holds ONNX test data, which only an ONNX model can use`);
    const want = imageLength(model.spec);
    const inputs = readTestData(name, 1).map((set) => {
      const t = set.inputs[0];
      if (t.data.length !== want) throw new InputError(`${set.dir}: input holds ${t.data.length} values; the model's input needs ${want}`);
      return model.toIr(t.data);
    });
    const s = separateCalibration(dataset, 'random', req.split);
    return { evaluation: limited(s.evaluation), inputs: inputs.slice(0, req.samples), source: `${name} (${Math.min(inputs.length, req.samples)} ONNX test inputs)`, split: s.split };
  }
  const calibrationSet = name === datasetName ? dataset : openDataset(name, model.spec, preprocess);
  const s = separateCalibration(dataset, calibrationSet, req.split);
  const chosen = s.calibration === 'random' ? [] : calibrationImages(s.calibration, req.samples);
  const where = s.calibration === 'random' ? '' : s.calibration.name;
  return { evaluation: limited(s.evaluation), inputs: chosen.map(model.toIr), source: `${where} (${chosen.length} images)`, split: s.split };
}
