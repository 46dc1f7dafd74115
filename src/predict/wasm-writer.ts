// A minimal WebAssembly binary writer: just the sections and opcodes the predictor's SIMD kernel uses.
// Writing the few hundred bytes here keeps the kernel readable as code (row-kernel.ts) instead of
// shipping an opaque .wasm file or depending on a toolchain.

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const bytesOf = (s: string): number[] => [...new TextEncoder().encode(s)];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

/** Builds one function body; each method appends one instruction. Locals are numbered after params. */
export class FunctionBody {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];
  constructor(readonly params: ValType[]) {}

  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }
  private op(...b: number[]): this {
    this.code.push(...b);
    return this;
  }
  private simd(sub: number, ...rest: number[]): this {
    return this.op(0xfd, ...uleb(sub), ...rest);
  }
  block(): this { return this.op(0x02, 0x40); }
  loop(): this { return this.op(0x03, 0x40); }
  end(): this { return this.op(0x0b); }
  br(depth: number): this { return this.op(0x0c, ...uleb(depth)); }
  brIf(depth: number): this { return this.op(0x0d, ...uleb(depth)); }
  get(i: number): this { return this.op(0x20, ...uleb(i)); }
  set(i: number): this { return this.op(0x21, ...uleb(i)); }
  tee(i: number): this { return this.op(0x22, ...uleb(i)); }
  i32Const(v: number): this { return this.op(0x41, ...sleb(v)); }
  i32Load(offset = 0): this { return this.op(0x28, 2, ...uleb(offset)); }
  f32Load(offset = 0): this { return this.op(0x2a, 2, ...uleb(offset)); }
  i32Add(): this { return this.op(0x6a); }
  i32Sub(): this { return this.op(0x6b); }
  i32Mul(): this { return this.op(0x6c); }
  i32And(): this { return this.op(0x71); }
  i32Shl(): this { return this.op(0x74); }
  i32GeU(): this { return this.op(0x4f); }
  v128Load(offset = 0): this { return this.simd(0x00, 4, ...uleb(offset)); }
  v128Store(offset = 0): this { return this.simd(0x0b, 4, ...uleb(offset)); }
  f32x4Splat(): this { return this.simd(0x13); }
  f32x4Add(): this { return this.simd(0xe4); }
  f32x4Sub(): this { return this.simd(0xe5); }
  f32x4Mul(): this { return this.simd(0xe6); }
  f32x4Div(): this { return this.simd(0xe7); }
  f32x4Sqrt(): this { return this.simd(0xe3); }

  encode(): number[] {
    // Locals are declared as runs of one type each.
    const runs: number[][] = [];
    for (let i = 0; i < this.locals.length; ) {
      let j = i;
      while (j < this.locals.length && this.locals[j] === this.locals[i]) j++;
      runs.push([...uleb(j - i), this.locals[i]]);
      i = j;
    }
    const body = [...vec(runs), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/** A module that imports one memory as env.memory and exports the given functions (no results). */
export function buildModule(funcs: { name: string; body: FunctionBody }[]): Uint8Array<ArrayBuffer> {
  const types = funcs.map((f) => [0x60, ...vec(f.body.params.map((p) => [p])), 0x00]);
  // import "env" "memory", kind memory, limits: min 1 page, no maximum.
  const importEntry = [...uleb(3), ...bytesOf('env'), ...uleb(6), ...bytesOf('memory'), 0x02, 0x00, 0x01];
  const exports = funcs.map((f, i) => [...uleb(f.name.length), ...bytesOf(f.name), 0x00, ...uleb(i)]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([importEntry])),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(exports)),
    ...section(10, vec(funcs.map((f) => f.body.encode()))),
  ]);
}
