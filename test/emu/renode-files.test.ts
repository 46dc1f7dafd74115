// The Renode files compile writes, checked as far as a machine without Renode allows: for every board
// (and board variant) in boards/ whose chip Renode models, firmware.resc loads the platform Renode ships
// and the board link, and firmware.robot waits on the UART that the firmware's console writes to for the
// pass line main.c prints. The UART names and addresses below are read from Renode's own platform files
// (github.com/renode/renode platforms/cpus/*.repl), independently of src/codegen/console.ts. Boards without
// a Renode platform or console say why. `run --emulator renode` is exercised with a stand-in renode-test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listBoards, loadBoard } from '../../src/board/index.ts';
import type { Board } from '../../src/board/schema.ts';
import { consoleDefines, consoleFor } from '../../src/codegen/console.ts';
import { renodeSupport } from '../../src/codegen/firmware.ts';
import { RENODE_PASS_LINE, runRenode } from '../../src/emu/index.ts';
import { writeToyProject } from './toy-model.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-renode-files-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Renode's UART peripherals by platform file: name in the .repl -> base address. */
const RENODE_UARTS: Record<string, Record<string, number>> = {
  // platforms/cpus/stm32f746.repl (UART.STM32F7_USART)
  'platforms/cpus/stm32f746.repl': { usart1: 0x40011000, usart2: 0x40004400, usart3: 0x40004800, usart6: 0x40011400 },
  // platforms/cpus/stm32f412.repl (UART.STM32_UART)
  'platforms/cpus/stm32f412.repl': { usart1: 0x40011000, usart2: 0x40004400, usart3: 0x40004800, usart6: 0x40011400 },
  // platforms/cpus/stm32h743.repl includes stm32h7.repl (UART.STM32F7_USART)
  'platforms/cpus/stm32h743.repl': { usart1: 0x40011000, usart2: 0x40004400, usart3: 0x40004800, uart4: 0x40004c00, uart5: 0x40005000, usart6: 0x40011400 },
};

/** Every board and every variant of it. */
const label = (b: Board) => `${b.name}${b.variant ? `/${b.variant}` : ''}`;
function allBoards(): Board[] {
  const all = listBoards().flatMap((b) => [b, ...Object.keys(b.variants ?? {}).map((v) => loadBoard(b.name, { variant: v }))]);
  return all.filter((b, i) => all.findIndex((c) => label(c) === label(b)) === i);
}

/** Non-comment lines of a Renode script or robot file. */
const code = (text: string) => text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));

describe('which boards get Renode files', () => {
  it('those whose platform Renode ships and whose console Renode models; the rest say why', () => {
    const table = Object.fromEntries(listBoards().map((b) => [b.name, renodeSupport(b)]));
    expect(Object.entries(table).filter(([, s]) => s.ok).map(([n]) => n).sort()).toEqual(['stm32f412', 'stm32f746', 'stm32h743']);
    for (const [name, s] of Object.entries(table)) {
      if (s.ok) {
        expect(s.platform, name).toBe(`platforms/cpus/${name}.repl`);
        continue;
      }
      expect(s.reason, name).toMatch(/emulator target|ships no platform|no console UART/);
    }
    expect(table['nrf52840']).toEqual({ ok: false, reason: "no console UART is known for nrf52840's board link, so nothing would print the pass line" });
    expect(table['rp2040']).toEqual({ ok: false, reason: 'Renode ships no platform for rp2040: its board file has no emulator.renode' });
  });
});

