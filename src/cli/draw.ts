// `mcu-nas draw <arch.json> --out arch.svg`: the subnet's architecture picture (the lab's
// visualize_subnet / draw_arch). Wiring only: src/report/arch-picture.ts lays it out.
import { claimOutputFile } from '../io/output-folder.ts';
import { readText, sourceName, writeFileAtomic } from '../io/read-input.ts';
import { isArchSvg, renderArchSvg } from '../report/arch-svg.ts';
import { layoutArch } from '../report/arch-picture.ts';
import { parseArchJson } from '../space/config.ts';
import { defineCommand } from './flags.ts';
import { printJson, printLine, type GlobalFlags } from './output.ts';

interface Args extends GlobalFlags {
  input: string;
  out: string;
  force: boolean;
}

export const drawCommand = defineCommand<Args>({
  command: 'draw [input]',
  describe: "draw a subnet's architecture as SVG: stages, blocks with kernel size and expand ratio (the lab's visualize_subnet)",
  positionals: { input: { describe: 'arch config JSON file, or - for stdin', required: 'draw: give an arch config file, or - for stdin' } },
  flags: { out: { required: true, describe: 'the SVG file to write (replaced only if mcu-nas draw wrote it, or with --force)' }, force: true },
  examples: [
    ['$0 draw best.json --out best.svg', 'the picture of the config search --out wrote'],
    ['cat best.json | $0 draw - --out best.svg', 'a config from stdin'],
  ],
  run: (a) => {
    const out = claimOutputFile(a.out, '--out', isArchSvg, a.force);
    const arch = parseArchJson(readText(a.input), sourceName(a.input));
    const svg = renderArchSvg(arch);
    writeFileAtomic(out, svg);
    const picture = layoutArch(arch);
    const summary = { out: a.out, bytes: Buffer.byteLength(svg), blocks: picture.blocks, width: picture.width, height: picture.height, arch };
    if (a.json) return printJson(summary);
    printLine(`wrote ${a.out}: ${picture.title} (${picture.width}×${picture.height} px)`);
  },
});
