// The cycle model without the emulator: the core tables cover every class the plugin counts, the
// arithmetic (classes x costs, LDM/STM by registers, free dual-issued pairs, board stall costs) on
// hand-made mixes, and the plugin output parser.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/board/index.ts';
import { CORES } from '../../src/board/schema.ts';
import { boardPenalties, countCycles, cycleModel } from '../../src/emu/cycle-model.ts';
import { loadCoreTable } from '../../src/emu/cycle-table.ts';
import { parseMix, pluginArgument, PLUGIN_SOURCE, type MixCounts } from '../../src/emu/plugin.ts';
import type { ElfFile } from '../../src/emu/elf.ts';
import { InputError } from '../../src/errors.ts';

/** The name lists the plugin prints, read from its C source. */
function pluginNames(array: string): string[] {
  const src = fs.readFileSync(PLUGIN_SOURCE, 'utf8');
  const m = new RegExp(`${array}\\[[A-Z_]+\\] = \\{([^}]*)\\}`).exec(src);
  return [...m![1].matchAll(/"([a-z_]+)"/g)].map((x) => x[1]);
}
const CLASSES = pluginNames('class_names');
const STALLS = pluginNames('stall_names');

function mix(classes: Record<string, number>, extra: Partial<MixCounts> = {}): MixCounts {
  const zero = (names: string[]) => Object.fromEntries(names.map((n) => [n, 0]));
  return {
    classes: { ...zero(CLASSES), ...classes },
    paired: { ...zero(CLASSES), ...extra.paired },
    aux: { ldm_regs: 0, ldm_pairs: 0, stm_regs: 0, stm_pairs: 0, ...extra.aux },
    stalls: { ...zero(STALLS), ...extra.stalls },
    memory: { flash: { loads: 0, stores: 0 }, tcm: { loads: 0, stores: 0 }, sram: { loads: 0, stores: 0 }, other: { loads: 0, stores: 0 } },
  };
}
const ZERO_WAIT = { flashPenalty: 0, flashSequentialPenalty: 0, sramMissPenalty: 0 };

describe('core timing tables (boards/cores)', () => {
  it.each(CORES)('%s has a sourced cost for every class and stall the plugin counts', (core) => {
    const t = loadCoreTable(core);
    expect(t.core).toBe(core);
    expect(Object.keys(t.classes).sort()).toEqual([...CLASSES].sort());
    expect(Object.keys(t.stalls).sort()).toEqual([...STALLS].sort());
    for (const c of [...Object.values(t.classes), ...Object.values(t.stalls)]) expect(c.source.length).toBeGreaterThan(5);
  });

  it('holds the TRM figures the issue names for the M4, and the M7 as a dual-issue approximation', () => {
    const m4 = loadCoreTable('cortex-m4');
    expect([m4.classes.load_word.cycles, m4.classes.load_pipelined.cycles, m4.classes.mul.cycles, m4.classes.dsp_mac.cycles]).toEqual([2, 1, 1, 1]);
    expect(m4.classes.div.cycles).toBeGreaterThanOrEqual(2);
    expect(m4.classes.div.cycles).toBeLessThanOrEqual(12);
    expect(m4.classes.load_multiple).toMatchObject({ cycles: 1, perRegister: 1 });
    expect(m4.dualIssue).toBe(false);
    expect(loadCoreTable('cortex-m3').classes.mac.cycles).toBe(2);
    const m7 = loadCoreTable('cortex-m7');
    expect(m7.dualIssue).toBe(true);
    expect(m7.note).toMatch(/approximation/i);
  });

  it('names the file when a table is missing', () => {
    expect(() => loadCoreTable('cortex-m85')).toThrow(InputError);
    expect(() => loadCoreTable('cortex-m85')).toThrow(/cortex-m85\.json/);
  });
});

describe('countCycles', () => {
  it('is count x cost per class, LDM/STM 1+N on the M4, and the classes add up', () => {
    const m = mix({ alu: 10, load_word: 4, load_pipelined: 3, branch_cond_taken: 2, div: 1, load_multiple: 2 }, { aux: { ldm_regs: 7, ldm_pairs: 4, stm_regs: 0, stm_pairs: 0 } });
    const c = countCycles(m, loadCoreTable('cortex-m4'), ZERO_WAIT);
    // 10 + 4x2 + 3x1 + 2x2 + 7 + (2x1 + 7x1)
    expect(c.cycles).toBe(10 + 8 + 3 + 4 + 7 + 9);
    expect(c.instructions).toBe(22);
    expect(c.classes.load_multiple).toEqual({ count: 2, cycles: 9 });
    expect(Object.values(c.classes).reduce((a, x) => a + x.cycles, 0)).toBe(c.cycles);
  });

  it('charges nothing for dual-issued instructions on the M7, and LDM ceil(N/2)', () => {
    const m = mix({ alu: 10, load_word: 6, load_multiple: 1 }, { paired: { alu: 4, load_word: 2 }, aux: { ldm_regs: 5, ldm_pairs: 3, stm_regs: 0, stm_pairs: 0 } });
    const c = countCycles(m, loadCoreTable('cortex-m7'), ZERO_WAIT);
    expect(c.classes.alu).toEqual({ count: 10, cycles: 6, paired: 4 });
    expect(c.classes.load_word).toEqual({ count: 6, cycles: 4, paired: 2 });
    expect(c.classes.load_multiple).toEqual({ count: 1, cycles: 3 });
    expect(c.cycles).toBe(13);
    // The same mix on the single-issue M4 ignores the pairs.
    expect(countCycles(m, loadCoreTable('cortex-m4'), ZERO_WAIT).classes.alu).toEqual({ count: 10, cycles: 10 });
  });

  it('prices stalls from the board: 7 flash wait states on stm32f746 at 216 MHz', () => {
    const f746 = loadBoard('stm32f746');
    expect(boardPenalties(f746).penalties).toEqual({ flashPenalty: 7, flashSequentialPenalty: 0, sramMissPenalty: 6 });
    const m = mix({ alu: 100 }, { stalls: { ifetch_miss_branch: 3, dflash_miss: 2, mispredict: 1 } });
    const { model, count } = cycleModel(m, f746);
    expect(model.classes.ifetch_miss_branch).toEqual({ count: 3, cycles: 21, stall: true });
    expect(model.classes.dflash_miss).toEqual({ count: 2, cycles: 14, stall: true });
    expect(model.classes.mispredict).toEqual({ count: 1, cycles: 6, stall: true });
    expect(count.cycles).toBe(100 + 21 + 14 + 6);
    expect(count.instructions).toBe(100);
    // A board without memory timing: zero-wait memories, the same events cost nothing.
    const an386 = loadBoard('mps2-an386');
    expect(boardPenalties(an386).note).toMatch(/zero-wait/);
    expect(cycleModel(mix({ alu: 100 }, { stalls: { dflash_miss: 2 } }), an386).count.cycles).toBe(100);
  });
});

