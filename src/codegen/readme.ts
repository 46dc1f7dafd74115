// The output folder's README.md (templates/README.md.hbs): what the files are, the model's API, the
// memory figures (planned, and measured on the board ELF once built), how to build, flash and integrate,
// and what ran only in an emulator. This module computes the values; the template places them.
import { clockSourceFile, clockTree } from '../board/clock.ts';
import type { Board } from '../board/schema.ts';
import type { Plan } from '../schedule/index.ts';
import { consoleFor } from './console.ts';
import type { FirmwareManifest } from './manifest.ts';
import type { CModel } from './model.ts';
import { renderTemplate } from './render.ts';

export const README_FILE = 'README.md';

export interface ReadmeBuild {
  /** Bytes the board ELF stores in flash. */
  flashBytes: number;
  /** .data + .bss + arena sections of the board ELF. */
  staticSramBytes: number;
  stackReserveBytes: number;
}

/** The fit verdict and, once built, the measured figures. */
export interface ReadmeVerdict {
  /** Null before a build (--no-build, or a plan that does not fit). */
  build: ReadmeBuild | null;
  /** The fit verdict and its reasons (empty when it fits). */
  fits: boolean;
  reasons: string[];
}

export interface ReadmeSpec extends ReadmeVerdict {
  board: Board;
  plan: Plan;
  model: CModel;
  modelName: string;
  testSets: number;
  kernelDirs: string[];
  cpuFlags: string[];
  flashCommands: string[];
  qemuMachine: string | null;
  renode: boolean;
  /** The console the board link prints on (e.g. "USART1 TX on PA9"), if known. */
  console: string | null;
}

const num = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (planned: number, measured: number) => `${measured === 0 ? 0 : ((100 * (planned - measured)) / measured).toFixed(1)}%`;

/** The README of a model's project: the facts from its manifest and model, the verdict from the caller. */
export function projectReadme(project: { manifest: FirmwareManifest; model: CModel }, board: Board, plan: Plan, verdict: ReadmeVerdict): string {
  const m = project.manifest;
  return renderReadme({
    board,
    plan,
    model: project.model,
    modelName: m.modelName,
    testSets: m.testSets,
    kernelDirs: m.recipe.includeDirs.filter((d) => d !== '.' && d !== 'runtime'),
    cpuFlags: m.recipe.cpuFlags,
    flashCommands: m.flashCommands,
    qemuMachine: m.qemu?.machine ?? null,
    renode: m.renode !== null,
    console: consoleFor(board, 'board').note,
    ...verdict,
  });
}

export function renderReadme(s: ReadmeSpec): string {
  const { plan, model, board, build } = s;
  const staticPlanned = plan.sram.arena + plan.sram.runtime;
  const shape = (t: CModel['input']) => t.shape.join(' x ');
  const checks = [
    s.qemuMachine
      ? `Outputs: the emulator link (same model code and kernels, same -mcpu, the board's region sizes) runs in QEMU ${s.qemuMachine} with \`mcu-nas run\` / \`make run\` and is compared byte for byte with the TypeScript int8 interpreter's outputs (\`test-vectors.json\`). This is an emulator: it proves the arithmetic and the memory limits, not timing.`
      : 'Outputs: this board has no QEMU stand-in; nothing has run.',
    `Board link: ${build ? `built and measured (flash ${num(build.flashBytes)} B, static SRAM ${num(build.staticSramBytes)} B)` : 'not built yet'}; it has **not** been run on hardware by mcu-nas.`,
    s.renode
      ? 'Renode: `firmware.resc` / `firmware.robot` run the board link itself on Renode\'s model of the chip with `vectors.bin` loaded beside it (where Renode is installed; not run by the tests here).'
      : 'Renode: no Renode platform with a known console for this board.',
    'Untested on hardware: the start-up code (clock set-up, caches; its write order is checked against mocked registers only), the console UART (pins, baud rate), the flash commands, and the latency figures (QEMU instruction counts through a cycle model at the configured clock, not measured cycles).',
  ];
  const variants = Object.entries(board.variants ?? {});
  const setup = !board.emulated && board.clock.chip !== 'fixed';
  const clock = {
    setup,
    source: setup ? `runtime/${clockSourceFile(board.clock)}` : null,
    summary: clockTree(board.clock).summary,
    variant: board.variant ?? null,
    variantDescription: board.variant ? (board.variants?.[board.variant]?.description ?? '') : '',
    otherVariants: variants.filter(([n]) => n !== board.variant).map(([n, v]) => `\`${n}\` (${v.description})`).join('; ') || null,
    caches: 'coreCaches' in board.clock && board.clock.coreCaches !== undefined && (board.clock.coreCaches.instruction || board.clock.coreCaches.data),
    boot2: board.clock.chip === 'rp2040' && !board.emulated,
  };
  return renderTemplate('README.md.hbs', {
    clock,
    title: `${s.modelName} on ${board.name}`,
    board: { name: board.name, description: board.description, core: board.core, clockMHz: num(board.clockHz / 1e6) },
    model: {
      name: s.modelName,
      ops: model.opCount,
      macs: num(plan.macs),
      params: num(plan.params),
      kernels: plan.kernels,
      patch: plan.patch ? `${plan.patch.n}x${plan.patch.n} patches up to ${plan.patch.splitLayer}` : null,
    },
    kernelDirs: s.kernelDirs,
    qemu: { machine: s.qemuMachine ?? 'none', run: s.qemuMachine !== null },
    tests: { sets: s.testSets },
    renode: s.renode,
    built: build !== null,
    console: s.console,
    io: {
      inputBytes: model.inputBytes,
      outputBytes: model.outputBytes,
      inputShape: shape(model.input),
      outputShape: shape(model.output),
      inputLayout: model.input.layout,
      outputLayout: model.output.layout,
      inputScale: model.input.scale.toPrecision(6),
      outputScale: model.output.scale.toPrecision(6),
      inputZeroPoint: model.input.zeroPoint,
      outputZeroPoint: model.output.zeroPoint,
    },
    memory: {
      flashPlanned: num(plan.flash.total),
      flashCapacity: num(plan.flashCapacity),
      flashMeasured: build ? `${num(build.flashBytes)} B (plan ${pct(plan.flash.total, build.flashBytes)})` : '',
      arena: num(plan.sram.arena),
      staticPlanned: num(staticPlanned),
      staticMeasured: build ? `${num(build.staticSramBytes)} B (plan ${pct(staticPlanned, build.staticSramBytes)})` : '',
      stack: num(plan.sram.stack),
      stackMeasured: build ? `${num(build.stackReserveBytes)} B reserved (use: \`mcu-nas run\`)` : '',
      sramPlanned: num(plan.sram.total),
      sramCapacity: num(plan.sram.capacity),
      weights: num(plan.flash.weights),
      bias: num(plan.flash.bias),
      quantParams: num(plan.flash.quantParams),
      code: num(plan.flash.code),
      patchTables: plan.flash.patchTables ? num(plan.flash.patchTables) : 0,
    },
    fit: s.fits ? 'fits' : `does not fit: ${s.reasons.join('; ')}`,
    flash: { command: s.flashCommands[0] ?? null, others: s.flashCommands.slice(1) },
    cpuFlags: s.cpuFlags.join(' '),
    checks,
  });
}
