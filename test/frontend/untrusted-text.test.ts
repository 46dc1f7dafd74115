// Text from a model file or from onnxruntime reaches the terminal only through printable(): no escape
// sequence, no second line (a forged `error:`), no invisible reordering.
import { describe, expect, it } from 'vitest';
import { InputError, printable, show } from '../../src/errors.ts';

const FORGED = '\x1b[31mX\nerror: forged line';

describe('printable', () => {
  it('removes escape sequences and folds line breaks into one line', () => {
    expect(printable(FORGED)).toBe('X error: forged line');
    expect(printable('a\r\n\r\nb\tc')).toBe('a b c');
    // OSC (set the window title) ended by BEL or ST, and an 8-bit CSI.
    expect(printable('\x1b]0;pwned\x07ok\x1b]2;t\x1b\\!')).toBe('ok!');
    expect(printable('\u009b2Jclear')).toBe('clear');
  });

  it('shows any other control character as an escape, and keeps ordinary text', () => {
    expect(printable('a\u0000b\u007fc\u0085d')).toBe('a\\u0000b\\u007fc d');
    expect(printable('x\u202eevil')).toBe('x\\u202eevil');
    expect(printable('ünïcödé ✓ 𝄞 "quoted" \\ back')).toBe('ünïcödé ✓ 𝄞 "quoted" \\ back');
  });

  it('leaves no control character whatever the input', () => {
    let x = 7;
    for (let k = 0; k < 200; k++) {
      let s = '';
      for (let j = 0; j < 40; j++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        s += String.fromCharCode(x % 3 === 0 ? (x >>> 8) % 0xa0 : x % 3 === 1 ? 0x1b : 0x20 + ((x >>> 8) % 0x60));
      }
      expect(printable(s)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
  });

  it('is applied by show(), so C1 controls that JSON leaves alone are escaped too', () => {
    expect(show('a\u0090b')).toBe('"a\\u0090b"');
    expect(show(FORGED)).not.toMatch(/[\u001b\n]/);
  });

  it('an InputError message built with it is one line', () => {
    const e = new InputError(`model.onnx: node ${printable(FORGED)} is not supported`);
    expect(`error: ${e.message}\n`.match(/error:/g)?.length).toBe(2); // the forged text stays inside the one line
    expect(`error: ${e.message}\n`.split('\n')).toHaveLength(2);
  });
});
