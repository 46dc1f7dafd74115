// Bounds-checked reading of a FlatBuffer (tables, vectors, strings, scalars) over flatbuffers' ByteBuffer.
// ByteBuffer itself does not check offsets (a read past the end yields garbage, not an error), and a
// .tflite file comes from a user, so every position is checked against the file size here before it is
// read. Each accessor takes the schema path it is reading (`subgraphs[0].tensors[3].shape`) so that a
// malformed file is reported by field, not by byte offset alone.
import { ByteBuffer } from 'flatbuffers';
import { InputError, printable } from '../../errors.ts';

/** A table's position in the file (where its soffset to the vtable is stored) and its schema path. */
export interface TableRef {
  readonly pos: number;
  readonly path: string;
}

/** A vector's element area: `length` elements starting at `start`. */
export interface VectorRef {
  readonly start: number;
  readonly length: number;
  readonly path: string;
}

export class FlatView {
  private readonly bb: ByteBuffer;
  readonly size: number;

  constructor(
    readonly bytes: Uint8Array,
    /** The file name for error messages. */
    readonly file: string,
  ) {
    this.bb = new ByteBuffer(bytes);
    this.size = bytes.length;
  }

  fail(path: string, problem: string): never {
    // A problem may quote the file's own bytes (an identifier, a string): one line, no escape codes.
    throw new InputError(`${this.file}: malformed TFLite model: ${path}: ${printable(problem)}`);
  }

