// Malformed ONNX files never crash or hang the importer: each real model is mutated a few hundred times
// with a fixed seed (truncation, flipped bytes, absurd dims, cycles, C syntax and control characters in
// names, wrong op types and attributes, short or long raw_data, a Constant with an input, a bad ir_version,
// negative value_info dims), and every import ends in an InputError with a one-line message naming the
// file, or in a graph that passes validation. onnx-structure.test.ts pins down what each structural case gives.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/frontend/onnx/index.ts';
import { onnx } from '../../src/frontend/onnx/proto.ts';
import { checkGraph } from '../../src/ir/index.ts';
import { InputError } from '../../src/errors.ts';
import { nonFiniteConstant } from '../../src/quant/finite-values.ts';
import { sharedPath } from '../helpers/shared.ts';

/** xorshift32: the fixed-seed source of every mutation choice. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)] };
}
type Rand = ReturnType<typeof rng>;
// The decoded message as protobufjs fills it (every repeated field present), for mutating in place.
interface FAttr { name: string; type: number; i: unknown; f: number; ints: unknown[] }
interface FNode { name: string; opType: string; input: string[]; output: string[]; attribute: FAttr[] }
interface FTensor { dims: unknown[]; rawData: Uint8Array; dataType: number }
interface FInput { name: string; type?: { tensorType?: { shape?: { dim: { dimValue?: unknown }[] } } } }
interface Model {
  irVersion: unknown;
  opsetImport: { domain: string; version: number }[];
  graph: { node: FNode[]; initializer: FTensor[]; input: FInput[]; output: FInput[]; valueInfo: FInput[] };
}

const EVIL_NAMES = ['*/ #include <stdio.h>\n/*', '"; system("rm -rf /"); //', '\u0000\u0001\u007f', 'ünïcödé ✓ 𝄞', '', '__proto__', 'constructor', 'a'.repeat(5000), '\\\\x41\'\'`${x}`'];
const OP_TYPES = ['Erf', 'Conv', 'Gemm', 'Sigmoid', 'Relu', 'Clip', 'Reshape', 'Concat', '__proto__', 'constructor', 'toString', 'Loop', 'If', 'MaxPool', 'Flatten', 'Transpose', 'Squeeze', 'BatchNormalization', 'Pad', ''];
const ABSURD = [2 ** 31, 2 ** 40, 2 ** 53 + 2, -1, -(2 ** 31), 0, 1e6, 3];

