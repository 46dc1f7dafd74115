// The active subnet's weights, built from the super network as the lab's set_active_subnet +
// get_active_subnet(preserve_weight=True) build them (PROVENANCE.md of ../shared/data/mcunet-supernet-seeded):
// every tensor is a leading slice [:out, :in] of its super tensor (no channel reordering); widths come from
// the width multiplier, expansion and SE widths from each block's ACTUAL input width; the active blocks of
// a stage are its first runtime_depth ones, renumbered consecutively; a 5x5 or 3x3 depthwise kernel is the
// centre of the 7x7 one passed through the kernel-transformation matrices (7->5, then 5->3 on the result).
// Layers are keyed by the IR's op names (arch-to-ir.ts) and carry the lab subnet's module name too.
import type { BatchNormParams, ProvidedLayer, ProvidedWeights } from '../arch-to-ir.ts';
import { CHANNEL_PLANS, MIX_WIDTH, N_CLASSES, N_STAGES, STAGE_FIRST_SLOT, STAGE_STRIDES, makeDivisible, slotHasSE } from '../../space/constants.ts';
import type { ArchConfig } from '../../space/config.ts';
import { activeInStage } from '../../space/active.ts';
import type { Supernet } from './load.ts';
import { MAX_KERNEL } from './expected-keys.ts';

/** bn_param = (momentum 0.1, eps 1e-3) in the lab's OFAMCUNets constructor; every BN of the subnet keeps it. */
export const LAB_BN_EPS = 1e-3;

export interface SubnetLayer extends ProvidedLayer {
  /** The module in the lab's extracted subnet, e.g. `blocks.3.mobile_inverted_conv.depth_conv`. */
  readonly module: string;
  /** The weight's shape in PyTorch's layout (OIHW, or [out, in] for the classifier). */
  readonly torchShape: readonly number[];
  /** The stride of the conv (what the lab subnet's module has); 1 for the classifier. */
  readonly stride: number;
}

/** An extracted subnet: its config and its layers by IR op name, in execution order. */
export interface SubnetWeights extends ProvidedWeights {
  readonly arch: ArchConfig;
  readonly layers: ReadonlyMap<string, SubnetLayer>;
  /** Super-network block index of each subnet block (blocks.j of the subnet is super block active[j]). */
  readonly activeBlocks: readonly number[];
}

function superTensor(sn: Supernet, key: string): { shape: readonly number[]; data: Float32Array } {
  const t = sn.tensors.get(key);
  if (!t) throw new Error(`bug: checked super network lacks "${key}"`);
  return t;
}

/** The leading [:a, :b] slice of a tensor [A, B, ...rest] (rest copied whole), or [:a] of a vector. */
function leading(t: { shape: readonly number[]; data: Float32Array }, a: number, b?: number): Float32Array {
  const [A, B = 1, ...rest] = t.shape;
  if (a > A || (b ?? B) > B) throw new Error(`bug: slice [:${a}, :${b}] of [${t.shape}]`);
  if (b === undefined || t.shape.length === 1) return t.data.slice(0, a * (t.data.length / A));
  const inner = rest.reduce((x, y) => x * y, 1);
  if (b === B) return t.data.slice(0, a * B * inner); // whole rows: one contiguous block
  const out = new Float32Array(a * b * inner);
  for (let o = 0; o < a; o++) out.set(t.data.subarray(o * B * inner, (o * B + b) * inner), o * b * inner);
  return out;
}

/**
 * The centre `to`x`to` of each `from`x`from` kernel, times the transformation matrix M (to² x to²):
 * v' = M v per channel, what F.linear(v, M) computes. Sums in double, stored as float32.
 */
function transformKernel(kernels: Float32Array, channels: number, from: number, to: number, m: Float32Array): Float32Array {
  const n = to * to;
  const off = (from - to) >> 1;
  const out = new Float32Array(channels * n);
  const v = new Float64Array(n);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < to; y++) for (let x = 0; x < to; x++) v[y * to + x] = kernels[c * from * from + (y + off) * from + (x + off)];
    for (let a = 0; a < n; a++) {
      let s = 0;
      for (let b = 0; b < n; b++) s += m[a * n + b] * v[b];
      out[c * n + a] = s;
    }
  }
  return out;
}

