// The kernel backends, one description each (own.ts, cmsis-nn.ts), read by the planner (supported ops,
// in-place rules, scratch bytes) and by code generation (templates, weight layout, C sources).
import type { BackendDescription, KernelBackend } from './backend.ts';
import { CMSIS_NN } from './cmsis-nn.ts';
import { OWN } from './own.ts';

export type { BackendDescription, CoreFeatures, KernelBackend, KernelCall, OpKind } from './backend.ts';
export { CH_IN_BLOCK_MVE, convolve1xNMveBytes, convolveMveBytes } from './cmsis-nn.ts';

export const BACKENDS: Readonly<Record<KernelBackend, BackendDescription>> = { own: OWN, 'cmsis-nn': CMSIS_NN };

export function backendOf(name: KernelBackend): BackendDescription {
  return BACKENDS[name];
}
