// Lab-exact analytic efficiency of a subnet (spec §6): MACs as thop 0.1.1 counts them inside the lab's
// count_net_flops, peak activation bytes by count_peak_activation_size, and count_parameters.
// Pure arithmetic over the config, no graph: the search calls this hundreds of thousands of times.
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
  let pure = 0; // conv + linear products
  let bnElems = 0; // elements passing through a BatchNorm
  let seBias = 0; // outputs of convs with bias (the SE convs), for the legacy count
  let params = 0;

  // first_conv 3x3 s2, 3 -> stem, BN, ReLU6
  let h = convOut(r, 2);
  let cin = ch.stem;
  pure += h * h * cin * 27;
  bnElems += h * h * cin;
  params += cin * 27 + 2 * cin;
  let peak = r * r * 3 + h * h * cin;

  // fused first block: 1x1 stem -> first, BN
  const first = ch.firstBlock;
  pure += h * h * first * cin;
  bnElems += h * h * first;
  params += first * cin + 2 * first;
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
      pure += midIn * cin + midOut * k * k + outElems * mid;
      bnElems += midIn + midOut + outElems;
      params += mid * cin + 2 * mid + mid * k * k + 2 * mid + cout * mid + 2 * cout;
      if (slotHasSE(s, pos)) {
        const seMid = Math.max(1, Math.floor(cin / 4));
        pure += 2 * seMid * mid;
        seBias += seMid + mid;
        params += 2 * seMid * mid + seMid + mid;
      }
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
  pure += h * h * MIX_WIDTH * cin;
  bnElems += h * h * MIX_WIDTH;
  params += MIX_WIDTH * cin + 2 * MIX_WIDTH;
  peak = Math.max(peak, h * h * (cin + MIX_WIDTH), MIX_WIDTH + N_CLASSES);
  pure += MIX_WIDTH * N_CLASSES;
  params += MIX_WIDTH * N_CLASSES + N_CLASSES;

  const macs = pure + 4 * bnElems;
  return {
    macs,
    macsPure: pure,
    macsThopLegacy: pure + seBias + 2 * bnElems,
    peakBytes: peak,
    params,
    millionMACs: macs / 1e6,
    KBPeakMemory: peak / 1024,
  };
}
