/**
 * Branch and bound over several threads. The open boxes of a search are handed out one at a time to a pool of
 * long-lived search threads (searchWorker.ts); a thread that runs dry gets half of a busy thread's stack (work
 * stealing: the busy thread gives away the biggest boxes at its next pause). The first violation found, the shared
 * deadline or a cancellation stops every thread. The same threads solve a wide network's clauses as MILPs, one clause
 * per thread at a time; a solver blocks its thread, so those are stopped through a shared flag it polls.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { Network } from '../network/network';
import type { Polytope, Query } from '../spec/normalForm';
import type { LayerBounds } from '../bounds/linearBounds';
import type { SearchEntry, SearchOutcome } from './branchAndBound';

export type ToSearchThread =
  | { type: 'search'; job: number; netId: number; net?: Network; query: Query; polytope: Polytope; deadline: number; entries: SearchEntry[] }
  | {
    type: 'milp'; job: number; netId: number; net?: Network; query: Query; polytope: Polytope; deadline: number;
    preActivation: readonly LayerBounds[]; clause: number; stop: SharedArrayBuffer;
  }
  | { type: 'donate'; job: number }
  | { type: 'stop'; job: number };

export interface SearchThreadStats { domains: number; maxDepth: number; undecided: number }

export type FromSearchThread =
  | { type: 'progress'; job: number; volume: number }
  | { type: 'donation'; job: number; entries: SearchEntry[] }
  | { type: 'done'; job: number; outcome: SearchOutcome; stats: SearchThreadStats };

export interface ParallelContext {
  readonly threads: number;
  readonly deadline: number;
  readonly signal?: AbortSignal;
  readonly stats: SearchThreadStats;
  readonly onVolumeDone?: (fraction: number) => void;
}

/** Bundled code runs the search thread from beside the bundle (dist/searchWorker.js); sources (tests) run under tsx. */
const fromSources = __filename.endsWith('.ts');
const threadScript = join(__dirname, fromSources ? 'searchWorker.ts' : 'searchWorker.js');

class SearchThread {
  readonly worker: Worker;
  /** The network this thread holds (sent once per network, not with every box; a thread keeps only the latest). */
  netId = 0;
  onMessage: (m: FromSearchThread) => void = () => undefined;
  onFailure: (e: Error) => void = () => undefined;
  failed = false;

  constructor() {
    this.worker = fromSources
      ? new Worker(`require(require.resolve('tsx/cjs', { paths: [${JSON.stringify(__dirname)}] })); require(${JSON.stringify(threadScript)});`, { eval: true })
      : new Worker(threadScript);
    this.worker.on('message', (m: FromSearchThread) => this.onMessage(m));
    this.worker.on('error', (e) => { this.failed = true; this.onFailure(e); });
    this.worker.on('exit', (code) => { this.failed = true; this.onFailure(new Error(`search thread exited with code ${code}`)); });
    this.worker.unref();
  }
}

const pool: SearchThread[] = [];
const netIds = new WeakMap<Network, number>();
let nextNetId = 1;
let nextJob = 1;

function threadsFor(count: number): SearchThread[] {
  for (let i = 0; i < pool.length; i++) if (pool[i].failed) pool[i] = new SearchThread();
  while (pool.length < count) pool.push(new SearchThread());
  return pool.slice(0, count);
}

/** The pool serves one search at a time; another verification meanwhile searches in its own thread. */
let poolInUse = false;
export const poolIsFree = (): boolean => !poolInUse;