/** The depthwise kernels [channels, k, k] of super block `prefix` for kernel size k (7, 5 or 3). */
function depthwiseKernel(sn: Supernet, prefix: string, channels: number, k: number): Float32Array {
  let w = leading(superTensor(sn, `${prefix}.conv.conv.weight`), channels);
  for (let from = MAX_KERNEL; from > k; from -= 2) w = transformKernel(w, channels, from, from - 2, superTensor(sn, `${prefix}.conv.${from}to${from - 2}_matrix`).data);
  return w;
}

function batchNorm(sn: Supernet, prefix: string, c: number): BatchNormParams {
  const p = (name: string) => leading(superTensor(sn, `${prefix}.bn.bn.${name}`), c);
  return { gamma: p('weight'), beta: p('bias'), mean: p('running_mean'), variance: p('running_var'), eps: LAB_BN_EPS };
}

/** OIHW -> OHWI (the IR's conv layout); a no-op reorder for 1x1 and depthwise kernels. */
function toOhwi(w: Float32Array, o: number, i: number, k: number): Float32Array {
  if (k === 1 || i === 1) return w;
  const out = new Float32Array(w.length);
  for (let a = 0; a < o; a++) for (let c = 0; c < i; c++) for (let t = 0; t < k * k; t++) out[(a * k * k + t) * i + c] = w[(a * i + c) * k * k + t];
  return out;
}

/** The weights of the subnet `arch` selects, as get_active_subnet copies them. Takes milliseconds. */
export function extractSubnet(sn: Supernet, arch: ArchConfig): SubnetWeights {
  const ch = CHANNEL_PLANS[arch.wid];
  const layers = new Map<string, SubnetLayer>();
  const convBn = (irName: string, module: string, superPrefix: string, cout: number, cin: number, k: number, stride: number, weight: Float32Array) => {
    layers.set(irName, { module, torchShape: [cout, cin, k, k], stride, weight: toOhwi(weight, cout, cin, k), bn: batchNorm(sn, superPrefix, cout) });
  };
  const pointwise = (irName: string, module: string, superPrefix: string, cout: number, cin: number) =>
    convBn(irName, module, superPrefix, cout, cin, 1, 1, leading(superTensor(sn, `${superPrefix}.conv.conv.weight`), cout, cin));

  convBn('first_conv', 'first_conv', 'first_conv', ch.stem, 3, 3, 2, leading(superTensor(sn, 'first_conv.conv.conv.weight'), ch.stem, 3));
  // The fused first block: its 1x1 projection only (expand ratio 1, no depthwise conv), no activation.
  pointwise('blocks.0.point_linear', 'blocks.0.mobile_inverted_conv.point_linear', 'blocks.0.mobile_inverted_conv.point_linear', ch.firstBlock, ch.stem);

  const activeBlocks = [0];
  let cin = ch.firstBlock;
  let j = 1;
  for (let s = 0; s < N_STAGES; s++) {
    for (let pos = 0; pos < activeInStage(arch.d, s); pos++, j++) {
      const slot = STAGE_FIRST_SLOT[s] + pos;
      const sup = `blocks.${slot + 1}.mobile_inverted_conv`;
      const sub = `blocks.${j}.mobile_inverted_conv`;
      activeBlocks.push(slot + 1);
      const mid = makeDivisible(Math.round(cin * arch.e[slot]), 8);
      const k = arch.ks[slot];
      pointwise(`blocks.${j}.inverted_bottleneck`, `${sub}.inverted_bottleneck`, `${sup}.inverted_bottleneck`, mid, cin);
      convBn(`blocks.${j}.depth_conv`, `${sub}.depth_conv`, `${sup}.depth_conv`, mid, 1, k, pos === 0 ? STAGE_STRIDES[s] : 1, depthwiseKernel(sn, `${sup}.depth_conv`, mid, k));
      if (slotHasSE(s, pos)) {
        // se_mid from the block's input width (SE_BASE_CHANNEL), divisor 1.
        const seMid = makeDivisible(Math.floor(cin / 4), 1);
        const reduce = `${sup}.depth_conv.se.fc.reduce`;
        const expand = `${sup}.depth_conv.se.fc.expand`;
        layers.set(`blocks.${j}.se.reduce`, {
          module: `${sub}.depth_conv.se.fc.reduce`,
          torchShape: [seMid, mid, 1, 1],
          stride: 1,
          weight: leading(superTensor(sn, `${reduce}.weight`), seMid, mid),
          bias: leading(superTensor(sn, `${reduce}.bias`), seMid),
        });
        layers.set(`blocks.${j}.se.expand`, {
          module: `${sub}.depth_conv.se.fc.expand`,
          torchShape: [mid, seMid, 1, 1],
          stride: 1,
          weight: leading(superTensor(sn, `${expand}.weight`), mid, seMid),
          bias: leading(superTensor(sn, `${expand}.bias`), mid),
        });
      }
      pointwise(`blocks.${j}.point_linear`, `${sub}.point_linear`, `${sup}.point_linear`, ch.stages[s], mid);
      cin = ch.stages[s];
    }
  }
  pointwise('feature_mix_layer', 'feature_mix_layer', 'feature_mix_layer', ch.mix, cin);
  layers.set('classifier', {
    module: 'classifier.linear',
    torchShape: [N_CLASSES, MIX_WIDTH],
    stride: 1,
    weight: leading(superTensor(sn, 'classifier.linear.linear.weight'), N_CLASSES, MIX_WIDTH),
    bias: leading(superTensor(sn, 'classifier.linear.linear.bias'), N_CLASSES),
  });
  return { arch, layers, activeBlocks, layer: (name) => layerOf(layers, name) };
}

