// The float oracle: runs an ONNX model as onnxruntime does, the reference for `validate` when a test
// set has no outputs, for `evaluate`'s float accuracy, and for tests. This is the one module that talks to
// onnxruntime. onnxruntime-node is a native addon, loaded on first use only so that commands which never
// need it do not pay for it. It is an optional dependency: where it is not installed (or its native library
// does not load), `onnxruntimeMissing()` says why and the callers use the project's float interpreter instead,
// and say so.
import { InputError, printable, show } from '../errors.ts';

export interface OracleTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export interface OracleInput {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export interface RunOnnxOptions {
  /** How the model is named in messages; default the path, or "model.onnx" for bytes. */
  source?: string;
  /** onnxruntime's graph optimizations; default off, so the model's own arithmetic is what runs. */
  optimize?: boolean;
}

type Ort = typeof import('onnxruntime-node');
let ortModule: Promise<Ort> | undefined;
function ort(): Promise<Ort> {
  ortModule ??= process.env.MCU_NAS_NO_ONNXRUNTIME === '1' ? Promise.reject(new Error('MCU_NAS_NO_ONNXRUNTIME=1')) : import('onnxruntime-node');
  return ortModule;
}

/** What the float oracle falls back to, for messages: where onnxruntime-node is absent. */
export const ONNXRUNTIME_ABSENT = 'onnxruntime-node is not installed; it is an optional dependency: npm install onnxruntime-node';

/**
 * Null when onnxruntime can run here; otherwise why not (not installed, its native library does not load,
 * or MCU_NAS_NO_ONNXRUNTIME=1, which tests use to take the path of an install without it).
 */
export async function onnxruntimeMissing(): Promise<string | null> {
  try {
    await ort();
    return null;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || (e as Error).message === 'MCU_NAS_NO_ONNXRUNTIME=1') return ONNXRUNTIME_ABSENT;
    return `onnxruntime-node does not load here (${reason(e)})`;
  }
}

/**
 * onnxruntime's message without its C++ source location and signature prefix, on one line and shortened:
 * it quotes the model's own node and value names, so it is outside text (printable).
 */
function reason(e: unknown): string {
  const m = printable((e instanceof Error ? e.message : String(e)).replace(/^\/\S+:\d+ [^)]*\)(\s*\[[^\]]*\])?[\s:\d]*(FAIL\s*:\s*)?/, '')).trim();
  return m.length > 300 ? `${m.slice(0, 297)}...` : m;
}

export interface OnnxRunOptions {
  /** Only these outputs (by name), in this order; default every output in the model's order. */
  outputs?: readonly string[];
}

/** An onnxruntime session kept open: `evaluate` runs 10,000 images through one (opening costs ~6 ms). */
export interface OnnxSession {
  readonly source: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Inputs in the model's input order (or by input name); float32 outputs back. */
  run(inputs: readonly OracleInput[] | Readonly<Record<string, OracleInput>>, opts?: OnnxRunOptions): Promise<OracleTensor[]>;
  /** Releases the native session; run() fails afterwards. Safe to call twice. */
  close(): Promise<void>;
}

/** Opens `model` (a path or the file's bytes) for any number of runs. A model onnxruntime refuses: InputError. */
export async function openOnnx(model: string | Uint8Array, opts: RunOnnxOptions = {}): Promise<OnnxSession> {
  const source = opts.source ?? (typeof model === 'string' ? model : 'model.onnx');
  const missing = await onnxruntimeMissing();
  if (missing) throw new InputError(`${source}: cannot run the model in onnxruntime: ${missing}`);
  const { InferenceSession, Tensor } = await ort();
  // Log level fatal: onnxruntime would otherwise print its own copy of an error to stderr, raw (escape codes and
  // line breaks of the model's node names included); the same text comes back in the exception, through reason().
  const options = { graphOptimizationLevel: opts.optimize ? ('all' as const) : ('disabled' as const), logSeverityLevel: 4 as const };
  let session: Awaited<ReturnType<typeof InferenceSession.create>>;
  try {
    session = typeof model === 'string' ? await InferenceSession.create(model, options) : await InferenceSession.create(model, options);
  } catch (e) {
    throw new InputError(`${source}: onnxruntime cannot load the model (${reason(e)})`);
  }
  let closed = false;
  return {
    source,
    inputNames: session.inputNames.slice(),
    outputNames: session.outputNames.slice(),
    async run(inputs, runOpts = {}) {
      if (closed) throw new Error(`${source}: onnxruntime session used after close()`);
      const feeds: Record<string, InstanceType<typeof Tensor>> = {};
      const byName = !Array.isArray(inputs) ? (inputs as Readonly<Record<string, OracleInput>>) : undefined;
      const list = inputs as readonly OracleInput[];
      if (!byName && list.length !== session.inputNames.length)
        throw new InputError(`${source}: the model takes ${session.inputNames.length} inputs (${session.inputNames.map((n) => show(n)).join(', ')}), got ${list.length}`);
      session.inputNames.forEach((name, k) => {
        const x = byName ? byName[name] : list[k];
        if (!x) throw new InputError(`${source}: no value for input ${show(name)}`);
        feeds[name] = new Tensor('float32', x.data, x.dims.slice());
      });
      const wanted = runOpts.outputs ?? session.outputNames;
      for (const name of wanted) if (!session.outputNames.includes(name)) throw new InputError(`${source}: the model has no output ${show(name)}`);
      let result: Awaited<ReturnType<typeof session.run>>;
      try {
        result = runOpts.outputs ? await session.run(feeds, wanted.slice()) : await session.run(feeds);
      } catch (e) {
        throw new InputError(`${source}: onnxruntime failed to run the model (${reason(e)})`);
      }
      return wanted.map((name) => {
        const t = result[name];
        if (t.type !== 'float32') throw new InputError(`${source}: output ${show(name)} is ${t.type}, not float32`);
        return { name, dims: t.dims.slice(), data: t.data as Float32Array };
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}

/**
 * Runs the model once. `inputs` are in the model's input order (or by input name); outputs come back
 * in the model's output order, float32 only.
 */
export async function runOnnx(model: string | Uint8Array, inputs: readonly OracleInput[] | Readonly<Record<string, OracleInput>>, opts: RunOnnxOptions = {}): Promise<OracleTensor[]> {
  const session = await openOnnx(model, opts);
  try {
    return await session.run(inputs);
  } finally {
    await session.close();
  }
}
