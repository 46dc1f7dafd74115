// The instruction-mix plugin (firmware/qemu-plugin/mcunas_cycles.c): where its shared object is, how
// it is built (host gcc, cached under node_modules/.cache by a hash of the source, so an edited source
// rebuilds), its -plugin argument for one firmware and board, and the parser of what it writes.
// tools/setup.mjs builds the same file under the same name at set-up.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Board } from '../board/schema.ts';
import { emulatorLayout } from '../board/regions.ts';
import { fileURLToPath } from 'node:url';
import type { ElfFile } from './elf.ts';
import { findExecutable } from './toolchain.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PLUGIN_SOURCE = path.join(REPO, 'firmware', 'qemu-plugin', 'mcunas_cycles.c');
export const PLUGIN_CACHE_DIR = path.join(REPO, 'node_modules', '.cache', 'mcu-nas');
/** The same flags as tools/setup.mjs. */
export const PLUGIN_CFLAGS = ['-O2', '-fPIC', '-shared', '-Wall'];

/** Where the built plugin for the current source lives (it may not exist yet). */
export function pluginCachePath(source = PLUGIN_SOURCE): string {
  const hash = crypto.createHash('sha256').update(fs.readFileSync(source)).digest('hex').slice(0, 12);
  return path.join(PLUGIN_CACHE_DIR, `mcunas_cycles-${hash}.so`);
}

export type PluginStatus = { path: string; reason: null } | { path: null; reason: string };

/**
 * The plugin's shared object, built with the host C compiler when missing. MCUNAS_QEMU_PLUGIN=off turns
 * the cycle model off; another value names a prebuilt plugin. Never throws: without a C compiler the
 * run goes on with instruction counts only, and `reason` says why.
 */
export function ensurePlugin(env: NodeJS.ProcessEnv = process.env): PluginStatus {
  const override = env.MCUNAS_QEMU_PLUGIN;
  if (override === 'off') return { path: null, reason: 'the cycle model is off (MCUNAS_QEMU_PLUGIN=off)' };
  if (override) return fs.existsSync(override) ? { path: override, reason: null } : { path: null, reason: `MCUNAS_QEMU_PLUGIN=${override}: no such file` };
  const target = pluginCachePath();
  if (fs.existsSync(target)) return { path: target, reason: null };
  const cc = findExecutable(env.CC || 'gcc', env) ?? findExecutable('cc', env);
  if (cc === undefined) return { path: null, reason: 'the QEMU plugin is not built and no host C compiler (gcc) was found: apt-get install gcc, then tools/setup.mjs' };
  fs.mkdirSync(PLUGIN_CACHE_DIR, { recursive: true });
  // Build beside the target and rename: parallel runs never see half a file.
  const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
  try {
    execFileSync(cc, [...PLUGIN_CFLAGS, '-o', tmp, PLUGIN_SOURCE], { stdio: ['ignore', 'ignore', 'pipe'] });
    fs.renameSync(tmp, target);
    return { path: target, reason: null };
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const stderr = String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim().split('\n')[0];
    return { path: null, reason: `the QEMU plugin did not build with ${cc}: ${stderr}` };
  }
}

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * Line model parameters of the board's flash paths: "bytes:line:ways:read", bytes 0 when there is no cache;
 * read is the bytes one memory read brings (a line is filled that many at a time).
 */
function lineModel(path: { kind: string; bytes?: number; lineBytes: number; ways?: number; readBytes?: number } | undefined): string {
  const line = path?.lineBytes ?? 16;
  const read = path?.readBytes ?? line;
  if (!path || path.kind === 'none' || !path.bytes) return `0:${line}:1:${read}`;
  return `${path.bytes}:${line}:${path.ways ?? 1}:${read}`;
}

/**
 * The -plugin argument for one emulator-link ELF of `board`: the marker addresses from the ELF's symbols
 * (mcunas_op_ticks, mcunas_op_started), the memory regions at their emulator addresses, the flash line
 * models of the board's memory timing, and the output file. null when the ELF has no op markers.
 */
