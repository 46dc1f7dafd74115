// Lab-exact analytic efficiency of a subnet (spec §6): MACs as thop 0.1.1 counts them inside the lab's
// count_net_flops, peak activation bytes by count_peak_activation_size, and count_parameters.
// The search calls this hundreds of thousands of times, so it walks the config, not a graph (lowering
// one to the IR costs ~35x more); the counting is the IR's own counter (src/ir/cost.ts CountTally), fed
// the same layers the lowering makes, and test/predict/efficiency.test.ts checks that labCounts of the
// lowered graph gives the same figures for every vector and random configs.
import {
  CHANNEL_PLANS,
  MIX_WIDTH,
  N_CLASSES,
  N_STAGES,
  STAGE_FIRST_SLOT,
  STAGE_STRIDES,
  convOut,
  slotHasSE,
} from '../space/constants.ts';
import type { ArchConfig } from '../space/config.ts';
import { activeInStage } from '../space/active.ts';
import { CountTally } from '../ir/cost.ts';

export interface Efficiency {
  /** thop 0.1.1 count, the lab's figure: conv/linear products + 4 per BatchNorm element. */
  macs: number;
  /** Conv and linear products only (what a kernel computes). */
  macsPure: number;
  /** The pre-2022 thop count (the lab notebook's asserted 7.770656 / 76.662564). */
  macsThopLegacy: number;
  /** Peak activation bytes (int8, batch 1). */
  peakBytes: number;
  params: number;
  millionMACs: number;
  KBPeakMemory: number;
}

export function profileArch(c: ArchConfig): Efficiency {
  const ch = CHANNEL_PLANS[c.wid];
  const r = c.image_size;
  const count = new CountTally();

  // first_conv 3x3 s2, 3 -> stem, BN, ReLU6
  let h = convOut(r, 2);
  let cin = ch.stem;
  count.conv(h * h * cin, 3, 3, 3, cin, true, false);
  let peak = r * r * 3 + h * h * cin;

  // fused first block: 1x1 stem -> first, BN
  const first = ch.firstBlock;
  count.conv(h * h * first, 1, 1, cin, first, true, false);
  peak = Math.max(peak, h * h * (cin + first));
  cin = first;

  for (let s = 0; s < N_STAGES; s++) {
    const cout = ch.stages[s];
    const n = activeInStage(c.d, s);
    for (let pos = 0; pos < n; pos++) {
      const slot = STAGE_FIRST_SLOT[s] + pos;
      const k = c.ks[slot];
      const mid = cin * c.e[slot];
      const stride = pos === 0 ? STAGE_STRIDES[s] : 1;
      const hi = h;
      const ho = convOut(hi, stride);
      const inElems = hi * hi * cin;
      const midIn = hi * hi * mid;
      const midOut = ho * ho * mid;
      const outElems = ho * ho * cout;
      // inverted bottleneck 1x1, depthwise kxk, point-linear 1x1 (each + BN)
      count.conv(midIn, 1, 1, cin, mid, true, false);
      count.conv(midOut, k, k, 1, mid, true, false);
      if (slotHasSE(s, pos)) {
        // SE: pooled 1x1 -> reduce (bias) -> expand (bias), no BN
        const seMid = Math.max(1, Math.floor(cin / 4));
        count.conv(seMid, 1, 1, mid, seMid, false, true);
        count.conv(mid, 1, 1, seMid, mid, false, true);
      }
      count.conv(outElems, 1, 1, mid, cout, true, false);
      const ioIB = inElems + midIn;
      const ioDW = midIn + midOut;
      const ioPL = midOut + outElems;
      // With a shortcut (slot >= 1) the block input stays alive while the depthwise conv runs.
      peak = Math.max(peak, ioIB, pos === 0 ? ioDW : ioDW + inElems, ioPL);
      cin = cout;
      h = ho;
    }
  }

  // feature mix 1x1 -> 384, BN, ReLU6; pool; classifier 384 -> 2 with bias
  count.conv(h * h * MIX_WIDTH, 1, 1, cin, MIX_WIDTH, true, false);
  peak = Math.max(peak, h * h * (cin + MIX_WIDTH), MIX_WIDTH + N_CLASSES);
  count.linear(1, MIX_WIDTH, N_CLASSES, true);

  const { macs, macsPure, macsThopLegacy, params } = count.counts();
  return {
    macs,
    macsPure,
    macsThopLegacy,
    peakBytes: peak,
    params,
    millionMACs: macs / 1e6,
    KBPeakMemory: peak / 1024,
  };
}
