// Structural checks of a graph. Every message names where the problem is: the op's position, name and
// kind, or the tensor's name, so a user with a broken model file can find it.
import { IrError, type Graph, type Op, type Shape, type Tensor, type TensorData } from './graph.ts';
import { inferOutputShapes, sameShape } from './shapes.ts';
import { elementCount, isConstant, shapeText } from './tensors.ts';

export function describeOp(op: Op, index: number): string {
  return `op #${index} "${op.name}" (${op.kind})`;
}

function describeTensor(t: Tensor): string {
  return `tensor "${t.name}"`;
}

function dataMatches(data: TensorData, dtype: Tensor['dtype']): boolean {
  if (dtype === 'float32') return data instanceof Float32Array;
  if (dtype === 'int8') return data instanceof Int8Array;
  return data instanceof Int32Array;
}

function checkTensor(t: Tensor, index: number, problems: string[]): void {
  const where = describeTensor(t);
  if (t.id !== index) problems.push(`${where}: id ${t.id} but stored at index ${index}`);
  if (!t.shape.every((d) => Number.isInteger(d) && d >= 1))
    problems.push(`${where}: shape ${shapeText(t.shape)} must hold positive integers`);
  if (t.data && t.elided) problems.push(`${where}: is marked elided but carries data`);
  if (t.data) {
    if (!dataMatches(t.data, t.dtype)) problems.push(`${where}: data is a ${t.data.constructor.name}, dtype is ${t.dtype}`);
    if (t.data.length !== elementCount(t.shape))
      problems.push(`${where}: ${t.data.length} data elements for shape ${shapeText(t.shape)}`);
  }
  const q = t.quant;
  if (q) {
    if (q.scale.length !== q.zeroPoint.length || q.scale.length === 0)
      problems.push(`${where}: quantization has ${q.scale.length} scales and ${q.zeroPoint.length} zero points`);
    if (q.scale.length > 1) {
      if (q.axis === undefined || q.axis < 0 || q.axis >= t.shape.length)
        problems.push(`${where}: per-channel quantization needs an axis within rank ${t.shape.length}`);
      else if (t.shape[q.axis] !== q.scale.length)
        problems.push(`${where}: ${q.scale.length} scales for ${t.shape[q.axis]} channels on axis ${q.axis}`);
    }
    if (!q.scale.every((s) => Number.isFinite(s) && s > 0)) problems.push(`${where}: scales must be positive and finite`);
  }
}

/** Every problem found, in graph order; an empty list means the graph is valid. */
export function checkGraph(g: Graph): string[] {
  const problems: string[] = [];
  const n = g.tensors.length;
  const inRange = (id: number) => Number.isInteger(id) && id >= 0 && id < n;
  const names = new Set<string>();
  g.tensors.forEach((t, i) => {
    checkTensor(t, i, problems);
    if (names.has(t.name)) problems.push(`${describeTensor(t)}: name used by more than one tensor`);
    names.add(t.name);
  });

  // available[t]: the tensor has a value at this point of execution (constant, graph input, or produced).
  const available = g.tensors.map(isConstant);
  // Who will produce a tensor later, to tell "out of order" apart from "never produced".
  const laterProducer = new Map<number, number>();
  g.ops.forEach((op, i) => op.outputs.forEach((t) => laterProducer.has(t) || laterProducer.set(t, i)));

  for (const id of g.inputs) {
    if (!inRange(id)) problems.push(`graph input ${id} is not a tensor`);
    else if (isConstant(g.tensors[id])) problems.push(`graph input ${describeTensor(g.tensors[id])} is a constant`);
    else if (laterProducer.has(id))
      problems.push(`graph input ${describeTensor(g.tensors[id])} is also written by ${describeOp(g.ops[laterProducer.get(id)!], laterProducer.get(id)!)}`);
    else available[id] = true;
  }

  const opNames = new Set<string>();
  const consumed = new Set<number>();
  g.ops.forEach((op, i) => {
    const where = describeOp(op, i);
    if (opNames.has(op.name)) problems.push(`${where}: name used by more than one op`);
    opNames.add(op.name);
    let ok = true;
    for (const id of op.inputs) {
      if (!inRange(id)) {
        problems.push(`${where}: input ${id} is not a tensor`);
        ok = false;
        continue;
      }
      consumed.add(id);
      if (available[id]) continue;
      const t = g.tensors[id];
      const p = laterProducer.get(id);
      if (p === undefined) problems.push(`${where}: reads ${describeTensor(t)}, which no op produces and is not a graph input`);
      else if (p === i) problems.push(`${where}: reads its own output ${describeTensor(t)} (a cycle)`);
      else
        problems.push(
          `${where}: reads ${describeTensor(t)} before ${describeOp(g.ops[p], p)} produces it (ops must be in execution order, or the graph has a cycle)`,
        );
      ok = false;
    }
    for (const id of op.outputs) {
      if (!inRange(id)) {
        problems.push(`${where}: output ${id} is not a tensor`);
        ok = false;
        continue;
      }
      const t = g.tensors[id];
      if (isConstant(t)) problems.push(`${where}: writes the constant ${describeTensor(t)}`);
      else if (available[id] || laterProducer.get(id) !== i)
        problems.push(`${where}: writes ${describeTensor(t)}, which already has a value (a tensor is written once)`);
    }
    if (ok) {
      try {
        const shapes = inferOutputShapes(op, op.inputs.map((id) => g.tensors[id].shape));
        op.outputs.forEach((id, k) => {
          const declared: Shape = g.tensors[id].shape;
          if (shapes[k] && !sameShape(declared, shapes[k]))
            problems.push(`${where}: output ${describeTensor(g.tensors[id])} is ${shapeText(declared)}, inputs give ${shapeText(shapes[k])}`);
        });
      } catch (e) {
        if (!(e instanceof IrError)) throw e;
        problems.push(`${where}: ${e.message}`);
      }
    }
    for (const id of op.outputs) if (inRange(id)) available[id] = true;
  });

  for (const id of g.outputs) {
    if (!inRange(id)) problems.push(`graph output ${id} is not a tensor`);
    else if (!available[id]) problems.push(`graph output ${describeTensor(g.tensors[id])} is never produced`);
  }
  const outputs = new Set(g.outputs);
  g.ops.forEach((op, i) => {
    for (const id of op.outputs)
      if (inRange(id) && !consumed.has(id) && !outputs.has(id))
        problems.push(`${describeOp(op, i)}: output ${describeTensor(g.tensors[id])} is never used (dangling tensor)`);
  });
  g.tensors.forEach((t) => {
    if (!consumed.has(t.id) && !outputs.has(t.id) && !laterProducer.has(t.id) && !g.inputs.includes(t.id))
      problems.push(`${describeTensor(t)} is not used by any op (dangling tensor)`);
  });
  return problems;
}

/** Throws IrError with the first problem (and how many more there are); returns the graph otherwise. */
export function validateGraph(g: Graph): Graph {
  const problems = checkGraph(g);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw new IrError(`graph "${g.name}": ${problems[0]}${more}`);
  }
  return g;
}
