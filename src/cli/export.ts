import { lowerArch } from '../frontend/arch-to-ir.ts';
import { exportOnnx } from '../frontend/onnx/export.ts';
import { readText, sourceName, writeFileAtomic } from '../io/read-input.ts';
import { parseArchJson } from '../space/config.ts';
import { graphMacs, graphParams } from '../ir/index.ts';
import { printJson, printLine, type GlobalFlags } from './output.ts';
import { defineCommand } from './flags.ts';
import { claimOutputFile } from '../io/output-folder.ts';

/** An ONNX file this tool wrote: its producer_name field (ModelProto field 2) is "mcu-nas". */
function isMcuNasOnnx(bytes: Buffer): boolean {
  return bytes.subarray(0, 64).includes(Buffer.from([0x12, 7, ...Buffer.from('mcu-nas')]));
}

interface Args extends GlobalFlags {
  input: string;
  onnx: string;
  seed: number;
  force: boolean;
}

export const exportCommand = defineCommand<Args>({
  command: 'export [input]',
  describe: 'write a float ONNX model (opset 13, NCHW, input "input", output "output") of an arch config with seeded weights',
  positionals: { input: { describe: 'arch config JSON file, or - for stdin', required: 'export: give an arch config file, or - for stdin' } },
  flags: { onnx: true, seed: { describe: 'seed of the weights (same seed, same weights)' }, force: true },
  examples: [['$0 export best.json --onnx best.onnx', 'the subnet as an ONNX model onnxruntime runs']],
  run: (a) => {
    const out = claimOutputFile(a.onnx, '--onnx', isMcuNasOnnx, a.force);
    const arch = parseArchJson(readText(a.input), sourceName(a.input));
    const graph = lowerArch(arch, { seed: a.seed });
    const bytes = exportOnnx(graph);
    writeFileAtomic(out, bytes);
    const summary = { onnx: a.onnx, bytes: bytes.length, graph: graph.name, ops: graph.ops.length, macs: graphMacs(graph), params: graphParams(graph), seed: a.seed };
    if (a.json) return printJson(summary);
    printLine(`wrote ${a.onnx} (${bytes.length} bytes): ${graph.name}, ${graph.ops.length} ops, ${summary.macs} MACs, seed ${a.seed}`);
  },
});
