// mcu-nas's own accuracy-predictor file: one JSON object that documents itself. The weights are
// base64 of little-endian float32 in PyTorch layout ([out][in] row-major), so the file is exact,
// about 2 MB for the lab's MLP, and readable by anything that can decode base64.
import os from 'node:os';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { parseJson, readText, writeFileAtomic } from '../io/read-input.ts';
import { describeIssue } from '../space/config.ts';
import { checkMlp, type MlpWeights } from './mlp.ts';

export const PREDICTOR_FORMAT = 'mcu-nas-accuracy-predictor/1';

const FORMAT_DESCRIPTION =
  'Accuracy predictor of the EfficientML Lab 3 MCUNet design space. Input: the lab encoder\'s 128-dim one-hot ' +
  '(image size 0-4, width 5-7, 20 kernel one-hots 8-67, 20 expand one-hots 68-127; inactive blocks all zero). ' +
  'Network: layers[i] computes z = W x + b with W of shape [out, in] (PyTorch layout), ' +
  '"activation" is applied after every layer except the last, and the output is z + baseAcc, ' +
  'a top-1 accuracy fraction (0.9 = 90 %). Each tensor is base64 of little-endian float32, row-major; ' +
  'bias null = no bias.';

const tensorText = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'is not base64');

const FileSchema = z.object({
  format: z.literal(PREDICTOR_FORMAT),
  description: z.string().optional(),
  activation: z.enum(['relu', 'none']),
  baseAcc: z.number(),
  layers: z
    .array(
      z.strictObject({
        name: z.string().optional(),
        shape: z.tuple([z.number().int().positive(), z.number().int().positive()]),
        weight: tensorText,
        bias: tensorText.nullable(),
      }),
    )
    .min(1),
  /** How it was made: command, seed, data, metrics. Free-form, kept for people. */
  training: z.record(z.string(), z.unknown()).optional(),
});

export type PredictorFile = z.infer<typeof FileSchema>;

// Typed arrays use the host's byte order; the file is little-endian, so a big-endian host swaps.
const HOST_LE = os.endianness() === 'LE';

function encodeF32(a: Float32Array): string {
  const b = Buffer.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  if (!HOST_LE) b.swap32();
  return b.toString('base64');
}

function decodeF32(text: string, n: number, where: string): Float32Array {
  const b = Buffer.from(text, 'base64');
  if (b.length !== n * 4) throw new InputError(`${where}: holds ${b.length} bytes, expected ${n * 4} (${n} float32 values)`);
  if (!HOST_LE) b.swap32();
  const out = new Float32Array(n);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** The file's JSON value for `w`; `training` records how it was made. */
export function predictorToJson(w: MlpWeights, training?: Record<string, unknown>): PredictorFile {
  return {
    format: PREDICTOR_FORMAT,
    description: FORMAT_DESCRIPTION,
    activation: w.activation,
    baseAcc: w.baseAcc,
    ...(training ? { training } : {}),
    layers: w.layers.map((l, i) => ({
      name: `layers.${i}`,
      shape: [l.out, l.in] as [number, number],
      weight: encodeF32(l.weight),
      bias: l.bias ? encodeF32(l.bias) : null,
    })),
  };
}

/** Validates a parsed file; errors name `source` and the field. */
export function predictorFromJson(value: unknown, source: string): MlpWeights {
  const r = FileSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    if (issue.path[0] === 'format' && value && typeof value === 'object')
      throw new InputError(`${source}: not an mcu-nas accuracy predictor (field "format" must be "${PREDICTOR_FORMAT}")`);
    throw new InputError(`${source}: ${describeIssue(issue, value)}`);
  }
  const f = r.data;
  const w: MlpWeights = {
    activation: f.activation,
    baseAcc: f.baseAcc,
    layers: f.layers.map((l, i) => ({
      out: l.shape[0],
      in: l.shape[1],
      weight: decodeF32(l.weight, l.shape[0] * l.shape[1], `${source}: field "layers[${i}].weight"`),
      bias: l.bias === null ? null : decodeF32(l.bias, l.shape[0], `${source}: field "layers[${i}].bias"`),
    })),
  };
  return checkMlp(w, source);
}

export function savePredictorFile(file: string, w: MlpWeights, training?: Record<string, unknown>): void {
  writeFileAtomic(file, `${JSON.stringify(predictorToJson(w, training), null, 1)}\n`);
}

export function loadPredictorFile(file: string): MlpWeights & { training?: Record<string, unknown> } {
  const value = parseJson(readText(file), file);
  const w = predictorFromJson(value, file);
  const training = (value as PredictorFile).training;
  return training ? { ...w, training } : w;
}
