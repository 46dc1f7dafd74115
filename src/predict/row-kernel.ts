// The one hot loop of the accuracy MLP, in WebAssembly SIMD: dst[0..len) += Σ_j scale_j · row_j[0..len).
// Forward (Z[b] += h·Wᵀ[n] over the non-zero h), the weight gradients (dWᵀ[n] += h·dZ[b]) and the
// input gradients (dH[b] += dz·W[m]) are all this "accumulate scaled rows" step once zeros are skipped,
// so one well-blocked kernel serves inference and training. It keeps 16 floats of dst in four v128
// registers while it runs over the whole row list, so each row element is loaded once per use.
import { F32, FunctionBody, I32, V128, buildModule } from './wasm-writer.ts';

/** Bytes per list entry: i32 byte offset of the row, f32 scale. */
export const ENTRY_BYTES = 8;

function accRowsBody(): FunctionBody {
  const f = new FunctionBody([I32, I32, I32, I32]); // dst (byte offset), len (floats, multiple of 4), list, count
  const [dst, len, list, count] = [0, 1, 2, 3];
  const c = f.local(I32);
  const end16 = f.local(I32);
  const endAll = f.local(I32);
  const p = f.local(I32);
  const listEnd = f.local(I32);
  const src = f.local(I32);
  const s = f.local(V128);
  const acc = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];

  f.get(len).i32Const(2).i32Shl().set(endAll);
  f.get(endAll).i32Const(-64).i32And().set(end16);
  f.get(list).get(count).i32Const(ENTRY_BYTES).i32Mul().i32Add().set(listEnd);
  f.i32Const(0).set(c);

  // One pass per chunk of `width` v128 lanes, until c reaches `limit`.
  const chunks = (width: number, limit: number) => {
    f.block().loop();
    f.get(c).get(limit).i32GeU().brIf(1);
    for (let k = 0; k < width; k++) f.get(dst).get(c).i32Add().v128Load(16 * k).set(acc[k]);
    f.get(list).set(p);
    f.block().loop();
    f.get(p).get(listEnd).i32GeU().brIf(1);
    f.get(p).i32Load(0).get(c).i32Add().set(src);
    f.get(p).f32Load(4).f32x4Splat().set(s);
    for (let k = 0; k < width; k++) f.get(acc[k]).get(src).v128Load(16 * k).get(s).f32x4Mul().f32x4Add().set(acc[k]);
    f.get(p).i32Const(ENTRY_BYTES).i32Add().set(p);
    f.br(0).end().end();
    for (let k = 0; k < width; k++) f.get(dst).get(c).i32Add().get(acc[k]).v128Store(16 * k);
    f.get(c).i32Const(16 * width).i32Add().set(c);
    f.br(0).end().end();
  };
  chunks(4, end16);
  chunks(1, endAll);
  return f;
}

/**
 * One Adam step (torch.optim.Adam with decoupled weight decay) plus the weight average, 4 lanes at a
 * time, over n floats (a multiple of 4): in JS this bookkeeping cost more than the matrix work.
 *   m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  p = p·decay - step·m / (sqrt(v)·invSbc2 + eps);
 *   s = s + mix·(p - s)
 */
