// The instruction-mix plugin on real firmware: it builds; its per-op and per-inference instruction
// counts agree with QEMU's -icount (SysTick) counts; a hand-written loop gives exactly the class counts
// its source says; the cycle model's class cycles add up. Skipped (and reported as skipped) without the
// Arm toolchain, QEMU or a host C compiler.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBoard, type Board } from '../../src/board/index.ts';
import {
  countCycles,
  ensurePlugin,
  findExecutable,
  haveBuildAndQemu,
  loadCoreTable,
  mixInstructions,
  runProject,
  runQemu,
  writeProject,
  type MixCounts,
  type ProjectRun,
} from '../../src/emu/index.ts';
import { firmwareProject } from '../../src/codegen/index.ts';
import { toyInput, writeToyProject } from './toy-model.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-cycle-plugin-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const haveCc = findExecutable('gcc') !== undefined || findExecutable('cc') !== undefined;

/** a - b, class by class (both windows of the same code, so the difference is the extra iterations). */
function minus(a: MixCounts, b: MixCounts): MixCounts {
  const sub = (x: Record<string, number>, y: Record<string, number>) => Object.fromEntries(Object.keys(x).map((k) => [k, x[k] - y[k]]));
  return {
    classes: sub(a.classes, b.classes),
    paired: sub(a.paired, b.paired),
    aux: sub(a.aux, b.aux),
    stalls: sub(a.stalls, b.stalls),
    memory: Object.fromEntries(Object.keys(a.memory).map((k) => [k, { loads: a.memory[k].loads - b.memory[k].loads, stores: a.memory[k].stores - b.memory[k].stores }])),
  };
}

