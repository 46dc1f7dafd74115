// Arch config -> StepGraph directly, by walking the subnet's shapes with src/space's constants: the
// fast path of the search loop (no graph builder, no weights). It must give exactly what
// stepsFromIr(lowerArch(c)) gives, names included; test/schedule/from-arch.test.ts checks that for
// every vector config and random ones. Topology and names follow src/frontend/arch-to-ir.ts (spec §2);
// MACs and params per step are the IR counter's rules (src/ir/cost.ts), fed the same layer shapes.
import { CHANNEL_PLANS, N_CLASSES, N_STAGES, STAGE_FIRST_SLOT, STAGE_STRIDES, WIDTH_MULTS, convOut, slotHasSE } from '../space/constants.ts';
import type { ArchConfig } from '../space/config.ts';
import { activeInStage } from '../space/active.ts';
import { convProducts, layerLabParams } from '../ir/cost.ts';
import { NO_PADDING, type Step, type StepGraph, type StepKind, type StepTensor } from './steps.ts';

export function stepsFromArch(c: ArchConfig): StepGraph {
  const ch = CHANNEL_PLANS[c.wid];
  const r = c.image_size;
  const tensors: StepTensor[] = [];
  const steps: Step[] = [];
  const tensor = (name: string, h: number, w: number, cc: number): number => {
    tensors.push({ name, shape: [1, h, w, cc], bytes: h * w * cc });
    return tensors.length - 1;
  };
  const blank = { kernel: [1, 1] as [number, number], stride: [1, 1] as [number, number], padding: NO_PADDING, macs: 0, weights: 0, biases: 0, quantChannels: 0, params: 0 };

  /** A conv whose output is its own tensor named like the op. `bnFolded` false = own bias (SE convs). */
  const conv = (name: string, x: number, cout: number, k: number, stride: number, depthwise: boolean, bnFolded = true): number => {
    const [, h, w, cin] = tensors[x].shape;
    const ho = convOut(h, stride);
    const wo = convOut(w, stride);
    const out = tensor(name, ho, wo, cout);
    const cpg = depthwise ? 1 : cin;
    const weights = cout * k * k * cpg;
    const p = k >> 1;
    const kind: StepKind = depthwise ? 'depthwise' : k === 1 ? 'pointwise' : 'conv2d';
    steps.push({
      name,
      kind,
      op: 'conv2d',
      inputs: [x],
      output: out,
      kernel: [k, k],
      stride: [stride, stride],
      padding: { top: p, left: p, bottom: p, right: p },
      macs: convProducts(ho * wo * cout, k, k, cpg),
      weights,
      biases: cout,
      quantChannels: cout,
      params: layerLabParams(weights, cout, bnFolded, true),
    });
    return out;
  };
  const simple = (name: string, kind: StepKind, op: string, inputs: number[], h: number, w: number, cc: number): number => {
    const out = tensor(name, h, w, cc);
    steps.push({ name, kind, op, inputs, output: out, ...blank });
    return out;
  };

  const input = tensor('input', r, r, 3);
  let x = conv('first_conv', input, ch.stem, 3, 2, false);
  x = conv('blocks.0.point_linear', x, ch.firstBlock, 1, 1, false);
  let block = 1;
  for (let s = 0; s < N_STAGES; s++) {
    const cout = ch.stages[s];
    const n = activeInStage(c.d, s);
    for (let pos = 0; pos < n; pos++, block++) {
      const slot = STAGE_FIRST_SLOT[s] + pos;
      const pre = `blocks.${block}`;
      const blockIn = x;
      const cin = tensors[blockIn].shape[3];
      const mid = cin * c.e[slot];
      let y = conv(`${pre}.inverted_bottleneck`, blockIn, mid, 1, 1, false);
      y = conv(`${pre}.depth_conv`, y, mid, c.ks[slot], pos === 0 ? STAGE_STRIDES[s] : 1, true);
      if (slotHasSE(s, pos)) {
        const seMid = Math.max(1, Math.floor(cin / 4));
        const pooled = simple(`${pre}.se.pool`, 'global_avg_pool', 'global_avg_pool', [y], 1, 1, mid);
        const reduced = conv(`${pre}.se.reduce`, pooled, seMid, 1, 1, false, false);
        const gate = conv(`${pre}.se.expand`, reduced, mid, 1, 1, false, false);
        const [, h, w] = tensors[y].shape;
        y = simple(`${pre}.se.scale`, 'mul', 'mul', [y, gate], h, w, mid);
      }
      y = conv(`${pre}.point_linear`, y, cout, 1, 1, false);
      if (pos > 0) {
        const [, h, w] = tensors[y].shape;
        y = simple(`${pre}.add`, 'add', 'add', [y, blockIn], h, w, cout);
      }
      x = y;
    }
  }
  x = conv('feature_mix_layer', x, ch.mix, 1, 1, false);
  x = simple('global_avg_pool', 'global_avg_pool', 'global_avg_pool', [x], 1, 1, ch.mix);
  const features = ch.mix;
  tensors.push({ name: 'classifier', shape: [1, N_CLASSES], bytes: N_CLASSES });
  const logits = tensors.length - 1;
  const fcWeights = N_CLASSES * features;
  steps.push({
    ...blank,
    name: 'classifier',
    kind: 'fully_connected',
    op: 'fully_connected',
    inputs: [x],
    output: logits,
    macs: fcWeights,
    weights: fcWeights,
    biases: N_CLASSES,
    quantChannels: N_CLASSES,
    params: layerLabParams(fcWeights, N_CLASSES, false, true),
  });
  return { name: `mcunet_w${WIDTH_MULTS[c.wid]}_r${r}`, tensors, steps, inputs: [input], outputs: [logits] };
}
