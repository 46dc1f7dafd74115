// The tasks a pool worker can run, by name. Each takes structured-clone data (no functions: trained
// weights travel as the request that makes them) and returns structured-clone data.
// A task's modules load when it first runs, so a worker starts quickly and loads only what it uses.
import type { VerifiedCandidate, VerifyJob } from '../search/verify.ts';
import type { supernetWeights, SupernetRequest } from '../pipeline/supernet-weights.ts';
import type { EvaluateChunk, ChunkResult } from '../pipeline/evaluate-chunk.ts';
import { InputError } from '../errors.ts';

/** Per worker: the super network's weights are loaded once, whatever the number of candidates. */
const supernets = new Map<string, ReturnType<typeof supernetWeights>>();

async function trainedFor(request: SupernetRequest | undefined) {
  if (!request) return undefined;
  const key = JSON.stringify(request);
  let s = supernets.get(key);
  if (!s) {
    const { supernetWeights } = await import('../pipeline/supernet-weights.ts');
    supernets.set(key, (s = supernetWeights(request)));
  }
  return s.graphFor.bind(s);
}

export interface Tasks {
  /** The pool's own check: echoes its input with the thread that ran it, after `delayMs`. */
  probe: { input: { value: number; delayMs?: number; fail?: 'input' | 'bug' }; output: { value: number; threadId: number } };
  'verify-candidate': { input: { job: VerifyJob; supernet?: SupernetRequest }; output: VerifiedCandidate };
  'evaluate-chunk': { input: EvaluateChunk; output: ChunkResult };
}

export type TaskName = keyof Tasks;
export type TaskInput<N extends TaskName> = Tasks[N]['input'];
export type TaskOutput<N extends TaskName> = Tasks[N]['output'];

/** `progress` sends a note to the caller while the task runs (e.g. images done). */
export type TaskContext = { threadId: number; progress: (value: unknown) => void };

export const TASKS: { [N in TaskName]: (input: TaskInput<N>, ctx: TaskContext) => Promise<TaskOutput<N>> } = {
  probe: async (input, ctx) => {
    if (input.delayMs) await new Promise((r) => setTimeout(r, input.delayMs));
    if (input.fail === 'input') throw new InputError(`probe ${input.value}: bad input`);
    if (input.fail === 'bug') throw new Error(`probe ${input.value}: a bug`);
    return { value: input.value * 2, threadId: ctx.threadId };
  },
  'verify-candidate': async (input) => {
    const { verifyOne } = await import('../search/verify.ts');
    return verifyOne(input.job, await trainedFor(input.supernet));
  },
  'evaluate-chunk': async (input, ctx) => {
    const { evaluateChunk } = await import('../pipeline/evaluate-chunk.ts');
    return evaluateChunk(input, (done) => ctx.progress(done));
  },
};
