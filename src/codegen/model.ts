// QuantGraph + Plan -> the model's C files (model.h, model.c, weights.h, weights.c, host_main.c). This
// module computes values; templates/model/ places them. The kernels (and, for CMSIS-NN, the library
// files) are copied beside them by project.ts.
import { elementCount } from '../ir/tensors.ts';
import type { QuantGraph } from '../quant/quant-graph.ts';
import { backendOf, type KernelBackend } from '../backend/index.ts';
import type { Plan } from '../schedule/index.ts';
import { arenaMap, type ArenaMap } from './arena.ts';
import { cComment } from './escape.ts';
import { integerLines } from './literals.ts';
import { opValues, templateOf, type ConstArray, type OpValues } from './op-values.ts';
import { hasModelTemplate, renderModelTemplate } from './render.ts';
import { InputError } from '../errors.ts';

export interface GeneratedFile {
  name: string;
  text: string;
}

export interface CModel {
  /** Files to write into the project folder. */
  files: GeneratedFile[];
  /** The model's C sources (relative to the project), to compile with the runtime. */
  sources: string[];
  backend: KernelBackend;
  opCount: number;
  inputBytes: number;
  outputBytes: number;
  /** Sum of the arena blocks (equals plan.sram.arena). */
  arenaBytes: number;
  /** Board regions that hold the stack and static data. */
  runtimeRegions: string[];
  /** Bytes of constants emitted into weights.c. */
  constantBytes: number;
  arena: ArenaMap;
  input: TensorInterface;
  output: TensorInterface;
}

export interface GenerateOptions {
  backend: KernelBackend;
  boardName: string;
  /** Headers the model includes for its kernels (backend-specific). */
  kernelHeaders: string[];
  /** Sources of the kernels, relative to the project (listed in host_main.c's build line). */
  kernelSources: string[];
  kernelIncludeDirs: string[];
}

const BYTES = { int8_t: 1, int32_t: 4 } as const;

/** A C float literal that reads back as the same float32. */
export function cFloat(x: number): string {
  const text = Math.fround(x).toPrecision(9);
  return `${text.includes('e') || text.includes('.') ? text : `${text}.0`}f`;
}

/** What model.h says about the input or the output tensor. */
export interface TensorInterface {
  name: string;
  shape: number[];
  layout: string;
  scale: number;
  zeroPoint: number;
}

function tensorInterface(q: QuantGraph, id: number): TensorInterface {
  const t = q.tensors[id];
  const scale = t.quant?.scale[0];
  const zeroPoint = t.quant?.zeroPoint[0];
  if (scale === undefined || zeroPoint === undefined) throw new Error(`bug: tensor "${t.name}" of a quantized graph has no quantization`);
  // Activations are NHWC (src/ir/graph.ts); a rank-2 tensor is [N, C].
  return { name: t.name, shape: [...t.shape], layout: t.shape.length === 4 ? 'NHWC' : t.shape.length === 2 ? 'NC' : `rank ${t.shape.length}`, scale, zeroPoint };
}

const tensorValues = (t: TensorInterface) => ({
  nameComment: cComment(`"${t.name}"`),
  shapeText: t.shape.join('x'),
  shapeList: t.shape.join(', '),
  rank: t.shape.length,
  layout: t.layout,
  scale: cFloat(t.scale),
  zeroPoint: t.zeroPoint,
});

/** The op template names a graph uses (which decides the kernel files to compile). */
export function templatesUsed(q: QuantGraph): string[] {
  return [...new Set(q.ops.map((op, i) => templateOf(op, q.params[i])))];
}

