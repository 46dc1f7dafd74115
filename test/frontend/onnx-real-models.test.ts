// The real ONNX models of ../shared/data import, validate, and compute what onnxruntime and the files'
// own reference outputs say (float interpreter of src/quant on the imported IR).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importOnnxFile, irToOnnx, onnxToIr, readTestData, readTensorFile } from '../../src/frontend/onnx/index.ts';
import { lowerArch } from '../../src/frontend/arch-to-ir.ts';
import { checkGraph, type Graph } from '../../src/ir/index.ts';
import { runFloat } from '../../src/quant/index.ts';
import { runOnnx } from '../../src/oracle/onnxruntime.ts';
import { parseArchJson } from '../../src/space/config.ts';
import { InputError } from '../../src/errors.ts';
import { sharedPath } from '../helpers/shared.ts';
import { compare, values } from './onnx-model-builder.ts';

const subnet = (name: string) => sharedPath('data/onnx-mcunet-subnets', name);
const MODELS = [
  { name: 'mcunet-w050-smallest-r96', file: subnet('mcunet-w050-smallest-r96.onnx'), data: subnet('mcunet-w050-smallest-r96.test'), arch: subnet('mcunet-w050-smallest-r96.arch.json') },
  { name: 'mcunet-w075-mid-r128', file: subnet('mcunet-w075-mid-r128.onnx'), data: subnet('mcunet-w075-mid-r128.test'), arch: subnet('mcunet-w075-mid-r128.arch.json') },
  { name: 'onnx-mnist8', file: sharedPath('data/onnx-mnist8/model.onnx'), data: sharedPath('data/onnx-mnist8') },
  { name: 'onnx-atmega-mnist', file: sharedPath('data/onnx-atmega-mnist/mnist.simplified.onnx') },
];

/** An op's structure without names or tensor ids, for comparing two graphs of the same network. */
function structure(g: Graph) {
  return g.ops.map((op) => {
    const { name: _n, inputs, outputs, foldedBatchNorm: _f, ...rest } = op as typeof op & { foldedBatchNorm?: boolean };
    return { ...rest, in: inputs.map((t) => g.tensors[t].shape), out: g.tensors[outputs[0]].shape };
  });
}

describe.each(MODELS)('real model $name', (m) => {
  const imp = importOnnxFile(m.file);

  it('imports to a valid IR graph', () => {
    expect(checkGraph(imp.graph)).toEqual([]);
    expect(imp.inputs).toHaveLength(1);
    expect(imp.outputs).toHaveLength(1);
  });

  it('runs like onnxruntime and like the reference outputs (1e-4 of the largest output)', async () => {
    const sets = m.data
      ? readTestData(m.data)
      : [1, 2, 3].map((seed) => ({ dir: `random ${seed}`, inputs: [{ name: '', dims: imp.inputs[0].dims, data: values(imp.inputs[0].dims.reduce((a, b) => a * b, 1), seed) }], outputs: [] }));
    expect(sets.length).toBe(3);
    for (const set of sets) {
      const x = set.inputs[0];
      expect(x.dims).toEqual(imp.inputs[0].dims);
      const ir = irToOnnx(runFloat(imp.graph, onnxToIr(x.data, imp.inputs[0])).outputs[0], imp.outputs[0]);
      const [ort] = await runOnnx(m.file, [x]);
      expect(ort.dims).toEqual(imp.outputs[0].dims);
      expect(compare(ir, ort.data).rel, `${set.dir} vs onnxruntime`).toBeLessThan(1e-4);
      if (set.outputs.length) expect(compare(ir, set.outputs[0].data).rel, `${set.dir} vs its output pb`).toBeLessThan(1e-4);
      // Same top-1 as the reference.
      const ref = set.outputs[0]?.data ?? ort.data;
      expect(ir.indexOf(Math.max(...ir))).toBe(ref.indexOf(Math.max(...ref)));
    }
  });

  it.runIf(m.arch)('has the structure that lowering its arch config gives (same ops, shapes, fused activations)', () => {
    const lowered = lowerArch(parseArchJson(fs.readFileSync(m.arch!, 'utf8'), m.arch!));
    expect(structure(imp.graph)).toEqual(structure(lowered));
  });
});

describe('ONNX test data', () => {
  it('reads one set per input/output pair in a flat folder and test_data_set_N folders in order', () => {
    const flat = readTestData(subnet('mcunet-w050-smallest-r96.test'));
    expect(flat.map((s) => [s.inputs[0].dims, s.outputs[0].dims])).toEqual(Array(3).fill([[1, 3, 96, 96], [1, 2]]));
    expect(flat[0].inputs[0].name).toBe('input');
    const zoo = readTestData(sharedPath('data/onnx-mnist8'));
    expect(zoo.map((s) => path.basename(s.dir))).toEqual(['test_data_set_0', 'test_data_set_1', 'test_data_set_2']);
    // PROVENANCE.md: expected argmax 2, 0, 9.
    expect(zoo.map((s) => s.outputs[0].data.indexOf(Math.max(...s.outputs[0].data)))).toEqual([2, 0, 9]);
  });

  it('names the file or folder at fault', () => {
    expect(() => readTestData('/nonexistent-dir')).toThrow(/nonexistent-dir: no such folder/);
    expect(() => readTestData(sharedPath('data/onnx-atmega-mnist'))).toThrow(InputError);
    expect(() => readTensorFile(sharedPath('data/onnx-mnist8/PROVENANCE.md'))).toThrow(/PROVENANCE.md: (not a valid ONNX TensorProto|.*)/);
    const truncated = path.join(fs.mkdtempSync('/tmp/mcu-nas-pb-'), 'input_0.pb');
    fs.writeFileSync(truncated, fs.readFileSync(sharedPath('data/onnx-mnist8/test_data_set_0/input_0.pb')).subarray(0, 1000));
    expect(() => readTensorFile(truncated)).toThrow(InputError);
  });
});