function adamBody(): FunctionBody {
  const f = new FunctionBody([I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32, F32]);
  const [p, g, m, v, s, n] = [0, 1, 2, 3, 4, 5];
  const scalars = [6, 7, 8, 9, 10, 11, 12, 13, 14]; // b1, 1-b1, b2, 1-b2, eps, step, invSbc2, decay, mix
  const [B1, OB1, B2, OB2, EPS, STEP, INV, DEC, MIX] = scalars.map(() => f.local(V128));
  const i = f.local(I32);
  const end = f.local(I32);
  const G = f.local(V128);
  const M = f.local(V128);
  const V = f.local(V128);
  const P = f.local(V128);
  const S = f.local(V128);
  scalars.forEach((param, k) => f.get(param).f32x4Splat().set([B1, OB1, B2, OB2, EPS, STEP, INV, DEC, MIX][k]));
  f.get(n).i32Const(2).i32Shl().set(end);
  f.i32Const(0).set(i);
  const at = (base: number) => f.get(base).get(i).i32Add();
  f.block().loop();
  f.get(i).get(end).i32GeU().brIf(1);
  at(g);
  f.v128Load().set(G);
  at(m); // store address, then β1·m + (1-β1)·g
  at(m);
  f.v128Load().get(B1).f32x4Mul().get(OB1).get(G).f32x4Mul().f32x4Add().tee(M).v128Store();
  at(v); // β2·v + (1-β2)·g²
  at(v);
  f.v128Load().get(B2).f32x4Mul().get(OB2).get(G).f32x4Mul().get(G).f32x4Mul().f32x4Add().tee(V).v128Store();
  at(p); // p·decay - step·m / (sqrt(v)·invSbc2 + eps)
  at(p);
  f.v128Load().get(DEC).f32x4Mul();
  f.get(STEP).get(M).f32x4Mul().get(V).f32x4Sqrt().get(INV).f32x4Mul().get(EPS).f32x4Add().f32x4Div();
  f.f32x4Sub().tee(P).v128Store();
  at(s); // s + mix·(p - s)
  at(s);
  f.v128Load().tee(S).get(MIX).get(P).get(S).f32x4Sub().f32x4Mul().f32x4Add().v128Store();
  f.get(i).i32Const(16).i32Add().set(i);
  f.br(0).end().end();
  return f;
}

export interface AdamScalars {
  beta1: number;
  beta2: number;
  eps: number;
  stepSize: number;
  invSbc2: number;
  decay: number;
  /** Weight of the new value in the running average (0 leaves it unchanged). */
  mix: number;
}

let compiled: WebAssembly.Module | undefined;
function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(
    buildModule([
      { name: 'accRows', body: accRowsBody() },
      { name: 'adam', body: adamBody() },
    ]),
  );
  return compiled;
}

const PAGE = 65536;

/**
 * A WebAssembly memory with a bump allocator and the kernel bound to it. Offsets are byte offsets,
 * 16-byte aligned. Views are re-fetched after growth (growing detaches the old buffer).
 */
export class RowKernel {
  readonly memory = new WebAssembly.Memory({ initial: 1 });
  private top = 16; // offset 0 stays unused so a zero offset is never a valid array
  private f32View = new Float32Array(this.memory.buffer);
  private i32View = new Int32Array(this.memory.buffer);
  /** dst += Σ scale·row over `count` entries of the list at `list`; len floats, a multiple of 4. */
  readonly accRows: (dst: number, len: number, list: number, count: number) => void;

  private readonly adamFn: (...a: number[]) => void;

  constructor() {
    const inst = new WebAssembly.Instance(kernelModule(), { env: { memory: this.memory } });
    this.accRows = inst.exports.accRows as (dst: number, len: number, list: number, count: number) => void;
    this.adamFn = inst.exports.adam as (...a: number[]) => void;
  }

  /** Adam + weight average over n floats (a multiple of 4) at byte offsets p, g, m, v, s. */
  adam(p: number, g: number, m: number, v: number, s: number, n: number, c: AdamScalars): void {
    this.adamFn(p, g, m, v, s, n, c.beta1, 1 - c.beta1, c.beta2, 1 - c.beta2, c.eps, c.stepSize, c.invSbc2, c.decay, c.mix);
  }

  /** Reserves `n` zeroed 4-byte cells; returns the byte offset. */
  alloc(n: number): number {
    const at = this.top;
    this.top += Math.ceil((n * 4) / 16) * 16;
    const need = Math.ceil(this.top / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (need > 0) {
      this.memory.grow(need);
      this.f32View = new Float32Array(this.memory.buffer);
      this.i32View = new Int32Array(this.memory.buffer);
    }
    return at;
  }

  /** The whole memory as floats; index = byte offset / 4. Fetch again after alloc(). */
  get f32(): Float32Array {
    return this.f32View;
  }
  get i32(): Int32Array {
    return this.i32View;
  }
}