describe('parseMix', () => {
  const header = ['mcunas-cycles 1', 'classes alu div', 'paired alu div', 'aux ldm_regs', 'stalls mispredict', 'regions flash sram'];
  it('reads sets, ops and the whole run by the header names', () => {
    const text = [...header, 'set 0 total 5 1 2 0 0 1 7 8 9 10', 'set 0 op 1 3 0 1 0 0 0 1 2 3 4', 'run 9 2 3 0 0 1 7 8 9 10', ''].join('\n');
    const m = parseMix(text);
    expect(m.sets[0].total).toEqual({ classes: { alu: 5, div: 1 }, paired: { alu: 2, div: 0 }, aux: { ldm_regs: 0 }, stalls: { mispredict: 1 }, memory: { flash: { loads: 7, stores: 8 }, sram: { loads: 9, stores: 10 } } });
    expect(m.sets[0].ops[1].classes).toEqual({ alu: 3, div: 0 });
    expect(m.sets[0].ops[0]).toBeUndefined();
    expect(m.run.classes.alu).toBe(9);
  });

  it('rejects another format and short blocks', () => {
    expect(() => parseMix('something else\n')).toThrow(/unknown header/);
    expect(() => parseMix([...header, 'set 0 total 1 2 3'].join('\n'))).toThrow(/3 numbers, expected 10/);
  });
});

describe('pluginArgument', () => {
  const elf = (symbols: { name: string; value: number; size: number }[]) => ({ entry: 0, sections: [], segments: [], symbols }) as unknown as ElfFile;
  const markers = [
    { name: 'mcunas_op_ticks', value: 0x20000810, size: 4 * 12 },
    { name: 'mcunas_op_started', value: 0x20000808, size: 8 },
  ];

  it('passes the markers, the regions at their emulator addresses (TCM apart) and the line models of the board', () => {
    const arg = pluginArgument('/p/mcunas_cycles.so', elf(markers), loadBoard('stm32f746'), '/tmp/x/mix.txt')!;
    expect(arg.split(',')).toEqual([
      '/p/mcunas_cycles.so',
      'out=/tmp/x/mix.txt',
      'ops=0x20000810:12',
      'begin=0x20000808',
      'flash=0x0:0x100000',
      'tcm=0x20000000:0x10000',
      'sram=0x20010000:0x3c000',
      'sram=0x2004c000:0x4000',
      'icache=4096:32:2:32',
      'dcache=4096:32:4:32',
      'dcache_sram=1',
    ]);
    // No line store in front of the mps2 code memory: line size only.
    expect(pluginArgument('/p.so', elf(markers), loadBoard('mps2-an386'), '/o')).toContain('icache=0:16:1:16,dcache=0:16:1:16,dcache_sram=0');
    // The L4+ ART: 32-byte rows read 8 bytes at a time.
    expect(pluginArgument('/p.so', elf(markers), loadBoard('nucleo-l4r5zi'), '/o')).toContain('icache=1024:32:32:8,dcache=256:32:8:8,');
  });

  it('gives up (null) without the op markers or with a comma in the output path', () => {
    expect(pluginArgument('/p.so', elf([]), loadBoard('stm32f746'), '/o')).toBeNull();
    expect(pluginArgument('/p.so', elf(markers), loadBoard('stm32f746'), '/a,b/o')).toBeNull();
  });
});

describe('board memoryTiming', () => {
  it('is optional, and its TCM names must be SRAM regions of the board', async () => {
    const { parseBoard } = await import('../../src/board/load.ts');
    const f746 = JSON.parse(fs.readFileSync(new URL('../../boards/stm32f746.json', import.meta.url), 'utf8'));
    expect(parseBoard(f746, 'stm32f746.json').memoryTiming?.flashWaitStates).toBe(7);
    const { memoryTiming: _, ...without } = f746;
    expect(parseBoard(without, 'stm32f746.json').memoryTiming).toBeUndefined();
    const wrong = { ...f746, memoryTiming: { ...f746.memoryTiming, tcm: ['DTCM', 'CCM'] } };
    expect(() => parseBoard(wrong, 'stm32f746.json')).toThrow(InputError);
    expect(() => parseBoard(wrong, 'stm32f746.json')).toThrow(/field "memoryTiming\.tcm\[1\]": "CCM" names no "sram" region/);
  });
});
