// ONNX model-zoo test data: serialized TensorProto files, `input_K.pb` / `output_K.pb` in one folder,
// or such folders named `test_data_set_N` inside the given one. In a test_data_set_N folder, input_K is
// the model's K-th input (the model zoo's rule). In a flat folder for a one-input model, as the
// onnx-mcunet-subnets *.test folders are, each input_K / output_K pair is a test set of its own.
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../../errors.ts';
import { readBytes } from '../../io/read-input.ts';
import { decodeTensor } from './proto.ts';
import { readTensorProto } from './tensor-proto.ts';

export interface TestTensor {
  /** The TensorProto's name (may be empty). */
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export interface TestSet {
  /** The folder the set came from. */
  readonly dir: string;
  readonly inputs: readonly TestTensor[];
  /** Empty when the folder has no output_K.pb (the reference then comes from onnxruntime). */
  readonly outputs: readonly TestTensor[];
}

/** Reads one .pb file holding a float TensorProto. */
export function readTensorFile(file: string): TestTensor {
  const t = decodeTensor(readBytes(file), file);
  const c = readTensorProto(t, file);
  if (c.dtype !== 'float') throw new InputError(`${file}: holds integers; test data must be float tensors`);
  return { name: t.name ?? '', dims: c.dims, data: c.data as Float32Array };
}

/** input_0.pb, input_1.pb, ... in index order; stops at the first gap. */
function numbered(dir: string, prefix: string, files: readonly string[]): string[] {
  const out: string[] = [];
  for (let k = 0; files.includes(`${prefix}_${k}.pb`); k++) out.push(path.join(dir, `${prefix}_${k}.pb`));
  return out;
}

function readSet(dir: string, files: readonly string[]): TestSet {
  const inputs = numbered(dir, 'input', files).map(readTensorFile);
  if (inputs.length === 0) throw new InputError(`${dir}: no input_0.pb`);
  return { dir, inputs, outputs: numbered(dir, 'output', files).map(readTensorFile) };
}

function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${dir}: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (e as Error).message}`);
  }
}

/**
 * Every test set under `dir`: its test_data_set_N subfolders in N order, or the folder itself (one set
 * per input_K/output_K pair when the model has `modelInputs` = 1 input, else one set).
 */
export function readTestData(dir: string, modelInputs = 1): TestSet[] {
  const files = list(dir);
  if (files.includes('input_0.pb')) {
    if (modelInputs !== 1) return [readSet(dir, files)];
    return numbered(dir, 'input', files).map((file, k) => {
      const out = `output_${k}.pb`;
      return { dir: `${dir} (pair ${k})`, inputs: [readTensorFile(file)], outputs: files.includes(out) ? [readTensorFile(path.join(dir, out))] : [] };
    });
  }
  const sets = files
    .map((f) => /^test_data_set_(\d+)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => readSet(path.join(dir, m[0]), list(path.join(dir, m[0]))));
  if (sets.length === 0) throw new InputError(`${dir}: no input_0.pb and no test_data_set_N folders`);
  return sets;
}
