// Sizes of tensors. The planner and the flash report count bytes with these, so there is one rule.
import type { DType, Shape, Tensor } from './graph.ts';

const DTYPE_BYTES: Record<DType, number> = { float32: 4, int8: 1, int32: 4 };

export function dtypeBytes(dtype: DType): number {
  return DTYPE_BYTES[dtype];
}

/** Product of the dimensions (1 for a scalar shape []). */
export function elementCount(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Bytes of the tensor's data; pass `dtype` to ask what it would take in another type (e.g. int8 after quantization). */
export function tensorBytes(t: Tensor, dtype: DType = t.dtype): number {
  return elementCount(t.shape) * dtypeBytes(dtype);
}

/** Constants carry their data (weights, biases) or are marked elided; everything else is computed at run time. */
export function isConstant(t: Tensor): boolean {
  return t.data !== undefined || t.elided === true;
}

export function shapeText(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}
