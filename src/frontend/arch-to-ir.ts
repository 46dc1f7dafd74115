// Lowers an arch config to the float IR of exactly the lab's extracted subnet (spec §2):
// first_conv 3x3 s2 + BN + ReLU6; blocks.0 = 1x1 conv + BN (fused first block, no activation); per
// active block: 1x1 expand + BN + ReLU6, kxk depthwise + BN + ReLU6, optional SE, 1x1 projection + BN,
// residual add on slot >= 1; feature_mix_layer 1x1 -> 384 + BN + ReLU6; global average pool; classifier.
// BatchNorm is folded into its conv (weight scaled per output channel, bias added), so every such conv
// carries a bias here and is marked `foldedBatchNorm` for the lab's parameter count (lab-counts.ts).
// Names mirror the lab's modules: first_conv, blocks.<i>.inverted_bottleneck / depth_conv / se.* /
// point_linear, feature_mix_layer, classifier; <i> numbers the active blocks as get_active_subnet does.
import { GraphBuilder, IrError, type Activation, type Graph, type TensorId } from '../ir/index.ts';
import { batchNormAffine, foldAffine } from '../ir/passes/fold-batch-norm.ts';
import { CHANNEL_PLANS, N_CLASSES, N_STAGES, STAGE_FIRST_SLOT, STAGE_STRIDES, WIDTH_MULTS, slotHasSE } from '../space/constants.ts';
import type { ArchConfig } from '../space/config.ts';
import { activeInStage } from '../space/active.ts';
import { normal, uniformStream, type Uniform } from '../random/seeded-random.ts';

export interface LowerOptions {
  /** Seed of the weights; the same seed gives the same weights. Default 0. */
  seed?: number;
  /** Draw every weight from this uniform [0, 1) source instead, in graph order (overrides `seed`). */
  random?: Uniform;
  /** 'elided' leaves the weights out: a shape-only graph for planning, built in microseconds. */
  weights?: 'seeded' | 'elided';
  /** Graph name; default from width and resolution, e.g. `mcunet_w0.5_r96`. */
  name?: string;
  /**
   * Trained weights by op name (a subnet extracted from the lab's super network, src/frontend/supernet/),
   * used instead of seeded ones; their BatchNorms are folded here with their own eps. Overrides `seed`/`random`.
   */
  provided?: ProvidedWeights;
}

/** A BatchNorm in eval mode: y = (x - mean) / sqrt(variance + eps) * gamma + beta, per channel. */
export interface BatchNormParams {
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly mean: Float32Array;
  readonly variance: Float32Array;
  readonly eps: number;
}

/** One layer's trained values: weight in the IR's layout (OHWI; [out, in] for fully connected). */
export interface ProvidedLayer {
  readonly weight: Float32Array;
  /** The layer's own bias (SE convs, classifier); absent for a conv followed by BatchNorm. */
  readonly bias?: Float32Array;
  readonly bn?: BatchNormParams;
}

export interface ProvidedWeights {
  /** The values of the conv or fully connected layer called `name` (e.g. `blocks.3.depth_conv`). */
  layer(name: string): ProvidedLayer;
}

// PyTorch's BatchNorm2d default eps; the lab's layers keep it.
const BN_EPS = 1e-5;

/**
 * Makes the constants. Seeded weights imitate a trained network's statistics closely enough that
 * activations keep a sane range layer after layer (what calibration and int8 checks need): conv weights
 * He-normal (std sqrt(2 / fan_in), right for ReLU-family activations), BN gamma near 1, beta and
 * running mean small, running variance near 1; layers without BN use PyTorch's default uniform init.
 */
class Weights {
  constructor(
    private readonly b: GraphBuilder,
    private readonly opts: LowerOptions,
  ) {}

  private source(name: string): Uniform {
    return this.opts.random ?? uniformStream(this.opts.seed ?? 0, name);
  }

  private get elided(): boolean {
    return this.opts.weights === 'elided';
  }

