// For the 4 shared configs, the extracted subnet (BN folded, run by the float interpreter) gives PyTorch's
// logits to 1e-4 before and after BN re-calibration, with batches of 32 and of 24/24/16 (which tells a
// sample-weighted average of per-batch statistics from anything else), and every re-calibrated running
// mean and variance equals the lab's set_running_statistics output (tensors.bin) to 1e-5.
import { describe, expect, it } from 'vitest';
import { lowerArch } from '../../../src/frontend/arch-to-ir.ts';
import { calibBnSettings, extractSubnet, forwardBatch, readSupernet, recalibrateBn, subnetStateDict, supernetGraph, type Supernet } from '../../../src/frontend/supernet/index.ts';
import { runFloat } from '../../../src/quant/index.ts';
import { parseArchConfig } from '../../../src/space/config.ts';
import fs from 'node:fs';
import { readNpy } from './npy.ts';
import { CONFIGS, DIR, PTH, calibrationImages, configInputs, configTensors, maxAbsDiff, maxScaledDiff } from './reference.ts';

let loaded: Supernet | undefined;
/** Long synchronous work starves vitest's worker RPC; give its messages a turn between tests. */
const yieldToVitest = () => new Promise((r) => setTimeout(r, 50));
const supernet = () => (loaded ??= readSupernet(fs.readFileSync(PTH), PTH));

describe.each(CONFIGS)('$name', (c) => {
  const arch = parseArchConfig({ ...c.config, image_size: c.image_size }, c.name);
  const inputs = configInputs(c);
  const logits = (file: string) => readNpy(`${DIR}/${c.name}.${file}.npy`).data as Float32Array;
  const rows = (g: ReturnType<typeof lowerArch>) => Float32Array.from(inputs.flatMap((x) => Array.from(runFloat(g, x).outputs[0])));

  it("gives PyTorch's logits before re-calibration (BN statistics as stored), to 1e-4", () => {
    const ref = logits('logits-before-calib');
    expect(Array.from(ref)).toEqual(c.logits_before.flat().map(Math.fround));
    const { graph } = supernetGraph(supernet(), arch);
    expect(maxAbsDiff(rows(graph), ref)).toBeLessThan(1e-4);
  });

  it.each([
    { batch: 32, batches: [32, 32], what: 'after-calib-b32', file: 'logits-after-calib' },
    { batch: 24, batches: [24, 24, 16], what: 'after-calib-b24', file: 'logits-after-calib-b24' },
  ])('re-calibrates in batches of $batch: statistics to 1e-5, logits to 1e-4', async ({ batch, batches, what, file }) => {
    await yieldToVitest();
    const calib = calibrationImages(c);
    expect(calib.sha256).toBe(c.calib_normalized_float32_sha256);
    const w = extractSubnet(supernet(), arch);
    const r = recalibrateBn(w, calib.images, { batchSize: batch });
    expect(r.batches).toEqual(batches);
    expect(r.images).toBe(64);

    const sd = subnetStateDict(r.weights);
    const stats = configTensors(c).filter((t) => t.what === what);
    // Every BN of the subnet: first conv, fused block, 3 per block, feature mix.
    expect(stats.length).toBe(2 * (2 + 3 * (c.active_supernet_blocks.length - 1) + 1));
    // 1e-5 absolute, relative for the few variances above 1: PyTorch sums in float32, and a variance near 8
    // carries float32 rounding of a few 1e-6 from 20 blocks of float32 convs.
    let worst = 0;
    let worstAbs = 0;
    for (const t of stats) {
      const mine = sd.get(t.key)!.data;
      const d = maxScaledDiff(mine, t.data);
      worst = Math.max(worst, d);
      worstAbs = Math.max(worstAbs, maxAbsDiff(mine, t.data));
      expect(d, t.key).toBeLessThan(1e-5);
    }
    // The statistics did change: re-calibration is not a no-op on this data.
    const before = subnetStateDict(w);
    expect(Math.max(...stats.map((t) => maxAbsDiff(before.get(t.key)!.data, t.data)))).toBeGreaterThan(0.1);

    const ref = logits(file);
    const folded = maxAbsDiff(rows(lowerArch(arch, { provided: r.weights })), ref);
    // The un-folded forward in eval mode (BN as its own step) agrees too.
    const unfolded = maxAbsDiff(Float32Array.from(forwardBatch(r.weights, inputs, arch.image_size, { kind: 'running' }).flatMap((x) => Array.from(x))), ref);
    console.log(`${c.name} b${batch}: statistics within ${worst.toExponential(2)} (scaled), ${worstAbs.toExponential(2)} (absolute), logits within ${folded.toExponential(2)} (folded), ${unfolded.toExponential(2)} (BN un-folded)`);
    expect(folded).toBeLessThan(1e-4);
    expect(unfolded).toBeLessThan(1e-4);
  });
});

