// compile in library form: a prepared model (prepare.ts) -> a folder with the C project, report.json,
// test-vectors.json and, unless told not to build, firmware.elf/.bin/.hex. The folder is written under a
// temporary name and renamed at the end, and report.json's `status` says how far it got, so a folder is
// never mistaken for a good build.
import fs from 'node:fs';
import path from 'node:path';
import type { Board } from '../board/schema.ts';
import { modelProject, type ModelProject } from '../codegen/project.ts';
import { projectReadme, README_FILE } from '../codegen/readme.ts';
import { misfitReasons } from '../schedule/plan-table.ts';
import { buildFirmware, type Firmware } from '../emu/build.ts';
import { writeProject, type FirmwareProject } from '../emu/project.ts';
import { CheckFailure } from '../errors.ts';
import { writeOutputFolder } from '../io/output-folder.ts';
import { renderHtmlReport } from '../report/index.ts';
import type { Prepared } from './prepare.ts';
import {
  countFigures,
  errorPercent,
  hex,
  memoryReport,
  PATCH_FILE,
  planReport,
  REPORT_FILE,
  TEST_VECTORS_FILE,
  type CompileReport,
  type CompileReportSource,
  type CompileStatus,
  type FirmwareFigures,
  type TestVectorsFile,
} from './report.ts';
import { referenceOutput } from './model-source.ts';

export interface CompileOptions {
  out: string;
  build: boolean;
  cmsisRoot?: string;
  /** Where the model came from, for report.json (the arch config and its weights, or the file). */
  extra?: CompileReportSource;
  /** Store the float reference output of each test set (validate needs it; compile of a large model can skip the cost). */
  references?: boolean;
  env?: NodeJS.ProcessEnv;
}

export type { FirmwareFigures };

export interface CompileOutcome {
  dir: string;
  status: CompileStatus;
  report: CompileReport;
  firmware: FirmwareFigures | null;
  /** The linker's one-line verdict when the plan said it fits and the link said no. */
  linkFailure: CheckFailure | null;
  /** One verdict: the plan's, or the linker's when it overrules the plan. */
  fits: boolean;
  /** Why it does not fit, one line per region with its overflow; empty when it fits. */
  fitReasons: string[];
  flashCommands: string[];
}

/** The C project of a prepared model, with its test sets. */
export function preparedProject(p: Prepared, board: Board, cmsisRoot?: string): ModelProject {
  return modelProject({
    board,
    q: p.q,
    plan: p.plan,
    backend: p.backend,
    cmsisRoot,
    modelName: p.q.name,
    testSets: p.tests.map((t) => ({ input: t.input, expected: t.golden })),
  });
}

/** The C project of a prepared model, written into `dir`. */
export function writePreparedProject(dir: string, p: Prepared, board: Board, cmsisRoot?: string): { project: FirmwareProject; generated: ModelProject } {
  const generated = preparedProject(p, board, cmsisRoot);
  return { project: writeProject(dir, generated), generated };
}

export async function compileModel(p: Prepared, board: Board, opts: CompileOptions): Promise<CompileOutcome> {
  const out = path.resolve(opts.out);
  // The folder is the tool's own (claimed before any work by the caller too); written under a temporary
  // name and swapped in at the end, so a failed compile leaves the old folder as it was.
  return writeOutputFolder(opts.out, async (tmp) => {
    const { project, generated } = writePreparedProject(tmp, p, board, opts.cmsisRoot);
    const model = generated.model;
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

    // One fit decision: the planner's. A plan that does not fit never reaches gcc; a link that fails
    // although the plan fits (the estimate was wrong) overrules it, with the linker's regions and overflows.
    let status: CompileStatus = p.plan.fits ? 'generated' : 'does-not-fit';
    let firmware: FirmwareFigures | null = null;
    let linkFailure: CheckFailure | null = null;
    let fw: Firmware | null = null;
    let fitReasons = misfitReasons(p.plan);
    if (opts.build && p.plan.fits) {
      try {
        fw = await buildFirmware(project, { env: opts.env, force: true });
        status = 'built';
        const size = fw.size.board;
        firmware = {
          flashBytes: size.flashBytes,
          flashPredicted: p.plan.flash.total,
          flashErrorPercent: errorPercent(p.plan.flash.total, size.flashBytes),
          staticSramBytes: size.staticSramBytes,
          emulator: fw.size.qemu ? { flashBytes: fw.size.qemu.flashBytes, testDataBytes: fw.size.qemu.testDataBytes } : null,
          buildSeconds: fw.seconds,
        };
      } catch (e) {
        if (!(e instanceof CheckFailure)) throw e;
        status = 'does-not-fit';
        linkFailure = e;
        fitReasons = [`link: ${e.message}`];
      }
    }
    const fits = p.plan.fits && linkFailure === null;
    if (!fits && fitReasons.length === 0) throw new Error('bug: a model that does not fit without a reason');
    // The project's README has the plan's verdict; once built, it gets the measured figures (and the linker's verdict).
    if (fw || linkFailure)
      fs.writeFileSync(
        path.join(tmp, README_FILE),
        projectReadme(generated, board, p.plan, {
          build: fw ? { flashBytes: fw.size.board.flashBytes, staticSramBytes: fw.size.board.staticSramBytes, stackReserveBytes: fw.size.board.stackReserveBytes } : null,
          fits,
          reasons: fitReasons,
        }),
      );
    // MACs and params from the deployed int8 graph (the IR's counter; BN folds are marked on their convs).
    const report: CompileReport = {
      ...planReport(p.plan, patchFile, countFigures(p.q)),
      fits,
      fitReasons,
      fitDecidedBy: linkFailure ? 'linker' : 'plan',
      status,
      codegen: {
        kernels: p.backend,
        ops: model.opCount,
        arenaBlocks: model.arena.blocks,
        constantBytes: model.constantBytes,
        sources: project.recipe.sources,
      },
      firmware:
        fw && firmware
          ? { elf: 'firmware.elf', bin: 'firmware.bin', hex: 'firmware.hex', qemuElf: fw.qemuElf ? path.basename(fw.qemuElf) : null, flashCommands: fw.flashCommands, ...firmware }
          : null,
      linkError: linkFailure ? linkFailure.message : null,
      tests: { sets: p.tests.length, file: TEST_VECTORS_FILE, calibration: p.source.calibrationSource, samples: p.source.calibration.length },
      quantization: { outputScale: p.q.tensors[p.q.outputs[0]].quant?.scale[0] ?? null, outputZeroPoint: p.q.tensors[p.q.outputs[0]].quant?.zeroPoint[0] ?? null },
      sourceNotes: p.source.notes,
      ...opts.extra,
    };
    fs.writeFileSync(path.join(tmp, REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
    return { dir: out, status, report, firmware, linkFailure, fits, fitReasons, flashCommands: fw?.flashCommands ?? project.flashCommands };
  });
}
