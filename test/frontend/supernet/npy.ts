// A tiny .npy reader for the shared reference data (format 1.0/2.0, C order, little-endian float32 or uint8).
import fs from 'node:fs';

export interface Npy {
  shape: number[];
  data: Float32Array | Uint8Array;
}

export function readNpy(file: string): Npy {
  const b = fs.readFileSync(file);
  if (b.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = b[6];
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').filter((s) => s.trim()).map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order is not supported`);
  const n = shape.reduce((a, c) => a * c, 1);
  const body = b.subarray(start + headerLen);
  if (descr === '<f4') {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = body.readFloatLE(4 * i);
    return { shape, data };
  }
  if (descr === '|u1') return { shape, data: Uint8Array.from(body.subarray(0, n)) };
  throw new Error(`${file}: dtype ${descr} is not supported`);
}

/** NCHW images [N, C, H, W] -> one NHWC Float32Array per image (the IR's input layout). */
export function nchwToNhwc(x: { shape: number[]; data: ArrayLike<number> }, map: (v: number) => number = (v) => v): Float32Array[] {
  const [N, C, H, W] = x.shape;
  return Array.from({ length: N }, (_, n) => {
    const out = new Float32Array(H * W * C);
    for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) out[i * C + c] = map(x.data[(n * C + c) * H * W + i]);
    return out;
  });
}
