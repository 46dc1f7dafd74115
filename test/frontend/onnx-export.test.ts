// ONNX export of arch configs: onnxruntime runs the file as the float interpreter runs the IR, and the
// file imports back to the same IR (same ops and shapes, bit-identical weights).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/frontend/onnx/export.ts';
import { importOnnx, onnxToIr } from '../../src/frontend/onnx/index.ts';
import { lowerArch } from '../../src/frontend/arch-to-ir.ts';
import { runFloat } from '../../src/quant/index.ts';
import { runOnnx } from '../../src/oracle/onnxruntime.ts';
import { parseArchJson, type ArchConfig } from '../../src/space/config.ts';
import { sampleArch } from '../../src/space/sample.ts';
import { Rng } from '../../src/search/rng.ts';
import { sharedPath } from '../helpers/shared.ts';
import { runCliAsync as runCli } from '../helpers/run-cli.ts';
import { compare, values } from './onnx-model-builder.ts';

const archFile = (n: string) => sharedPath('data/onnx-mcunet-subnets', `${n}.arch.json`);
const rng = new Rng(2024);
const CASES: { name: string; arch: ArchConfig; seed: number }[] = [
  { name: 'smallest r96', arch: parseArchJson(fs.readFileSync(archFile('mcunet-w050-smallest-r96'), 'utf8'), 'smallest'), seed: 0 },
  { name: 'mid r128', arch: parseArchJson(fs.readFileSync(archFile('mcunet-w075-mid-r128'), 'utf8'), 'mid'), seed: 5 },
  { name: 'random sample A', arch: sampleArch(rng), seed: 11 },
  { name: 'random sample B', arch: sampleArch(rng), seed: 12 },
];

describe.each(CASES)('export of $name', ({ arch, seed }) => {
  const g = lowerArch(arch, { seed });
  const bytes = exportOnnx(g);

  it('runs in onnxruntime as the IR runs in the float interpreter', async () => {
    const r = arch.image_size;
    const x = values(3 * r * r, seed + 1);
    const [ort] = await runOnnx(bytes, [{ dims: [1, 3, r, r], data: x }]);
    expect(ort.name).toBe('output');
    const back = importOnnx(bytes);
    const ir = runFloat(g, onnxToIr(x, back.inputs[0])).outputs[0];
    expect(compare(ir, ort.data).rel).toBeLessThan(1e-4);
  });

  it('imports back to the same IR: ops, shapes, names, bit-identical constants', async () => {
    const back = importOnnx(bytes).graph;
    expect(back.name).toBe(g.name);
    expect(back.ops.map((o) => ({ ...o }))).toEqual(g.ops.map((o) => ({ ...o })));
    expect(back.tensors.length).toBe(g.tensors.length);
    back.tensors.forEach((t, k) => {
      const o = g.tensors[k];
      // The graph output is called "output" in the file (PyTorch's usual name), as asked of export.
      if (!g.outputs.includes(k)) expect(t.name).toBe(o.name);
      expect(t.shape).toEqual(o.shape);
      expect(t.dtype).toBe(o.dtype);
      expect(t.data === undefined).toBe(o.data === undefined);
      if (t.data && o.data) expect(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(o.data.buffer, o.data.byteOffset, o.data.byteLength))).toBe(true);
    });
    expect(back.inputs).toEqual(g.inputs);
    expect(back.outputs).toEqual(g.outputs);
  });
});

describe('mcu-nas export', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcu-nas-export-'));

  it('writes the model and reports it; the same seed gives the same bytes', async () => {
    const out = path.join(dir, 'a.onnx');
    const r = await runCli(['export', archFile('mcunet-w050-smallest-r96'), '--onnx', out, '--seed', '3', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ onnx: out, graph: 'mcunet_w0.5_r96', seed: 3 });
    // Each count named by what it counts, the lab's as profile and search print them (8.302128 M, 304,538).
    expect(summary).toMatchObject({ macs: 7237104, macsPure: 7237104, labMacs: 8302128, millionMACs: 8.302128, params: 304538, labParams: 304538, onnxParams: 300898 });
    const bytes = fs.readFileSync(out);
    expect(summary.bytes).toBe(bytes.length);
    expect(Buffer.from(exportOnnx(lowerArch(CASES[0].arch, { seed: 3 }))).equals(bytes)).toBe(true);
  });

  it('exits 2 with an error line for a bad config or a missing --onnx', async () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ wid: 7, ks: [], e: [], d: [], image_size: 96 }));
    const r = await runCli(['export', bad, '--onnx', path.join(dir, 'b.onnx')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*bad\.json/);
    expect(fs.existsSync(path.join(dir, 'b.onnx'))).toBe(false);
    const m = await runCli(['export', archFile('mcunet-w050-smallest-r96')]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/^error: .*onnx/);
  });
});
