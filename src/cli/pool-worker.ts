// The pool's worker threads start here (src/pool/pool.ts names this file): the table of the tasks a
// worker can run, by the name of the TaskKind each stage declares beside its code (imported as a type only). A task's modules load when it first
// runs, so a worker starts quickly and loads only what it uses. Each task takes structured-clone data (no
// functions: trained weights travel as the request that makes them) and returns structured-clone data.
import { serveTasks, task } from '../pool/worker-loop.ts';
import type { EVALUATE_CHUNK } from '../pipeline/evaluate-chunk.ts';
import type { VERIFY_CANDIDATE } from '../search/verify.ts';
import type { supernetWeights, SupernetRequest } from '../pipeline/supernet-weights.ts';

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

serveTasks([
  task<typeof VERIFY_CANDIDATE>('verify-candidate', async (input) => {
    const { verifyOne } = await import('../search/verify.ts');
    return verifyOne(input.job, await trainedFor(input.supernet));
  }),
  task<typeof EVALUATE_CHUNK>('evaluate-chunk', async (input, ctx) => {
    const { evaluateChunk } = await import('../pipeline/evaluate-chunk.ts');
    return evaluateChunk(input, (done) => ctx.progress(done));
  }),
]);
