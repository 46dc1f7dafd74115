// Loading the lab's own PyTorch checkpoints (torch.save zip: <name>/data.pkl + <name>/data/<key>
// raw little-endian storages) into MlpWeights. Two key layouts exist (see the PROVENANCE of
// ../shared/data/mcunet-acc-predictor*/): the intended Sequential(Linear, ReLU, ...) with biases
// (layers.0/2/4 + bias, layers.6.weight) and the student's linear variant (layers.0..3.weight only).
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { InputError } from '../errors.ts';
import { checkMlp, type DenseLayer, type MlpWeights } from './mlp.ts';
import { unpickleStateDict, type PyValue, type TensorRef } from './torch-pickle.ts';

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/** Nothing in a predictor checkpoint is this big; it bounds what a hostile archive can make us allocate. */
const MAX_ENTRY_BYTES = 256 * 1024 * 1024;
/** Deflate cannot expand by more than about 1032:1. */
const MAX_DEFLATE_RATIO = 1032;

function unzipArchive(bytes: Uint8Array, source: string): Record<string, Uint8Array> {
  const fail = (why: string): never => {
    throw new InputError(`${source}: ${why}`);
  };
  const wanted = (f: UnzipFileInfo) => /(^|\/)(data\.pkl|byteorder|data\/[^/]+)$/.test(f.name);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (!wanted(f)) return false;
        if (f.compression !== 0 && f.compression !== 8) fail(`archive entry ${f.name} uses unsupported compression ${f.compression}`);
        const limit = f.compression === 0 ? f.size : Math.min(MAX_ENTRY_BYTES, f.size * MAX_DEFLATE_RATIO);
        if (f.originalSize > limit || f.size > bytes.length)
          fail(`archive entry ${f.name} claims ${f.originalSize} bytes, more than the file can hold`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof InputError) throw e;
    return fail(`not a PyTorch checkpoint: the zip archive is unreadable, truncated or corrupted (${(e as Error).message})`);
  }
  return files;
}

/** A torch.save archive, opened: the pickle's top-level value and the raw storages it refers to. */
export interface TorchArchive {
  root: PyValue;
  /** The raw bytes of data/<key>, if the archive holds it. */
  storage(key: string): Uint8Array | undefined;
}

/** Unzips a torch.save archive and unpickles its data.pkl (restricted unpickler; InputError naming `source`). */
export function openTorchArchive(bytes: Uint8Array, source: string): TorchArchive {
  const fail = (why: string): never => {
    throw new InputError(`${source}: ${why}`);
  };
  const files = unzipArchive(bytes, source);
  const pkls = Object.keys(files).filter((n) => n.endsWith('data.pkl'));
  if (pkls.length !== 1) fail(pkls.length ? 'archive holds more than one data.pkl' : 'archive has no data.pkl (not a torch.save checkpoint)');
  const prefix = pkls[0].slice(0, -'data.pkl'.length);
  const order = files[`${prefix}byteorder`];
  if (order && new TextDecoder().decode(order) !== 'little') fail('storages are big-endian; only little-endian checkpoints are supported');
  const root: PyValue = unpickleStateDict(files[pkls[0]], `${source} (${pkls[0]})`);
  return { root, storage: (key) => files[`${prefix}data/${key}`] };
}

const STORAGE_BYTES: Record<string, number> = { FloatStorage: 4, LongStorage: 8 };

/**
 * Checks a tensor reference against its storage (present, complete, in bounds, C-contiguous) and returns
 * the storage bytes with the element offset. Only FloatStorage, and LongStorage when `allowInt64`.
 */
export function checkedStorage(archive: TorchArchive, name: string, t: TensorRef, source: string, allowInt64 = false): { raw: Uint8Array; numel: number } {
  const fail = (why: string): never => {
    throw new InputError(`${source}: ${why}`);
  };
  if (t.storage.type !== 'FloatStorage' && !(allowInt64 && t.storage.type === 'LongStorage')) fail(`tensor "${name}" is ${t.storage.type}; only float32 is supported`);
  const width = STORAGE_BYTES[t.storage.type];
  const raw = archive.storage(t.storage.key);
  if (!raw) return fail(`tensor "${name}": storage data/${t.storage.key} is missing from the archive`);
  if (raw.length !== t.storage.numel * width)
    fail(`tensor "${name}": storage data/${t.storage.key} has ${raw.length} bytes, expected ${t.storage.numel * width} (truncated?)`);
  const numel = t.shape.reduce((a, b) => a * b, 1);
  if (t.shape.some((d) => d < 0) || t.offset < 0 || t.offset + numel > t.storage.numel)
    fail(`tensor "${name}": shape [${t.shape}] at offset ${t.offset} exceeds its storage of ${t.storage.numel} values`);
  // Only C-contiguous tensors (what torch.save writes for freshly created parameters).
  let expect = 1;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    if (t.shape[d] > 1 && t.stride[d] !== expect) fail(`tensor "${name}" is not contiguous (stride [${t.stride}])`);
    expect *= t.shape[d];
  }
  return { raw: raw.subarray(t.offset * width, (t.offset + numel) * width), numel };
}

