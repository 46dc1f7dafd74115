// Activations (each its own op here; ir/passes/fuse-activations.ts folds them into the op before them
// after the import), and the exporter idioms that spell them out: PyTorch's functional hard-sigmoid relu6(x + 3) / 6 arrives as
// Add -> [Relu] -> Clip(0, 6) -> Div(6) (or Mul(1/6)); x * hardsigmoid(x) is a hard-swish.
import type { Activation, OpSpec } from '../../ir/index.ts';
import type { ActValue, ImportContext, NodeView } from './context.ts';

export type ActivationKind = 'relu' | 'relu6' | 'hard_sigmoid' | 'hard_swish' | 'sigmoid';

/** Ops whose output is never negative: a Relu after them changes nothing. */
const NON_NEGATIVE = new Set<string>(['relu', 'relu6', 'hardsigmoid', 'hard_sigmoid', 'sigmoid']);
/** Clip's max at or above this (float32's largest) means no upper bound. */
const NO_MAX = 3.4e38;

function isScalar(c: { data: ArrayLike<number> }, value: number, tol = 0): boolean {
  return c.data.length === 1 && Math.abs(c.data[0] - value) <= tol;
}

function activationOf(spec: OpSpec): Activation | undefined {
  return 'activation' in spec ? spec.activation : undefined;
}

/** The [min, max] of a Clip; undefined when a bound is not (yet) a known constant. */
export function clipRange(ctx: ImportContext, n: NodeView): [number, number] | undefined {
  if (ctx.opset < 11) return [n.attrs.float('min', -Infinity), n.attrs.float('max', Infinity)];
  const bound = (k: number, dflt: number): number | undefined => {
    const name = n.inputs[k];
    if (name === undefined || name === '') return dflt;
    const v = ctx.value(name);
    if (v?.kind !== 'const' || v.c.data.length !== 1) return undefined;
    return v.c.data[0];
  };
  const lo = bound(1, -Infinity);
  const hi = bound(2, Infinity);
  return lo === undefined || hi === undefined ? undefined : [lo, hi];
}

/** relu6 for Clip(0, 6), relu for Clip(0, inf); undefined for anything else. */
export function clipKind(ctx: ImportContext, n: NodeView): 'relu' | 'relu6' | undefined {
  const r = clipRange(ctx, n);
  if (!r || r[0] !== 0) return undefined;
  if (r[1] === 6) return 'relu6';
  return r[1] >= NO_MAX ? 'relu' : undefined;
}

/** Applies `kind` to `x` (the value named `inName`) and binds the result to `outName`. */
export function applyActivation(ctx: ImportContext, n: NodeView, x: ActValue, inName: string, kind: ActivationKind, outName: string): void {
  const prev = ctx.draft.producerOf(x.t);
  if (kind === 'relu' && prev && (NON_NEGATIVE.has(activationOf(prev.spec) ?? '') || NON_NEGATIVE.has(prev.spec.kind))) {
    ctx.bind(outName, x);
    return;
  }
  const t = ctx.emit(n, { kind, inputs: [x.t] }, outName);
  ctx.bind(outName, { ...x, t });
}

function constOperand(ctx: ImportContext, n: NodeView, other: string): { data: ArrayLike<number> } | undefined {
  const k = n.inputs[0] === other ? 1 : 0;
  const v = ctx.value(n.inputs[k]);
  return v?.kind === 'const' ? v.c : undefined;
}

/**
 * At Add(x, 3): follows the single-reader chain [Relu] -> Clip(0, 6) -> Div(6) | Mul(1/6) (a
 * hard-sigmoid), or Clip -> Mul(x, .) -> Div(6) (a hard-swish). On a match the chain's nodes are
 * absorbed and the activation applied; returns false (touching nothing) otherwise.
 */
export function matchHardSigmoid(ctx: ImportContext, add: NodeView, x: ActValue, xName: string, c: { data: ArrayLike<number> }): boolean {
  if (!isScalar(c, 3)) return false;
  const chain: NodeView[] = [];
  let cur = add.outputs[0];
  let next = ctx.soleConsumer(cur);
  if (next?.op === 'Relu') {
    chain.push(next);
    cur = next.outputs[0];
    next = ctx.soleConsumer(cur);
  }
  if (next?.op !== 'Clip' || next.inputs[0] !== cur || clipKind(ctx, next) !== 'relu6') return false;
  chain.push(next);
  cur = next.outputs[0];
  next = ctx.soleConsumer(cur);
  if (!next || next.inputs.length !== 2 || !next.inputs.includes(cur)) return false;
  let kind: ActivationKind;
  const k = constOperand(ctx, next, cur);
  if (next.op === 'Div' && next.inputs[0] === cur && k && isScalar(k, 6)) kind = 'hard_sigmoid';
  else if (next.op === 'Mul' && k && isScalar(k, 1 / 6, 1e-6)) kind = 'hard_sigmoid';
  else if (next.op === 'Mul' && next.inputs.includes(xName) && next.inputs.every((i) => i === cur || i === xName)) {
    // x * relu6(x + 3), then / 6.
    chain.push(next);
    cur = next.outputs[0];
    next = ctx.soleConsumer(cur);
    const six = next && constOperand(ctx, next, cur);
    if (next?.op !== 'Div' || next.inputs[0] !== cur || !six || !isScalar(six, 6)) return false;
    kind = 'hard_swish';
  } else return false;
  chain.push(next);
  for (const node of chain) ctx.absorbed.add(node.index);
  applyActivation(ctx, add, x, xName, kind, next.outputs[0]);
  return true;
}

/** Mul(x, g) where g = hard_sigmoid(x) computed by a standalone op read only here: a hard-swish. */
export function matchHardSwish(ctx: ImportContext, n: NodeView, a: ActValue, b: ActValue): boolean {
  for (const [x, g, gName] of [
    [a, b, n.inputs[1]],
    [b, a, n.inputs[0]],
  ] as const) {
    const p = ctx.fusibleProducer(g, gName);
    const sameView = x.dims.length === g.dims.length && x.dims.every((d, i) => d === g.dims[i] && x.map[i] === g.map[i]) && !x.order && !g.order;
    if (p && p.spec.kind === 'hard_sigmoid' && p.spec.inputs[0] === x.t && sameView) {
      ctx.draft.replace(p, { ...p.spec, kind: 'hard_swish' });
      ctx.draft.rename(p.out, n.outputs[0]);
      ctx.rebind(gName, n.outputs[0], g);
      return true;
    }
  }
  return false;
}