  /** A provided layer's values, checked against the shape the config implies (a mismatch is a bug). */
  private provided(name: string, weightSize: number, biasSize: number, withBn: boolean): ProvidedLayer {
    const l = this.opts.provided!.layer(name);
    const n = withBn ? l.bn?.gamma.length : l.bias?.length;
    if (l.weight.length !== weightSize || n !== biasSize) throw new IrError(`provided weights for "${name}" do not fit the config's layer (${l.weight.length} weights, ${n} channels)`);
    return l;
  }

  /** Conv weight [cout, kh, kw, cinPerGroup] with a BatchNorm folded in; returns [weight, bias]. */
  convBn(name: string, cout: number, k: number, cinPerGroup: number): [TensorId, TensorId] {
    const shape = [cout, k, k, cinPerGroup];
    if (this.elided) return [this.b.elidedConstant(`${name}.weight`, shape, 'float32'), this.b.elidedConstant(`${name}.bias`, [cout], 'float32')];
    if (this.opts.provided) {
      const l = this.provided(name, cout * k * k * cinPerGroup, cout, true);
      const [w, bias] = foldBatchNorm(l.weight, l.bn!);
      return [this.b.constant(`${name}.weight`, shape, w), this.b.constant(`${name}.bias`, [cout], bias)];
    }
    const per = k * k * cinPerGroup;
    const w = new Float32Array(cout * per);
    const u = this.source(`${name}.weight`);
    const std = Math.sqrt(2 / per);
    for (let i = 0; i < w.length; i++) w[i] = std * normal(u);
    const v = this.source(`${name}.bn`);
    const bn = { gamma: new Float64Array(cout), beta: new Float64Array(cout), mean: new Float64Array(cout), variance: new Float64Array(cout), eps: BN_EPS };
    for (let o = 0; o < cout; o++) {
      bn.gamma[o] = 1 + 0.1 * normal(v);
      bn.beta[o] = 0.05 * normal(v);
      bn.mean[o] = 0.05 * normal(v);
      bn.variance[o] = 0.75 + 0.5 * v(); // in [0.75, 1.25)
    }
    const bias = new Float32Array(cout);
    const { scale, shift } = batchNormAffine(bn);
    foldAffine(w, bias, scale, shift, false);
    return [this.b.constant(`${name}.weight`, shape, w), this.b.constant(`${name}.bias`, [cout], bias)];
  }