/** The float32 values of a checked FloatStorage tensor (a copy, C order). */
export function floatValues(raw: Uint8Array, numel: number): Float32Array {
  // Aligned little-endian bytes are float32 as they are; copy them in one go (a 4 M-value checkpoint loads in ms).
  if (raw.byteOffset % 4 === 0 && new Uint8Array(new Uint32Array([1]).buffer)[0] === 1) return new Float32Array(raw.buffer, raw.byteOffset, numel).slice();
  const view = new DataView(raw.buffer, raw.byteOffset, numel * 4);
  const data = new Float32Array(numel);
  for (let i = 0; i < numel; i++) data[i] = view.getFloat32(i * 4, true);
  return data;
}

/** Reads the tensors of a torch.save'd state dict: name → float32 values (C order) and shape. */
export function readTorchStateDict(bytes: Uint8Array, source: string): Map<string, NamedTensor> {
  const fail = (why: string): never => {
    throw new InputError(`${source}: ${why}`);
  };
  const archive = openTorchArchive(bytes, source);
  const root = archive.root;
  if (typeof root !== 'object' || root === null || Array.isArray(root) || root.kind !== 'dict')
    return fail('data.pkl does not hold a state dict (an OrderedDict of tensors)');

  const out = new Map<string, NamedTensor>();
  for (const [name, value] of root.entries) {
    if (typeof name !== 'string') throw new InputError(`${source}: state dict key ${String(name)} is not a string`);
    const t = value as TensorRef;
    if (typeof t !== 'object' || t === null || Array.isArray(t) || t.kind !== 'tensor') fail(`state dict entry "${name}" is not a tensor`);
    const { raw, numel } = checkedStorage(archive, name, t, source);
    out.set(name, { shape: t.shape, data: floatValues(raw, numel) });
  }
  return out;
}

export type CheckpointLayout = 'intended' | 'linear';

/**
 * Which of the lab's layouts the keys describe: 'intended' = Linear+ReLU blocks at Sequential indices
 * 0, 2, 4, … with biases and a bias-free last Linear; 'linear' = Linear layers 0, 1, 2, … without biases.
 */
export function detectLayout(keys: readonly string[], source: string): { layout: CheckpointLayout; indices: number[] } {
  const fail = (why: string): never => {
    throw new InputError(`${source}: ${why}`);
  };
  const weights: number[] = [];
  const biases: number[] = [];
  for (const k of keys) {
    if (k === 'base_acc') continue;
    const m = /^layers\.(\d+)\.(weight|bias)$/.exec(k);
    if (!m) fail(`unknown state dict key "${k}" (expected base_acc and layers.N.weight/bias)`);
    (m![2] === 'weight' ? weights : biases).push(Number(m![1]));
  }
  if (!keys.includes('base_acc')) fail('state dict has no base_acc');
  weights.sort((a, b) => a - b);
  biases.sort((a, b) => a - b);
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  if (weights.length >= 2 && biases.length === 0 && same(weights, weights.map((_, i) => i))) return { layout: 'linear', indices: weights };
  const even = weights.map((_, i) => 2 * i);
  if (weights.length >= 2 && same(weights, even) && same(biases, even.slice(0, -1))) return { layout: 'intended', indices: weights };
  return fail(
    `unknown state dict layout (weights at layers ${weights.join(',') || 'none'}, biases at ${biases.join(',') || 'none'}); ` +
      'expected the lab MLP (layers.0/2/4 weight+bias, layers.6.weight) or the linear variant (layers.0..3.weight)',
  );
}

/** Builds the MLP a lab checkpoint describes; shapes are checked, and every problem names `source`. */
export function mlpFromStateDict(tensors: Map<string, NamedTensor>, source: string): MlpWeights & { layout: CheckpointLayout } {
  const { layout, indices } = detectLayout([...tensors.keys()], source);
  const base = tensors.get('base_acc')!;
  if (base.data.length !== 1) throw new InputError(`${source}: base_acc has shape [${base.shape}], expected [1]`);
  const layers: DenseLayer[] = indices.map((i) => {
    const w = tensors.get(`layers.${i}.weight`)!;
    if (w.shape.length !== 2) throw new InputError(`${source}: layers.${i}.weight has shape [${w.shape}], expected [out, in]`);
    const b = tensors.get(`layers.${i}.bias`);
    if (b && (b.shape.length !== 1 || b.shape[0] !== w.shape[0]))
      throw new InputError(`${source}: layers.${i}.bias has shape [${b.shape}], expected [${w.shape[0]}]`);
    return { out: w.shape[0], in: w.shape[1], weight: w.data, bias: b ? b.data : null };
  });
  const mlp = { activation: layout === 'intended' ? ('relu' as const) : ('none' as const), layers, baseAcc: base.data[0], layout };
  checkMlp(mlp, source);
  return mlp;
}

/** Reads a lab `.pth` accuracy-predictor checkpoint. */
export function loadTorchPredictor(bytes: Uint8Array, source: string): MlpWeights & { layout: CheckpointLayout } {
  return mlpFromStateDict(readTorchStateDict(bytes, source), source);
}
