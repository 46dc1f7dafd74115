// A restricted unpickler for PyTorch state dicts (torch.save's data.pkl, protocols 2 to 4). It knows
// only the opcodes such a pickle uses, resolves GLOBAL against a short whitelist, never calls or
// imports anything, and bounds every length by the bytes that are left, so a hostile or truncated
// file ends in an InputError, never in a crash, an allocation blow-up or a hang.
import { InputError } from '../errors.ts';

/** A tensor as _rebuild_tensor_v2 describes it: a view into a storage. */
export interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

/** A persistent id ('storage', <type>, key, location, numel): the file data/<key> holds the values. */
export interface StorageRef {
  kind: 'storage';
  type: string;
  key: string;
  numel: number;
}

export interface GlobalRef {
  kind: 'global';
  name: string;
}

export interface PyDict {
  kind: 'dict';
  entries: Map<PyKey, PyValue>;
}

export type PyKey = string | number | boolean | null;
export type PyValue = PyKey | PyValue[] | PyDict | TensorRef | StorageRef | GlobalRef;

/** The only globals a state dict needs. */
const ALLOWED_GLOBALS = new Set([
  'collections OrderedDict',
  'torch._utils _rebuild_tensor_v2',
  'torch FloatStorage',
  'torch DoubleStorage',
  'torch HalfStorage',
  'torch LongStorage',
  'torch IntStorage',
  'torch BFloat16Storage',
]);