/** Searches the open boxes `entries` of the polytope with `ctx.threads` threads. Call only when `poolIsFree()`. */
export function searchInParallel(net: Network, query: Query, polytope: Polytope, entries: readonly SearchEntry[], ctx: ParallelContext): Promise<SearchOutcome> {
  poolInUse = true;
  const job = nextJob++;
  let netId = netIds.get(net);
  if (netId === undefined) netIds.set(net, (netId = nextNetId++));
  const threads = threadsFor(ctx.threads);
  const queue = [...entries];
  const busy = new Set<SearchThread>();
  const asked = new Set<SearchThread>();

  return new Promise<SearchOutcome>((resolve) => {
    let finished = false;
    const finish = (outcome: SearchOutcome) => {
      if (finished) return;
      finished = true;
      poolInUse = false;
      ctx.signal?.removeEventListener('abort', onAbort);
      for (const t of threads) {
        t.onMessage = () => undefined;
        t.onFailure = () => undefined;
        if (busy.has(t)) t.worker.postMessage({ type: 'stop', job } satisfies ToSearchThread);
        t.worker.unref();
      }
      resolve(outcome);
    };
    const onAbort = () => finish({ kind: 'stopped', reason: 'cancelled' });
    ctx.signal?.addEventListener('abort', onAbort);

    const dispatch = () => {
      for (const t of threads) {
        if (busy.has(t) || queue.length === 0) continue;
        // The front of the queue holds the biggest boxes (the bottom of the stacks they came from).
        const entry = queue.shift()!;
        const firstTime = t.netId !== netId;
        t.netId = netId!;
        busy.add(t);
        t.worker.ref();
        t.worker.postMessage({
          type: 'search', job, netId: netId!, net: firstTime ? net : undefined, query, polytope, deadline: ctx.deadline, entries: [entry],
        } satisfies ToSearchThread);
      }
      if (busy.size === 0) return finish({ kind: 'safe' });
      if (busy.size < threads.length) {
        for (const t of busy) {
          if (asked.has(t)) continue;
          asked.add(t);
          t.worker.postMessage({ type: 'donate', job } satisfies ToSearchThread);
        }
      }
    };

    for (const t of threads) {
      t.onFailure = (e) => finish({ kind: 'stopped', reason: `a search thread failed: ${e.message}` });
      t.onMessage = (m) => {
        if (m.job !== job) return;
        switch (m.type) {
          case 'progress':
            ctx.onVolumeDone?.(m.volume);
            return;
          case 'donation':
            asked.delete(t);
            queue.push(...m.entries);
            return dispatch();
          case 'done':
            busy.delete(t);
            asked.delete(t);
            t.worker.unref();
            ctx.stats.domains += m.stats.domains;
            ctx.stats.maxDepth = Math.max(ctx.stats.maxDepth, m.stats.maxDepth);
            ctx.stats.undecided += m.stats.undecided;
            if (m.outcome.kind !== 'safe') return finish(m.outcome);
            return dispatch();
        }
      };
    }
    if (ctx.signal?.aborted) return onAbort();
    dispatch();
  });
}

/**
 * Decides the clauses `clauses` of the query on the polytope by one MILP each (milp.ts), `ctx.threads` at a time,
 * with the sound pre-activation bounds `preActivation`. Safe when every clause is infeasible. Call only when
 * `poolIsFree()`.
 */
export function solveClausesInParallel(
  net: Network, query: Query, polytope: Polytope, preActivation: readonly LayerBounds[], clauses: readonly number[], ctx: ParallelContext,
): Promise<SearchOutcome> {
  poolInUse = true;
  const job = nextJob++;
  let netId = netIds.get(net);
  if (netId === undefined) netIds.set(net, (netId = nextNetId++));
  const threads = threadsFor(Math.min(ctx.threads, clauses.length));
  const queue = [...clauses];
  const busy = new Set<SearchThread>();
  const stop = new SharedArrayBuffer(4);
  return new Promise<SearchOutcome>((resolve) => {
    let finished = false;
    const finish = (outcome: SearchOutcome) => {
      if (finished) return;
      finished = true;
      poolInUse = false;
      Atomics.store(new Int32Array(stop), 0, 1);
      ctx.signal?.removeEventListener('abort', onAbort);
      for (const t of threads) {
        t.onMessage = () => undefined;
        t.onFailure = () => undefined;
        t.worker.unref();
      }
      resolve(outcome);
    };
    const onAbort = () => finish({ kind: 'stopped', reason: 'cancelled' });
    ctx.signal?.addEventListener('abort', onAbort);
    const dispatch = () => {
      for (const t of threads) {
        if (busy.has(t) || queue.length === 0) continue;
        const firstTime = t.netId !== netId;
        t.netId = netId!;
        busy.add(t);
        t.worker.ref();
        t.worker.postMessage({
          type: 'milp', job, netId: netId!, net: firstTime ? net : undefined, query, polytope, deadline: ctx.deadline, preActivation, clause: queue.shift()!, stop,
        } satisfies ToSearchThread);
      }
      if (busy.size === 0) finish({ kind: 'safe' });
    };
    for (const t of threads) {
      t.onFailure = (e) => finish({ kind: 'stopped', reason: `a search thread failed: ${e.message}` });
      t.onMessage = (m) => {
        if (m.job !== job || m.type !== 'done') return;
        busy.delete(t);
        t.worker.unref();
        ctx.stats.domains += m.stats.domains;
        if (m.outcome.kind !== 'safe') return finish(m.outcome);
        dispatch();
      };
    }
    if (ctx.signal?.aborted) return onAbort();
    dispatch();
  });
}