describe.each(allBoards().filter((b) => renodeSupport(b).ok).map((b) => [label(b), b] as const))('%s: firmware.resc and firmware.robot', (name, board) => {
  const dir = path.join(tmp, name.replace('/', '-'));
  const project = writeToyProject(dir, board);
  const resc = fs.readFileSync(path.join(dir, 'firmware.resc'), 'utf8');
  const robot = fs.readFileSync(path.join(dir, 'firmware.robot'), 'utf8');
  const platform = board.emulator.renode!;
  const uarts = RENODE_UARTS[platform];

  it('the manifest names them', () => {
    expect(project.renode).toMatchObject({ resc: 'firmware.resc', robot: 'firmware.robot' });
  });

  it('resc: a machine on the platform Renode ships, the board ELF, the test vectors where the firmware looks', () => {
    const lines = code(resc);
    expect(lines[0]).toBe('using sysbus');
    expect(lines[1]).toBe(`mach create "${board.name}"`);
    expect(lines[2]).toBe(`machine LoadPlatformDescription @${platform}`);
    const region = /^machine LoadPlatformDescriptionFromString "mcunas_vectors: Memory\.MappedMemory @ sysbus (0x[0-9A-F]{8}) \{ size: (0x[0-9A-F]{8}) \}"$/.exec(lines[3]);
    expect(region, lines[3]).not.toBeNull();
    const [base, size] = [Number(region![1]), Number(region![2])];
    expect(size % 4096).toBe(0);
    expect(size).toBeGreaterThanOrEqual(fs.statSync(path.join(dir, 'vectors.bin')).size);
    // Memory the board does not have (so the board link cannot depend on it).
    for (const r of [...board.sram, board.flash]) expect(base + size <= r.base || base >= r.base + r.size, `${name}: overlaps ${JSON.stringify(r)}`).toBe(true);
    expect(lines.slice(4, 6)).toEqual(['$bin ?= @firmware.elf', '$vectors ?= @vectors.bin']);
    expect(lines[6]).toBe('sysbus LoadELF $bin');
    expect(lines[7]).toBe(`sysbus LoadBinary $vectors ${region![1]}`);
    // The word after the board link's vector table (16 system vectors and up to 240 interrupts) holds the vectors' address.
    const at = project.renode!.vectorsAt;
    const offset = at - project.layouts.board.flash.origin;
    expect(project.layouts.board.flash.origin).toBe(board.flash.base);
    expect(offset % 4 === 0 && offset >= 64 && offset <= 1024, `offset ${offset}`).toBe(true);
    expect(lines[8]).toBe(`sysbus WriteDoubleWord 0x${at.toString(16).toUpperCase().padStart(8, '0')} ${region![1]}`);
    expect(lines).toHaveLength(9);
  });

  it("robot: Renode's keywords, the resc, and the pass line on the UART the firmware writes to", () => {
    const sections = robot.split('\n').filter((l) => l.startsWith('***'));
    expect(sections).toEqual(['*** Settings ***', '*** Variables ***', '*** Test Cases ***']);
    expect(robot).toMatch(/^Resource {2,}\$\{RENODEKEYWORDS\}$/m);
    expect(robot).toMatch(/^\$\{SCRIPT\} {2,}\$\{CURDIR\}\/firmware\.resc$/m);
    const uart = /^\$\{UART\} {2,}(\S+)$/m.exec(robot)?.[1];
    expect(uart).toMatch(/^sysbus\./);
    const peripheral = uart!.slice('sysbus.'.length);
    // The console the firmware is built with is the peripheral of that name in Renode's platform.
    const defines = consoleDefines(consoleFor(board, 'board'));
    const baseDefine = defines.find((d) => d.startsWith('-DMCUNAS_UART_BASE='));
    expect(baseDefine).toBeDefined();
    expect(uarts[peripheral], `${peripheral} in ${platform}`).toBe(Number(baseDefine!.replace('-DMCUNAS_UART_BASE=', '').replace(/u$/, '')));
    const steps = robot.slice(robot.indexOf('*** Test Cases ***')).split('\n').slice(2).map((l) => l.trim().split(/ {2,}/));
    expect(steps.map((s) => s[0]).filter(Boolean)).toEqual(['Execute Command', 'Execute Command', 'Execute Script', 'Create Terminal Tester', 'Start Emulation', '${line}=', 'Should Contain']);
    expect(steps[3]).toEqual(['Create Terminal Tester', '${UART}', expect.stringMatching(/^timeout=\d+$/)]);
    expect(steps[5]).toEqual(['${line}=', 'Wait For Line On Uart', 'MCUNAS (PASS|FAIL)', 'treatAsRegex=true']);
    expect(steps[6]).toEqual(['Should Contain', '${line.Line}', RENODE_PASS_LINE]);
    // What main.c prints on that console when every test set matched.
    expect(fs.readFileSync(path.join(dir, 'main.c'), 'utf8')).toContain(`"${RENODE_PASS_LINE}\\n"`);
  });
});

describe('stm32f746 variants', () => {
  it("the nucleo's console is USART3 (the disco's USART1): the robot file follows the variant", () => {
    const uartOf = (variant: string) => {
      const dir = path.join(tmp, `variant-${variant}`);
      writeToyProject(dir, loadBoard('stm32f746', { variant }));
      return /^\$\{UART\} {2,}(\S+)$/m.exec(fs.readFileSync(path.join(dir, 'firmware.robot'), 'utf8'))?.[1];
    };
    expect(uartOf('disco')).toBe('sysbus.usart1');
    expect(uartOf('nucleo')).toBe('sysbus.usart3');
  });
});

describe('run --emulator renode', () => {
  it('runs renode-test on the robot file in the project folder and reads its exit code', async () => {
    const dir = path.join(tmp, 'runner');
    const project = writeToyProject(path.join(dir, 'p'), loadBoard('stm32f746'));
    // A stand-in for Renode's runner: records how it was called, passes or fails as told.
    const fake = path.join(dir, 'renode-test');
    fs.writeFileSync(fake, `#!/bin/sh\necho "$PWD|$*" > "${dir}/called"\necho "+++++ Finished test 'firmware.Firmware Should Pass'"\nexit "\${FAKE_EXIT:-0}"\n`, { mode: 0o755 });
    const env = { ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH}` };
    const pass = await runRenode(project, { env });
    expect(pass).toMatchObject({ pass: true, exitCode: 0, timedOut: false });
    expect(pass.log).toContain('Firmware Should Pass');
    expect(fs.readFileSync(path.join(dir, 'called'), 'utf8').trim()).toBe(`${project.dir}|${path.join(project.dir, 'firmware.robot')}`);
    const fail = await runRenode(project, { env: { ...env, FAKE_EXIT: '3' } });
    expect(fail).toMatchObject({ pass: false, exitCode: 3 });
  });
});