  /** PyTorch's default for a layer with bias and no BN: weight and bias both U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
  withBias(name: string, shape: number[], fanIn: number): [TensorId, TensorId] {
    const cout = shape[0];
    if (this.elided) return [this.b.elidedConstant(`${name}.weight`, shape, 'float32'), this.b.elidedConstant(`${name}.bias`, [cout], 'float32')];
    if (this.opts.provided) {
      const l = this.provided(name, cout * fanIn, cout, false);
      return [this.b.constant(`${name}.weight`, shape, l.weight.slice()), this.b.constant(`${name}.bias`, [cout], l.bias!.slice())];
    }
    const bound = 1 / Math.sqrt(fanIn);
    const fill = (n: number, u: Uniform) => Float32Array.from({ length: n }, () => (2 * u() - 1) * bound);
    const w = fill(cout * fanIn, this.source(`${name}.weight`));
    const bias = fill(cout, this.source(`${name}.bias`));
    return [this.b.constant(`${name}.weight`, shape, w), this.b.constant(`${name}.bias`, [cout], bias)];
  }
}

/** Folds an eval-mode BatchNorm into the conv before it: w' = w * scale, b' = beta - mean * scale per output channel. */
export function foldBatchNorm(weight: Float32Array, bn: BatchNormParams): [Float32Array, Float32Array] {
  const w = Float32Array.from(weight);
  const bias = new Float32Array(bn.gamma.length);
  const { scale, shift } = batchNormAffine(bn);
  foldAffine(w, bias, scale, shift, false);
  return [w, bias];
}

/** The float IR of the subnet that `c` selects. Throws IrError only on a bug (configs are validated before). */
export function lowerArch(c: ArchConfig, opts: LowerOptions = {}): Graph {
  const ch = CHANNEL_PLANS[c.wid];
  const r = c.image_size;
  const b = new GraphBuilder(opts.name ?? `mcunet_w${WIDTH_MULTS[c.wid]}_r${r}`);
  const weights = new Weights(b, opts);
  const channels = (t: TensorId) => b.shapeOf(t)[3];

  /** conv + folded BN (+ activation); padding k//2 on every side, as every conv of the subnet has. */
  const convBn = (name: string, x: TensorId, cout: number, k: number, stride: number, depthwise: boolean, activation: Activation) => {
    const cin = channels(x);
    const groups = depthwise ? cin : 1;
    const [w, bias] = weights.convBn(name, cout, k, cin / groups);
    const p = k >> 1;
    return b.op(
      { kind: 'conv2d', name, inputs: [x, w, bias], kernel: [k, k], stride: [stride, stride], padding: { top: p, left: p, bottom: p, right: p }, groups, activation, foldedBatchNorm: true },
      name,
    );
  };
  /** 1x1 conv with its own bias (the SE convs: no BN after them). */
  const conv1x1Bias = (name: string, x: TensorId, cout: number, activation: Activation) => {
    const cin = channels(x);
    const [w, bias] = weights.withBias(name, [cout, 1, 1, cin], cin);
    const pad0 = { top: 0, left: 0, bottom: 0, right: 0 };
    return b.op({ kind: 'conv2d', name, inputs: [x, w, bias], kernel: [1, 1], stride: [1, 1], padding: pad0, groups: 1, activation }, name);
  };

  let x = b.input('input', [1, r, r, 3]);
  x = convBn('first_conv', x, ch.stem, 3, 2, false, 'relu6');
  x = convBn('blocks.0.point_linear', x, ch.firstBlock, 1, 1, false, 'none');

  let block = 1;
  for (let s = 0; s < N_STAGES; s++) {
    const cout = ch.stages[s];
    for (let pos = 0; pos < activeInStage(c.d, s); pos++, block++) {
      const slot = STAGE_FIRST_SLOT[s] + pos;
      const pre = `blocks.${block}`;
      const input = x;
      const cin = channels(input);
      const mid = cin * c.e[slot]; // make_divisible(cin * e, 8) = cin * e: cin is a multiple of 8 (spec §2)
      let y = convBn(`${pre}.inverted_bottleneck`, input, mid, 1, 1, false, 'relu6');
      y = convBn(`${pre}.depth_conv`, y, mid, c.ks[slot], pos === 0 ? STAGE_STRIDES[s] : 1, true, 'relu6');
      if (slotHasSE(s, pos)) {
        // se_mid comes from the block INPUT channels (SE_BASE_CHANNEL in the lab), reduction 4.
        const seMid = Math.max(1, Math.floor(cin / 4));
        const pooled = b.op({ kind: 'global_avg_pool', name: `${pre}.se.pool`, inputs: [y] }, `${pre}.se.pool`);
        const reduced = conv1x1Bias(`${pre}.se.reduce`, pooled, seMid, 'relu6');
        const gate = conv1x1Bias(`${pre}.se.expand`, reduced, mid, 'hardsigmoid');
        y = b.op({ kind: 'mul', name: `${pre}.se.scale`, inputs: [y, gate], activation: 'none' }, `${pre}.se.scale`);
      }
      y = convBn(`${pre}.point_linear`, y, cout, 1, 1, false, 'none');
      // The identity shortcut exists on every slot but the first of a stage (spec §2).
      if (pos > 0) y = b.op({ kind: 'add', name: `${pre}.add`, inputs: [y, input], activation: 'none' }, `${pre}.add`);
      x = y;
    }
  }

  x = convBn('feature_mix_layer', x, ch.mix, 1, 1, false, 'relu6');
  x = b.op({ kind: 'global_avg_pool', name: 'global_avg_pool', inputs: [x] }, 'global_avg_pool');
  const features = channels(x);
  const [w, bias] = weights.withBias('classifier', [N_CLASSES, features], features);
  x = b.op({ kind: 'fully_connected', name: 'classifier', inputs: [x, w, bias], activation: 'none' }, 'classifier');
  b.output(x);
  return b.build();
}
