/**
 * The worker thread: runs jobs sent by the host, one AbortController per job, and answers with progress, a result or
 * an error. Model parsing and ONNX Runtime stay here, off the editor's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../core/errors';
import { productionJobs, testJobs, type JobContext } from './jobs';
import type { HostMessage, JobKind, WorkerData, WorkerMessage } from './protocol';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const data = (workerData ?? {}) as WorkerData;
const handlers: Partial<Record<JobKind, (params: never, ctx: JobContext) => Promise<unknown>>> =
  data.testJobs ? { ...productionJobs, ...testJobs } : { ...productionJobs };
const running = new Map<number, AbortController>();
const send = (m: WorkerMessage) => port.postMessage(m);

port.on('message', (msg: HostMessage) => {
  if (msg.type === 'cancel') {
    running.get(msg.id)?.abort();
    return;
  }
  const handler = handlers[msg.kind];
  if (!handler) {
    send({ type: 'error', id: msg.id, message: `unknown job kind '${msg.kind}'`, inputError: false });
    return;
  }
  const controller = new AbortController();
  running.set(msg.id, controller);
  const ctx: JobContext = { signal: controller.signal, progress: (progress) => send({ type: 'progress', id: msg.id, progress }) };
  handler(msg.params as never, ctx).then(
    (result) => send({ type: 'result', id: msg.id, result }),
    (err: unknown) => send({
      type: 'error',
      id: msg.id,
      message: err instanceof Error ? err.message : String(err),
      inputError: err instanceof InputError,
    }),
  ).finally(() => running.delete(msg.id));
});
