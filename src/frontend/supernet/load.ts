// Reading the lab's once-for-all checkpoint (vww_supernet.pth: torch.save({"state_dict": ...}), zip
// format) with the project's restricted unpickler, and checking it strictly against the super network's
// keys and shapes, as the lab's load_state_dict(strict=True) does. Every problem is an InputError that
// names the file and the key (or the reason the file cannot be read).
import { InputError } from '../../errors.ts';
import { readBytes } from '../../io/read-input.ts';
import { checkedStorage, floatValues, openTorchArchive, type NamedTensor } from '../../predict/torch-checkpoint.ts';
import type { PyDict, PyValue, TensorRef } from '../../predict/torch-pickle.ts';
import { N_CLASSES } from '../../space/constants.ts';
import { expectedSupernetKeys } from './expected-keys.ts';

/** A checked super network: every float tensor by its state-dict key (num_batches_tracked is checked, not kept). */
export interface Supernet {
  readonly source: string;
  readonly tensors: ReadonlyMap<string, NamedTensor>;
}

const isDict = (v: PyValue | undefined): v is PyDict => typeof v === 'object' && v !== null && !Array.isArray(v) && v.kind === 'dict';
const isTensor = (v: PyValue | undefined): v is TensorRef => typeof v === 'object' && v !== null && !Array.isArray(v) && v.kind === 'tensor';
const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;
const CLASSIFIER = 'classifier.linear.linear.weight';

/** Reads and checks a super-network checkpoint from its bytes; `source` names it in messages. */
export function readSupernet(bytes: Uint8Array, source: string): Supernet {
  const fail = (why: string): never => {
    throw new InputError(`${source}: ${why}`);
  };
  const archive = openTorchArchive(bytes, source);
  // The lab saves {"state_dict": ..., maybe more}; a bare state dict is accepted too.
  const root = archive.root;
  if (!isDict(root)) return fail('the checkpoint does not hold a dict (expected {"state_dict": ...} or a state dict)');
  const wrapped = root.entries.get('state_dict');
  if (wrapped !== undefined && !isDict(wrapped)) return fail('"state_dict" is not a dict of tensors');
  const dict = wrapped ?? root;

  const found = new Map<string, TensorRef>();
  for (const [name, value] of dict.entries) {
    if (typeof name !== 'string') fail(`state dict key ${String(name)} is not a string`);
    if (!isTensor(value)) fail(`state dict entry "${String(name)}" is not a tensor`);
    found.set(name as string, value as TensorRef);
  }

  const expected = expectedSupernetKeys();
  if (!expected.some((e) => found.has(e.key))) {
    const first = found.keys().next().value;
    fail(`not the lab's OFAMCUNets super network: none of its ${expected.length} keys is present${first === undefined ? ' (the state dict is empty)' : ` (first key found: "${first}")`}`);
  }
  // The class count first: a checkpoint trained for another task differs there and nowhere else.
  const cls = found.get(CLASSIFIER);
  if (cls && cls.shape.length === 2 && cls.shape[0] !== N_CLASSES)
    fail(`"${CLASSIFIER}" has shape ${shapeText(cls.shape)}: a ${cls.shape[0]}-class network; the lab's super network (and mcu-nas's design space) has ${N_CLASSES} classes`);

  const tensors = new Map<string, NamedTensor>();
  for (const e of expected) {
    const t = found.get(e.key);
    if (!t) return fail(`missing key "${e.key}" (shape ${shapeText(e.shape)}); is this the lab's OFAMCUNets super network?`);
    const dtype = t.storage.type === 'LongStorage' ? 'int64' : t.storage.type === 'FloatStorage' ? 'float32' : t.storage.type;
    if (dtype !== e.dtype) fail(`key "${e.key}" is ${dtype}, expected ${e.dtype}`);
    if (t.shape.length !== e.shape.length || t.shape.some((d, i) => d !== e.shape[i]))
      fail(`key "${e.key}" has shape ${shapeText(t.shape)}, expected ${shapeText(e.shape)}`);
    const { raw, numel } = checkedStorage(archive, e.key, t, source, e.dtype === 'int64');
    if (e.dtype === 'float32') tensors.set(e.key, { shape: t.shape, data: floatValues(raw, numel) });
  }
  if (found.size !== expected.length) {
    const known = new Set(expected.map((e) => e.key));
    const extra = [...found.keys()].filter((k) => !known.has(k));
    fail(`unexpected key "${extra[0]}"${extra.length > 1 ? ` (and ${extra.length - 1} more)` : ''}; the lab's super network has exactly ${expected.length} keys`);
  }
  return { source, tensors };
}

/** Reads and checks the super-network checkpoint at `file`. */
export function loadSupernet(file: string): Supernet {
  return readSupernet(readBytes(file), file);
}
