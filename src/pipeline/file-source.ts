// Model files as ModelSources (model-source.ts): ONNX float (calibrated), ONNX QDQ and TFLite int8 (their
// own quantization, no calibration), TFLite float (calibrated). Test inputs come from a --test-data folder
// (ONNX model-zoo convention: input_K.pb / output_K.pb, or test_data_set_N folders) or are seeded
// structured synthetic images; reference outputs are the folder's output_K.pb, else a float model run on
// the same inputs: the ONNX model itself by onnxruntime, a float TFLite model by the float interpreter,
// or the model given as `reference` (e.g. the float twin of an int8 TFLite model).
import fs from 'node:fs';
import path from 'node:path';
import {
  calibrationImages,
  checkPreprocess,
  inputSpecFromShape,
  LAB_NORMALISATION,
  openDataset,
  randomImages,
  toModelInput,
  type InputSpec,
  type Normalisation,
  type Preprocess,
} from '../data/index.ts';
import { InputError } from '../errors.ts';
import { importOnnx, importOnnxQdq, irToOnnx, isQdqOnnx, onnxToIr, readTestData, type Binding, type TestSet } from '../frontend/onnx/index.ts';
import { dequantizeLikeTflite, importTflite, quantizeLikeTflite, type TfliteImport } from '../frontend/tflite/index.ts';
import type { Graph } from '../ir/graph.ts';
import { elementCount } from '../ir/tensors.ts';
import { readBytes } from '../io/read-input.ts';
import { onnxruntimeMissing, openOnnx } from '../oracle/onnxruntime.ts';
import { firstNonFinite, nonFiniteSummary, runFloat, runInt8, syntheticInputs, type QuantGraph, type TensorQuant } from '../quant/index.ts';
import type { ModelSource, SourceKind, TestInput } from './model-source.ts';
import { structuredImages } from './synthetic-images.ts';

export { modelFileKind, type ModelFileKind } from './model-kind.ts';
import { modelFileKind } from './model-kind.ts';

export interface FileSourceOptions {
  seed: number;
  /**
   * 'random' (seeded uniform-pixel images through `normalisation`), a folder of ONNX test data, a
   * dataset (`mnist` or an ImageFolder), or 'test-data' (the `testData` folder). Default: the test-data
   * folder when one is given; a float model without either is an error (`calibrationRequired`).
   * Ignored by models with their own quantization.
   */
  calibration?: string;
  /** Default: CALIBRATION_SAMPLES (100 from data, 8 synthetic). */
  calibrationSamples?: number;
  /** A folder of input_K.pb / output_K.pb (or test_data_set_N folders). */
  testData?: string;
  /** How many seeded synthetic test inputs when there is no test-data folder. */
  testSets: number;
  /** How pixels become model input (random calibration, datasets, synthetic test images of a float model). */
  normalisation?: Normalisation;
  /** A float model whose output on the same inputs is the reference (instead of the model itself). */
  reference?: string;
}

/** A float model run on IR-layout inputs, giving IR-layout outputs. */
interface ReferenceModel {
  engine: string;
  run(xs: readonly Float32Array[]): Promise<Float32Array[]>;
}

/** The one input and the one output an image model has (a ModelSource feeds a single input). */
function single<T>(what: 'inputs' | 'outputs', list: readonly T[], file: string): T {
  if (list.length !== 1) throw new InputError(`${file}: the model has ${list.length} ${what}; compile and validate take models with one input and one output`);
  return list[0];
}

/** A folder of ONNX test data (input_K.pb, or test_data_set_N folders) rather than an image folder or a dataset name. */
export function isTestDataFolder(dir: string): boolean {
  try {
    const names = fs.readdirSync(dir);
    return names.includes('input_0.pb') || names.some((n) => /^test_data_set_\d+$/.test(n));
  } catch {
    return false;
  }
}

function imageSpec(irShape: readonly number[]): InputSpec | null {
  return irShape.length === 4 && irShape[0] === 1 && (irShape[3] === 1 || irShape[3] === 3) ? { channels: irShape[3] as 1 | 3, height: irShape[1], width: irShape[2], layout: 'nhwc' } : null;
}

