// Malformed TFLite input: each real model mutated a few hundred times with a fixed seed (truncation,
// flipped bytes in the flatbuffer's structure, absurd dimensions, huge offsets, an op reading its own
// output, a tensor name full of C syntax, a NaN or infinite float weight). Every import must end in an
// InputError that names the file, or in a valid graph with finite weights; never in another exception or a hang.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { FlatView } from '../../src/frontend/tflite/flatbuffer-view.ts';
import { importTflite, readTfliteModel } from '../../src/frontend/tflite/index.ts';
import { graphMacs } from '../../src/ir/cost.ts';
import { elementCount } from '../../src/ir/tensors.ts';
import { nonFiniteConstant } from '../../src/quant/finite-values.ts';
import { runFloat } from '../../src/quant/float-interpreter.ts';
import { runInt8 } from '../../src/quant/int8-interpreter.ts';
import { sharedPath } from '../helpers/shared.ts';
import { lcg32 as lcg } from '../../src/random/seeded-random.ts';

const MODELS = ['data/tflite-mlcommons-vww/vww_96_int8.tflite', 'data/tflite-mlcommons-vww/vww_96_float.tflite', 'data/tflite-mcunet-vww/vww.tflite'];
const MUTATIONS_PER_MODEL = 300;
const FILE = 'fuzz.tflite';

/** Where the interesting bytes of a model are: its structure (everything but buffer data), shape entries, op input lists and tensor names. */
interface Layout {
  structure: number[];
  shapeEntries: number[];
  opInputs: { pos: number; ownOutput: number }[];
  names: { start: number; length: number; text: string }[];
  /** File offsets of float32 weight values (float models only). */
  floatWeights: number[];
}

function layoutOf(bytes: Uint8Array): Layout {
  const model = readTfliteModel(bytes, FILE);
  const inData = new Uint8Array(bytes.length);
  for (const b of model.buffers) if (b.length > 0) inData.fill(1, b.byteOffset, b.byteOffset + b.length);
  const floatWeights: number[] = [];
  for (const t of model.tensors) {
    const b = model.buffers[t.buffer];
    if (t.type === 'FLOAT32' && b && b.length >= 4) for (let k = 0; k + 4 <= b.length; k += 4) floatWeights.push(b.byteOffset + k);
  }
  const structure: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) if (!inData[i]) structure.push(i);
  const v = new FlatView(bytes, FILE);
  const sg = v.tableIn(v.vector(v.root('model'), 2, 'subgraphs', 4), 0);
  const tensors = v.vector(sg, 0, 'tensors', 4);
  const shapeEntries: number[] = [];
  const names: { start: number; length: number; text: string }[] = [];
  for (let i = 0; i < tensors.length; i++) {
    const t = v.tableIn(tensors, i);
    const shape = v.vector(t, 0, 'shape', 4);
    for (let k = 0; k < shape.length; k++) shapeEntries.push(shape.start + 4 * k);
    const name = v.vector(t, 3, 'name', 1);
    if (name.length > 0) names.push({ start: name.start, length: name.length, text: v.string(t, 3, 'name') });
  }
  const ops = v.vector(sg, 3, 'operators', 4);
  const opInputs: { pos: number; ownOutput: number }[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = v.tableIn(ops, i);
    const ins = v.vector(op, 1, 'inputs', 4);
    const outs = v.vector(op, 2, 'outputs', 4);
    if (ins.length > 0 && outs.length > 0) opInputs.push({ pos: ins.start, ownOutput: new DataView(bytes.buffer, bytes.byteOffset).getInt32(outs.start, true) });
  }
  return { structure, shapeEntries, opInputs, names, floatWeights };
}

const ABSURD_DIMS = [2 ** 31 - 1, -(2 ** 31), 0, -1, (1 << 24) + 1, 1 << 16, 3];
const HUGE = [0xfffffff0, 0x7fffffff, 0x80000000];
const C_SYNTAX = '*/ } int main(void) { return "\\"; } /* \n#define x ';

type Kind = 'truncate' | 'flip' | 'dim' | 'offset' | 'small-int' | 'self-input' | 'c-name' | 'non-finite';
const KINDS: Kind[] = ['truncate', 'flip', 'dim', 'offset', 'small-int', 'self-input', 'c-name', 'non-finite'];

