// compile in library form: a prepared model (prepare.ts) -> a folder with the C project, report.json,
// test-vectors.json and, unless told not to build, firmware.elf/.bin/.hex. The folder is written under a
// temporary name and renamed at the end, and report.json's `status` says how far it got, so a folder is
// never mistaken for a good build.
import fs from 'node:fs';
import path from 'node:path';
import type { Board } from '../board/schema.ts';
import { writeModelProject } from '../codegen/index.ts';
import { buildFirmware, type Firmware } from '../emu/build.ts';
import { CheckFailure, InputError } from '../errors.ts';
import { renderHtmlReport } from '../report/index.ts';
import type { Prepared } from './prepare.ts';
import { errorPercent, hex, memoryReport, PATCH_FILE, planReport, REPORT_FILE, TEST_VECTORS_FILE, type CompileStatus, type TestVectorsFile } from './report.ts';
import { referenceOutput } from './model-source.ts';
import { dequantizeOutput } from '../quant/index.ts';

export interface CompileOptions {
  out: string;
  build: boolean;
  cmsisRoot?: string;
  /** Extra fields for report.json (e.g. the arch config). */
  extra?: Record<string, unknown>;
  /** Store the float reference output of each test set (validate needs it; compile of a large model can skip the cost). */
  references?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface FirmwareFigures {
  /** Bytes the linked ELF puts in the board's flash (test vectors apart). */
  flashBytes: number;
  flashPredicted: number;
  flashErrorPercent: number;
  /** .data + .bss + arena sections. */
  staticSramBytes: number;
  buildSeconds: number;
}

export interface CompileOutcome {
  dir: string;
  status: CompileStatus;
  report: Record<string, unknown>;
  firmware: FirmwareFigures | null;
  /** The linker's one-line verdict when the model does not fit. */
  linkFailure: CheckFailure | null;
  flashCommands: string[];
}

function replaceDir(tmp: string, out: string): void {
  if (fs.existsSync(out)) {
    const entries = fs.readdirSync(out);
    const ours = entries.length === 0 || entries.includes(REPORT_FILE) || entries.includes('firmware.json');
    if (!ours) throw new InputError(`--out: ${out} exists and is not an mcu-nas output folder; choose another or empty it`);
    fs.rmSync(out, { recursive: true, force: true });
  }
  fs.renameSync(tmp, out);
}

export async function compileModel(p: Prepared, board: Board, opts: CompileOptions): Promise<CompileOutcome> {
  const out = path.resolve(opts.out);
  const tmp = `${out}.partial-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    fs.mkdirSync(tmp, { recursive: true });
  } catch (e) {
    throw new InputError(`--out: cannot create ${out} (${(e as Error).message})`);
  }
  try {
    const { project, model } = writeModelProject(tmp, {
      board,
      q: p.q,
      plan: p.plan,
      backend: p.backend,
      cmsisRoot: opts.cmsisRoot,
      modelName: p.q.name,
      testSets: p.tests.map((t) => ({ input: t.input, expected: t.golden })),
    });
    const vectors: TestVectorsFile = {
      format: 'mcu-nas-test-vectors/1',
      sets: p.tests.map((t, k) => ({
        input: hex(t.input),
        golden: hex(t.golden),
        reference: opts.references ? Array.from(referenceOutput(p.source.graph, p.source.tests[k])) : null,
      })),
    };
    fs.writeFileSync(path.join(tmp, TEST_VECTORS_FILE), `${JSON.stringify(vectors)}\n`);
    let patchFile: string | null = null;
    if (p.plan.patchGeometry) {
      patchFile = PATCH_FILE;
      fs.writeFileSync(path.join(tmp, patchFile), `${JSON.stringify(p.plan.patchGeometry)}\n`);
    }
    fs.writeFileSync(path.join(tmp, 'report.html'), renderHtmlReport(memoryReport(p.plan)));

    let status: CompileStatus = 'generated';
    let firmware: FirmwareFigures | null = null;
    let linkFailure: CheckFailure | null = null;
    let fw: Firmware | null = null;
    if (opts.build) {
      try {
        fw = await buildFirmware(project, { env: opts.env, force: true });
        status = 'built';
        const size = fw.size.qemu ?? fw.size.board;
        firmware = {
          flashBytes: size.flashBytes,
          flashPredicted: p.plan.flash.total,
          flashErrorPercent: errorPercent(p.plan.flash.total, size.flashBytes),
          staticSramBytes: size.staticSramBytes,
          buildSeconds: fw.seconds,
        };
      } catch (e) {
        if (!(e instanceof CheckFailure)) throw e;
        status = 'does-not-fit';
        linkFailure = e;
      }
    }
    const report = {
      ...planReport(p.plan, patchFile),
      status,
      codegen: {
        kernels: p.backend,
        ops: model.opCount,
        arenaBlocks: model.arena.blocks,
        constantBytes: model.constantBytes,
        sources: project.recipe.sources,
      },
      firmware: fw
        ? { elf: 'firmware.elf', bin: 'firmware.bin', hex: 'firmware.hex', qemuElf: fw.qemuElf ? path.basename(fw.qemuElf) : null, flashCommands: fw.flashCommands, ...firmware }
        : null,
      linkError: linkFailure ? linkFailure.message : null,
      tests: { sets: p.tests.length, file: TEST_VECTORS_FILE, calibration: p.source.calibrationSource, samples: p.source.calibration.length },
      quantization: { outputScale: p.q.tensors[p.q.outputs[0]].quant?.scale[0] ?? null, outputZeroPoint: p.q.tensors[p.q.outputs[0]].quant?.zeroPoint[0] ?? null },
      sourceNotes: p.source.notes,
      ...opts.extra,
    };
    fs.writeFileSync(path.join(tmp, REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
    replaceDir(tmp, out);
    return { dir: out, status, report, firmware, linkFailure, flashCommands: fw?.flashCommands ?? project.flashCommands };
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Real-valued output of a test set from its int8 bytes (validate compares these with the references). */
export function realOutput(p: Prepared, bytes: Int8Array): Float32Array {
  return dequantizeOutput(p.q, bytes);
}
