// The lab's once-for-all checkpoint (a seeded stand-in with the lab's exact architecture, keys and file
// format, made by the lab's own code: ../shared/data/mcunet-supernet-seeded) loads and checks strictly;
// extraction reproduces get_active_subnet's keys, shapes, depthwise kernels and parameter counts; damaged
// or foreign checkpoints are refused with an InputError naming the key or the reason.
import fs from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.ts';
import { labParams } from '../../../src/ir/cost.ts';
import { expectedSupernetKeys, extractSubnet, readSupernet, subnetParameterCount, subnetStateDict, supernetGraph, type Supernet } from '../../../src/frontend/supernet/index.ts';
import { profileArch } from '../../../src/predict/efficiency.ts';
import { parseArchConfig, type ArchConfig } from '../../../src/space/config.ts';
import { sharedPath } from '../../helpers/shared.ts';
import { CONFIGS, PTH, configTensors, maxAbsDiff } from './reference.ts';

const bytes = new Uint8Array(fs.readFileSync(PTH));
let loaded: Supernet | undefined;
const supernet = () => (loaded ??= readSupernet(bytes, PTH));

describe('loading the checkpoint', () => {
  it('expects exactly the keys, shapes and dtypes of the lab super network, in state-dict order (keys.json)', () => {
    const ref = JSON.parse(fs.readFileSync(sharedPath('data/mcunet-supernet-seeded/keys.json'), 'utf8'));
    expect(expectedSupernetKeys()).toEqual(ref);
  });

  it('reads every float tensor of the {"state_dict": ...} file, bit for bit', () => {
    const sn = supernet();
    expect(sn.tensors.size).toBe(417); // 480 keys less 63 num_batches_tracked
    let n = 0;
    for (const t of sn.tensors.values()) n += t.data.length;
    // The manifest's 4,081,138 parameters plus the BN running statistics (buffers).
    const bnStats = [...sn.tensors.entries()].filter(([k]) => /running_(mean|var)$/.test(k)).reduce((a, [, t]) => a + t.data.length, 0);
    expect(n - bnStats).toBe(4_081_138);
    // Spot values straight from the archive's raw storage.
    const raw = unzipSync(bytes);
    const first = raw['mcunet-supernet-seeded/data/0'];
    expect(Array.from(sn.tensors.get('first_conv.conv.conv.weight')!.data.subarray(0, 4))).toEqual(Array.from(new Float32Array(first.buffer.slice(first.byteOffset, first.byteOffset + 16))));
  });

  it('accepts a bare state dict as well', () => {
    const files = unzipSync(bytes);
    const pkl = files['mcunet-supernet-seeded/data.pkl'];
    // Drop "{ 'state_dict': " at the start and the final SETITEM: what torch.save(net.state_dict()) writes.
    const head = Buffer.from('}q\x00X\n\x00\x00\x00state_dictq\x01', 'latin1');
    expect(Buffer.from(pkl.subarray(2, 2 + head.length)).equals(head)).toBe(true);
    expect(Buffer.from(pkl.subarray(pkl.length - 2)).toString('latin1')).toBe('s.');
    const bare = Buffer.concat([pkl.subarray(0, 2), pkl.subarray(2 + head.length, pkl.length - 2), Buffer.from('.')]);
    const sn = readSupernet(rezip(files, bare), 'bare.pth');
    expect(sn.tensors.size).toBe(417);
    expect(sn.tensors.get('classifier.linear.linear.bias')!.data).toEqual(supernet().tensors.get('classifier.linear.linear.bias')!.data);
  });
});

/** The archive with another data.pkl, stored uncompressed as torch.save does. */
function rezip(files: Record<string, Uint8Array>, pkl: Uint8Array): Uint8Array {
  return zipSync({ ...files, 'mcunet-supernet-seeded/data.pkl': pkl }, { level: 0 });
}

/** data.pkl with every `from` replaced by `to` (same length: pickle strings are length-prefixed). */
function patchPickle(replace: [string, string][]): Uint8Array {
  const files = unzipSync(bytes);
  let text = Buffer.from(files['mcunet-supernet-seeded/data.pkl']).toString('latin1');
  for (const [from, to] of replace) {
    expect(text.includes(from), from).toBe(true);
    text = text.split(from).join(to);
  }
  return rezip(files, Buffer.from(text, 'latin1'));
}

