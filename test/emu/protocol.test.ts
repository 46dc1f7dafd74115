import { describe, expect, it } from 'vitest';
import { parseProtocol } from '../../src/emu/protocol.ts';

describe('parseProtocol', () => {
  it('reads a passing run, ignoring other text and \\r\\n endings', () => {
    const text = [
      'qemu-system-arm: warning: something',
      'MCUNAS begin model=m_toy board=board_stm32f746 link=qemu counter=icount tick_hz=25000000 sets=1 ops=2 input_bytes=64 output_bytes=4',
      'MCUNAS set 0',
      'MCUNAS op 0 614',
      'MCUNAS op 1 3',
      'MCUNAS total 619',
      'MCUNAS output 00ff7f80',
      'MCUNAS match',
      'MCUNAS stack 156 2048',
      'MCUNAS PASS',
      'MCUNAS exit 0',
    ].join('\r\n');
    const p = parseProtocol(text);
    expect(p.begin).toMatchObject({ link: 'qemu', tick_hz: '25000000', ops: '2' });
    expect(p.sets).toHaveLength(1);
    expect(p.sets[0].opTicks).toEqual([614, 3]);
    expect(p.sets[0].totalTicks).toBe(619);
    expect(Array.from(p.sets[0].output)).toEqual([0x00, 0xff, 0x7f, 0x80]);
    expect(p.sets[0].match).toBe(true);
    expect(p.stackUsedBytes).toBe(156);
    expect(p.stackReserveBytes).toBe(2048);
    expect(p.verdict).toBe('PASS');
    expect(p.exitCode).toBe(0);
    expect(p.fault).toBeNull();
  });

  it('reads mismatches, unchecked sets and the failure reason', () => {
    const p = parseProtocol('MCUNAS set 0\nMCUNAS mismatch at=5\nMCUNAS set 1\nMCUNAS unchecked\nMCUNAS FAIL mismatch\nMCUNAS exit 1\n');
    expect(p.sets.map((s) => [s.match, s.mismatchAt])).toEqual([
      [false, 5],
      [null, null],
    ]);
    expect(p.verdict).toBe('FAIL');
    expect(p.failReason).toBe('mismatch');
  });

  it('reads a fault report', () => {
    const p = parseProtocol('MCUNAS FAULT HardFault exception=0x00000003 pc=0x00001000 lr=0x00000b39 cfsr=0x00020000\nMCUNAS exit 3\n');
    expect(p.fault).toEqual({ exception: 'HardFault', fields: { exception: 3, pc: 0x1000, lr: 0xb39, cfsr: 0x20000 } });
    expect(p.exitCode).toBe(3);
  });

  it('gives an empty result for text without the protocol', () => {
    const p = parseProtocol('nothing here\n');
    expect(p.sets).toEqual([]);
    expect(p.verdict).toBeNull();
    expect(p.begin).toBeNull();
  });
});
