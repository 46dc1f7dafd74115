import type { ArchConfig } from '../../src/space/config.ts';

/**
 * The benches' subnet that needs patches on stm32f746 at 160 px: wid 0, kernels 3/5/7 in turn, expansion 6
 * in the first 8 blocks (layer by layer its arena is more than the F746's 320 KB run, less than the H743's
 * 512 KB AXI SRAM).
 */
export const PATCH_SUBNET_160: ArchConfig = {
  wid: 0,
  ks: Array.from({ length: 20 }, (_, i) => [3, 5, 7][i % 3]) as ArchConfig['ks'],
  e: Array.from({ length: 20 }, (_, i) => (i < 8 ? 6 : 4)) as ArchConfig['e'],
  d: [1, 1, 1, 1, 1, 1],
  image_size: 160,
};
