// A pool worker thread's loop (see pool.ts): runs the task each message names, from the table its entry
// (src/cli/pool-worker.ts) hands over, and posts the result back. A user's error (exit 1 or 2) keeps its
// kind across the thread boundary; anything else comes back as a bug with its stack.
import { parentPort, threadId } from 'node:worker_threads';
import { installExitCleanup } from '../io/cleanup.ts';
import { InputError } from '../errors.ts';
import { PROBE, type TaskKind, type WorkerMessage } from './pool.ts';

/** `progress` sends a note to the caller while the task runs (e.g. images done). */
export type TaskContext = { threadId: number; progress: (value: unknown) => void };

type Entry = [string, (input: never, ctx: TaskContext) => Promise<unknown>];

/**
 * One entry of a worker's table: the name of a task of kind `K` and what runs it, checked against each
 * other. `K` may come from an `import type` (`typeof EVALUATE_CHUNK`), so the table loads no stage's code
 * before a task of it runs.
 */
export function task<K extends TaskKind<unknown, unknown>>(
  name: K['name'],
  run: K extends TaskKind<infer I, infer O> ? (input: I, ctx: TaskContext) => Promise<O> : never,
): Entry {
  return [name, run as Entry[1]];
}

/** The pool's own check (PROBE), in every worker. */
const probe = task<typeof PROBE>(PROBE.name, async (input, ctx) => {
  if (input.delayMs) await new Promise((r) => setTimeout(r, input.delayMs));
  if (input.fail === 'input') throw new InputError(`probe ${input.value}: bad input`);
  if (input.fail === 'bug') throw new Error(`probe ${input.value}: a bug`);
  return { value: input.value * 2, threadId: ctx.threadId };
});

/** Serves the tasks of `table` (made with task()) to the pool, as long as the thread lives. */
export function serveTasks(table: Entry[]): void {
  if (!parentPort) throw new Error('bug: a pool worker runs only as a worker thread');
  const port = parentPort;
  installExitCleanup();
  const runners = new Map<string, Entry[1]>([probe, ...table]);
  port.on('message', async (m: { id: number; task: string; input: never }) => {
    const send = (msg: WorkerMessage) => port.postMessage(msg);
    try {
      const run = runners.get(m.task);
      if (!run) throw new Error(`bug: no pool task named "${m.task}"`);
      const value = await run(m.input, { threadId, progress: (v) => send({ id: m.id, kind: 'progress', value: v }) });
      send({ id: m.id, kind: 'done', value });
    } catch (e) {
      const err = e as Error & { exitCode?: number; detail?: Record<string, unknown> };
      const exitCode = err.exitCode === 1 || err.exitCode === 2 ? err.exitCode : undefined;
      let detail: Record<string, unknown> | undefined;
      try {
        detail = exitCode === 1 && err.detail ? structuredClone(err.detail) : undefined;
      } catch {
        detail = undefined;
      }
      send({ id: m.id, kind: 'failed', message: String(err?.message ?? e), exitCode, detail, stack: err?.stack });
    }
  });
}
