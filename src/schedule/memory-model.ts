// StepGraph (+ optional patch geometry) -> the MemoryModel that lifetimes.ts turns into buffers.
import { inPlaceInputs } from './inplace.ts';
import type { MemStep, MemTensor, MemoryModel } from './lifetimes.ts';
import type { PatchGeometry, Region } from './patch-plan.ts';
import { scratchBytes, type ScratchContext } from './scratch.ts';
import { channels, spatial, type StepGraph } from './steps.ts';

/** Every op on whole tensors, one after the other. */
export function layerModel(g: StepGraph, ctx: ScratchContext): MemoryModel {
  const steps: MemStep[] = g.steps.map((s) => {
    const x = g.tensors[s.inputs[0]];
    const [h, w] = spatial(x);
    return {
      name: s.name,
      inputs: s.inputs,
      output: s.output,
      inPlace: inPlaceInputs(g, s, ctx.backend),
      view: s.kind === 'reshape',
      scratch: scratchBytes(s, h, w, channels(x), ctx),
    };
  });
  return { tensors: g.tensors, steps, inputs: g.inputs, outputs: g.outputs };
}

const sameRegion = (a: Region, b: Region) => a.y0 === b.y0 && a.y1 === b.y1 && a.x0 === b.x0 && a.x1 === b.x1;
const areaOf = (r: Region) => (r.y1 - r.y0) * (r.x1 - r.x0);

/**
 * Patch stage ops on tiles (sized by their largest tile, the buffer every patch reuses), then the rest
 * layer by layer. Steps keep their indices, so the patch stage occupies times 0..split: one patch
 * iteration stands for all of them, since every tile buffer is dead by the end of an iteration. The
 * network input is read by every iteration (live until the split); the split output is filled across
 * iterations (live from the start).
 */
export function patchModel(g: StepGraph, geo: PatchGeometry, ctx: ScratchContext): MemoryModel {
  const base = layerModel(g, ctx);
  const L = geo.splitStep;
  const split = g.steps[L].output;
  const tensors: MemTensor[] = g.tensors.slice();
  for (const op of geo.stage) {
    const t = g.steps[op.step].output;
    if (t === split) tensors[t] = { ...g.tensors[t], liveFromStart: true };
    else tensors[t] = { ...g.tensors[t], bytes: op.maxTile[0] * op.maxTile[1] * op.maxTile[2] };
  }
  for (const t of g.inputs) tensors[t] = { ...g.tensors[t], liveUntil: L };

  const steps: MemStep[] = base.steps.slice();
  for (const op of geo.stage) {
    const s = g.steps[op.step];
    const x = g.tensors[s.inputs[0]];
    // Scratch sized by the largest window this op reads over all patches.
    let h = 0;
    let w = 0;
    for (const t of op.tiles) {
      const r = t.inputs[0].read;
      if (areaOf(r) > h * w) {
        h = r.y1 - r.y0;
        w = r.x1 - r.x0;
      }
    }
    // In place on a tile only if it is safe for every patch: element-wise ops need the same region in
    // and out; depthwise needs the output tile no larger than the input's stored tile (inplace.ts).
    const inPlace = base.steps[op.step].inPlace.filter((t) => {
      const k = s.inputs.indexOf(t);
      if (op.inputFull[k]) return false;
      return op.tiles.every((tile) =>
        s.kind === 'depthwise' ? areaOf(tile.out) <= areaOf(tile.inputs[k].stored) : sameRegion(tile.out, tile.inputs[k].stored),
      );
    });
    steps[op.step] = { ...base.steps[op.step], inPlace, scratch: scratchBytes(s, h, w, channels(x), ctx) };
  }
  return { tensors, steps, inputs: g.inputs, outputs: g.outputs };
}