export function pluginArgument(plugin: string, elf: ElfFile, board: Board, outFile: string): string | null {
  const sym = (name: string) => elf.symbols.find((s) => s.name === name);
  const ticks = sym('mcunas_op_ticks');
  const started = sym('mcunas_op_started');
  const layout = emulatorLayout(board);
  if (!ticks || !started || !layout || outFile.includes(',')) return null;
  const timing = board.memoryTiming;
  const tcm = new Set(timing?.tcm ?? []);
  const args = [
    `out=${outFile}`,
    `ops=${hex(ticks.value)}:${ticks.size / 4}`,
    `begin=${hex(started.value)}`,
    `flash=${hex(layout.flash.base)}:${hex(layout.flash.size)}`,
    ...layout.sram.map((r) => `${tcm.has(r.name) ? 'tcm' : 'sram'}=${hex(r.base)}:${hex(r.size)}`),
    `icache=${lineModel(timing?.instructionPath)}`,
    `dcache=${lineModel(timing?.dataPath)}`,
    `dcache_sram=${timing?.dataPath.cachesSram ? 1 : 0}`,
  ];
  return [plugin, ...args].join(',');
}

/** What the plugin counted over one window (a test set's inference, one op, or the whole run). */
export interface MixCounts {
  /** Executed instructions per class; they add up to the window's instructions. */
  classes: Record<string, number>;
  /** Of those, instructions that issued second in a dual-issue pair (Cortex-M7 rules). */
  paired: Record<string, number>;
  /** LDM/STM register totals (ldm_regs, stm_regs) and their ceil(N/2) sums (ldm_pairs, stm_pairs). */
  aux: Record<string, number>;
  /** Events that cost cycles without being instructions (flash misses, refills, mispredicts). */
  stalls: Record<string, number>;
  /** Data accesses by region (flash, tcm, sram, other). */
  memory: Record<string, { loads: number; stores: number }>;
}

export interface InstructionMix {
  /** Per test set: the whole inference (null when the window was not closed) and each op. */
  sets: { total: MixCounts | null; ops: MixCounts[] }[];
  /** Everything from reset to exit. */
  run: MixCounts;
}

export function mixInstructions(c: MixCounts): number {
  return Object.values(c.classes).reduce((a, b) => a + b, 0);
}

/** Parses the plugin's output file (format written by on_exit_cb in mcunas_cycles.c). */
export function parseMix(text: string): InstructionMix {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines[0] !== 'mcunas-cycles 1') throw new Error(`QEMU plugin output: unknown header "${lines[0] ?? ''}"`);
  const names: Record<string, string[]> = {};
  for (const l of lines.slice(1, 6)) {
    const [tag, ...rest] = l.split(' ');
    names[tag] = rest;
  }
  const [classes, paired, aux, stalls, regions] = ['classes', 'paired', 'aux', 'stalls', 'regions'].map((k) => names[k] ?? []);
  const width = classes.length + paired.length + aux.length + stalls.length + 2 * regions.length;
  const block = (nums: number[]): MixCounts => {
    if (nums.length !== width || nums.some((n) => !Number.isFinite(n))) throw new Error(`QEMU plugin output: a block has ${nums.length} numbers, expected ${width}`);
    let at = 0;
    const take = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, nums[at++]]));
    const c = take(classes);
    const p = take(paired);
    const a = take(aux);
    const s = take(stalls);
    const memory = Object.fromEntries(regions.map((r) => [r, { loads: nums[at++], stores: nums[at++] }]));
    return { classes: c, paired: p, aux: a, stalls: s, memory };
  };
  const mix: InstructionMix = { sets: [], run: block(new Array(width).fill(0)) };
  for (const l of lines.slice(6)) {
    const w = l.split(' ');
    if (w[0] === 'run') {
      mix.run = block(w.slice(1).map(Number));
      continue;
    }
    if (w[0] !== 'set') continue;
    const k = Number(w[1]);
    mix.sets[k] ??= { total: null, ops: [] };
    if (w[2] === 'total') mix.sets[k].total = block(w.slice(3).map(Number));
    else if (w[2] === 'op') mix.sets[k].ops[Number(w[3])] = block(w.slice(4).map(Number));
  }
  return mix;
}
