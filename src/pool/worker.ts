// A pool worker thread (see pool.ts): runs the named task of each message and posts its result back.
import { parentPort, threadId } from 'node:worker_threads';
import { installExitCleanup } from '../io/cleanup.ts';
import type { WorkerMessage } from './pool.ts';
import { TASKS, type TaskName } from './tasks.ts';

if (!parentPort) throw new Error('bug: pool/worker runs only as a worker thread');
const port = parentPort;
installExitCleanup();

port.on('message', async (m: { id: number; task: TaskName; input: never }) => {
  const send = (msg: WorkerMessage) => port.postMessage(msg);
  try {
    const run = TASKS[m.task] as (input: unknown, ctx: { threadId: number; progress: (v: unknown) => void }) => Promise<unknown>;
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
