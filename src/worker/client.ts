/**
 * The host side of the worker: starts the thread, sends jobs, and keeps working when the thread crashes or hangs.
 * Cancelling asks the job to stop (AbortSignal in the worker); a job still running after the grace period gets the
 * thread terminated and a fresh one started. No `vscode` import, so it is testable under node --test.
 */
import { Worker } from 'node:worker_threads';
import type { JobKind, JobParams, JobProgress, JobResult, WorkerData, WorkerMessage } from './protocol';

export class JobFailedError extends Error {
  constructor(message: string, readonly reason: 'cancelled' | 'crashed' | 'timeout' | 'failed' | 'input', readonly kind: JobKind) {
    super(message);
  }
}

export interface RunOptions {
  readonly onProgress?: (p: JobProgress) => void;
  /** Wall-clock limit after which the job is treated as hung: cancelled, then the worker is restarted. */
  readonly hangTimeoutMs?: number;
}

export interface WorkerClientOptions {
  readonly workerPath: string;
  readonly workerData?: WorkerData;
  /** How long a cancelled job may keep running before the worker is terminated; 1 s by default. */
  readonly graceMs?: number;
  readonly log?: (line: string) => void;
}

interface Pending {
  readonly kind: JobKind;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: JobFailedError) => void;
  readonly onProgress?: (p: JobProgress) => void;
  timers: NodeJS.Timeout[];
}

export interface JobHandle<K extends JobKind> {
  readonly id: number;
  readonly result: Promise<JobResult<K>>;
  cancel(): void;
}

export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private disposed = false;
  /** How many times the thread was (re)started; tests and the log use it. */
  starts = 0;

  constructor(private readonly options: WorkerClientOptions) {}

  get runningJobs(): number {
    return this.pending.size;
  }

  start<K extends JobKind>(kind: K, params: JobParams<K>, options: RunOptions = {}): JobHandle<K> {
    if (this.disposed) throw new Error('the NetMend worker has been shut down');
    const id = this.nextId++;
    const worker = this.ensureWorker();
    const result = new Promise<JobResult<K>>((resolve, reject) => {
      const entry: Pending = { kind, resolve: resolve as (v: unknown) => void, reject, onProgress: options.onProgress, timers: [] };
      this.pending.set(id, entry);
      if (options.hangTimeoutMs !== undefined) {
        entry.timers.push(setTimeout(() => this.cancelWith(id, 'timeout', `${kind} did not finish within ${options.hangTimeoutMs} ms`), options.hangTimeoutMs));
      }
    });
    worker.postMessage({ type: 'run', id, kind, params });
    return { id, result, cancel: () => this.cancel(id) };
  }

  run<K extends JobKind>(kind: K, params: JobParams<K>, options?: RunOptions): Promise<JobResult<K>> {
    return this.start(kind, params, options).result;
  }

  cancel(id: number): void {
    this.cancelWith(id, 'cancelled', 'cancelled');
  }

  cancelAll(): void {
    for (const id of [...this.pending.keys()]) this.cancel(id);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.failAll('cancelled', 'the NetMend worker was shut down');
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }

  /** Cooperative cancel first; if the job has not answered after the grace period, the thread is replaced. */
  private cancelWith(id: number, reason: 'cancelled' | 'timeout', message: string): void {
    const entry = this.pending.get(id);
    if (!entry || !this.worker) return;
    this.worker.postMessage({ type: 'cancel', id });
    const worker = this.worker;
    entry.timers.push(setTimeout(() => {
      if (!this.pending.has(id)) return;
      this.options.log?.(`job ${id} (${entry.kind}) ignored cancellation for ${this.graceMs} ms: restarting the worker`);
      this.settle(id, new JobFailedError(message, reason, entry.kind));
      this.replace(worker, 'terminated after a job ignored cancellation');
    }, this.graceMs));
  }

  private get graceMs(): number {
    return this.options.graceMs ?? 1000;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.options.workerPath, { workerData: this.options.workerData ?? {} });
    this.starts++;
    worker.on('message', (m: WorkerMessage) => this.onMessage(m));
    worker.on('error', (err) => this.onDeath(worker, `the worker crashed: ${err.message}`));
    worker.on('exit', (code) => this.onDeath(worker, `the worker exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  private onMessage(m: WorkerMessage): void {
    const entry = this.pending.get(m.id);
    if (!entry) return;
    if (m.type === 'progress') entry.onProgress?.(m.progress);
    else if (m.type === 'result') this.settle(m.id, undefined, m.result);
    else this.settle(m.id, new JobFailedError(m.message, m.inputError ? 'input' : 'failed', entry.kind));
  }

  /** A thread that died (crash, exit, or our terminate) fails every job it held; the next job starts a new one. */
  private onDeath(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    if (!this.disposed) this.options.log?.(reason);
    this.failAll('crashed', reason);
  }

  private replace(worker: Worker, reason: string): void {
    if (this.worker === worker) {
      this.worker = undefined;
      this.failAll('crashed', `the worker was ${reason}`);
    }
    void worker.terminate();
  }

  private failAll(reason: 'cancelled' | 'crashed', message: string): void {
    for (const [id, entry] of [...this.pending]) this.settle(id, new JobFailedError(message, reason, entry.kind));
  }

  private settle(id: number, error: JobFailedError | undefined, value?: unknown): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    for (const t of entry.timers) clearTimeout(t);
    if (error) entry.reject(error);
    else entry.resolve(value);
  }
}
