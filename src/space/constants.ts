// The MCUNetV2 once-for-all super-network of EfficientML Lab 3 ("OFAMCUNets", base "mcunet384").
// Every constant here is from ../shared/spec/mcunet-space.md §1 (checked there against the lab's code).

export const KERNEL_SIZES = [3, 5, 7] as const;
export const EXPAND_RATIOS = [3, 4, 6] as const;
export const DEPTHS = [0, 1, 2] as const;
export const WIDTH_MULTS = [0.5, 0.75, 1.0] as const;
export const IMAGE_SIZES = [96, 112, 128, 144, 160] as const;

export type KernelSize = (typeof KERNEL_SIZES)[number];
export type ExpandRatio = (typeof EXPAND_RATIOS)[number];
export type Depth = (typeof DEPTHS)[number];
export type ImageSize = (typeof IMAGE_SIZES)[number];
export type WidthIndex = 0 | 1 | 2;

/** stem conv, first block, six stage widths, final feature-mix width. */
export const BASE_WIDTHS = [32, 16, 24, 40, 80, 96, 192, 320, 384] as const;
export const STAGE_STRIDES = [2, 2, 2, 1, 2, 1] as const;
/** base_depth with the encoder's trailing 1 for the fixed last stage. */
export const BASE_DEPTH = [1, 2, 2, 2, 2, 1] as const;
/** Slots per stage: base + max depth, except the last stage which has exactly one. */
export const STAGE_SLOTS = [3, 4, 4, 4, 4, 1] as const;
export const N_STAGES = 6;
export const N_SLOTS = 20;
export const N_CLASSES = 2;
export const MIX_WIDTH = 384;

/** Stage of each of the 20 block slots, and its position inside the stage. */
export const SLOT_STAGE: readonly number[] = STAGE_SLOTS.flatMap((n, s) => Array<number>(n).fill(s));
export const SLOT_POS: readonly number[] = STAGE_SLOTS.flatMap((n) => Array.from({ length: n }, (_, i) => i));
/** First slot index of each stage. */
export const STAGE_FIRST_SLOT: readonly number[] = STAGE_SLOTS.map((_, s) =>
  STAGE_SLOTS.slice(0, s).reduce((a, b) => a + b, 0),
);

/** SE flags per slot: stage 0 none; stage 1 slots 1..3; stages 2..4 all; stage 5 none. */
export function slotHasSE(stage: number, pos: number): boolean {
  if (stage === 1) return pos >= 1;
  return stage >= 2 && stage <= 4;
}

/**
 * The lab's make_divisible(v, divisor, min_val=divisor): round to the nearest multiple, never below
 * min_val, and bump by one divisor if rounding lost more than 10%.
 */
export function makeDivisible(v: number, divisor: number, minVal = divisor): number {
  let out = Math.max(minVal, Math.floor(Math.floor(v + divisor / 2) / divisor) * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}

export interface ChannelPlan {
  stem: number;
  firstBlock: number;
  stages: readonly number[]; // six stage widths
  mix: number;
}

function planFor(w: number): ChannelPlan {
  const d = BASE_WIDTHS.map((b) => makeDivisible(b * w, 8));
  // The feature-mix width stays 384 whenever w <= 1.0 (spec §1.2).
  return { stem: d[0], firstBlock: d[1], stages: d.slice(2, 8), mix: w <= 1 ? BASE_WIDTHS[8] : d[8] };
}

export const CHANNEL_PLANS: readonly ChannelPlan[] = WIDTH_MULTS.map(planFor);

/** Output side of a conv with padding k//2: ceil(h / stride). */
export function convOut(h: number, stride: number): number {
  return Math.floor((h - 1) / stride) + 1;
}
