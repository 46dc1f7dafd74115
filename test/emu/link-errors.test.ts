import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { explainLinkFailure, parseOverflows } from '../../src/emu/link-errors.ts';
import { linkLayout } from '../../src/codegen/link-layout.ts';

// What GNU ld 2.40 (Debian's arm-none-eabi binutils) prints.
const LD = '/usr/lib/gcc/arm-none-eabi/12.2.1/../../../arm-none-eabi/bin/ld';
const RAM_OVERFLOW = `${LD}: firmware.elf section \`.bss' will not fit in region \`DTCM_SRAM1_SRAM2'
${LD}: region \`DTCM_SRAM1_SRAM2' overflowed by 84064 bytes
collect2: error: ld returned 1 exit status
`;

describe('link failures', () => {
  const board = loadBoard('stm32f746');
  const layouts = [linkLayout(board, 'board', { stackBytes: 2048 })!, linkLayout(board, 'qemu', { stackBytes: 2048 })!];

  it('finds the region, the overflow and the sections', () => {
    expect(parseOverflows(RAM_OVERFLOW, layouts)).toEqual([
      { region: 'DTCM_SRAM1_SRAM2', overflowBytes: 84064, regionBytes: 320 * 1024, sections: ['.bss'] },
    ]);
  });

  it('says it in one line, in KB, with what the region is on the board', () => {
    const e = explainLinkFailure(RAM_OVERFLOW + RAM_OVERFLOW, 'stm32f746', layouts)!;
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      'firmware does not fit stm32f746: SRAM region DTCM_SRAM1_SRAM2 (DTCM+SRAM1+SRAM2, 320 KB) overflowed by 82.1 KB: needs 402.1 KB (.bss did not fit)',
    );
  });

  it('names every region that overflowed, flash included', () => {
    const text = `${LD}: firmware.elf section \`.rodata' will not fit in region \`FLASH'\n${LD}: region \`FLASH' overflowed by 2048 bytes\n${RAM_OVERFLOW}`;
    const e = explainLinkFailure(text, 'stm32f746', layouts)!;
    expect(e.message).toContain('flash region FLASH (1 MB) overflowed by 2 KB: needs 1026 KB (.rodata did not fit)');
    expect(e.message).toContain('; SRAM region DTCM_SRAM1_SRAM2');
    expect(e.message.includes('\n')).toBe(false);
  });

  it('leaves other errors alone', () => {
    expect(explainLinkFailure("model.c:3: undefined reference to `foo'", 'stm32f746', layouts)).toBeUndefined();
  });
});
