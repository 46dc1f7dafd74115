import type { CommandModule } from 'yargs';
import { InputError } from '../errors.ts';
import { lowerArch } from '../frontend/arch-to-ir.ts';
import { exportOnnx } from '../frontend/onnx/export.ts';
import { readText, sourceName, writeFileAtomic } from '../io/read-input.ts';
import { parseArchJson } from '../space/config.ts';
import { graphMacs, graphParams } from '../ir/index.ts';
import { printJson, printLine, type GlobalFlags } from './output.ts';

interface Args extends GlobalFlags {
  input?: string;
  onnx?: string;
  seed: number;
}

export const exportCommand: CommandModule<GlobalFlags, Args> = {
  command: 'export [input]',
  describe: 'write a float ONNX model (opset 13, NCHW, input "input", output "output") of an arch config with seeded weights',
  builder: (y) =>
    y
      .positional('input', { type: 'string', description: 'arch config JSON file, or - for stdin' })
      .option('onnx', { type: 'string', description: 'the .onnx file to write' })
      .option('seed', { type: 'number', default: 0, description: 'seed of the weights (same seed, same weights)' })
      .demandOption('input', 'give an arch config file, or - for stdin')
      .demandOption('onnx', 'give --onnx OUT, the file to write'),
  handler: (a) => {
    if (a.input === undefined || a.onnx === undefined) throw new InputError('export: give an arch config and --onnx OUT');
    if (!Number.isSafeInteger(a.seed) || a.seed < 0) throw new InputError(`--seed: expected a non-negative integer, got ${a.seed}`);
    const arch = parseArchJson(readText(a.input), sourceName(a.input));
    const graph = lowerArch(arch, { seed: a.seed });
    const bytes = exportOnnx(graph);
    writeFileAtomic(a.onnx, bytes);
    const summary = { onnx: a.onnx, bytes: bytes.length, graph: graph.name, ops: graph.ops.length, macs: graphMacs(graph), params: graphParams(graph), seed: a.seed };
    if (a.json) return printJson(summary);
    printLine(`wrote ${a.onnx} (${bytes.length} bytes): ${graph.name}, ${graph.ops.length} ops, ${summary.macs} MACs, seed ${a.seed}`);
  },
};