const preprocessOf = (n: Normalisation | undefined): Preprocess => ({ ...(n ?? LAB_NORMALISATION), channelOrder: 'rgb', antialias: true });

/**
 * --mean/--std against the model's input before any work: one value, or one per channel of an image input.
 * (A non-image input is fed seeded uniform values, not pixels, so the normalisation does not reach it.)
 */
function checkNormalisation(file: string, irShape: readonly number[], n: Normalisation | undefined): void {
  const spec = imageSpec(irShape);
  if (!n || !spec) return;
  try {
    checkPreprocess(preprocessOf(n), spec);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${file}: ${e.message}`);
    throw e;
  }
}

/** Seeded structured images as the model's (IR-layout) input: pixels in [0, 255] through the normalisation. */
function syntheticTestInputs(g: Graph, count: number, seed: number, normalisation: Normalisation | undefined): Float32Array[] {
  const shape = g.tensors[g.inputs[0]].shape;
  const spec = imageSpec(shape);
  if (!spec) return syntheticInputs(g, count, seed + 1_000_003).map((s) => s[0]);
  return structuredImages(spec.height, spec.width, spec.channels, count, seed).map((img) =>
    toModelInput({ width: spec.width, height: spec.height, channels: spec.channels, data: Float64Array.from(img, (v) => v * 255) }, spec, preprocessOf(normalisation), 'area'),
  );
}

/** Seeded structured images spanning an int8 input's real range, [scale (-128 - zp), scale (127 - zp)]. */
function syntheticQuantizedInputs(shape: readonly number[], quant: TensorQuant, count: number, seed: number): Float32Array[] {
  const spec = imageSpec(shape);
  const lo = quant.scale * (-128 - quant.zeroPoint);
  const hi = quant.scale * (127 - quant.zeroPoint);
  const images = spec ? structuredImages(spec.height, spec.width, spec.channels, count, seed) : structuredImages(1, elementCount(shape), 1, count, seed);
  return images.map((img) => Float32Array.from(img, (v) => lo + v * (hi - lo)));
}

/** The calibration inputs a float model may use when none were named: the ways to name them. */
export function calibrationRequired(file: string): InputError {
  return new InputError(
    `${file} is a float model: its int8 ranges need calibration inputs. Give --calibration DIR (an ImageFolder or a folder of ONNX test data), ` +
      `--calibration mnist, or --test-data DIR (its inputs then calibrate too); --calibration random accepts the accuracy loss of synthetic inputs`,
  );
}

/** Default counts of calibration inputs: real data, and synthetic inputs (random, arch configs). */
export const CALIBRATION_SAMPLES = { data: 100, synthetic: 8 } as const;

/**
 * Calibration inputs for a float model, in the IR's input layout. No calibration named: the --test-data
 * folder's inputs (said so in the source), else an error naming the ways to give them (`calibrationRequired`);
 * `random` is only ever a choice the user made.
 */
function calibrationInputs(g: Graph, file: string, opts: FileSourceOptions, fromTestData: (dir: string) => Float32Array[]): { inputs: Float32Array[]; source: string } {
  if (opts.calibration === 'test-data' && !opts.testData) throw new InputError('--calibration test-data: calibrates on the --test-data folder: give --test-data DIR too');
  const name = opts.calibration === 'test-data' || opts.calibration === undefined ? opts.testData : opts.calibration;
  if (name === undefined) throw calibrationRequired(file);
  const n = opts.calibrationSamples ?? (name === 'random' ? CALIBRATION_SAMPLES.synthetic : CALIBRATION_SAMPLES.data);
  const shape = g.tensors[g.inputs[0]].shape;
  if (name === 'random') {
    const spec = imageSpec(shape);
    if (!spec) return { inputs: syntheticInputs(g, n, opts.seed).map((s) => s[0]), source: `random (${n} seeded inputs, uniform in [-1, 1])` };
    return { inputs: randomImages(spec, preprocessOf(opts.normalisation), n, opts.seed), source: `random (${n} images of uniform pixels, seed ${opts.seed})` };
  }
  if (isTestDataFolder(name)) {
    const inputs = fromTestData(name).slice(0, n);
    const given = opts.calibration === undefined ? ', the --test-data inputs, as no --calibration was given' : '';
    return { inputs, source: `${name} (${inputs.length} test-data inputs${given})` };
  }
  const spec = imageSpec(shape);
  if (!spec) throw new InputError(`--calibration: ${file}'s input [${shape.join(',')}] is not an image, so a dataset cannot calibrate it; give "random" or a test-data folder`);
  const ds = openDataset(name, spec, preprocessOf(opts.normalisation));
  const inputs = calibrationImages(ds, n);
  return { inputs, source: `${ds.name} (${inputs.length} images)` };
}

/** A test-data tensor of the size the model needs, every value a finite number (a NaN would quantize to 0 unseen). */
function checkLength(t: { data: Float32Array; dims: readonly number[] }, want: number, where: string, what: string): Float32Array {
  if (t.data.length !== want) throw new InputError(`${where}: ${what} holds ${t.data.length} values ([${t.dims.join(',')}]); the model needs ${want}`);
  const k = firstNonFinite(t.data);
  if (k >= 0) throw new InputError(`${where}: ${what} holds ${nonFiniteSummary(t.data, k)}`);
  return t.data;
}

function readSets(dir: string): TestSet[] {
  return readTestData(dir, 1);
}

// ---------------------------------------------------------------------------------------------------
// Reference models.

/** onnxruntime running the file; where it is not installed, the float interpreter on the imported graph, said so. */
async function onnxReference(file: string, bytes: Uint8Array, input: Binding, output: Binding, graph: Graph): Promise<ReferenceModel> {
  const missing = await onnxruntimeMissing();
  if (missing) return floatReference(graph, `the float interpreter (${missing})`);
  return {
    engine: 'onnxruntime',
    run: async (xs) => {
      const session = await openOnnx(bytes, { source: file });
      try {
        const out: Float32Array[] = [];
        for (const x of xs) {
          const r = await session.run([{ dims: input.dims, data: irToOnnx(x, input) }], { outputs: [output.name] });
          out.push(onnxToIr(r[0].data, output));
        }
        return out;
      } finally {
        await session.close();
      }
    },
  };
}

function floatReference(g: Graph, engine = 'float interpreter'): ReferenceModel {
  return { engine, run: async (xs) => xs.map((x) => runFloat(g, x).outputs[0]) };
}

/**
 * An ONNX model file, read the one way every command reads it: its bytes, whether it carries its own int8
 * quantization (QDQ), the import (QDQ or float), and the float graph (a QDQ model's float twin).
 */
export function readOnnxModel(file: string) {
  const bytes = new Uint8Array(readBytes(file));
  const qdq = isQdqOnnx(bytes, file);
  const imp = qdq ? importOnnxQdq(bytes, { source: file }) : importOnnx(bytes, { source: file });
  const floatGraph: Graph = qdq ? (imp as ReturnType<typeof importOnnxQdq>).floatGraph : imp.graph;
  return { bytes, qdq, imp, floatGraph };
}

/** A model given as --reference: ONNX (onnxruntime) or float TFLite (the float interpreter). */
async function referenceModel(file: string, inputShape: readonly number[]): Promise<ReferenceModel> {
  let ref: ReferenceModel;
  let shape: readonly number[];
  if (modelFileKind(file) === 'onnx') {
    const { bytes, imp, floatGraph } = readOnnxModel(file);
    const input = single('inputs', imp.inputs, file);
    ref = await onnxReference(file, bytes, input, single('outputs', imp.outputs, file), floatGraph);
    ref.engine = `${ref.engine} (${path.basename(file)})`;
    shape = input.irShape;
  } else if (modelFileKind(file) === 'tflite') {
    const imp = importTflite(new Uint8Array(readBytes(file)), file);
    if (imp.precision !== 'float32') throw new InputError(`--reference: ${file} is an int8 model; a reference must compute in float`);
    ref = floatReference(imp.graph, `float interpreter (${path.basename(file)})`);
    shape = imp.graph.tensors[imp.graph.inputs[0]].shape;
  } else throw new InputError(`--reference: ${file} is not an .onnx or .tflite model`);
  if (shape.join() !== inputShape.join()) throw new InputError(`--reference: ${file} takes [${shape.join(',')}], the model [${inputShape.join(',')}]`);
  return ref;
}

// ---------------------------------------------------------------------------------------------------
// The sources.

async function withReferences(inputs: Float32Array[], given: (Float32Array | undefined)[], ref: ReferenceModel, outLength: number, where: string): Promise<{ tests: TestInput[]; engine: string }> {
  const missing = inputs.map((_, k) => k).filter((k) => given[k] === undefined);
  const computed = missing.length > 0 ? await ref.run(missing.map((k) => inputs[k])) : [];
  const tests = inputs.map((input, k) => {
    const reference = given[k] ?? computed[missing.indexOf(k)];
    if (reference.length !== outLength) throw new InputError(`${where}: reference output ${k} holds ${reference.length} values; the model gives ${outLength}`);
    return { input, reference };
  });
  const engine = missing.length === 0 ? 'output_K.pb' : missing.length === inputs.length ? ref.engine : `output_K.pb where present, else ${ref.engine}`;
  return { tests, engine };
}

async function onnxSource(file: string, opts: FileSourceOptions): Promise<ModelSource> {
  const { bytes, qdq, imp, floatGraph: graph } = readOnnxModel(file);
  const input = single('inputs', imp.inputs, file);
  const output = single('outputs', imp.outputs, file);
  checkNormalisation(file, input.irShape, opts.normalisation);
  const inLength = elementCount(input.irShape);
  const outLength = elementCount(output.irShape);
  const fromTestData = (dir: string) => readSets(dir).map((s) => onnxToIr(checkLength(s.inputs[0], inLength, s.dir, 'input_0.pb'), input));

  let inputs: Float32Array[];
  let given: (Float32Array | undefined)[];
  if (opts.testData) {
    const sets = readSets(opts.testData);
    inputs = sets.map((s) => onnxToIr(checkLength(s.inputs[0], inLength, s.dir, 'input_0.pb'), input));
    given = sets.map((s) => (s.outputs[0] ? onnxToIr(checkLength(s.outputs[0], outLength, s.dir, 'output_0.pb'), output) : undefined));
  } else {
    inputs = syntheticTestInputs(graph, opts.testSets, opts.seed, opts.normalisation);
    given = inputs.map(() => undefined);
  }
  const ref = opts.reference ? await referenceModel(opts.reference, input.irShape) : await onnxReference(file, bytes, input, output, graph);
  const { tests, engine } = await withReferences(inputs, given, ref, outLength, opts.testData ?? file);
  const testsFrom = opts.testData ? `${tests.length} test set(s) from ${opts.testData}` : `${tests.length} seeded synthetic test image(s) (seed ${opts.seed})`;
  const base = { name: graph.name, file, graph, tests, referenceEngine: engine };
  if (qdq) {
    const q = imp.graph as QuantGraph;
    return {
      ...base,
      kind: 'onnx-qdq' as SourceKind,
      quantized: q,
      calibration: [],
      calibrationSource: 'none: the model\'s own QuantizeLinear/DequantizeLinear scales',
      notes: [`ONNX QDQ model (${imp.producer || 'unknown producer'}, opset ${imp.opset}): int8 with the model's own scales`, ...(imp as ReturnType<typeof importOnnxQdq>).notes, `${testsFrom}; reference: ${engine}`],
    };
  }
  const cal = calibrationInputs(graph, file, opts, fromTestData);
  const notes = [`ONNX float model (${imp.producer || 'unknown producer'}, opset ${imp.opset}) calibrated on ${cal.source}`, `${testsFrom}; reference: ${engine}`];
  if (opts.testData && (opts.calibration === undefined || opts.calibration === 'test-data' || path.resolve(opts.calibration) === path.resolve(opts.testData)))
    notes.push('calibrated on the test inputs themselves: agreement figures are optimistic (give --calibration DATASET|random for a held-out calibration)');
  return { ...base, kind: 'onnx-float', calibration: cal.inputs, calibrationSource: cal.source, notes };
}

async function tfliteSource(file: string, opts: FileSourceOptions): Promise<ModelSource> {
  const bytes = new Uint8Array(readBytes(file));
  const imp: TfliteImport = importTflite(bytes, file);
  const g = imp.graph;
  const inShape = g.tensors[single('inputs', g.inputs, file)].shape;
  const outShape = g.tensors[single('outputs', g.outputs, file)].shape;
  checkNormalisation(file, inShape, opts.normalisation);
  const inLength = elementCount(inShape);
  const outLength = elementCount(outShape);
  // TFLite is NHWC like the IR: test data is used in its own order.
  const fromTestData = (dir: string) => readSets(dir).map((s) => checkLength(s.inputs[0], inLength, s.dir, 'input_0.pb'));

  let inputs: Float32Array[];
  let given: (Float32Array | undefined)[];
  const irQuant = g.tensors[g.inputs[0]].quant;
  const inQ: TensorQuant | undefined = imp.precision !== 'int8' ? undefined : (imp.inputs[0].quant ?? (irQuant ? { scale: irQuant.scale[0], zeroPoint: irQuant.zeroPoint[0] } : undefined));
  if (imp.precision === 'int8' && !inQ) throw new InputError(`${file}: the int8 model's input has no quantization`);
  if (opts.testData) {
    const sets = readSets(opts.testData);
    inputs = sets.map((s) => checkLength(s.inputs[0], inLength, s.dir, 'input_0.pb'));
    given = sets.map((s) => (s.outputs[0] ? checkLength(s.outputs[0], outLength, s.dir, 'output_0.pb') : undefined));
  } else {
    inputs = inQ ? syntheticQuantizedInputs(inShape, inQ, opts.testSets, opts.seed) : syntheticTestInputs(g, opts.testSets, opts.seed, opts.normalisation);
    given = inputs.map(() => undefined);
  }
  const testsFrom = opts.testData ? `${inputs.length} test set(s) from ${opts.testData}` : `${inputs.length} seeded synthetic test image(s) (seed ${opts.seed})`;

  if (imp.precision === 'int8') {
    const q = g as QuantGraph;
    const outQuant = imp.outputs[0].quant;
    const quantizeInput = (_q: QuantGraph, x: Float32Array) => quantizeLikeTflite(x, inQ!);
    let ref: ReferenceModel;
    if (opts.reference) ref = await referenceModel(opts.reference, inShape);
    else
      ref = {
        engine: 'the int8 interpreter (a TFLite int8 model has no float original here: give --reference FLOAT_MODEL to compare with one)',
        run: async (xs) =>
          xs.map((x) => {
            const y = runInt8(q, quantizeInput(q, x)).outputs[0];
            return outQuant ? dequantizeLikeTflite(y, outQuant) : Float32Array.from(y);
          }),
      };
    const { tests, engine } = await withReferences(inputs, given, ref, outLength, opts.testData ?? file);
    return {
      name: g.name,
      file,
      graph: g,
      kind: 'tflite-int8',
      quantized: q,
      quantizeInput,
      tests,
      calibration: [],
      calibrationSource: "none: the model's own TFLite quantization",
      referenceEngine: engine,
      notes: [`TFLite int8 model: the model's own scales and zero points`, ...imp.notes, `${testsFrom}; reference: ${engine}`],
    };
  }
  const ref = opts.reference ? await referenceModel(opts.reference, inShape) : floatReference(g);
  const { tests, engine } = await withReferences(inputs, given, ref, outLength, opts.testData ?? file);
  const cal = calibrationInputs(g, file, opts, fromTestData);
  return {
    name: g.name,
    file,
    graph: g,
    kind: 'tflite-float',
    tests,
    calibration: cal.inputs,
    calibrationSource: cal.source,
    referenceEngine: engine,
    notes: [`TFLite float model calibrated on ${cal.source}`, ...imp.notes, `${testsFrom}; reference: ${engine}`],
  };
}

/** An ONNX or TFLite model file as a ModelSource. */
export async function fileSource(file: string, opts: FileSourceOptions): Promise<ModelSource> {
  const kind = modelFileKind(file);
  if (kind === 'onnx') return onnxSource(file, opts);
  if (kind === 'tflite') return tfliteSource(file, opts);
  throw new InputError(`${file}: not an .onnx or .tflite model file`);
}
