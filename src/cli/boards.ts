import { largestArenaSpan, listBoards, usableSram, DEFAULT_BOARD, type Board } from '../board/index.ts';
import { printJson, printLine, type GlobalFlags } from './output.ts';
import { defineCommand } from './flags.ts';

interface Args extends GlobalFlags {
  'boards-dir'?: string;
}

const kb = (bytes: number) => `${bytes / 1024}K`;

function row(b: Board): string[] {
  const span = largestArenaSpan(b);
  const q = b.emulator.qemu;
  return [
    b.name === DEFAULT_BOARD ? `${b.name} *` : b.name,
    b.core,
    String(b.clockHz / 1e6),
    b.fpu,
    b.dsp ? 'yes' : 'no',
    kb(usableSram(b)),
    `${kb(span.size)} (${span.regions.join('+')})`,
    kb(b.flash.size),
    b.emulated ? 'itself' : q ? `${q.machine} (${q.cpu})` : '-',
    Object.keys(b.variants ?? {}).map((v) => (v === b.variant ? `${v} *` : v)).join(', ') || '-',
  ];
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
}

export const boardsCommand = defineCommand<Args>({
  command: 'boards',
  describe: 'the board catalogue: core, clock, FPU/DSP, SRAM, flash, emulator stand-in, variants',
  flags: { 'boards-dir': true },
  examples: [['$0 boards --boards-dir my-boards', 'the built-in boards and your own']],
  run: (a) => {
    const boards = listBoards({ boardsDir: a['boards-dir'] });
    if (a.json)
      return printJson({
        default: DEFAULT_BOARD,
        boards: boards.map((b) => ({ ...b, usableSramBytes: usableSram(b), largestArenaBytes: largestArenaSpan(b).size })),
      });
    const head = ['board', 'core', 'MHz', 'FPU', 'DSP', 'SRAM', 'largest arena span', 'flash', 'emulator', 'variants (--variant)'];
    for (const line of table([head, ...boards.map(row)])) printLine(line);
    printLine(`(* the default board, the default variant)`);
  },
});