  /** Throws unless [pos, pos + n) lies inside the file. */
  check(pos: number, n: number, path: string): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || n < 0 || pos + n > this.size)
      this.fail(path, `offset ${pos} (+${n} bytes) is outside the file (${this.size} bytes)`);
  }

  u8(pos: number, path: string): number {
    this.check(pos, 1, path);
    return this.bb.readUint8(pos);
  }
  i8(pos: number, path: string): number {
    this.check(pos, 1, path);
    return this.bb.readInt8(pos);
  }
  u16(pos: number, path: string): number {
    this.check(pos, 2, path);
    return this.bb.readUint16(pos);
  }
  i32(pos: number, path: string): number {
    this.check(pos, 4, path);
    return this.bb.readInt32(pos);
  }
  u32(pos: number, path: string): number {
    this.check(pos, 4, path);
    return this.bb.readUint32(pos);
  }
  f32(pos: number, path: string): number {
    this.check(pos, 4, path);
    return this.bb.readFloat32(pos);
  }
  /** An int64 as a JS number; values beyond 2^53 are reported rather than rounded. */
  i64(pos: number, path: string): number {
    this.check(pos, 8, path);
    const v = this.bb.readInt64(pos);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) this.fail(path, `64-bit value ${v} is out of range`);
    return Number(v);
  }

  /** The root table: a uoffset at byte 0; the file identifier (4 bytes at byte 4) is checked by the caller. */
  root(path: string): TableRef {
    const off = this.u32(0, `${path} (root offset)`);
    return this.tableAt(off, path);
  }

  identifier(): string {
    this.check(4, 4, 'file identifier');
    return String.fromCharCode(...this.bytes.subarray(4, 8));
  }

  /** Validates the table at `pos`: its vtable must be inside the file and consistent with its own size. */
  tableAt(pos: number, path: string): TableRef {
    const soff = this.i32(pos, `${path} (table)`);
    const vt = pos - soff;
    const vtSize = this.u16(vt, `${path} (vtable)`);
    if (vtSize < 4 || vtSize % 2 !== 0) this.fail(path, `vtable size ${vtSize} is invalid`);
    this.check(vt, vtSize, `${path} (vtable)`);
    const inlineSize = this.u16(vt + 2, `${path} (vtable)`);
    this.check(pos, inlineSize, `${path} (table data)`);
    return { pos, path };
  }

  /** Absolute position of field `id` of the table, or 0 when the field is absent (default value). */
  fieldPos(t: TableRef, id: number): number {
    const vt = t.pos - this.bb.readInt32(t.pos);
    const vtSize = this.bb.readUint16(vt);
    const slot = 4 + 2 * id;
    if (slot + 2 > vtSize) return 0;
    const rel = this.bb.readUint16(vt + slot);
    if (rel === 0) return 0;
    const inlineSize = this.bb.readUint16(vt + 2);
    if (rel >= inlineSize) this.fail(t.path, `field ${id} at offset ${rel} lies outside the table's ${inlineSize} bytes`);
    return t.pos + rel;
  }

  has(t: TableRef, id: number): boolean {
    return this.fieldPos(t, id) !== 0;
  }

  scalarU8(t: TableRef, id: number, name: string, dflt = 0): number {
    const p = this.fieldPos(t, id);
    return p === 0 ? dflt : this.u8(p, `${t.path}.${name}`);
  }
  scalarI8(t: TableRef, id: number, name: string, dflt = 0): number {
    const p = this.fieldPos(t, id);
    return p === 0 ? dflt : this.i8(p, `${t.path}.${name}`);
  }
  scalarI32(t: TableRef, id: number, name: string, dflt = 0): number {
    const p = this.fieldPos(t, id);
    return p === 0 ? dflt : this.i32(p, `${t.path}.${name}`);
  }
  scalarU32(t: TableRef, id: number, name: string, dflt = 0): number {
    const p = this.fieldPos(t, id);
    return p === 0 ? dflt : this.u32(p, `${t.path}.${name}`);
  }
  scalarU64(t: TableRef, id: number, name: string, dflt = 0): number {
    const p = this.fieldPos(t, id);
    return p === 0 ? dflt : this.i64(p, `${t.path}.${name}`);
  }
  scalarF32(t: TableRef, id: number, name: string, dflt = 0): number {
    const p = this.fieldPos(t, id);
    return p === 0 ? dflt : this.f32(p, `${t.path}.${name}`);
  }
  scalarBool(t: TableRef, id: number, name: string, dflt = false): boolean {
    const p = this.fieldPos(t, id);
    return p === 0 ? dflt : this.u8(p, `${t.path}.${name}`) !== 0;
  }

  /** Follows the uoffset stored at `pos`. */
  private indirect(pos: number, path: string): number {
    const off = this.u32(pos, path);
    return pos + off;
  }

  /** A sub-table field, or undefined when absent. */
  table(t: TableRef, id: number, name: string): TableRef | undefined {
    const p = this.fieldPos(t, id);
    if (p === 0) return undefined;
    const path = `${t.path}.${name}`;
    return this.tableAt(this.indirect(p, path), path);
  }

  /** A vector field with elements of `elemSize` bytes; absent means empty. The whole element area is bounds-checked. */
  vector(t: TableRef, id: number, name: string, elemSize: number): VectorRef {
    const path = `${t.path}.${name}`;
    const p = this.fieldPos(t, id);
    if (p === 0) return { start: 0, length: 0, path };
    const v = this.indirect(p, path);
    const length = this.u32(v, `${path} (length)`);
    this.check(v + 4, length * elemSize, `${path} (${length} elements)`);
    return { start: v + 4, length, path };
  }

  /** Element `i` of a vector of tables. */
  tableIn(v: VectorRef, i: number): TableRef {
    const path = `${v.path}[${i}]`;
    return this.tableAt(this.indirect(v.start + 4 * i, path), path);
  }

  i32s(v: VectorRef): number[] {
    const out: number[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.bb.readInt32(v.start + 4 * i);
    return out;
  }
  f32s(v: VectorRef): number[] {
    const out: number[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.bb.readFloat32(v.start + 4 * i);
    return out;
  }
  i64s(v: VectorRef): number[] {
    const out: number[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.i64(v.start + 8 * i, `${v.path}[${i}]`);
    return out;
  }

  /** A string field (UTF-8), or `dflt` when absent. */
  string(t: TableRef, id: number, name: string, dflt = ''): string {
    const v = this.vector(t, id, name, 1);
    if (v.length === 0) return dflt;
    return new TextDecoder('utf-8').decode(this.bytes.subarray(v.start, v.start + v.length));
  }
}
