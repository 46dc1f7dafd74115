// Geometry of a subnet's architecture picture (what the lab's draw_arch / visualize_subnet show): the
// stem, the fused first block, one column per stage with its active MB blocks (box width from the expand
// ratio, colour from the depthwise kernel size, SE and stride marked), then the head. Channel widths and
// feature-map sides come from the design space's constants (spec/mcunet-space.md §1-2).
// templates/svg/arch.hbs draws it, inline in the search report and alone for `mcu-nas draw`.
import { activeInStage } from '../space/active.ts';
import type { ArchConfig } from '../space/config.ts';
import { CHANNEL_PLANS, convOut, N_CLASSES, N_STAGES, SLOT_STAGE, STAGE_FIRST_SLOT, STAGE_STRIDES, WIDTH_MULTS, slotHasSE } from '../space/constants.ts';
import { px } from './scale.ts';

/** Kernel size -> fill (Okabe-Ito colours, readable for colour-blind readers), and its text colour. */
export const KERNEL_COLORS: Record<number, { fill: string; text: string }> = {
  3: { fill: '#56B4E9', text: '#111' },
  5: { fill: '#E69F00', text: '#111' },
  7: { fill: '#D55E00', text: '#fff' },
};
/** Box width per expand ratio (pixels): wider is more channels inside the block. */
export const EXPAND_WIDTHS: Record<number, number> = { 3: 60, 4: 74, 6: 96 };

export interface ArchBox {
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
  textColor: string;
  /** First line, e.g. "MB6 7×7". */
  label: string;
  /** Second line, e.g. "SE · s2". */
  detail: string;
  title: string;
  kind: 'fixed' | 'block';
  dashed: boolean;
}

export interface ArchColumn {
  x: number;
  center: number;
  heading: string;
  subheading: string;
  boxes: ArchBox[];
}

export interface ArchPicture {
  width: number;
  height: number;
  title: string;
  columns: ArchColumn[];
  /** Arrows between neighbouring columns, at mid height of the first boxes. */
  arrows: { x1: number; x2: number; y: number }[];
  legend: { x: number; y: number; fill: string; label: string }[];
  legendY: number;
  /** Active MB blocks (the fused first block not counted). */
  blocks: number;
}

const COLUMN_GAP = 22;
const BOX_HEIGHT = 36;
const BOX_GAP = 10;
const TOP = 64;
const MARGIN = 14;

/** "wid 1 (×0.75), r 128: 14 MB blocks". */
export function archTitle(c: ArchConfig, blocks: number): string {
  return `width ×${WIDTH_MULTS[c.wid]} (wid ${c.wid}), input ${c.image_size}×${c.image_size}, ${blocks} MB blocks`;
}