function layerOf(layers: ReadonlyMap<string, SubnetLayer>, name: string): SubnetLayer {
  const l = layers.get(name);
  if (!l) throw new Error(`bug: the extracted subnet has no layer "${name}"`);
  return l;
}

/** The same subnet with other BatchNorm statistics (what BN re-calibration produces). */
export function withBatchNormStats(w: SubnetWeights, stats: ReadonlyMap<string, { mean: Float32Array; variance: Float32Array }>): SubnetWeights {
  const layers = new Map<string, SubnetLayer>();
  for (const [name, l] of w.layers) {
    const s = stats.get(name);
    layers.set(name, s && l.bn ? { ...l, bn: { ...l.bn, mean: s.mean, variance: s.variance } } : l);
  }
  return { ...w, layers, layer: (name) => layerOf(layers, name) };
}

/**
 * The lab's count_parameters of the extracted subnet: every conv/linear weight, the SE convs' and the
 * classifier's biases, and gamma + beta of every BatchNorm (running statistics are buffers).
 */
export function subnetParameterCount(w: SubnetWeights): number {
  let n = 0;
  for (const l of w.layers.values()) n += l.weight.length + (l.bias?.length ?? 0) + (l.bn ? 2 * l.bn.gamma.length : 0);
  return n;
}

/** The extracted subnet as the lab's state dict (keys of MCUNets, PyTorch layouts; num_batches_tracked left out). */
export function subnetStateDict(w: SubnetWeights): Map<string, { shape: readonly number[]; data: Float32Array }> {
  const out = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const l of w.layers.values()) {
    const [o, i, k] = l.torchShape;
    const isConv = l.torchShape.length === 4;
    const weight = isConv && k > 1 && i > 1 ? fromOhwi(l.weight, o, i, k) : l.weight;
    if (l.bn) {
      out.set(`${l.module}.conv.weight`, { shape: l.torchShape, data: weight });
      out.set(`${l.module}.bn.weight`, { shape: [o], data: l.bn.gamma });
      out.set(`${l.module}.bn.bias`, { shape: [o], data: l.bn.beta });
      out.set(`${l.module}.bn.running_mean`, { shape: [o], data: l.bn.mean });
      out.set(`${l.module}.bn.running_var`, { shape: [o], data: l.bn.variance });
    } else {
      out.set(`${l.module}.weight`, { shape: l.torchShape, data: weight });
      if (l.bias) out.set(`${l.module}.bias`, { shape: [o], data: l.bias });
    }
  }
  return out;
}

function fromOhwi(w: Float32Array, o: number, i: number, k: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let a = 0; a < o; a++) for (let c = 0; c < i; c++) for (let t = 0; t < k * k; t++) out[(a * i + c) * k * k + t] = w[(a * k * k + t) * i + c];
  return out;
}
