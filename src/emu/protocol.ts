// The firmware's result protocol (firmware/README.md): lines starting "MCUNAS ", printed on
// semihosting and on the UART. Parsing is pure and tolerant of other text around the lines (QEMU
// warnings, a board's boot messages) and of "\r\n" endings.

export interface ProtocolSet {
  index: number;
  /** Per op, SysTick ticks summed over every run of the op in this set. */
  opTicks: number[];
  totalTicks: number;
  output: Uint8Array;
  /** null: no expected output was given. */
  match: boolean | null;
  mismatchAt: number | null;
}

export interface ProtocolFault {
  exception: string;
  fields: Record<string, number>;
}

export interface Protocol {
  begin: Record<string, string> | null;
  sets: ProtocolSet[];
  stackUsedBytes: number | null;
  stackReserveBytes: number | null;
  verdict: 'PASS' | 'FAIL' | null;
  failReason: string | null;
  fault: ProtocolFault | null;
  modelError: number | null;
  exitCode: number | null;
}

function hexBytes(s: string): Uint8Array {
  const clean = /^[0-9a-f]*$/i.test(s) && s.length % 2 === 0 ? s : '';
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function keyValues(words: string[]): Record<string, string> {
  const kv: Record<string, string> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq > 0) kv[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return kv;
}

export function parseProtocol(text: string): Protocol {
  const p: Protocol = {
    begin: null,
    sets: [],
    stackUsedBytes: null,
    stackReserveBytes: null,
    verdict: null,
    failReason: null,
    fault: null,
    modelError: null,
    exitCode: null,
  };
  let set: ProtocolSet | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const at = line.indexOf('MCUNAS ');
    if (at < 0) continue;
    const [tag, ...rest] = line.slice(at + 7).trim().split(/\s+/);
    const num = (i: number) => Number(rest[i]);
    switch (tag) {
      case 'begin':
        p.begin = keyValues(rest);
        break;
      case 'set':
        set = { index: num(0), opTicks: [], totalTicks: 0, output: new Uint8Array(0), match: null, mismatchAt: null };
        p.sets.push(set);
        break;
      case 'op':
        if (set) set.opTicks[num(0)] = num(1);
        break;
      case 'total':
        if (set) set.totalTicks = num(0);
        break;
      case 'output':
        if (set) set.output = hexBytes(rest.join(''));
        break;
      case 'match':
        if (set) set.match = true;
        break;
      case 'mismatch':
        if (set) {
          set.match = false;
          set.mismatchAt = Number(keyValues(rest).at ?? Number.NaN);
        }
        break;
      case 'unchecked':
        if (set) set.match = null;
        break;
      case 'model-error':
        p.modelError = num(0);
        break;
      case 'stack':
        p.stackUsedBytes = num(0);
        p.stackReserveBytes = num(1);
        break;
      case 'PASS':
        p.verdict = 'PASS';
        break;
      case 'FAIL':
        p.verdict = 'FAIL';
        p.failReason = rest.join(' ') || null;
        break;
      case 'FAULT': {
        const fields: Record<string, number> = {};
        for (const [k, v] of Object.entries(keyValues(rest.slice(1)))) fields[k] = Number(v);
        p.fault = { exception: rest[0] ?? 'unknown', fields };
        break;
      }
      case 'exit':
        p.exitCode = num(0);
        break;
      default:
        break;
    }
  }
  return p;
}