export function layoutArch(c: ArchConfig): ArchPicture {
  const plan = CHANNEL_PLANS[c.wid];
  const columns: ArchColumn[] = [];
  let x = MARGIN;
  const fixed = (width: number, heading: string, subheading: string, label: string, detail: string, title: string) => {
    const box: ArchBox = { x, y: TOP, width, height: BOX_HEIGHT, fill: '#e8e8e8', textColor: '#111', label, detail, title, kind: 'fixed', dashed: false };
    columns.push({ x, center: x + width / 2, heading, subheading, boxes: [box] });
    x += width + COLUMN_GAP;
  };
  const r = c.image_size;
  fixed(64, 'input', `${r}×${r}×3`, 'image', `${r}×${r}`, `input ${r}×${r}×3`);
  let side = convOut(r, 2);
  fixed(74, 'stem', `${plan.stem} ch · ${side}×${side}`, 'conv 3×3', 's2', `first conv: 3×3, stride 2, 3 → ${plan.stem} channels, ${side}×${side}`);
  fixed(74, 'first block', `${plan.firstBlock} ch`, 'conv 1×1', 'fused', `fused first block: 1×1 conv ${plan.stem} → ${plan.firstBlock} channels`);

  let cin = plan.firstBlock;
  let blocks = 0;
  for (let s = 0; s < N_STAGES; s++) {
    const n = activeInStage(c.d, s);
    const cout = plan.stages[s];
    const sideIn = side;
    side = convOut(side, STAGE_STRIDES[s]);
    const boxes: ArchBox[] = [];
    let widest = 0;
    for (let i = 0; i < n; i++) {
      const slot = STAGE_FIRST_SLOT[s] + i;
      const k = c.ks[slot];
      const e = c.e[slot];
      widest = Math.max(widest, EXPAND_WIDTHS[e]);
      const se = slotHasSE(SLOT_STAGE[slot], i);
      const stride = i === 0 ? STAGE_STRIDES[s] : 1;
      const inC = i === 0 ? cin : cout;
      const colour = KERNEL_COLORS[k];
      boxes.push({
        x: 0,
        y: TOP + i * (BOX_HEIGHT + BOX_GAP),
        width: EXPAND_WIDTHS[e],
        height: BOX_HEIGHT,
        fill: colour.fill,
        textColor: colour.text,
        label: `MB${e} ${k}×${k}`,
        detail: [se ? 'SE' : '', stride === 2 ? 's2' : '', i > 0 ? 'skip' : ''].filter(Boolean).join(' · '),
        title: `stage ${s} block ${i} (slot ${slot}): ${inC} → ${inC * e} (×${e}) → ${cout} channels, depthwise ${k}×${k}, stride ${stride}${se ? ', squeeze-excite' : ''}${i > 0 ? ', residual add' : ''}, ${i === 0 ? sideIn : side}×${i === 0 ? sideIn : side} → ${side}×${side}`,
        kind: 'block',
        dashed: false,
      });
    }
    for (const b of boxes) b.x = x + (widest - b.width) / 2;
    columns.push({ x, center: x + widest / 2, heading: `stage ${s}`, subheading: `${cout} ch · ${side}×${side}`, boxes });
    x += widest + COLUMN_GAP;
    blocks += n;
    cin = cout;
  }
  fixed(74, 'feature mix', `${plan.mix} ch`, 'conv 1×1', `→ ${plan.mix}`, `feature mix: 1×1 conv ${cin} → ${plan.mix} channels, ${side}×${side}`);
  fixed(74, 'head', `${N_CLASSES} classes`, 'pool + FC', `→ ${N_CLASSES}`, `global average pool, then linear ${plan.mix} → ${N_CLASSES}`);

  const width = x - COLUMN_GAP + MARGIN;
  const tallest = Math.max(...columns.map((col) => col.boxes.length));
  const legendY = TOP + tallest * (BOX_HEIGHT + BOX_GAP) + 14;
  const legend = [
    ...[3, 5, 7].map((k, i) => ({ x: MARGIN + i * 110, y: legendY, fill: KERNEL_COLORS[k].fill, label: `depthwise ${k}×${k}` })),
  ];
  const arrows = columns.slice(1).map((col, i) => ({
    x1: columns[i].x + Math.max(...columns[i].boxes.map((b) => b.x + b.width - columns[i].x)) + 2,
    x2: col.x - 2,
    y: TOP + BOX_HEIGHT / 2,
  }));
  return { width, height: legendY + 30, title: archTitle(c, blocks), columns, arrows, legend, legendY, blocks };
}

/** The picture with every coordinate as SVG attribute text, for templates/svg/arch.hbs. */
export function archView(p: ArchPicture) {
  return {
    width: p.width,
    height: p.height,
    title: p.title,
    columns: p.columns.map((col) => ({
      center: px(col.center),
      heading: col.heading,
      subheading: col.subheading,
      boxes: col.boxes.map((b) => ({
        ...b,
        x: px(b.x),
        y: px(b.y),
        width: px(b.width),
        height: px(b.height),
        cx: px(b.x + b.width / 2),
        labelY: px(b.y + (b.detail ? 15 : 22)),
        detailY: px(b.y + 29),
      })),
    })),
    arrows: p.arrows.map((a) => ({ x1: px(a.x1), x2: px(a.x2), y: px(a.y), head: `${px(a.x2 - 6)},${px(a.y - 4)} ${px(a.x2)},${px(a.y)} ${px(a.x2 - 6)},${px(a.y + 4)}` })),
    legend: p.legend.map((l) => ({ ...l, x: px(l.x), y: px(l.y), textX: px(l.x + 18), textY: px(l.y + 11) })),
    legendNoteX: px(14 + 3 * 110),
    legendNoteY: px(p.legendY + 11),
  };
}