/** A fixture (test/emu/fixtures/<name>: model.h, model.c) built and run on `boardName`, timed on `timing` (default: that board). */
async function runFixture(name: string, boardName: string, timing?: Board): Promise<ProjectRun> {
  const board = loadBoard(boardName);
  const dir = path.join(tmp, `${name}-${boardName}`);
  const input = Int8Array.from([0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
  if (!fs.existsSync(dir)) {
    writeProject(dir, firmwareProject({ board, modelName: name, sources: ['model.c'], testSets: [{ input }] }));
    for (const f of ['model.h', 'model.c']) fs.copyFileSync(path.join(FIXTURES, name, f), path.join(dir, f));
  }
  return runProject(dir, { timeoutMs: 20_000, board: timing });
}


/**
 * The class an instruction should get, from objdump's mnemonic and operands: an independent reading of
 * the same bytes (the plugin decodes encodings, this reads GNU's disassembly).
 */
function classOfMnemonic(mnemonic: string, operands: string): string {
  const plain = classOfBase(mnemonic.split('.')[0], operands);
  // Inside an IT block objdump appends the condition (moveq, ldrne); "lsls" must not lose its "ls".
  const base = mnemonic.split('.')[0].replace(/(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)$/, '');
  return plain !== 'alu' ? plain : classOfBase(base, operands);
}

function classOfBase(x: string, operands: string): string {
  const is = (re: RegExp) => re.test(x);
  if (x === 'b' || x === 'bl') return 'branch';
  if (x === 'bx' || x === 'blx') return 'branch_indirect';
  if (is(/^b(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)$/) || x === 'cbz' || x === 'cbnz') return 'branch_cond_taken';
  if (x === 'tbb' || x === 'tbh') return 'table_branch';
  if (is(/^it[te]{0,3}$/)) return 'it';
  if (is(/^(push|stm|stmia|stmdb|stmea|stmfd)$/)) return 'store_multiple';
  if (is(/^(pop|ldm|ldmia|ldmdb|ldmfd)$/)) return 'load_multiple';
  const direct: Record<string, string> = {
    ldrd: 'load_double', strd: 'store_double', ldr: 'load_word', ldrb: 'load_byte', ldrsb: 'load_byte', ldrh: 'load_half',
    ldrsh: 'load_half', str: 'store_word', strb: 'store_byte', strh: 'store_half', mul: 'mul', muls: 'mul', mla: 'mac',
    mls: 'mac', sdiv: 'div', udiv: 'div', nop: 'alu', pld: 'alu', pli: 'alu',
  };
  if (direct[x]) return direct[x];
  if (is(/^(ldrex|strex)[bh]?$|^(mrs|msr|cpsid|cpsie|dmb|dsb|isb|bkpt|svc|wfi|wfe|sev|udf)$/)) return 'system';
  if (is(/^(smull|umull|smlal|umlal|smlald|smlaldx|smlsld|smlsldx|umaal|smlal[bt][bt])$/)) return 'mul_long';
  if (is(/^(smladx?|smlsdx?|smuadx?|smusdx?|smla[bt][bt]|smul[bt][bt]|smulw[bt]|smlaw[bt]|smmulr?|smmlar?|smmlsr?)$/)) return 'dsp_mac';
  if (is(/^(sxtb16|uxtb16|sxtab16|uxtab16|pkhbt|pkhtb|sel|usada?8|[su]sat16|qd?(add|sub)|[su]?[qh]?(add|sub|asx|sax)(8|16)|q(asx|sax))$/)) return 'dsp';
  if (is(/^(lsls?|lsrs?|asrs?|rors?|rrxs?|sxt[bh]|uxt[bh]|sxta[bh]|uxta[bh]|rev|rev16|revsh|rbit|clz|ubfx|sbfx|bfi|bfc|ssat|usat)$/)) return 'alu_shift';
  if (x.startsWith('v')) {
    if (is(/^v(ldr|str|ldm|stm|push|pop)/)) return 'fp_mem';
    if (is(/^v(n?ml[as]|f?n?fm[as])/)) return 'fp_mac';
    if (is(/^v(div|sqrt)/)) return 'fp_div';
    return 'fp';
  }
  if (/,\s*(lsl|lsr|asr|ror)\s*#|,\s*rrx/.test(operands)) return 'alu_shift';
  return 'alu';
}

const nonZero = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== 0));

describe.skipIf(!haveBuildAndQemu() || !haveCc)('instruction-mix plugin on QEMU', () => {
  it('builds with the host C compiler into the cache, once', () => {
    const first = ensurePlugin({ ...process.env, MCUNAS_QEMU_PLUGIN: '' });
    expect(first.reason).toBeNull();
    expect(fs.existsSync(first.path!)).toBe(true);
    expect(fs.readFileSync(first.path!).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    const mtime = fs.statSync(first.path!).mtimeMs;
    expect(ensurePlugin({ ...process.env, MCUNAS_QEMU_PLUGIN: '' }).path).toBe(first.path);
    expect(fs.statSync(first.path!).mtimeMs).toBe(mtime);
  });

  describe('toy model on stm32f746 (mps2-an500), two test sets', () => {
    let r: ProjectRun;
    let again: ProjectRun;
    beforeAll(async () => {
      const board = loadBoard('stm32f746');
      const project = writeToyProject(path.join(tmp, 'toy'), board, { testSets: [{ input: toyInput(0) }, { input: toyInput(4) }] });
      r = await runProject(project, { timeoutMs: 20_000 });
      again = await runProject(project, { timeoutMs: 20_000 });
    }, 120_000);

    it('counts what SysTick counts under -icount, per op and per inference, to SysTick\'s 40-instruction step', () => {
      // Both count the instructions between the same two SysTick readings; SysTick (25 MHz on mps2,
      // 1 ns an instruction) rounds them to whole ticks of 40, so the two differ by less than one tick.
      const mix = r.timing.mix!;
      expect(mix.sets).toHaveLength(2);
      r.run.sets.forEach((s, k) => {
        const set = mix.sets[k];
        expect(Math.abs(mixInstructions(set.total!) - s.instructions)).toBeLessThan(40);
        s.instructionsPerOp.forEach((n, i) => expect(Math.abs(mixInstructions(set.ops[i]) - n)).toBeLessThan(40));
      });
      expect(r.timing.instructions).toBe(mixInstructions(mix.sets[0].total!));
    });

    it('is deterministic run after run', () => {
      expect(again.timing.mix).toEqual(r.timing.mix);
      expect(again.timing.cycles).toBe(r.timing.cycles);
    });

    it('says why there are no cycles when the plugin is off, and still reports instructions', async () => {
      const project = path.join(tmp, 'toy');
      const o = await runProject(project, { timeoutMs: 20_000, env: { ...process.env, MCUNAS_QEMU_PLUGIN: 'off' } });
      expect(o.run.pass).toBe(true);
      expect(o.timing.cycles).toBeNull();
      expect(o.timing.latencyMs).toBeNull();
      expect(o.timing.cycleModel).toBeNull();
      expect(o.timing.instructions).toBe(o.run.instructions.total);
      expect(o.timing.perOp.map((p) => p.instructions)).toEqual(o.run.instructions.perOp);
      expect(o.timing.derivation).toMatch(/^instructions only .* no cycles: the cycle model is off/);
      // The same SysTick counts as with the plugin: watching does not change what runs.
      expect(o.run.instructions).toEqual(r.run.instructions);
    }, 60_000);

    it('reports cycles whose classes add up: counts to instructions, cycles to cycles', () => {
      const m = r.timing.cycleModel!;
      expect(m).toMatchObject({ core: 'cortex-m7', board: 'stm32f746', clockHz: 216_000_000 });
      const classes = Object.values(m.classes);
      expect(classes.filter((c) => !c.stall).reduce((a, c) => a + c.count, 0)).toBe(r.timing.instructions);
      expect(classes.reduce((a, c) => a + c.cycles, 0)).toBe(r.timing.cycles);
      expect(r.timing.latencyMs).toBeCloseTo((r.timing.cycles! * 1000) / 216e6, 12);
      const ops = r.timing.perOp;
      expect(ops).toHaveLength(2);
      for (const o of ops) expect(o.cycles).toBeGreaterThan(0);
      expect(ops[0].cycles! + ops[1].cycles!).toBeLessThan(r.timing.cycles!);
      expect(r.timing.derivation).toContain('7 flash wait states');
    });
  });

  describe('hand-written loop with a known mix (mps2-an386, Cortex-M4)', () => {
    let r: ProjectRun;
    beforeAll(async () => {
      r = await runFixture('mix-loop', 'mps2-an386');
    }, 120_000);

    it('gives exactly the per-iteration classes the source lists, x 100', () => {
      expect(r.run.pass).toBe(true);
      const [op0, op1] = r.timing.mix!.sets[0].ops;
      const d = minus(op1, op0);
      const perIteration = {
        alu: 5, alu_shift: 3, dsp: 1, dsp_mac: 1, mac: 1, mul: 1, mul_long: 1, div: 1,
        load_word: 1, load_pipelined: 2, load_half: 1, store_word: 1, store_half: 1, store_byte: 1,
        store_multiple: 1, load_multiple: 1, fp: 1, fp_mac: 1, fp_mem: 1, it: 1,
        branch: 1, branch_not_taken: 1, branch_cond_taken: 1,
      };
      expect(nonZero(d.classes)).toEqual(Object.fromEntries(Object.entries(perIteration).map(([k, v]) => [k, 100 * v])));
      expect(mixInstructions(d)).toBe(3000);
      expect(nonZero(d.aux)).toEqual({ ldm_regs: 300, ldm_pairs: 200, stm_regs: 300, stm_pairs: 200 });
      // Loads: 4 integer + VLDR + POP's 3; stores: 3 + PUSH's 3; all in RAM (mps2 has no TCM in its board file).
      expect(d.memory.sram).toEqual({ loads: 800, stores: 600 });
      // Both conditional branches go the way backward-taken/forward-not-taken predicts; nothing loads PC.
      expect(d.stalls).toMatchObject({ mispredict: 0, pc_load: 0, dflash_miss: 0, dsram_miss: 0, load_use: 100, mul_use: 0, agu_dependency: 100 });
      // Without a line store in front of it, the code memory sees each new line the loop enters.
      expect(d.stalls.ifetch_miss_branch).toBeGreaterThanOrEqual(100);
    });

    it('costs what the Cortex-M4 TRM table says, by hand: 50 cycles an iteration', () => {
      // alu 5x1, the address dependency 1, alu_shift 3x1, dsp 1, dsp_mac 1, mac 1, mul 1, mul_long 1, div 7, ldr 2, 2 pipelined x1,
      // ldrh 2, 3 stores x1, push/pop 2x(1+3), vadd 1, vmla 3, vldr 2, it 1, b 2, beq not taken 1, bne 2.
      const [op0, op1] = r.timing.mix!.sets[0].ops;
      const c = countCycles(minus(op1, op0), loadCoreTable('cortex-m4'), { flashPenalty: 0, flashSequentialPenalty: 0, sramMissPenalty: 0 });
      expect(c.cycles).toBe(5000);
      expect(Object.values(c.classes).reduce((a, x) => a + x.cycles, 0)).toBe(c.cycles);
      expect(r.timing.perOp[1].cycles! - r.timing.perOp[0].cycles!).toBe(5000);
    });
  });

  describe('the same loop on stm32f746 (Cortex-M7 dual issue)', () => {
    let r: ProjectRun;
    beforeAll(async () => {
      r = await runFixture('mix-loop', 'stm32f746');
    }, 120_000);

    it('decodes every executed instruction into the class objdump\'s mnemonic names', async () => {
      const plugin = ensurePlugin().path!;
      const insns = path.join(tmp, 'insns.txt');
      const elf = r.firmware.qemuElf!;
      await runQemu(elf, loadBoard('stm32f746'), { timeoutMs: 20_000, plugin: `${plugin},out=${path.join(tmp, 'mix.txt')},insns=${insns}` });
      const objdump = (process.env.MCUNAS_ARM_PREFIX || 'arm-none-eabi-') + 'objdump';
      const listing = (await execa(objdump, ['-d', '--no-show-raw-insn', elf])).stdout;
      const byPc = new Map<number, [string, string]>();
      for (const line of listing.split('\n')) {
        const m = /^\s+([0-9a-f]+):\s+(\S+)\s*(.*)$/.exec(line);
        if (m) byPc.set(Number.parseInt(m[1], 16), [m[2], m[3]]);
      }
      const checked = new Set<number>();
      const wrong: string[] = [];
      for (const line of fs.readFileSync(insns, 'utf8').trim().split('\n')) {
        const [pcHex, , got] = line.split(' ');
        const pc = Number.parseInt(pcHex, 16);
        const d = byPc.get(pc);
        if (!d || checked.has(pc)) continue;
        checked.add(pc);
        const want = classOfMnemonic(d[0], d[1]);
        if (want !== got) wrong.push(`${pcHex} ${d[0]} ${d[1]}: plugin ${got}, objdump ${want}`);
      }
      expect(checked.size).toBeGreaterThan(400);
      expect(wrong).toEqual([]);
    }, 60_000);

    it('pairs what the M7 rules pair, worked by hand: 7 of the 30, and 34 cycles an iteration', () => {
      // Greedy in order: ldr after the taken bne; smlad after ldrh; vldr after sxtb16; cmp after vmla;
      // moveq after it; cmp after b; subs after the not-taken beq. Loads never pair with loads, stores
      // with stores, multiplies with multiplies; push/pop and sdiv pair with nothing; ldrh (offset from
      // ldrb), str (address from adds) and the shift chain wait on their producers.
      const [op0, op1] = r.timing.mix!.sets[0].ops;
      const d = minus(op1, op0);
      expect(nonZero(d.paired)).toEqual({ load_word: 100, dsp_mac: 100, fp_mem: 100, alu: 400 });
      // 30 - 7 single issues, with div 7, fp_mac 3, push/pop ceil(3/2) = 2 each, load-use of the LDRB 1:
      // 23 ones + 6 (div) + 2 (vmla) + 2 (push, pop: 2 each instead of 1) + 1 = 34.
      expect(d.stalls).toMatchObject({ load_use: 100, agu_dependency: 100, mul_use: 0, mispredict: 0, dflash_miss: 0, dsram_miss: 0 });
      // Op 0 brings the code into the 4 KB I-cache (cold misses at 7 wait states); op 1 misses nothing.
      expect(op1.stalls.ifetch_miss_branch + op1.stalls.ifetch_miss_seq).toBe(0);
      const cold = 7 * op0.stalls.ifetch_miss_branch;
      expect(cold).toBeGreaterThan(0);
      const c = countCycles(d, loadCoreTable('cortex-m7'), { flashPenalty: 7, flashSequentialPenalty: 0, sramMissPenalty: 6 });
      expect(c.cycles).toBe(3400 - cold);
      expect(r.timing.perOp[1].cycles! - r.timing.perOp[0].cycles!).toBe(3400 - cold);
    });
  });

  describe('flash reads through the ART on nucleo-l4r5zi (rows of 4 x 64 bits, read 64 bits at a time)', () => {
    let r: ProjectRun;
    let whole: ProjectRun;
    beforeAll(async () => {
      r = await runFixture('flash-read', 'nucleo-l4r5zi');
      // The same firmware timed as if a row came in one read (the board file before its readBytes).
      const board = loadBoard('nucleo-l4r5zi');
      const t = board.memoryTiming!;
      whole = await runFixture('flash-read', 'nucleo-l4r5zi', {
        ...board,
        memoryTiming: { ...t, instructionPath: { ...t.instructionPath, readBytes: undefined }, dataPath: { ...t.dataPath, readBytes: undefined } },
      });
    }, 120_000);

    it('misses once per 8 bytes of a stream, and once per 32 bytes when a row is one read', () => {
      expect(r.run.pass).toBe(true);
      const [op0, op1] = r.timing.mix!.sets[0].ops;
      const d = minus(op1, op0);
      // 576 - 64 word loads over 2,048 new bytes, all from flash.
      expect(d.memory.flash.loads).toBe(512);
      expect(d.stalls.dflash_miss).toBe(2048 / 8);
      const [w0, w1] = whole.timing.mix!.sets[0].ops;
      expect(minus(w1, w0).stalls.dflash_miss).toBe(2048 / 32);
      // The 5 wait states of each miss are in the cycles: 256 misses x 5 over the 64 x 5 of whole rows.
      expect(r.timing.perOp[1].cycles! - r.timing.perOp[0].cycles! - (whole.timing.perOp[1].cycles! - whole.timing.perOp[0].cycles!)).toBe((256 - 64) * 5);
    });

    it("misses on a row's unread 64-bit part, not on a part already read", () => {
      const [, , op2, op3] = r.timing.mix!.sets[0].ops;
      const d = minus(op3, op2);
      // 4 more rows: word +0 (the row and its first part: a miss), word +8 (second part: a miss), word +4 (first part: a hit).
      expect(d.memory.flash.loads).toBe(12);
      expect(d.stalls.dflash_miss).toBe(8);
      const [, , w2, w3] = whole.timing.mix!.sets[0].ops;
      expect(minus(w3, w2).stalls.dflash_miss).toBe(4);
    });
  });
});