/** Structural mutations on the decoded model; each returns a short description. */
const STRUCTURAL: ((m: Model, r: Rand) => string)[] = [
  (m, r) => {
    const inits = m.graph.initializer;
    const t = r.pick(inits);
    if (!t || t.dims.length === 0) return 'no-op';
    const k = r.int(t.dims.length);
    t.dims[k] = r.pick(ABSURD);
    return `initializer dim ${k} = ${t.dims[k]}`;
  },
  (m, r) => {
    const input = m.graph.input[0];
    const dims = input?.type?.tensorType?.shape?.dim ?? [];
    if (dims.length === 0) return 'no-op';
    const k = r.int(dims.length);
    dims[k].dimValue = r.pick(ABSURD);
    return `input dim ${k} = ${String(dims[k].dimValue)}`;
  },
  (m, r) => {
    const nodes = m.graph.node;
    if (nodes.length < 2) return 'no-op';
    const a = r.int(nodes.length - 1);
    const b = a + 1 + r.int(nodes.length - a - 1);
    if (nodes[a].input.length === 0 || nodes[b].output.length === 0) return 'no-op';
    nodes[a].input[r.int(nodes[a].input.length)] = nodes[b].output[0];
    return `cycle: node ${a} reads node ${b}`;
  },
  (m, r) => {
    const n = r.pick(m.graph.node);
    n.name = r.pick(EVIL_NAMES);
    return 'evil node name';
  },
  (m, r) => {
    // Rename a value everywhere: the model stays consistent, only the names are hostile.
    const n = r.pick(m.graph.node);
    const old = n.output[0];
    const name = r.pick(EVIL_NAMES) + r.int(1000);
    for (const x of m.graph.node) x.input = x.input.map((i) => (i === old ? name : i));
    for (const o of m.graph.output) if (o.name === old) o.name = name;
    n.output[0] = name;
    return 'evil value name';
  },
  (m, r) => {
    r.pick(m.graph.node).opType = r.pick(OP_TYPES);
    return 'op type';
  },
  (m, r) => {
    const nodes = m.graph.node;
    const k = r.int(nodes.length);
    if (r.next() < 0.5) nodes.splice(k, 1);
    else nodes.splice(k, 0, nodes[r.int(nodes.length)]);
    return 'node removed or duplicated';
  },
  (m, r) => {
    const n = r.pick(m.graph.node.filter((x) => x.attribute.length > 0));
    if (!n) return 'no-op';
    const a = r.pick(n.attribute);
    if (a.ints.length) a.ints[r.int(a.ints.length)] = r.pick(ABSURD);
    else if (a.type === onnx.AttributeProto.AttributeType.INT) a.i = r.pick(ABSURD);
    else if (a.type === onnx.AttributeProto.AttributeType.FLOAT) a.f = r.pick([NaN, Infinity, -1, 1e30]);
    else a.type = r.int(15);
    return `attribute ${a.name}`;
  },
  (m, r) => {
    const t = r.pick(m.graph.initializer.filter((x) => x.rawData.length > 0));
    if (!t) return 'no-op';
    t.rawData = t.rawData.subarray(0, r.int(t.rawData.length));
    return 'short raw_data';
  },
  (m, r) => {
    const t = r.pick(m.graph.initializer);
    if (!t) return 'no-op';
    t.dataType = r.int(20);
    return 'initializer data type';
  },
  (m, r) => {
    m.opsetImport = [{ domain: '', version: r.pick([0, 1, 6, 7, 12, 13, 22, 100, 2 ** 40]) }];
    return 'opset';
  },
  (m, r) => {
    const n = r.pick(m.graph.node);
    n.input.reverse();
    if (r.next() < 0.3) n.input.push(r.pick(EVIL_NAMES));
    return 'inputs reordered';
  },
  (m) => {
    m.graph.output = [];
    return 'no outputs';
  },
  (m, r) => {
    // A Constant that reads a value: ONNX's Constant has no inputs.
    const from = r.pick(m.graph.node).output[0] ?? m.graph.input[0]?.name ?? 'x';
    const t = onnx.TensorProto.create({ dims: [1], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [1] });
    const k = onnx.NodeProto.create({ name: 'k', opType: 'Constant', input: [from], output: [`k_out${r.int(1000)}`], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t }] });
    m.graph.node.splice(r.int(m.graph.node.length + 1), 0, k as unknown as FNode);
    return 'Constant with an input';
  },
  (m, r) => {
    const t = r.pick(m.graph.initializer.filter((x) => x.rawData.length > 0));
    if (!t) return 'no-op';
    const extra = 1 + r.int(16);
    const longer = new Uint8Array(t.rawData.length + extra);
    longer.set(t.rawData);
    t.rawData = longer;
    return 'long raw_data';
  },
  (m, r) => {
    // One weight made NaN or infinite (a copy: the decoded bytes view the original file's buffer).
    const t = r.pick(m.graph.initializer.filter((x) => x.dataType === onnx.TensorProto.DataType.FLOAT && x.rawData.length >= 4));
    if (!t) return 'no-op';
    const raw = Uint8Array.from(t.rawData);
    new DataView(raw.buffer).setFloat32(4 * r.int(raw.length >> 2), r.pick([NaN, Infinity, -Infinity]), true);
    t.rawData = raw;
    return 'non-finite weight';
  },
  (m, r) => {
    m.irVersion = r.pick([0, 1, 2, -1, 2 ** 40]);
    return 'ir_version';
  },
  (m, r) => {
    // Declared shapes the importer does not read: value_info of an inner value, and the graph output's type.
    const node = r.pick(m.graph.node);
    const shape = { dim: [{ dimValue: r.pick([-5, -1, 0, 2 ** 40]) }, { dimValue: 3 }] };
    m.graph.valueInfo.push({ name: node.output[0] ?? 'v', type: { tensorType: { shape } } } as FInput);
    const out = m.graph.output[0];
    if (out?.type?.tensorType) out.type.tensorType.shape = shape;
    return 'negative value_info dims';
  },
];