const MARK = Symbol('mark');
type StackItem = PyValue | typeof MARK;

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array, readonly fail: (why: string) => never) {}
  need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) this.fail(`pickle truncated at byte ${this.pos} (needs ${n} more)`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }
  u16(): number {
    this.need(2);
    const v = this.buf[this.pos] | (this.buf[this.pos + 1] << 8);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const b = this.buf;
    const v = (b[this.pos] | (b[this.pos + 1] << 8) | (b[this.pos + 2] << 16)) + b[this.pos + 3] * 0x1000000;
    this.pos += 4;
    return v;
  }
  i32(): number {
    const v = this.u32();
    return v >= 0x80000000 ? v - 0x100000000 : v;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  text(n: number): string {
    return new TextDecoder('utf-8', { fatal: false }).decode(this.bytes(n));
  }
  line(): string {
    const end = this.buf.indexOf(0x0a, this.pos);
    if (end < 0) this.fail(`pickle truncated at byte ${this.pos} (unterminated line)`);
    const s = new TextDecoder().decode(this.buf.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const intList = (v: PyValue): number[] | undefined => (Array.isArray(v) && v.every(isInt) ? (v as number[]) : undefined);

/**
 * Decodes a state-dict pickle. `source` names the file in errors. Returns the top-level value
 * (an OrderedDict → PyDict for a state dict).
 */
export function unpickleStateDict(buf: Uint8Array, source: string): PyValue {
  const fail = (why: string): never => {
    throw new InputError(`${source}: ${why}`);
  };
  const r = new Reader(buf, fail);
  const stack: StackItem[] = [];
  const memo = new Map<number, PyValue>();

  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) fail(`malformed pickle at byte ${r.pos} (stack underflow)`);
    return v as PyValue;
  };
  const popMark = (): PyValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail(`malformed pickle at byte ${r.pos} (no MARK)`);
    const items = stack.splice(at) as StackItem[];
    return items.slice(1) as PyValue[];
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail(`malformed pickle at byte ${r.pos} (empty stack)`);
    return v as PyValue;
  };
  const setItems = (target: PyValue, kv: PyValue[]) => {
    if (typeof target !== 'object' || target === null || Array.isArray(target) || target.kind !== 'dict')
      fail(`malformed pickle at byte ${r.pos} (SETITEM on a non-dict)`);
    if (kv.length % 2) fail(`malformed pickle at byte ${r.pos} (odd SETITEMS)`);
    for (let i = 0; i < kv.length; i += 2) {
      const key = kv[i];
      if (typeof key === 'object' && key !== null) fail(`unsupported dict key at byte ${r.pos}`);
      (target as PyDict).entries.set(key as PyKey, kv[i + 1]);
    }
  };
  const call = (fn: PyValue, args: PyValue): PyValue => {
    if (typeof fn !== 'object' || fn === null || Array.isArray(fn) || fn.kind !== 'global')
      return fail(`malformed pickle at byte ${r.pos} (REDUCE on a non-callable)`);
    if (!Array.isArray(args)) return fail(`malformed pickle at byte ${r.pos} (REDUCE arguments are not a tuple)`);
    if (fn.name === 'collections OrderedDict') return { kind: 'dict', entries: new Map() };
    if (fn.name === 'torch._utils _rebuild_tensor_v2') {
      const [storage, offset, shapeV, strideV] = args;
      const shape = intList(shapeV ?? null);
      const stride = intList(strideV ?? null);
      if (typeof storage !== 'object' || storage === null || Array.isArray(storage) || storage.kind !== 'storage' || !isInt(offset) || !shape || !stride)
        return fail(`malformed tensor at byte ${r.pos}`);
      return { kind: 'tensor', storage, offset, shape, stride };
    }
    return fail(`pickle calls ${fn.name.replace(' ', '.')}, which a state dict never does`);
  };

  for (;;) {
    const at = r.pos;
    const op = r.u8();
    switch (op) {
      case 0x80: // PROTO
        if (r.u8() > 5) fail('unsupported pickle protocol');
        break;
      case 0x95: // FRAME (protocol 4): just a length prefix
        r.u32();
        r.u32();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail(`malformed pickle (STOP with ${stack.length} stack items)`);
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(r.u8());
        break;
      case 0x4d: // BININT2
        stack.push(r.u16());
        break;
      case 0x4a: // BININT
        stack.push(r.i32());
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement, n bytes; only safe integers are accepted
        const n = r.u8();
        const b = r.bytes(n);
        if (n > 6) fail(`integer too large at byte ${at}`);
        let v = 0;
        for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i];
        if (n > 0 && b[n - 1] & 0x80) v -= 2 ** (8 * n);
        stack.push(v);
        break;
      }
      case 0x47: {
        // BINFLOAT: big-endian float64
        const b = r.bytes(8);
        stack.push(new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, false));
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(r.text(r.u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(r.text(r.u8()));
        break;
      case 0x8d: // BINUNICODE8: lengths past 4 GiB are never legitimate here
        {
          const lo = r.u32();
          const hi = r.u32();
          if (hi !== 0) fail(`string too long at byte ${at}`);
          stack.push(r.text(lo));
        }
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l)) fail(`malformed pickle at byte ${at} (APPEND to a non-list)`);
        (l as PyValue[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l)) fail(`malformed pickle at byte ${at} (APPENDS to a non-list)`);
        (l as PyValue[]).push(...items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push({ kind: 'dict', entries: new Map() });
        break;
      case 0x73: {
        // SETITEM
        const v = pop();
        const key = pop();
        setItems(top(), [key, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x71: // BINPUT
        memo.set(r.u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(r.u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const i = op === 0x68 ? r.u8() : r.u32();
        if (!memo.has(i)) fail(`malformed pickle at byte ${at} (memo ${i} unset)`);
        stack.push(memo.get(i) as PyValue);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n": resolved against the whitelist, never imported
        const name = `${r.line()} ${r.line()}`;
        if (!ALLOWED_GLOBALS.has(name)) fail(`pickle refers to ${name.replace(' ', '.')}, which is not allowed in a state dict`);
        stack.push({ kind: 'global', name });
        break;
      }
      case 0x93: {
        // STACK_GLOBAL (protocol 4)
        const name = pop();
        const mod = pop();
        const full = `${String(mod)} ${String(name)}`;
        if (typeof mod !== 'string' || typeof name !== 'string' || !ALLOWED_GLOBALS.has(full))
          fail(`pickle refers to ${full.replace(' ', '.')}, which is not allowed in a state dict`);
        stack.push({ kind: 'global', name: full });
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(call(fn, args));
        break;
      }
      case 0x62: // BUILD: state set on an OrderedDict (its _metadata); not needed, dropped
        pop();
        top();
        break;
      case 0x51: {
        // BINPERSID: ('storage', <Storage type>, key, location, numel)
        const pid = pop();
        if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage') fail(`unsupported persistent id at byte ${at}`);
        const [, type, key, , numel] = pid as PyValue[];
        if (typeof type !== 'object' || type === null || Array.isArray(type) || type.kind !== 'global' || typeof key !== 'string' || !isInt(numel) || numel < 0)
          fail(`malformed storage reference at byte ${at}`);
        stack.push({ kind: 'storage', type: (type as GlobalRef).name.split(' ')[1], key: key as string, numel: numel as number });
        break;
      }
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`);
    }
  }
}