describe('the lab notebook quirk and the one-call entry point', () => {
  const c = CONFIGS[0];
  const arch = parseArchConfig({ ...c.config, image_size: c.image_size }, c.name);

  it('swaps resolution and batch size as calib_bn(net, path, batch_size, image_size) does', () => {
    expect(calibBnSettings({ batchSize: 128 }, 96)).toEqual({ resolution: 96, batchSize: 128 });
    expect(calibBnSettings({ batchSize: 128, labQuirk: true }, 96)).toEqual({ resolution: 128, batchSize: 96 });
    expect(calibBnSettings({ batchSize: 32, resolution: 112, labQuirk: true }, 96)).toEqual({ resolution: 32, batchSize: 112 });
  });

  it('supernetGraph asks for images at the quirk resolution and calibrates with the quirk batch size', async () => {
    await yieldToVitest();
    // Centre 32x32 crops of the shared images stand in for images resized to 32 (cheap, and any images do).
    const full = calibrationImages(c).images;
    const crop = (x: Float32Array) => {
      const out = new Float32Array(32 * 32 * 3);
      for (let y = 0; y < 32; y++) out.set(x.subarray(((y + 32) * 96 + 32) * 3, ((y + 32) * 96 + 64) * 3), y * 32 * 3);
      return out;
    };
    const asked: number[] = [];
    const g = supernetGraph(supernet(), arch, {
      calibBn: {
        batchSize: 32,
        labQuirk: true,
        images: (r) => {
          asked.push(r);
          return full.slice(0, 40).map(crop);
        },
      },
    });
    expect(asked).toEqual([32]);
    expect(g.calibration).toEqual({ images: 40, batches: [40], resolution: 32, labQuirk: true });
    expect(g.notes.join('\n')).toMatch(/re-calibrated on 40 images at 32x32 in 1 batches of 96 \(the lab notebook's swapped resolution and batch size\)/);
    // The same as calibrating directly with the swapped settings, bit for bit.
    const direct = recalibrateBn(extractSubnet(supernet(), arch), full.slice(0, 40).map(crop), { batchSize: 96, resolution: 32 });
    const a = subnetStateDict(g.weights);
    for (const [k, t] of subnetStateDict(direct.weights)) expect(a.get(k)!.data, k).toEqual(t.data);
    // The graph is still the 96-pixel network.
    expect(g.graph.tensors[g.graph.inputs[0]].shape).toEqual([1, 96, 96, 3]);
  });

  it('refuses images of the wrong size and bad batch sizes with an InputError', () => {
    const w = extractSubnet(supernet(), arch);
    expect(() => recalibrateBn(w, [new Float32Array(10)], { batchSize: 8 })).toThrow(/image 0 has 10 values, expected 96x96x3/);
    expect(() => recalibrateBn(w, [new Float32Array(96 * 96 * 3)], { batchSize: 0 })).toThrow(/batch size 0 is not a positive integer/);
    expect(() => recalibrateBn(w, [], { batchSize: 8 })).toThrow(/no images/);
    expect(() => recalibrateBn(w, [new Float32Array(16 * 16 * 3)], { batchSize: 8, resolution: 16 })).toThrow(/resolution 16 is not an integer in 32\.\.512/);
    expect(() => supernetGraph(supernet(), arch, { calibBn: { batchSize: 8, labQuirk: true, images: [] } })).toThrow(/lab notebook's quirk runs at resolution = batch size = 8/);
  });
});
