// A CI workflow for a user's firmware, one job per board (the CI system's job matrix does the scaling):
// build with Debian's arm-none-eabi toolchain, check in QEMU with `mcu-nas run`, then the Renode test
// (Robot Framework, in the Renode project's container image) for the boards whose chip Renode models.
// The shape is templates/ci/{github,gitlab}.yml.hbs; this file only computes the values they place.
import type { Board } from '../board/schema.ts';
import { renodeSupport } from '../codegen/firmware.ts';
import { renderTemplate } from '../codegen/render.ts';
import { InputError } from '../errors.ts';

/** Debian bookworm with Node 20 (the official node image): the toolchain below comes from Debian's archive. */
export const BUILD_IMAGE = 'node:20-bookworm';
/** spec/toolchain.md's packages (arm-none-eabi-gcc 12.2, newlib, QEMU 7.2), plus the host gcc of the cycle model. */
export const APT_PACKAGES = ['gcc-arm-none-eabi', 'libnewlib-arm-none-eabi', 'qemu-system-arm', 'gcc', 'libc6-dev'];
/** The Renode project's published image (renode-docker: Renode's .deb and its test requirements, so renode-test runs). */
export const RENODE_IMAGE = 'antmicro/renode:1.16.1';

export interface CiRequest {
  boards: Board[];
  /** The model the workflow compiles, as a path inside the repository. */
  model: string;
  kind: 'github' | 'gitlab';
  /** Where the file goes (named in its header), and the command line that wrote it. */
  file: string;
  command: string;
  /** compile's --calibration in the workflow (a model file needs it): a folder in the repository, mnist or random. */
  calibration?: string;
  /** How the workflow calls mcu-nas (default: the repository's own install, `npx mcu-nas`). */
  mcunas?: string;
}

export interface CiWorkflow {
  text: string;
  /** Boards with a Renode job, and those without one with the reason. */
  renode: string[];
  withoutRenode: { name: string; reason: string }[];
}

// The path reaches a shell line and YAML unquoted: plain path characters only.
const SAFE_PATH = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;

export function ciWorkflow(req: CiRequest): CiWorkflow {
  if (!SAFE_PATH.test(req.model) || req.model.split('/').includes('..'))
    throw new InputError(`ci: the model path ${JSON.stringify(req.model)} must be a relative path inside the repository of letters, digits, _ . / - (it goes into the workflow's shell lines)`);
  if (req.calibration !== undefined && (!SAFE_PATH.test(req.calibration) || req.calibration.split('/').includes('..')))
    throw new InputError(`--calibration: ${JSON.stringify(req.calibration)} must be random, mnist or a relative path inside the repository of letters, digits, _ . / - (it goes into the workflow's shell lines)`);
  if (req.boards.length === 0) throw new InputError('--boards: name at least one board');
  const support = req.boards.map((b) => ({ name: b.name, support: renodeSupport(b) }));
  const withRenode = support.filter((s) => s.support.ok).map((s) => ({ name: s.name }));
  const withoutRenode = support.flatMap((s) => (s.support.ok ? [] : [{ name: s.name, reason: s.support.reason }]));
  const text = renderTemplate(`ci/${req.kind}.yml.hbs`, {
    file: req.file,
    command: req.command,
    boards: req.boards.map((b) => ({ name: b.name })),
    withRenode,
    withoutRenode,
    model: req.model,
    calibration: req.calibration ?? null,
    mcunas: req.mcunas ?? 'npx mcu-nas',
    buildImage: BUILD_IMAGE,
    aptPackages: APT_PACKAGES.join(' '),
    renodeImage: RENODE_IMAGE,
  });
  // A block helper's closing line takes the last line break with it.
  return { text: text.endsWith('\n') ? text : `${text}\n`, renode: withRenode.map((b) => b.name), withoutRenode };
}
