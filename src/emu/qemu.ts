// Running the emulator link in QEMU with the deterministic flags, under a wall-clock timeout, and
// turning what the firmware printed into a typed result. Under -icount shift=0 one instruction is 1 ns
// of virtual time, so SysTick ticks convert to instructions as ticks x 1e9 / tickHz.
import { dieWithParent } from './die-with-parent.ts';
import { makeTempDir, removeTracked } from '../io/cleanup.ts';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { Board } from '../board/schema.ts';
import { InputError } from '../errors.ts';
import { parseProtocol, type Protocol, type ProtocolFault } from './protocol.ts';
import { qemuArguments, qemuTarget, type QemuTarget } from '../codegen/qemu-args.ts';
import { findQemu } from './toolchain.ts';

/** The firmware's exit codes (firmware/mcunas_runtime.h). */
export const EXIT = { pass: 0, mismatch: 1, fault: 3, modelError: 4, stackOverflow: 5, badVectors: 6 } as const;

export type Outcome = 'pass' | 'mismatch' | 'fault' | 'model-error' | 'stack-overflow' | 'bad-vectors' | 'timeout' | 'error';

export interface SetResult {
  index: number;
  instructions: number;
  instructionsPerOp: number[];
  ticks: number;
  output: Uint8Array;
  match: boolean | null;
  mismatchAt: number | null;
}

export interface RunResult {
  /** QEMU's exit status, which is the firmware's exit code; null when it was killed. */
  exitCode: number | null;
  outcome: Outcome;
  pass: boolean;
  /** Of the first test set (the one most callers have). */
  instructions: { total: number; perOp: number[] };
  sets: SetResult[];
  /** Measured stack high-water mark (painting), and what the linker script reserved. */
  stackBytes: number | null;
  stackReserveBytes: number | null;
  /** Output of the first set. */
  output: Uint8Array;
  fault: ProtocolFault | null;
  instructionsPerTick: number;
  semihostingText: string;
  uartText: string;
  wallSeconds: number;
  protocol: Protocol;
}

export interface RunOptions {
  timeoutMs?: number;
  /** A -plugin argument (src/emu/plugin.ts), for the cycle model's instruction mix. */
  plugin?: string;
  /** More QEMU arguments (e.g. a -device loader that puts a test-vector blob into RAM). */
  extraArgs?: string[];
  qemu?: string;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

function outcomeOf(exitCode: number | null, timedOut: boolean): Outcome {
  if (timedOut) return 'timeout';
  switch (exitCode) {
    case EXIT.pass:
      return 'pass';
    case EXIT.mismatch:
      return 'mismatch';
    case EXIT.fault:
      return 'fault';
    case EXIT.modelError:
      return 'model-error';
    case EXIT.stackOverflow:
      return 'stack-overflow';
    case EXIT.badVectors:
      return 'bad-vectors';
    default:
      return 'error';
  }
}

export async function runQemu(elf: string, target: QemuTarget | Board, opts: RunOptions = {}): Promise<RunResult> {
  const { machine, tickHz } = 'machine' in target ? target : qemuTarget(target);
  const qemu = opts.qemu ?? findQemu(opts.env);
  const work = makeTempDir('mcunas-qemu-');
  const uartFile = path.join(work, 'uart.txt');
  const started = performance.now();
  try {
    const r = await execa(...dieWithParent(qemu, [...qemuArguments(machine, path.resolve(elf), uartFile, opts.plugin), ...(opts.extraArgs ?? [])]), {
      reject: false,
      timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      forceKillAfterDelay: 2000,
      stdin: 'ignore',
      env: opts.env,
      stripFinalNewline: false,
    });
    const wallSeconds = (performance.now() - started) / 1000;
    const semihostingText = String(r.stdout ?? '');
    const uartText = fs.existsSync(uartFile) ? fs.readFileSync(uartFile, 'utf8') : '';
    if (!r.timedOut && r.exitCode !== 0 && !semihostingText.includes('MCUNAS') && String(r.stderr ?? '').trim() !== '')
      throw new Error(`QEMU failed on ${elf}: ${String(r.stderr).trim().split('\n')[0]}`);
    // Semihosting is the primary channel; a firmware without it (a board link) has only the UART.
    const protocol = parseProtocol(semihostingText.includes('MCUNAS') ? semihostingText : uartText);
    const exitCode = r.timedOut ? null : (r.exitCode ?? null);
    const instructionsPerTick = 1e9 / tickHz;
    const toInstructions = (ticks: number) => Math.round(ticks * instructionsPerTick);
    const sets: SetResult[] = protocol.sets.map((s) => ({
      index: s.index,
      ticks: s.totalTicks,
      instructions: toInstructions(s.totalTicks),
      instructionsPerOp: Array.from(s.opTicks, (t) => toInstructions(t ?? 0)),
      output: s.output,
      match: s.match,
      mismatchAt: s.mismatchAt,
    }));
    const outcome = outcomeOf(exitCode, r.timedOut);
    return {
      exitCode,
      outcome,
      pass: outcome === 'pass' && protocol.verdict === 'PASS',
      instructions: { total: sets[0]?.instructions ?? 0, perOp: sets[0]?.instructionsPerOp ?? [] },
      sets,
      stackBytes: protocol.stackUsedBytes,
      stackReserveBytes: protocol.stackReserveBytes,
      output: sets[0]?.output ?? new Uint8Array(0),
      fault: protocol.fault,
      instructionsPerTick,
      semihostingText,
      uartText,
      wallSeconds,
      protocol,
    };
  } finally {
    removeTracked(work);
  }
}