describe('bad checkpoints: InputError naming the key or the reason', () => {
  const refused = (b: Uint8Array, pattern: RegExp) => {
    let err: unknown;
    try {
      readSupernet(b, 'bad.pth');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^bad\.pth/);
    expect((err as Error).message).toMatch(pattern);
  };

  it('a truncated file', () => {
    refused(bytes.subarray(0, Math.floor(bytes.length / 2)), /truncated|unreadable/);
    refused(bytes.subarray(0, 1000), /truncated|unreadable/);
  });

  it("another network's keys", () => {
    // Every module renamed: no key of the super network is left.
    refused(
      patchPickle([
        ['first_conv', 'stem__conv'],
        ['blocks.', 'stages.'],
        ['feature_mix_layer', 'head_mix_layer___'],
        ['classifier', 'fc_layer__'],
      ]),
      /not the lab's OFAMCUNets super network: none of its 480 keys is present \(first key found: "stem__conv\.conv\.conv\.weight"\)/,
    );
  });

  it('a missing key, and an unexpected one', () => {
    refused(patchPickle([['blocks.7.mobile_inverted_conv.depth_conv.se.fc.reduce.bias', 'blocks.7.mobile_inverted_conv.depth_conv.se.fc.reduce.BIAS']]), /missing key "blocks\.7\.mobile_inverted_conv\.depth_conv\.se\.fc\.reduce\.bias"/);
    // An extra entry "extra.key" bound to the first tensor (memo 15), inserted after the first entry.
    const files = unzipSync(bytes);
    const pkl = Buffer.from(files['mcunet-supernet-seeded/data.pkl']);
    const next = pkl.indexOf(Buffer.from('X\x17\x00\x00\x00first_conv.bn.bn.weight', 'latin1'));
    expect(Buffer.from(pkl.subarray(next - 3, next)).toString('latin1')).toBe('Rq\x0f');
    const extra = Buffer.concat([pkl.subarray(0, next), Buffer.from('X\x09\x00\x00\x00extra.keyh\x0f', 'latin1'), pkl.subarray(next)]);
    refused(rezip(files, extra), /unexpected key "extra\.key"; the lab's super network has exactly 480 keys/);
  });

  it('a mis-shaped key', () => {
    // blocks.0's projection [16, 32, 1, 1] claimed as [16, 32, 1, 3] (the storage check would come later).
    const files = unzipSync(bytes);
    const pkl = Buffer.from(files['mcunet-supernet-seeded/data.pkl']);
    const at = pkl.indexOf('blocks.0.mobile_inverted_conv.point_linear.conv.conv.weight');
    const shape = Buffer.from([0x4b, 0x10, 0x4b, 0x20, 0x4b, 0x01, 0x4b, 0x01]); // (16, 32, 1, 1)
    const i = pkl.indexOf(shape, at);
    expect(i).toBeGreaterThan(at);
    pkl[i + 7] = 3;
    refused(rezip(files, pkl), /key "blocks\.0\.mobile_inverted_conv\.point_linear\.conv\.conv\.weight" has shape \[16, 32, 1, 3\], expected \[16, 32, 1, 1\]/);
  });

  it('the wrong number of classes', () => {
    const files = unzipSync(bytes);
    const pkl = Buffer.from(files['mcunet-supernet-seeded/data.pkl']);
    const at = pkl.indexOf('classifier.linear.linear.weight');
    const shape = Buffer.from([0x4b, 0x02, 0x4d, 0x80, 0x01, 0x86]); // (2, 384)
    const i = pkl.indexOf(shape, at);
    expect(i).toBeGreaterThan(at);
    pkl[i + 1] = 10;
    refused(rezip(files, pkl), /"classifier\.linear\.linear\.weight" has shape \[10, 384\]: a 10-class network; the lab's super network \(and mcu-nas's design space\) has 2 classes/);
  });

  it('a pickle with a disallowed global', () => {
    const files = unzipSync(bytes);
    const text = Buffer.from(files['mcunet-supernet-seeded/data.pkl']).toString('latin1');
    const evil = text.replace('ctorch._utils\n_rebuild_tensor_v2\n', 'cos\nsystem\n');
    expect(evil).not.toBe(text);
    refused(rezip(files, Buffer.from(evil, 'latin1')), /pickle refers to os\.system, which is not allowed in a state dict/);
  });

  it('a missing storage', () => {
    const files = unzipSync(bytes);
    delete files['mcunet-supernet-seeded/data/478'];
    refused(zipSync(files, { level: 0 }), /tensor "classifier\.linear\.linear\.weight": storage data\/478 is missing/);
  });
});

