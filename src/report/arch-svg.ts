// The architecture picture as a file of its own (`mcu-nas draw`): templates/svg/arch.svg.hbs around the
// same picture the search report shows inline. The file starts with a generator comment naming mcu-nas and
// the config, so a later `draw --out` recognises its own file and replaces it without --force.
import type { ArchConfig } from '../space/config.ts';
import { archView, layoutArch } from './arch-picture.ts';
import { reportTemplate, TEMPLATES_DIR } from './render-html.ts';

export const ARCH_SVG_MARK = '<!-- generator: mcu-nas draw';

export function renderArchSvg(c: ArchConfig, templatesDir = TEMPLATES_DIR): string {
  // The config goes into an XML comment: JSON of numbers and keys never contains "--".
  return reportTemplate('svg/arch.svg.hbs', templatesDir)({ ...archView(layoutArch(c)), json: JSON.stringify(c) });
}

/** A file `mcu-nas draw` wrote (its first lines carry the generator comment). */
export function isArchSvg(bytes: Buffer): boolean {
  return bytes.subarray(0, 200).toString('utf8').includes(ARCH_SVG_MARK);
}
