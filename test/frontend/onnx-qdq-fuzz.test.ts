// Malformed QDQ files never crash the QDQ import: the QDQ form of onnx-mnist8 is mutated a few hundred
// times with a fixed seed (flipped and truncated bytes; Q/DQ scales, zero points, axes and inputs set to
// absurd values), and every import ends in an InputError naming the file, or in a valid int8 graph that
// the int8 interpreter runs.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importOnnxQdq, readTestData } from '../../src/frontend/onnx/index.ts';
import { onnx, type ModelProto } from '../../src/frontend/onnx/proto.ts';
import { checkGraph } from '../../src/ir/index.ts';
import { runInt8 } from '../../src/quant/index.ts';
import { InputError } from '../../src/errors.ts';
import { sharedPath } from '../helpers/shared.ts';
import { floatTensor, intTensor, toQdq } from './onnx-qdq-writer.ts';

function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  return { int: (n: number) => Math.floor(next() * n), pick: <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)] };
}
type Rand = ReturnType<typeof rng>;

const SCALES = [0, -1, NaN, Infinity, 1e-45, 1e38, 3.4e38, 1e-30];
const ZERO_POINTS = [300, -129, 256, -1, 2 ** 31, 0.5];
const TYPES = [onnx.TensorProto.DataType.INT16, onnx.TensorProto.DataType.UINT8, onnx.TensorProto.DataType.INT32, onnx.TensorProto.DataType.FLOAT, 22 /* INT4 */];

/** One structural change to a Q/DQ node or its parameters; returns what it did. */
function mutateQdq(m: ModelProto, r: Rand): string {
  const g = m.graph!;
  const qdq = g.node!.filter((n) => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear');
  const n = r.pick(qdq);
  const replaceInit = (name: string, t: ReturnType<typeof floatTensor>) => (g.initializer = [...g.initializer!.filter((u) => u.name !== name), t]);
  switch (r.int(7)) {
    case 0: {
      const s = r.pick(SCALES);
      replaceInit(n.input![1], floatTensor(n.input![1], [], [s]));
      return `${n.name}: scale ${s}`;
    }
    case 1: {
      const z = r.pick(ZERO_POINTS);
      const type = r.pick(TYPES);
      if (n.input![2]) replaceInit(n.input![2], intTensor(n.input![2], [], type, [z]));
      return `${n.name}: zero point ${z} type ${type}`;
    }
    case 2: {
      const axis = r.pick([-5, -1, 0, 1, 3, 4, 2 ** 31]);
      n.attribute = [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: axis }];
      return `${n.name}: axis ${axis}`;
    }
    case 3:
      n.input = n.input!.slice(0, r.int(3));
      return `${n.name}: inputs cut to ${n.input.length}`;
    case 4: {
      const k = r.int(3);
      const other = r.pick(g.node!).output![0];
      n.input = n.input!.map((x, i) => (i === k ? other : x));
      return `${n.name}: input ${k} from ${other}`;
    }
    case 5: {
      const scales = Array.from({ length: r.pick([2, 3, 10, 16]) }, () => 0.01);
      replaceInit(n.input![1], floatTensor(n.input![1], [scales.length], scales));
      return `${n.name}: ${scales.length} scales`;
    }
    default:
      n.opType = n.opType === 'QuantizeLinear' ? 'DequantizeLinear' : 'QuantizeLinear';
      return `${n.name}: op swapped to ${n.opType}`;
  }
}

describe('QDQ import fuzz', () => {
  it('ends every mutated QDQ model in an InputError or a runnable int8 graph', async () => {
    const sets = readTestData(sharedPath('data/onnx-mnist8'));
    const dims = sets[0].inputs[0].dims.slice();
    const base = await toQdq(fs.readFileSync(sharedPath('data/onnx-mnist8/model.onnx')), sets.map((s) => s.inputs[0].data), dims, { activation: 'uint8', perChannel: true });
    const r = rng(20240605);
    // A plain copy: the encoder hands back a Node Buffer, whose slice() is a view, not a copy.
    const original = Uint8Array.from(base.bytes);
    let refused = 0;
    let imported = 0;
    for (let k = 0; k < 300; k++) {
      let bytes: Uint8Array;
      let what: string;
      const kind = r.int(4);
      if (kind === 0) {
        bytes = original.slice(0, r.int(original.length));
        what = `truncated to ${bytes.length}`;
      } else if (kind === 1) {
        bytes = original.slice();
        for (let f = 0; f < 4; f++) bytes[r.int(bytes.length)] ^= 1 << r.int(8);
        what = 'flipped bits';
      } else {
        const m: ModelProto = onnx.ModelProto.decode(original);
        what = mutateQdq(m, r);
        if (kind === 3) what += `; ${mutateQdq(m, r)}`;
        bytes = onnx.ModelProto.encode(m).finish();
      }
      try {
        const imp = importOnnxQdq(bytes, { source: 'fuzz.onnx' });
        expect(checkGraph(imp.graph), what).toEqual([]);
        const x = new Int8Array(imp.graph.tensors[imp.graph.inputs[0]].shape.reduce((a, b) => a * b, 1));
        runInt8(imp.graph, x);
        imported++;
      } catch (e) {
        if (!(e instanceof InputError)) throw new Error(`mutation ${k} (${what}) threw ${(e as Error).stack}`);
        expect((e as Error).message, what).toMatch(/^fuzz\.onnx: [^\n]*$/);
        refused++;
      }
    }
    expect(refused + imported).toBe(300);
    // Measured: 245 refused, 55 imported.
    expect(refused).toBeGreaterThan(100);
    expect(imported).toBeGreaterThan(10);
  });
});
