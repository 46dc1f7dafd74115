// From an execution order to the list of buffers that placement.ts packs: which tensors share a buffer
// (in-place ops), when each buffer is first and last needed, and each op's scratch buffer.
//
// The memory model is deliberately smaller than a StepGraph: sizes, who reads what, and which inputs an
// op may overwrite. The layer-by-layer plan and the patch plan (per-patch tiles) both build one, so they
// share this code and its rules.
import type { Buffer } from './placement.ts';

export interface MemTensor {
  readonly name: string;
  readonly bytes: number;
  /**
   * Live from step 0 whatever its producer: a buffer that the patch loop fills across iterations (the
   * split layer's full output) must hold earlier patches' results while later patches run.
   */
  readonly liveFromStart?: boolean;
  /** Live at least until this step: a full-size input that every patch iteration reads again. */
  readonly liveUntil?: number;
}

export interface MemStep {
  readonly name: string;
  readonly inputs: readonly number[];
  readonly output: number;
  /**
   * Inputs whose buffer the output may take over, in order of preference (see inplace.ts for the rules).
   * Taken only when nothing reads that buffer after this step.
   */
  readonly inPlace: readonly number[];
  /** The output is a view of inputs[0] (reshape): same bytes, no copy, whatever happens to the input later. */
  readonly view?: boolean;
  /** Bytes of kernel scratch, live during this step only. */
  readonly scratch: number;
}

export interface MemoryModel {
  readonly tensors: readonly MemTensor[];
  readonly steps: readonly MemStep[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

export interface BufferAssignment {
  /** Tensor buffers first (in order of creation), then one scratch buffer per step that needs one. */
  readonly buffers: Buffer[];
  /** bufferOf[t] = index into buffers of tensor t's buffer, or -1 for a tensor no step touches. */
  readonly bufferOf: Int32Array;
  /** scratchOf[i] = index into buffers of step i's scratch, or -1. */
  readonly scratchOf: Int32Array;
  /** Tensor indices per buffer (several when in-place ops chain). */
  readonly tensorsOf: number[][];
}

export function assignBuffers(m: MemoryModel): BufferAssignment {
  const nT = m.tensors.length;
  const nS = m.steps.length;
  const last = nS - 1;
  const firstUse = new Int32Array(nT).fill(-1);
  const lastUse = new Int32Array(nT).fill(-1);
  for (const t of m.inputs) firstUse[t] = lastUse[t] = 0;
  for (let i = 0; i < nS; i++) {
    const s = m.steps[i];
    for (const t of s.inputs) lastUse[t] = i;
    if (firstUse[s.output] < 0) firstUse[s.output] = i;
    if (lastUse[s.output] < i) lastUse[s.output] = i;
  }
  // Outputs of the network must survive the last op; pinned tensors as they ask.
  for (const t of m.outputs) lastUse[t] = last;
  for (let t = 0; t < nT; t++) {
    const mt = m.tensors[t];
    if (firstUse[t] < 0) continue;
    if (mt.liveFromStart) firstUse[t] = 0;
    if (mt.liveUntil !== undefined && mt.liveUntil > lastUse[t]) lastUse[t] = Math.min(mt.liveUntil, last);
  }

  const size: number[] = [];
  const first: number[] = [];
  const lastOf: number[] = [];
  const ids: string[] = [];
  const tensorsOf: number[][] = [];
  const bufferOf = new Int32Array(nT).fill(-1);
  const scratchOf = new Int32Array(nS).fill(-1);
  const open = (id: string, bytes: number, f: number, l: number): number => {
    size.push(bytes);
    first.push(f);
    lastOf.push(l);
    ids.push(id);
    tensorsOf.push([]);
    return size.length - 1;
  };
  const join = (t: number, b: number) => {
    bufferOf[t] = b;
    tensorsOf[b].push(t);
    if (m.tensors[t].bytes > size[b]) size[b] = m.tensors[t].bytes;
    if (lastUse[t] > lastOf[b]) lastOf[b] = lastUse[t];
  };

  for (const t of m.inputs) join(t, open(m.tensors[t].name, m.tensors[t].bytes, 0, lastUse[t]));
  for (let i = 0; i < nS; i++) {
    const s = m.steps[i];
    const out = s.output;
    let target = -1;
    if (s.view && s.inputs.length > 0) target = bufferOf[s.inputs[0]];
    else if (!m.tensors[out].liveFromStart) {
      for (const t of s.inPlace) {
        const b = bufferOf[t];
        // The buffer is free for the output only if no tensor in it is read after this step.
        if (b >= 0 && lastOf[b] === i && m.tensors[out].bytes <= size[b]) {
          target = b;
          break;
        }
      }
    }
    if (target >= 0) join(out, target);
    else if (bufferOf[out] < 0) join(out, open(m.tensors[out].name, m.tensors[out].bytes, firstUse[out], lastUse[out]));
    if (s.scratch > 0) scratchOf[i] = open(`scratch:${s.name}`, s.scratch, i, i);
  }

  const buffers: Buffer[] = size.map((sz, b) => ({ id: ids[b], size: sz, firstUse: first[b], lastUse: lastOf[b] }));
  return { buffers, bufferOf, scratchOf, tensorsOf };
}

/** Bytes live at each step (sum of the sizes of the buffers live then), unaligned. */
export function liveBytesPerStep(buffers: readonly Buffer[], nSteps: number): number[] {
  const delta = new Float64Array(nSteps + 1);
  for (const b of buffers) {
    if (b.size <= 0) continue;
    delta[b.firstUse] += b.size;
    delta[Math.min(b.lastUse, nSteps - 1) + 1] -= b.size;
  }
  const live: number[] = new Array(nSteps);
  let acc = 0;
  for (let i = 0; i < nSteps; i++) {
    acc += delta[i];
    live[i] = acc;
  }
  return live;
}
