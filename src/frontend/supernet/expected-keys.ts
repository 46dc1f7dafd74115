// The state-dict keys and shapes of the lab's super network, OFAMCUNets as the lab notebook builds it
// (n_classes 2, base_stage_width "mcunet384", width_mult_list [0.5, 0.75, 1.0], ks_list [3, 5, 7],
// expand_ratio_list [3, 4, 6], depth_list [0, 1, 2], fuse_blk1, SE on stage 1 slots 1-3 and stages 2-4;
// ../shared/data/mcunet-supernet-seeded/PROVENANCE.md). Every super tensor is sized for the largest
// choice: widths at multiplier 1.0, expand ratio 6, 7x7 depthwise kernels, SE hidden width from the
// largest block input. The order is the state dict's (keys.json there), so a check can report the
// first key at fault as PyTorch would meet it.
import { CHANNEL_PLANS, MIX_WIDTH, N_CLASSES, N_SLOTS, SLOT_POS, SLOT_STAGE, makeDivisible, slotHasSE } from '../../space/constants.ts';

export interface ExpectedKey {
  key: string;
  shape: number[];
  dtype: 'float32' | 'int64';
}

/** The largest expand ratio and kernel: the super tensors' sizes. */
export const MAX_EXPAND = 6;
export const MAX_KERNEL = 7;

/** Super-network block b (1..20): its module prefix, its largest input, hidden and output widths. */
export function superBlockWidths(b: number): { cin: number; mid: number; cout: number; seMid: number; se: boolean } {
  const full = CHANNEL_PLANS[CHANNEL_PLANS.length - 1];
  const slot = b - 1;
  const stage = SLOT_STAGE[slot];
  const cin = slot === 0 ? full.firstBlock : SLOT_POS[slot] === 0 ? full.stages[stage - 1] : full.stages[stage];
  const mid = makeDivisible(cin * MAX_EXPAND, 8);
  return { cin, mid, cout: full.stages[stage], seMid: Math.max(1, Math.floor(cin / 4)), se: slotHasSE(stage, SLOT_POS[slot]) };
}

function batchNorm(prefix: string, c: number): ExpectedKey[] {
  return [
    ...['weight', 'bias', 'running_mean', 'running_var'].map((p) => ({ key: `${prefix}.bn.bn.${p}`, shape: [c], dtype: 'float32' as const })),
    { key: `${prefix}.bn.bn.num_batches_tracked`, shape: [], dtype: 'int64' },
  ];
}

function convBn(prefix: string, shape: number[]): ExpectedKey[] {
  return [{ key: `${prefix}.conv.conv.weight`, shape, dtype: 'float32' }, ...batchNorm(prefix, shape[0])];
}

const f32 = (key: string, shape: number[]): ExpectedKey => ({ key, shape, dtype: 'float32' });

/** All keys of the super network's state dict, in state-dict order, with shapes and dtypes. */
export function expectedSupernetKeys(): ExpectedKey[] {
  const full = CHANNEL_PLANS[CHANNEL_PLANS.length - 1];
  const keys: ExpectedKey[] = [
    ...convBn('first_conv', [full.stem, 3, 3, 3]),
    ...convBn('blocks.0.mobile_inverted_conv.point_linear', [full.firstBlock, full.stem, 1, 1]),
  ];
  for (let b = 1; b <= N_SLOTS; b++) {
    const { cin, mid, cout, seMid, se } = superBlockWidths(b);
    const m = `blocks.${b}.mobile_inverted_conv`;
    keys.push(
      ...convBn(`${m}.inverted_bottleneck`, [mid, cin, 1, 1]),
      f32(`${m}.depth_conv.conv.5to3_matrix`, [9, 9]),
      f32(`${m}.depth_conv.conv.7to5_matrix`, [25, 25]),
      f32(`${m}.depth_conv.conv.conv.weight`, [mid, 1, MAX_KERNEL, MAX_KERNEL]),
      ...batchNorm(`${m}.depth_conv`, mid),
    );
    if (se)
      keys.push(
        f32(`${m}.depth_conv.se.fc.reduce.weight`, [seMid, mid, 1, 1]),
        f32(`${m}.depth_conv.se.fc.reduce.bias`, [seMid]),
        f32(`${m}.depth_conv.se.fc.expand.weight`, [mid, seMid, 1, 1]),
        f32(`${m}.depth_conv.se.fc.expand.bias`, [mid]),
      );
    keys.push(...convBn(`${m}.point_linear`, [cout, mid, 1, 1]));
  }
  keys.push(
    ...convBn('feature_mix_layer', [MIX_WIDTH, full.stages[full.stages.length - 1], 1, 1]),
    f32('classifier.linear.linear.weight', [N_CLASSES, MIX_WIDTH]),
    f32('classifier.linear.linear.bias', [N_CLASSES]),
  );
  return keys;
}
