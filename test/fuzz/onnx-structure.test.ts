// The structural cases the fuzzers found accepted, each decided: a Constant node with an input, raw_data
// longer than its shape and an ir_version below 3 are refused with a reason naming the node, tensor or
// field; negative dimensions in value_info (and in the graph outputs' declared types) are accepted because
// the importer never reads them: the graph is the same as without them.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { importOnnx, readTestData } from '../../src/frontend/onnx/index.ts';
import { MIN_IR_VERSION } from '../../src/frontend/onnx/import.ts';
import { onnx } from '../../src/frontend/onnx/proto.ts';
import { buildModel } from '../frontend/onnx-model-builder.ts';
import { sharedPath } from '../helpers/shared.ts';

const T = onnx.TensorProto.DataType;
const REAL = new Uint8Array(fs.readFileSync(sharedPath('data/onnx-mnist8/model.onnx')));
type Proto = ReturnType<typeof onnx.ModelProto.decode>;
/** A fresh decoded copy (protobufjs's bytes fields view the buffer they came from). */
const decode = (bytes: Uint8Array): Proto => onnx.ModelProto.decode(Uint8Array.from(bytes));
const encode = (m: Proto) => onnx.ModelProto.encode(m).finish();

function refusal(bytes: Uint8Array): string {
  try {
    importOnnx(bytes, { source: 'm.onnx' });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('the model was accepted');
}

/** What a graph computes, for comparing two imports: ops, shapes and constant values. */
function fingerprint(bytes: Uint8Array): string {
  const g = importOnnx(bytes, { source: 'm.onnx' }).graph;
  return JSON.stringify({ ops: g.ops, tensors: g.tensors.map((t) => ({ ...t, data: t.data ? Array.from(t.data as Float32Array) : undefined })) });
}

const addConstant = buildModel({
  inputs: [{ name: 'x', dims: [1, 4] }],
  outputs: ['y'],
  nodes: [
    { op: 'Constant', name: 'k', inputs: [], outputs: ['c'], attrs: { value: { t: { name: 'cv', dims: [4], data: [1, 2, 3, 4] } } } },
    { op: 'Add', name: 'add', inputs: ['x', 'c'], outputs: ['y'] },
  ],
});

describe('a Constant node with an input: refused', () => {
  it('naming the node and what it reads', () => {
    const m = decode(addConstant);
    m.graph!.node![0].input = ['x'];
    expect(refusal(encode(m))).toBe('m.onnx: node #0 "k" (op Constant): Constant takes no inputs, this one reads 1 ("x")');
  });

  it('an empty input name (an omitted optional input) is no input', () => {
    const m = decode(addConstant);
    m.graph!.node![0].input = [''];
    expect(importOnnx(encode(m), { source: 'm.onnx' }).graph.ops.map((o) => o.kind)).toEqual(['add']);
  });
});

describe('raw_data longer than its shape: refused', () => {
  it('in an initializer of a real model, naming it', () => {
    const m = decode(REAL);
    const t = m.graph!.initializer!.find((x) => x.dataType === T.FLOAT && (x.dims ?? []).length > 1)!;
    // As raw_data (the model may hold it in float_data), with one float too many.
    const values = (t.rawData?.length ?? 0) > 0 ? new Float32Array(Uint8Array.from(t.rawData!).buffer) : Float32Array.from(t.floatData!);
    const n = values.length * 4;
    const longer = new Uint8Array(n + 4);
    longer.set(new Uint8Array(values.buffer));
    t.rawData = longer;
    t.floatData = [];
    expect(refusal(encode(m))).toBe(`m.onnx: initializer "${t.name}": raw_data has ${n + 4} bytes, shape [${t.dims!.join(', ')}] of float32 needs ${n}`);
  });

  it('in a Constant node\'s value, naming the node', () => {
    const m = decode(addConstant);
    const t = m.graph!.node![0].attribute![0].t!;
    t.floatData = [];
    t.rawData = new Uint8Array(Float32Array.of(1, 2, 3, 4, 5).buffer);
    expect(refusal(encode(m))).toBe('m.onnx: node #0 "k" (op Constant): value: raw_data has 20 bytes, shape [4] of float32 needs 16');
  });

  it('in a test-data file, naming the file', () => {
    const dir = fs.mkdtempSync('/tmp/mcunas-pb-');
    try {
      const t = onnx.TensorProto.create({ dims: [2], dataType: T.FLOAT, rawData: new Uint8Array(12) });
      fs.writeFileSync(`${dir}/input_0.pb`, onnx.TensorProto.encode(t).finish());
      expect(() => readTestData(dir, 1)).toThrow(new InputError(`${dir}/input_0.pb: raw_data has 12 bytes, shape [2] of float32 needs 8`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ir_version: below 3 refused', () => {
  it.each([0, 1, 2, -1])('ir_version %i', (v) => {
    const m = decode(REAL);
    m.irVersion = v;
    expect(refusal(encode(m))).toBe(`m.onnx: ir_version ${v} is not a valid ONNX IR version (${MIN_IR_VERSION} or later)`);
  });

  it('absent (which decodes as 0)', () => {
    const m = decode(REAL);
    m.irVersion = 0;
    const bytes = encode(m);
    // proto2 writes a set 0; strip the field to be sure "absent" is what is tested.
    const noField = decode(bytes);
    delete (noField as { irVersion?: unknown }).irVersion;
    expect(refusal(encode(noField))).toMatch(/^m\.onnx: ir_version 0 is not a valid ONNX IR version/);
  });

  it.each([3, 7, 11, 2 ** 40])('ir_version %i is read like any other (fields a newer IR adds are skipped)', (v) => {
    const m = decode(REAL);
    m.irVersion = v;
    expect(fingerprint(encode(m))).toBe(fingerprint(REAL));
  });
});

describe('negative dims in value_info and in the outputs\' declared types: accepted, never read', () => {
  it('the graph is exactly the one imported without them', () => {
    const m = decode(REAL);
    const inner = m.graph!.node![1].output![0];
    const shape = { dim: [{ dimValue: -5 }, { dimValue: -1 }, { dimValue: 2 ** 40 }] };
    m.graph!.valueInfo = [onnx.ValueInfoProto.create({ name: inner, type: { tensorType: { elemType: 1, shape } } })];
    m.graph!.output![0].type!.tensorType!.shape = shape;
    expect(fingerprint(encode(m))).toBe(fingerprint(REAL));
  });

  it('whereas a negative dim in a graph input, which the importer reads, is refused', () => {
    const m = decode(REAL);
    m.graph!.input![0].type!.tensorType!.shape!.dim![2].dimValue = -5;
    expect(refusal(encode(m))).toMatch(/^m\.onnx: graph input "Input3": dimension -5 is out of range \(1 to \d+\)$/);
  });
});
