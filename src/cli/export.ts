import { lowerArch } from '../frontend/arch-to-ir.ts';
import { exportOnnx } from '../frontend/onnx/export.ts';
import { readText, sourceName, writeFileAtomic } from '../io/read-input.ts';
import { parseArchJson } from '../space/config.ts';
import { graphParams, labCounts } from '../ir/index.ts';
import { printJson, printLine, type GlobalFlags } from './output.ts';
import { defineCommand, SUPERNET_FLAGS, supernetRequest, type SupernetFlags } from './flags.ts';
import { supernetWeights } from '../pipeline/supernet-weights.ts';
import { claimOutputFile } from '../io/output-folder.ts';

/** An ONNX file this tool wrote: its producer_name field (ModelProto field 2) is "mcu-nas". */
function isMcuNasOnnx(bytes: Buffer): boolean {
  return bytes.subarray(0, 64).includes(Buffer.from([0x12, 7, ...Buffer.from('mcu-nas')]));
}

interface Args extends GlobalFlags, SupernetFlags {
  input: string;
  onnx: string;
  seed: number;
  force: boolean;
}

export const exportCommand = defineCommand<Args>({
  command: 'export [input]',
  describe: 'write a float ONNX model (opset 13, NCHW, input "input", output "output") of an arch config: seeded weights, or a super network\'s trained ones',
  positionals: { input: { describe: 'arch config JSON file, or - for stdin', required: 'export: give an arch config file, or - for stdin' } },
  flags: { onnx: true, seed: { describe: 'seed of the weights (same seed, same weights)' }, force: true, ...SUPERNET_FLAGS },
  examples: [['$0 export best.json --onnx best.onnx', 'the subnet as an ONNX model onnxruntime runs']],
  run: (a) => {
    const out = claimOutputFile(a.onnx, '--onnx', isMcuNasOnnx, a.force);
    const request = supernetRequest(a);
    const arch = parseArchJson(readText(a.input), sourceName(a.input));
    const trained = request ? supernetWeights(request).graphFor(arch) : undefined;
    const graph = trained?.graph ?? lowerArch(arch, { seed: a.seed });
    const bytes = exportOnnx(graph);
    writeFileAtomic(out, bytes);
    const weights = trained ? { supernet: a.supernet, calibration: trained.calibration ?? null } : { seed: a.seed };
    // From the IR's counter (src/ir/cost.ts), each kind named: `macs` = conv/linear products (what the
    // file computes, as compile's report.json), `millionMACs`/`labMacs` = the lab's thop count (+ 4 per
    // BatchNorm element), as profile and search print it; `params` = the lab's count_parameters (2 per
    // BatchNorm channel), `onnxParams` = elements in the file (BN folded: 1 bias per channel).
    const lab = labCounts(graph);
    const summary = {
      onnx: a.onnx,
      bytes: bytes.length,
      graph: graph.name,
      ops: graph.ops.length,
      macs: lab.macsPure,
      params: lab.params,
      onnxParams: graphParams(graph),
      macsPure: lab.macsPure,
      labMacs: lab.macs,
      millionMACs: lab.macs / 1e6,
      labParams: lab.params,
      ...weights,
    };
    if (a.json) return printJson(summary);
    const from = trained ? `weights from ${a.supernet}` : `seed ${a.seed}`;
    printLine(`wrote ${a.onnx} (${bytes.length} bytes): ${graph.name}, ${graph.ops.length} ops, ${summary.macs} MACs (conv/linear products; ${lab.macs} as the lab counts, BatchNorm included), ${summary.params} params (lab count; ${summary.onnxParams} in the file, BatchNorm folded), ${from}`);
    for (const n of trained?.notes ?? []) printLine(`  ${n}`);
  },
});