/** The mutated bytes, and for a renamed tensor the name it must keep through the import. */
function mutate(original: Uint8Array, layout: Layout, r: () => number, kind: Kind): { bytes: Uint8Array; name?: { from: string; to: string } } {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  if (kind === 'truncate') return { bytes: original.slice(0, Math.floor(r() * original.length)) };
  const b = original.slice();
  const dv = new DataView(b.buffer);
  switch (kind) {
    case 'flip': {
      const n = 1 + Math.floor(r() * 8);
      for (let k = 0; k < n; k++) b[pick(layout.structure) + Math.floor(r() * 4)] = Math.floor(r() * 256);
      break;
    }
    case 'dim':
      dv.setInt32(pick(layout.shapeEntries), pick(ABSURD_DIMS) | 0, true);
      break;
    case 'offset':
      dv.setUint32(pick(layout.structure), r() < 0.3 ? b.length + Math.floor(r() * 64) : pick(HUGE), true);
      break;
    case 'small-int':
      dv.setInt32(pick(layout.structure), Math.floor(r() * 40) - 8, true);
      break;
    case 'self-input': {
      // An op reading its own output: a one-op cycle.
      const op = pick(layout.opInputs);
      dv.setInt32(op.pos, op.ownOutput, true);
      break;
    }
    case 'non-finite':
      // A float weight made NaN or infinite: refused at import (an int8 model has none, so it stays valid).
      if (layout.floatWeights.length > 0) dv.setFloat32(pick(layout.floatWeights), pick([NaN, Infinity, -Infinity]), true);
      break;
    case 'c-name': {
      const name = pick(layout.names);
      let text = '';
      for (let k = 0; k < name.length; k++) text += C_SYNTAX[k % C_SYNTAX.length];
      b.set(new TextEncoder().encode(text), name.start);
      return { bytes: b, name: { from: name.text, to: text } };
    }
  }
  return { bytes: b };
}

describe('TFLite import of mutated real models', () => {
  for (const rel of MODELS) {
    it(`${rel}: ${MUTATIONS_PER_MODEL} mutations end in an InputError naming the file or in a valid graph`, () => {
      const original = new Uint8Array(fs.readFileSync(sharedPath(rel)));
      const baseline = importTflite(original, FILE);
      const baseMacs = graphMacs(baseline.graph);
      const layout = layoutOf(original);
      const r = lcg(0x7f1e + rel.length);
      const outcome: Record<string, { error: number; valid: number }> = {};
      const unexpected: string[] = [];
      let ran = 0;
      const started = Date.now();
      for (let i = 0; i < MUTATIONS_PER_MODEL; i++) {
        const kind = KINDS[i % KINDS.length];
        const { bytes, name } = mutate(original, layout, r, kind);
        const o = (outcome[kind] ??= { error: 0, valid: 0 });
        try {
          const imp = importTflite(bytes, FILE);
          o.valid++;
          expect(nonFiniteConstant(imp.graph), `mutation ${i} (${kind})`).toBeUndefined();
          // The name survives as data (a later stage escapes it for C); a uniquifying suffix may follow.
          // (Tensors the IR does not keep, such as a reshape's shape operand, are not looked for.)
          if (name && baseline.graph.tensors.some((t) => t.name === name.from)) expect(imp.graph.tensors.some((t) => t.name.startsWith(name.to))).toBe(true);
          // A few valid mutants also run, where the mutation left the work bounded.
          if (ran < 6 && graphMacs(imp.graph) <= baseMacs * 1.5) {
            ran++;
            const g = imp.graph;
            const n = elementCount(g.tensors[g.inputs[0]].shape);
            if (imp.precision === 'int8') expect(runInt8(imp.graph, new Int8Array(n).fill(3)).outputs[0].length).toBeGreaterThan(0);
            else expect(runFloat(imp.graph, new Float32Array(n).fill(0.5)).outputs[0].length).toBeGreaterThan(0);
          }
        } catch (e) {
          if (e instanceof InputError && e.message.startsWith(`${FILE}: `) && !e.message.includes('\n')) o.error++;
          else unexpected.push(`mutation ${i} (${kind}): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
        }
      }
      console.log(`${rel}: ${JSON.stringify(outcome)}; ${ran} valid mutants run; ${Date.now() - started} ms`);
      expect(unexpected).toEqual([]);
    });
  }
});
