// A test harness that runs a network INSIDE a planned arena, the way generated C will: every tensor at
// its planned offset, in-place depthwise channel by channel through its scratch buffer, patch-stage ops
// on tiles with the recorded geometry. Buffers are filled with NaN when they come to life, so a planner
// bug (two live tensors sharing bytes, a tile region too small, a wrong border padding) turns into NaN
// or a wrong value at the output, which the tests compare with a plain whole-tensor reference.
//
// Arithmetic is on small integers kept in range by a modulus (a stand-in for requantization), so both
// runs are exact and any difference is a memory or geometry bug, never rounding.
import type { Plan } from '../../src/schedule/plan.ts';
import type { Region, TileInput } from '../../src/schedule/patch-plan.ts';
import type { Step, StepGraph } from '../../src/schedule/steps.ts';
import { Rng } from '../../src/search/rng.ts';

const q = (v: number) => (((v % 251) + 251) % 251) - 125;

export interface Params {
  w: Float64Array[];
  b: Float64Array[];
}

export function makeParams(g: StepGraph, seed: number): Params {
  const rng = new Rng(seed);
  const small = (n: number) => Float64Array.from({ length: n }, () => rng.int(7) - 3);
  return { w: g.steps.map((s) => small(s.weights)), b: g.steps.map((s) => small(s.biases)) };
}

export function makeInput(g: StepGraph, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: g.tensors[g.inputs[0]].bytes }, () => rng.int(255) - 127);
}

/** A tensor view: element (y, x, c) of the whole tensor lives at base + ((y - y0) * w + (x - x0)) * C + c. */
interface View {
  mem: Float64Array;
  base: number;
  region: Region;
  c: number;
}

const at = (v: View, y: number, x: number, c: number) => v.base + ((y - v.region.y0) * (v.region.x1 - v.region.x0) + (x - v.region.x0)) * v.c + c;
const whole = (t: { shape: readonly number[] }): Region => ({ y0: 0, y1: t.shape.length === 4 ? t.shape[1] : 1, x0: 0, x1: t.shape.length === 4 ? t.shape[2] : 1 });

/**
 * One conv-like op (conv, depthwise, pointwise, pad) over output region `out` reading input window
 * `read` with border padding `pad`, as a C kernel given a pointer to the window would: local input row
 * = out_row * stride + ky - pad.top, zero outside the window.
 */
function convTile(s: Step, p: Params, i: number, x: View, inp: TileInput, y: View, out: Region, cin: number, cout: number): void {
  const [kh, kw] = s.kernel;
  const [sh, sw] = s.stride;
  const { read, pad } = inp;
  const rh = read.y1 - read.y0;
  const rw = read.x1 - read.x0;
  const dw = s.kind === 'depthwise';
  const cpg = dw ? 1 : cin;
  const w = p.w[i];
  const b = p.b[i];
  for (let oy = out.y0; oy < out.y1; oy++)
    for (let ox = out.x0; ox < out.x1; ox++)
      for (let o = 0; o < cout; o++) {
        let acc = b[o];
        for (let ky = 0; ky < kh; ky++) {
          const ly = (oy - out.y0) * sh + ky - pad.top;
          if (ly < 0 || ly >= rh) continue;
          for (let kx = 0; kx < kw; kx++) {
            const lx = (ox - out.x0) * sw + kx - pad.left;
            if (lx < 0 || lx >= rw) continue;
            for (let ci = 0; ci < cpg; ci++) {
              const c = dw ? o : ci;
              acc += x.mem[at(x, read.y0 + ly, read.x0 + lx, c)] * w[((o * kh + ky) * kw + kx) * cpg + ci];
            }
          }
        }
        y.mem[at(y, oy, ox, o)] = q(acc);
      }
}

