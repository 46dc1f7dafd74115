// The front half of compile, without files: float graph -> calibration -> QuantGraph -> plan, and the
// test vectors (int8 inputs and the golden int8 outputs of the TypeScript interpreter).
import type { Board } from '../board/schema.ts';
import { InputError } from '../errors.ts';
import { calibrate, quantize, quantizeInput, runInt8, type QuantGraph } from '../quant/index.ts';
import { planGraph, PlanError, type KernelBackend, type PatchRequest, type Plan } from '../schedule/index.ts';
import type { ModelSource } from './model-source.ts';

export interface PreparedTest {
  input: Int8Array;
  /** The golden model's output: what the firmware must print, byte for byte. */
  golden: Int8Array;
}

export interface Prepared {
  source: ModelSource;
  q: QuantGraph;
  plan: Plan;
  tests: PreparedTest[];
  backend: KernelBackend;
  patch: PatchRequest;
}

export function planFor(graph: Parameters<typeof planGraph>[0], board: Board, patch: PatchRequest, backend: KernelBackend): Plan {
  try {
    return planGraph(graph, board, { patch, kernels: backend });
  } catch (e) {
    if (e instanceof PlanError) throw new InputError(e.message);
    throw e;
  }
}

export function prepare(source: ModelSource, board: Board, opts: { patch: PatchRequest; backend: KernelBackend }): Prepared {
  const named = { source: source.file };
  const q = source.quantized ?? quantize(source.graph, calibrate(source.graph, source.calibration, named), named);
  const plan = planFor(q, board, opts.patch, opts.backend);
  const toInt8 = source.quantizeInput ?? quantizeInput;
  const tests = source.tests.map((t) => {
    const input = toInt8(q, t.input);
    return { input, golden: runInt8(q, input).outputs[0] };
  });
  return { source, q, plan, tests, backend: opts.backend, patch: opts.patch };
}