export function generateModel(q: QuantGraph, plan: Plan, opts: GenerateOptions): CModel {
  if (plan.kernels !== opts.backend) throw new Error(`bug: the plan was made for ${plan.kernels} kernels, code generation asked for ${opts.backend}`);
  if (q.inputs.length !== 1 || q.outputs.length !== 1) throw new Error(`code generation supports one input and one output, graph "${q.name}" has ${q.inputs.length} and ${q.outputs.length}`);
  if (plan.layers.length !== q.ops.length) throw new Error('bug: the plan was made for another graph');
  const arena = arenaMap(plan);
  const backend = backendOf(opts.backend);
  const { ops, arrays } = opValues(q, plan, arena, backend);
  const modelComment = cComment(q.name);
  const boardComment = cComment(opts.boardName);
  const backendComment = backend.label;
  // What the backend cannot run stopped the planner (src/backend's unsupported); a missing template is ours.
  for (const o of ops)
    if (!hasModelTemplate(`${backend.templates}/${o.template}.hbs`))
      throw new InputError(`--kernels ${opts.backend}: no template for ${o.template} ops yet (templates/model/${backend.templates}/${o.template}.hbs)`);
  const texts = ops.map((o) => ({ text: renderModelTemplate(`${backend.templates}/${o.template}.hbs`, o) }));
  const input = ops.find((o) => o.id === 0)!.input;
  const outTensor = q.tensors[q.outputs[0]];
  const outRef = arena.tensor(outTensor.name);
  const geo = plan.patchGeometry;
  const stageIds = new Set(geo ? geo.stage.map((s) => s.step) : []);
  const constantBytes = arrays.reduce((n, a) => n + a.values.length * BYTES[a.type], 0);
  const common = { modelComment, boardComment, backendComment };

  const modelC = renderModelTemplate('model.c.hbs', {
    ...common,
    opCount: ops.length,
    macs: plan.macs,
    includes: opts.kernelHeaders,
    arena: arena.blocks.map((b) => ({ ...b, partsComment: cComment(b.parts.join(' + ')) })),
    patch: geo
      ? {
          n: geo.n,
          count: geo.n * geo.n,
          splitStep: geo.splitStep,
          splitComment: cComment(geo.splitLayer),
          ops: ops.filter((o) => stageIds.has(o.id)).map((o) => ({ id: o.id })),
        }
      : null,
    ops: texts,
    layerOps: ops.filter((o) => !stageIds.has(o.id)).map((o) => ({ id: o.id })),
    input: { base: input.base, offset: input.offset },
    output: { base: `arena${outRef.span}`, offset: outRef.offset },
  });
  const arrayValues = arrays.map((a: ConstArray) => ({ symbol: a.symbol, type: a.type, length: a.values.length, comment: a.comment, lines: integerLines(a.values) }));
  const inputBytes = elementCount(q.tensors[q.inputs[0]].shape);
  const outputBytes = elementCount(outTensor.shape);
  const sources = ['model.c', 'weights.c'];
  const inputIf = tensorInterface(q, q.inputs[0]);
  const outputIf = tensorInterface(q, q.outputs[0]);
  const files: GeneratedFile[] = [
    {
      name: 'model.h',
      text: renderModelTemplate('model.h.hbs', {
        ...common,
        inputBytes,
        outputBytes,
        opCount: ops.length,
        arenaBytes: arena.blocks.reduce((n, b) => n + b.bytes, 0),
        input: tensorValues(inputIf),
        output: tensorValues(outputIf),
      }),
    },
    { name: 'model.c', text: modelC },
    { name: 'weights.h', text: renderModelTemplate('weights.h.hbs', { ...common, arrays: arrayValues }) },
    { name: 'weights.c', text: renderModelTemplate('weights.c.hbs', { ...common, arrays: arrayValues, totalBytes: constantBytes }) },
    {
      name: 'host_main.c',
      text: renderModelTemplate('host_main.c.hbs', {
        includeFlags: opts.kernelIncludeDirs.map((d) => `-I${d}`).join(' '),
        modelSources: [...sources, ...opts.kernelSources].join(' '),
      }),
    },
  ];
  return {
    files,
    sources,
    backend: opts.backend,
    opCount: ops.length,
    inputBytes,
    outputBytes,
    arenaBytes: arena.blocks.reduce((n, b) => n + b.bytes, 0),
    runtimeRegions: arena.runtimeRegions,
    constantBytes,
    arena,
    input: inputIf,
    output: outputIf,
  };
}

export type { OpValues };