/** In-place depthwise (inplace.ts): per channel, save the read window's plane to scratch, then write the output plane. */
function depthwiseInPlace(s: Step, p: Params, i: number, x: View, inp: TileInput, y: View, out: Region, c: number, scratch: number): void {
  const [kh, kw] = s.kernel;
  const [sh, sw] = s.stride;
  const { read, pad } = inp;
  const rh = read.y1 - read.y0;
  const rw = read.x1 - read.x0;
  const mem = x.mem;
  for (let ch = 0; ch < c; ch++) {
    for (let yy = 0; yy < rh; yy++) for (let xx = 0; xx < rw; xx++) mem[scratch + yy * rw + xx] = mem[at(x, read.y0 + yy, read.x0 + xx, ch)];
    for (let oy = out.y0; oy < out.y1; oy++)
      for (let ox = out.x0; ox < out.x1; ox++) {
        let acc = p.b[i][ch];
        for (let ky = 0; ky < kh; ky++) {
          const ly = (oy - out.y0) * sh + ky - pad.top;
          if (ly < 0 || ly >= rh) continue;
          for (let kx = 0; kx < kw; kx++) {
            const lx = (ox - out.x0) * sw + kx - pad.left;
            if (lx < 0 || lx >= rw) continue;
            acc += mem[scratch + ly * rw + lx] * p.w[i][(ch * kh + ky) * kw + kx];
          }
        }
        mem[at(y, oy, ox, ch)] = q(acc);
      }
  }
}

/** Runs step i with the given views and tile geometry (whole tensors in layer-by-layer mode). */
function runStep(g: StepGraph, p: Params, i: number, xs: View[], inputs: TileInput[], y: View, out: Region, scratch: number, inPlace: boolean): void {
  const s = g.steps[i];
  const tin = g.tensors[s.inputs[0]];
  const cin = tin.shape[tin.shape.length - 1];
  const tout = g.tensors[s.output];
  const cout = tout.shape[tout.shape.length - 1];
  const [x] = xs;
  switch (s.kind) {
    case 'conv2d':
    case 'pointwise':
      // Scratch (im2col) is the kernel's: scribble over it to prove nothing else lives there.
      if (scratch >= 0) x.mem.fill(-999, scratch, scratch + 4);
      return convTile(s, p, i, x, inputs[0], y, out, cin, cout);
    case 'depthwise':
      if (inPlace) return depthwiseInPlace(s, p, i, x, inputs[0], y, out, cin, scratch);
      if (scratch >= 0) x.mem.fill(-999, scratch, scratch + 4);
      return convTile(s, p, i, x, inputs[0], y, out, cin, cout);
    case 'add':
    case 'mul': {
      const bcast = g.tensors[s.inputs[1]].bytes !== tout.bytes;
      for (let yy = out.y0; yy < out.y1; yy++)
        for (let xx = out.x0; xx < out.x1; xx++)
          for (let c = 0; c < cout; c++) {
            const a = x.mem[at(x, yy, xx, c)];
            const b = bcast ? xs[1].mem[xs[1].base + c] : xs[1].mem[at(xs[1], yy, xx, c)];
            y.mem[at(y, yy, xx, c)] = q(s.kind === 'add' ? a + b : a * b);
          }
      return;
    }
    case 'global_avg_pool': {
      const [, h, w] = tin.shape;
      const sums = new Float64Array(cin);
      for (let yy = 0; yy < h; yy++) for (let xx = 0; xx < w; xx++) for (let c = 0; c < cin; c++) sums[c] += x.mem[at(x, yy, xx, c)];
      for (let c = 0; c < cin; c++) y.mem[y.base + c] = Math.floor(sums[c] / (h * w));
      return;
    }
    case 'fully_connected': {
      const nIn = tin.bytes;
      for (let o = 0; o < cout; o++) {
        let acc = p.b[i][o];
        for (let k = 0; k < nIn; k++) acc += x.mem[x.base + k] * p.w[i][o * nIn + k];
        y.mem[y.base + o] = q(acc);
      }
      return;
    }
    default:
      throw new Error(`arena machine: no ${s.kind}`);
  }
}

function wholeGeometry(g: StepGraph, s: Step): TileInput[] {
  return s.inputs.map((t) => {
    const r = whole(g.tensors[t]);
    return { stored: r, read: r, pad: s.padding };
  });
}