describe.each(CONFIGS)('extraction of $name', (c) => {
  const arch: ArchConfig = parseArchConfig({ ...c.config, image_size: c.image_size }, c.name);
  const keysRef = JSON.parse(fs.readFileSync(sharedPath('data/mcunet-supernet-seeded', `${c.name}.subnet-keys.json`), 'utf8'));

  it("gives get_active_subnet's state dict: keys in order, shapes, and the active super-network blocks", () => {
    const w = extractSubnet(supernet(), arch);
    expect(w.activeBlocks).toEqual(c.active_supernet_blocks);
    const sd = subnetStateDict(w);
    const want = (keysRef.keys as { key: string; shape: number[]; dtype: string }[]).filter((k) => k.dtype === 'float32');
    expect([...sd.keys()]).toEqual(want.map((k) => k.key));
    expect([...sd.values()].map((t) => t.shape)).toEqual(want.map((k) => k.shape));
  });

  it('builds every depthwise kernel through the kernel transforms to 1e-5 of the lab (tensors.bin)', () => {
    const sd = subnetStateDict(extractSubnet(supernet(), arch));
    const kernels = configTensors(c).filter((t) => t.what === 'extracted depthwise kernel');
    expect(kernels.length).toBe(c.active_supernet_blocks.length - 1);
    const ks = new Set<number>();
    for (const t of kernels) {
      const mine = sd.get(t.key)!;
      expect(mine.shape, t.key).toEqual(t.shape);
      ks.add(t.shape[2]);
      expect(maxAbsDiff(mine.data, t.data), t.key).toBeLessThan(1e-5);
    }
    if (c.name.startsWith('random')) expect([...ks].sort()).toEqual([3, 5, 7]);
  });

  it("slices every other tensor as the lab's subnet-keys.json says (leading slices of the super tensor)", () => {
    const sn = supernet();
    const sd = subnetStateDict(extractSubnet(sn, arch));
    for (const k of keysRef.keys as { key: string; from_supernet_key: string | null; slice: string }[]) {
      if (!k.from_supernet_key || k.key.includes('depth_conv.conv.weight')) continue;
      const src = sn.tensors.get(k.from_supernet_key)!;
      const mine = sd.get(k.key)!;
      const dims = /^\[:(\d+)(?:, :(\d+))?\]$/.exec(k.slice);
      expect(dims, k.slice).not.toBeNull();
      const [a, b] = [Number(dims![1]), dims![2] === undefined ? undefined : Number(dims![2])];
      expect(mine.shape[0]).toBe(a);
      if (b !== undefined) expect(mine.shape[1]).toBe(b);
      // Element [o, i, ...] of the subnet equals element [o, i, ...] of the super tensor.
      const inner = mine.shape.slice(2).reduce((x, y) => x * y, 1);
      const B = src.shape[1] ?? 1;
      const bb = b ?? 1;
      for (let o = 0; o < a; o += Math.max(1, a >> 3))
        for (let i = 0; i < bb; i += Math.max(1, bb >> 2))
          for (let t = 0; t < inner; t++) expect(mine.data[(o * bb + i) * inner + t]).toBe(src.data[(o * B + i) * inner + t]);
    }
  });

  it(`counts ${c.count_parameters} parameters, as the lab's count_parameters, profile and the IR do`, () => {
    const w = extractSubnet(supernet(), arch);
    expect(subnetParameterCount(w)).toBe(c.count_parameters);
    expect(profileArch(arch).params).toBe(c.count_parameters);
    const g = supernetGraph(supernet(), arch);
    expect(g.params).toBe(c.count_parameters);
    expect(labParams(g.graph)).toBe(c.count_parameters);
  });
});

describe('speed', () => {
  it('extracts a subnet in milliseconds once the checkpoint is loaded', () => {
    const sn = supernet();
    const archs = CONFIGS.map((c) => parseArchConfig({ ...c.config, image_size: c.image_size }, c.name));
    for (const a of archs) extractSubnet(sn, a); // warm-up
    const t0 = performance.now();
    for (let k = 0; k < 5; k++) for (const a of archs) extractSubnet(sn, a);
    const each = (performance.now() - t0) / (5 * archs.length);
    console.log(`extraction: ${each.toFixed(2)} ms per subnet`);
    expect(each).toBeLessThan(100);
  });
});
