// Where a model comes from, for compile and validate: a float IR graph (or an int8 graph with the model's
// own quantization), the inputs to calibrate on, and the test inputs with their reference outputs. An arch
// config gives seeded weights, seeded synthetic inputs and the float interpreter as reference; model files
// (ONNX float or QDQ, TFLite int8 or float: file-source.ts) give their own weights, and their test inputs
// come from a --test-data folder (with output_K.pb references) or are seeded synthetic images.
import type { Graph } from '../ir/graph.ts';
import { lowerArch } from '../frontend/arch-to-ir.ts';
import { runFloat, syntheticInputs, type QuantGraph } from '../quant/index.ts';
import type { ArchConfig } from '../space/config.ts';

export interface TestInput {
  /** Real-valued input (the graph's single input). */
  input: Float32Array;
  /** Reference output; undefined means "the float interpreter's output". */
  reference?: Float32Array;
}

export interface ModelSource {
  /** Shown in messages and reports. */
  name: string;
  /** The model file, when there is one: messages about the model's numbers name it. */
  file?: string;
  graph: Graph;
  calibration: Float32Array[];
  tests: TestInput[];
  /** Facts a report should carry (e.g. that weights are seeded, not trained). */
  notes: string[];
  /** Where the calibration inputs came from ('random' or a folder). */
  calibrationSource: string;
  /** What the model is: an arch config, or a model file of some kind. */
  kind?: SourceKind;
  /** A model that brings its own int8 quantization (TFLite int8, ONNX QDQ): used as is, not calibrated. */
  quantized?: QuantGraph;
  /** How a real-valued test input becomes the int8 input bytes (default src/quant's quantizeInput). */
  quantizeInput?: (q: QuantGraph, x: Float32Array) => Int8Array;
  /** What computed the reference outputs (e.g. 'output_K.pb', 'onnxruntime', 'float interpreter'). */
  referenceEngine?: string;
}

export type SourceKind = 'arch' | 'onnx-float' | 'onnx-qdq' | 'tflite-int8' | 'tflite-float';

export interface ArchSourceOptions {
  seed: number;
  calibrationSamples: number;
  testSets: number;
  /** Trained weights (the super network's subnet) instead of seeded ones, with notes on where they came from. */
  trained?: { graph: Graph; notes: string[] };
}

/**
 * An arch config: seeded weights (the same seed, the same network) and seeded synthetic inputs; the
 * calibration inputs are samples 0..C-1 of the seed's stream and the test inputs the following ones, so
 * tests never reuse a calibration input.
 */
export function archSource(arch: ArchConfig, opts: ArchSourceOptions): ModelSource {
  const graph = opts.trained?.graph ?? lowerArch(arch, { seed: opts.seed });
  const all = syntheticInputs(graph, opts.calibrationSamples + opts.testSets, opts.seed).map((s) => s[0]);
  return {
    name: graph.name,
    graph,
    calibration: all.slice(0, opts.calibrationSamples),
    tests: all.slice(opts.calibrationSamples).map((input) => ({ input })),
    notes: [
      ...(opts.trained?.notes ?? [
        `weights are seeded (seed ${opts.seed}) with BatchNorm statistics folded in: no trained super network was given (--supernet), so accuracy figures are not meaningful; bit-exactness and cost are`,
      ]),
      `calibrated on ${opts.calibrationSamples} seeded synthetic inputs (ImageNet-normalised uniform noise)`,
    ],
    calibrationSource: `seeded synthetic (${opts.calibrationSamples} inputs, seed ${opts.seed})`,
    kind: 'arch',
    referenceEngine: 'float interpreter',
  };
}

/** The reference output of a test input: its own, else the float interpreter's. */
export function referenceOutput(g: Graph, t: TestInput): Float32Array {
  return t.reference ?? runFloat(g, t.input).outputs[0];
}