/** Every tensor computed whole, each in its own array: the reference. */
export function runReference(g: StepGraph, p: Params, input: Float64Array): Float64Array[] {
  const vals: Float64Array[] = g.tensors.map((t) => new Float64Array(t.bytes));
  vals[g.inputs[0]].set(input);
  g.steps.forEach((s, i) => {
    const xs = s.inputs.map((t) => ({ mem: vals[t], base: 0, region: whole(g.tensors[t]), c: g.tensors[t].shape[g.tensors[t].shape.length - 1] }));
    const to = g.tensors[s.output];
    const y = { mem: vals[s.output], base: 0, region: whole(to), c: to.shape[to.shape.length - 1] };
    runStep(g, p, i, xs, wholeGeometry(g, s), y, whole(to), -1, false);
  });
  return vals;
}

/** Runs the network in one Float64Array of plan.sram.arena elements (one per byte); returns the arena and each tensor's final offset. */
export function runInArena(
  g: StepGraph,
  plan: Plan,
  p: Params,
  input: Float64Array,
  /** Called with each whole tensor as soon as it is complete (after its op, or after the patch loop). */
  onTensor: (t: number, values: Float64Array) => void = () => {},
): { read: (name: string) => Float64Array } {
  if (plan.sram.layout.mode === 'split') throw new Error('arena machine: split layouts are not modelled');
  const mem = new Float64Array(plan.sram.arena).fill(Number.NaN);
  const tensorAt = new Map(plan.tensors.map((t) => [t.name, t]));
  const bufOf = (t: number) => tensorAt.get(g.tensors[t].name)!.buffer;
  const scratchAt = new Map(plan.buffers.filter((b) => b.id.startsWith('scratch:')).map((b) => [b.id.slice(8), b.offset]));
  const geo = plan.patchGeometry;
  const L = geo ? geo.splitStep : -1;
  const fullTensors = new Set<number>(g.inputs);
  if (geo) fullTensors.add(g.steps[L].output);
  const spansIterations = (b: number) => [...fullTensors].some((t) => bufOf(t) === b);
  const born = (i: number, firstPatch: boolean) => {
    plan.buffers.forEach((b, k) => {
      if (b.firstUse !== i) return;
      if (!firstPatch && spansIterations(k)) return;
      mem.fill(Number.NaN, b.offset, b.offset + b.size);
    });
  };
  const view = (t: number, region: Region): View => ({ mem, base: tensorAt.get(g.tensors[t].name)!.offset, region, c: g.tensors[t].shape[g.tensors[t].shape.length - 1] });

  const read = (t: number) => {
    const off = tensorAt.get(g.tensors[t].name)!.offset;
    return mem.slice(off, off + g.tensors[t].bytes);
  };
  born(0, true);
  mem.set(input, tensorAt.get(g.tensors[g.inputs[0]].name)!.offset);
  if (geo) {
    geo.patches.forEach((_, pi) => {
      for (const op of geo.stage) {
        const i = op.step;
        const s = g.steps[i];
        if (i > 0) born(i, pi === 0);
        const tile = op.tiles[pi];
        const xs = s.inputs.map((t, k) => view(t, tile.inputs[k].stored));
        const y = view(s.output, op.outputFull ? whole(g.tensors[s.output]) : tile.out);
        const inPlace = bufOf(s.inputs[0]) === bufOf(s.output);
        runStep(g, p, i, xs, [...tile.inputs], y, tile.out, scratchAt.get(s.name) ?? -1, inPlace);
      }
    });
    onTensor(g.steps[L].output, read(g.steps[L].output));
  }
  for (let i = L + 1; i < g.steps.length; i++) {
    const s = g.steps[i];
    if (i > 0) born(i, true);
    const xs = s.inputs.map((t) => view(t, whole(g.tensors[t])));
    const y = view(s.output, whole(g.tensors[s.output]));
    const inPlace = s.inputs.some((t) => bufOf(t) === bufOf(s.output));
    runStep(g, p, i, xs, wholeGeometry(g, s), y, whole(g.tensors[s.output]), scratchAt.get(s.name) ?? -1, inPlace && s.kind === 'depthwise');
    onTensor(s.output, read(s.output));
  }
  return { read: (name: string) => read(g.tensors.findIndex((x) => x.name === name)) };
}
