// evaluate's int8 outputs, from one of two engines that must agree bit for bit: the generated C built for
// this machine (host-int8.ts; on onnx-mnist8 about ten times the interpreter's speed per image), or the TypeScript
// int8 interpreter, the golden model. `auto` takes the host C build where a host gcc exists. Before the host
// C outputs are used, the first AGREEMENT_SAMPLE images are run through the interpreter too and compared
// byte for byte: a difference stops evaluate with exit 1, naming the first image that differs.
import type { Board } from '../board/schema.ts';
import { loadBoard } from '../board/load.ts';
import { DEFAULT_BOARD } from '../board/default-board.ts';
import type { Dataset } from '../data/index.ts';
import { CheckFailure, InputError } from '../errors.ts';
import { quantizeInput, runInt8, type QuantGraph } from '../quant/index.ts';
import type { Int8EngineChoice } from './evaluate-defaults.ts';
import type { EvaluatedModel } from './evaluated-model.ts';
import { buildHostInt8, HostBuildError, hostCompiler, runHostInt8 } from './host-int8.ts';

/** Images whose host C outputs are checked against the interpreter's before the rest are trusted. */
export const AGREEMENT_SAMPLE = 32;

export type Int8Engine = 'host-c' | 'interpreter';

export interface Int8Outputs {
  engine: Int8Engine;
  /** host-c: every evaluated image's int8 output, back to back (outputBytes each). */
  outputs?: Int8Array;
  outputBytes?: number;
  /** host-c: the sample compared with the interpreter (all identical: otherwise evaluate stopped). */
  agreement?: { images: number; identical: number };
  /** Why auto chose the interpreter. */
  note?: string;
}

export interface Int8Request {
  choice: Int8EngineChoice;
  /** The board whose layer-by-layer plan the host build uses (any board computes the same bytes). */
  board?: Board;
  /** Host processes run at once. */
  jobs: number;
  onStage?: (message: string) => void;
}

/** The int8 outputs of every image of `evaluation` by the host C build, or the interpreter chosen (outputs then computed while scoring). */
export async function int8Outputs(model: EvaluatedModel, q: QuantGraph, evaluation: Dataset, req: Int8Request): Promise<Int8Outputs> {
  if (req.choice === 'interpreter') return { engine: 'interpreter' };
  const cc = hostCompiler();
  if (!cc) {
    if (req.choice === 'host-c') throw new InputError('--int8-engine host-c: no host C compiler (gcc on PATH, or MCUNAS_HOST_CC); install gcc or give --int8-engine interpreter');
    return { engine: 'interpreter', note: 'no host gcc on PATH (MCUNAS_HOST_CC names another compiler)' };
  }
  let host;
  try {
    req.onStage?.(`building the int8 model for this machine (${cc} -O2) ...`);
    host = await buildHostInt8(q, req.board ?? loadBoard(DEFAULT_BOARD), cc);
    if (host.cached) req.onStage?.('  the same build was cached');
  } catch (e) {
    // A model the C generator cannot express (an op without a template), or a host compiler that refuses
    // the C: the interpreter still runs it.
    if (req.choice === 'host-c' || !(e instanceof InputError || e instanceof HostBuildError)) throw e;
    return { engine: 'interpreter', note: `${e instanceof HostBuildError ? 'the host build failed' : 'the generated C cannot run this model'}: ${e.message.split('\n')[0]}` };
  }
  const count = evaluation.size;
  const inputs = new Int8Array(count * host.inputBytes);
  const sources: string[] = [];
  for (let i = 0; i < count; i++) {
    const s = evaluation.get(i);
    if (i < AGREEMENT_SAMPLE) sources.push(s.source);
    inputs.set(quantizeInput(q, model.toIr(s.image)), i * host.inputBytes);
  }
  req.onStage?.(`running ${count} images through the host build (${Math.min(req.jobs, Math.max(1, count))} process${req.jobs > 1 && count > 1 ? 'es' : ''}) ...`);
  const outputs = await runHostInt8(host, inputs, req.jobs);
  const ob = host.outputBytes;
  const sample = Math.min(AGREEMENT_SAMPLE, count);
  for (let i = 0; i < sample; i++) {
    const mine = runInt8(q, inputs.subarray(i * host.inputBytes, (i + 1) * host.inputBytes)).outputs[0];
    const theirs = outputs.subarray(i * ob, (i + 1) * ob);
    const k = mine.findIndex((v, j) => v !== theirs[j]);
    if (k >= 0 || mine.length !== ob)
      throw new CheckFailure(
        `${model.file}: the generated C built for this machine and the int8 interpreter differ on image ${i} (${sources[i]}): output byte ${k} is ${theirs[k]} in C, ${mine[k]} in the interpreter`,
        { image: i, source: sources[i], byte: k, c: theirs[k], interpreter: mine[k] },
      );
  }
  return { engine: 'host-c', outputs, outputBytes: ob, agreement: { images: sample, identical: sample } };
}