function mutate(bytes: Uint8Array, r: Rand): { bytes: Uint8Array; what: string } {
  const kind = r.next();
  if (kind < 0.15) {
    const n = r.int(bytes.length);
    return { bytes: bytes.subarray(0, n), what: `truncated to ${n}` };
  }
  if (kind < 0.3) {
    const out = Uint8Array.from(bytes);
    const flips = 1 + r.int(8);
    // Half the time aim at the first 4 KB, where the graph structure (not weight bytes) sits in small models.
    for (let k = 0; k < flips; k++) out[r.next() < 0.5 ? r.int(Math.min(4096, out.length)) : r.int(out.length)] ^= 1 << r.int(8);
    return { bytes: out, what: `${flips} bytes flipped` };
  }
  const m = onnx.ModelProto.decode(bytes) as unknown as Model;
  const what = r.pick(STRUCTURAL)(m, r);
  return { bytes: onnx.ModelProto.encode(m as unknown as Parameters<typeof onnx.ModelProto.encode>[0]).finish(), what };
}

const MODELS = [
  { name: 'onnx-mnist8', file: sharedPath('data/onnx-mnist8/model.onnx'), runs: 300 },
  { name: 'onnx-atmega-mnist', file: sharedPath('data/onnx-atmega-mnist/mnist.simplified.onnx'), runs: 300 },
  { name: 'mcunet-w050-smallest-r96', file: sharedPath('data/onnx-mcunet-subnets/mcunet-w050-smallest-r96.onnx'), runs: 300 },
  { name: 'mcunet-w075-mid-r128', file: sharedPath('data/onnx-mcunet-subnets/mcunet-w075-mid-r128.onnx'), runs: 150 },
];

describe('ONNX import of mutated real models', () => {
  it.each(MODELS)('$name: $runs mutations end in an InputError or a valid graph', ({ name, file, runs }) => {
    const original = new Uint8Array(fs.readFileSync(file));
    const r = rng(Number(process.env.ONNX_FUZZ_SEED ?? 0x5eed) ^ original.length);
    const outcomes = { valid: 0, inputError: 0 };
    const reasons = new Map<string, number>();
    let slowest = 0;
    for (let k = 0; k < runs; k++) {
      const { bytes, what } = mutate(original, r);
      const t0 = performance.now();
      try {
        const imp = importOnnx(bytes, { source: 'fuzz.onnx' });
        expect(checkGraph(imp.graph), `${name} #${k} (${what})`).toEqual([]);
        expect(nonFiniteConstant(imp.graph), `${name} #${k} (${what})`).toBeUndefined();
        outcomes.valid++;
      } catch (e) {
        if (!(e instanceof InputError)) throw new Error(`${name} mutation #${k} (${what}) threw ${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack}`);
        expect(e.message.startsWith('fuzz.onnx: '), e.message).toBe(true);
        expect(e.message).not.toMatch(/[\n\r\u0000]/);
        expect(e.message.length).toBeLessThan(1000);
        outcomes.inputError++;
        const reason = e.message.replace(/node #\d+ "[^]*?" \(op [^)]*\)/, 'node').replace(/\d+/g, 'N').slice(0, 60);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
      slowest = Math.max(slowest, performance.now() - t0);
    }
    // One line per model in the test log: what the mutations led to.
    if (process.env.ONNX_FUZZ_REASONS) console.log([...reasons].sort((a, b) => b[1] - a[1]).map(([m, c]) => `${c} ${m}`).join('\n'));
    console.log(`${name}: ${JSON.stringify(outcomes)}, ${reasons.size} distinct error kinds, slowest import ${slowest.toFixed(0)} ms`);
    expect(outcomes.valid + outcomes.inputError).toBe(runs);
    expect(slowest).toBeLessThan(5000);
  });
});
