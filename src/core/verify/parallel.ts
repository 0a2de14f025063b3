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
import { DerivedCache } from '../network/derived';
import type { Polytope, Query } from '../query/normalForm';
import type { LayerBounds } from '../bounds/box';
import type { SearchEntry, SearchOutcome, SearchStats } from './searchKernel';

export type ToSearchThread =
  | {
    type: 'search'; job: number; netId: number; net?: Network; query: Query; polytope: Polytope; deadline: number; entries: SearchEntry[];
    /** Whether this thread runs the job's thorough attacks on the whole region (one thread does: see searchInParallel). */
    attacks: boolean;
  }
  | {
    type: 'milp'; job: number; netId: number; net?: Network; query: Query; polytope: Polytope; deadline: number;
    preActivation: readonly LayerBounds[]; clause: number; stop: SharedArrayBuffer;
    /** Subdomains of ReLU splitting on the clause alone before its MILP. */
    splitDomains: number;
  }
  | { type: 'donate'; job: number }
  | { type: 'stop'; job: number };

export type FromSearchThread =
  | { type: 'progress'; job: number; volume: number }
  /** ReLU splitting left the clause open within its budget: its MILP starts. */
  | { type: 'splitOpen'; job: number; clause: number }
  | { type: 'donation'; job: number; entries: SearchEntry[] }
  | { type: 'done'; job: number; outcome: SearchOutcome; stats: SearchStats };

export interface ParallelContext {
  readonly threads: number;
  readonly deadline: number;
  readonly signal?: AbortSignal;
  readonly stats: SearchStats;
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
/**
 * A network's id in the threads: a new one when its weights changed (as verify found them when it started), so no
 * thread searches a stale copy.
 */
const netIds = new DerivedCache<Network, number>((net) => net.layers.flatMap((l) => [l.weights, l.bias]));
let nextNetId = 1;
let nextJob = 1;

function threadsFor(count: number): SearchThread[] {
  for (let i = 0; i < pool.length; i++) if (pool[i].failed) pool[i] = new SearchThread();
  while (pool.length < count) pool.push(new SearchThread());
  return pool.slice(0, count);
}

const netIdOf = (net: Network): number => netIds.get(net, () => nextNetId++);

/**
 * Lends the pool to one job until the returned `finish` is called (once; a cancellation calls it too): then
 * `beforeRelease`, the threads are handed back and the job's promise resolves.
 */
function lendPool(
  threads: readonly SearchThread[], busy: ReadonlySet<SearchThread>, job: number, signal: AbortSignal | undefined,
  resolve: (outcome: SearchOutcome) => void, beforeRelease: () => void = () => undefined,
): (outcome: SearchOutcome) => void {
  let finished = false;
  const finish = (outcome: SearchOutcome) => {
    if (finished) return;
    finished = true;
    poolInUse = false;
    beforeRelease();
    signal?.removeEventListener('abort', onAbort);
    releaseThreads(threads, busy, job);
    resolve(outcome);
  };
  const onAbort = () => finish({ kind: 'stopped', reason: 'cancelled' });
  signal?.addEventListener('abort', onAbort);
  return finish;
}

/** Gives a thread one piece of work, with the network if the thread does not hold it yet. */
function hand(t: SearchThread, busy: Set<SearchThread>, net: Network, netId: number, message: (net: Network | undefined) => ToSearchThread): void {
  const sent = t.netId !== netId ? net : undefined;
  t.netId = netId;
  busy.add(t);
  t.worker.ref();
  t.worker.postMessage(message(sent));
}

/** Hands the threads back after a job: its handlers hear nothing more, and threads still busy with it are told to stop. */
function releaseThreads(threads: readonly SearchThread[], busy: ReadonlySet<SearchThread>, job: number): void {
  for (const t of threads) {
    t.onMessage = () => undefined;
    t.onFailure = () => undefined;
    if (busy.has(t)) t.worker.postMessage({ type: 'stop', job } satisfies ToSearchThread);
    t.worker.unref();
  }
}

/** The pool serves one search at a time; another verification meanwhile searches in its own thread. */
let poolInUse = false;
export const poolIsFree = (): boolean => !poolInUse;

/** Searches the open boxes `entries` of the polytope with `ctx.threads` threads. Call only when `poolIsFree()`. */
export function searchInParallel(net: Network, query: Query, polytope: Polytope, entries: readonly SearchEntry[], ctx: ParallelContext): Promise<SearchOutcome> {
  poolInUse = true;
  const job = nextJob++;
  const netId = netIdOf(net);
  const threads = threadsFor(ctx.threads);
  const queue = [...entries];
  const busy = new Set<SearchThread>();
  const asked = new Set<SearchThread>();

  return new Promise<SearchOutcome>((resolve) => {
    const finish = lendPool(threads, busy, job, ctx.signal, resolve);

    const dispatch = () => {
      for (const t of threads) {
        if (busy.has(t) || queue.length === 0) continue;
        // The front of the queue holds the biggest boxes (the bottom of the stacks they came from).
        const entry = queue.shift()!;
        // Every thread would run the same attack (the same region and random stream): the first thread alone runs it.
        const attacks = t === threads[0];
        hand(t, busy, net, netId, (sent) => ({ type: 'search', job, netId, net: sent, query, polytope, deadline: ctx.deadline, entries: [entry], attacks }));
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
            ctx.stats.milps += m.stats.milps;
            ctx.stats.lps += m.stats.lps;
            if (m.outcome.kind !== 'safe') return finish(m.outcome);
            return dispatch();
        }
      };
    }
    if (ctx.signal?.aborted) return finish({ kind: 'stopped', reason: 'cancelled' });
    dispatch();
  });
}

/**
 * Subdomains of ReLU splitting per clause before its MILP. Splitting proves MNIST's easier clauses in 60-160 subdomains
 * at a tenth of their MILP's cost or less; on a hard clause the MILP waits a few seconds (docs/benchmarks/mnist.md).
 */
const CLAUSE_SPLIT_DOMAINS = 200;

/**
 * Splitting proves clauses roughly in the order of their root bounds, not exactly: after this many clauses it left
 * open, the harder ones skip it (docs/benchmarks/tuning.md).
 */
const SPLIT_LEFT_OPEN = 2;

/**
 * Decides the clauses `clauses` of the query on the polytope, `ctx.threads` at a time, each by ReLU splitting on it
 * alone for up to `splitDomains` subdomains and then by its MILP (searchWorker.ts), from the sound pre-activation
 * bounds `preActivation`. `clauses` come likeliest violated (lowest root bound) first: the first thread takes that one
 * (splitting finds most counterexamples there), the others take the easiest first, with splitting, until splitting
 * has left SPLIT_LEFT_OPEN of them open; the clauses left then go to their MILPs without splitting, hardest first (the
 * longest MILPs first keep the threads' loads even). Splitting a clause that it cannot prove only delays its MILP. Safe when every clause is. Call only when `poolIsFree()`.
 */
export function solveClausesInParallel(
  net: Network, query: Query, polytope: Polytope, preActivation: readonly LayerBounds[], clauses: readonly number[], ctx: ParallelContext,
  splitDomains = CLAUSE_SPLIT_DOMAINS,
): Promise<SearchOutcome> {
  poolInUse = true;
  const job = nextJob++;
  const netId = netIdOf(net);
  const threads = threadsFor(Math.min(ctx.threads, clauses.length));
  const queue = [...clauses];
  const busy = new Set<SearchThread>();
  const stop = new SharedArrayBuffer(4);
  /** The clauses taken from the easy end, and how many of them splitting left open. */
  const fromEasyEnd = new Set<number>();
  let leftOpen = 0;
  return new Promise<SearchOutcome>((resolve) => {
    // A solver blocks its thread: it polls this flag instead of reading messages.
    const finish = lendPool(threads, busy, job, ctx.signal, resolve, () => Atomics.store(new Int32Array(stop), 0, 1));
    const dispatch = () => {
      for (const t of threads) {
        if (busy.has(t) || queue.length === 0) continue;
        const first = queue.length === clauses.length;
        const easy = !first && leftOpen < SPLIT_LEFT_OPEN;
        const clause = easy ? queue.pop()! : queue.shift()!;
        if (easy) fromEasyEnd.add(clause);
        const domains = first || easy ? splitDomains : 0;
        hand(t, busy, net, netId, (sent) => ({ type: 'milp', job, netId, net: sent, query, polytope, deadline: ctx.deadline, preActivation, clause, stop, splitDomains: domains }));
      }
      if (busy.size === 0) finish({ kind: 'safe' });
    };
    for (const t of threads) {
      t.onFailure = (e) => finish({ kind: 'stopped', reason: `a search thread failed: ${e.message}` });
      t.onMessage = (m) => {
        if (m.job !== job) return;
        if (m.type === 'splitOpen' && fromEasyEnd.has(m.clause)) leftOpen++;
        if (m.type !== 'done') return;
        busy.delete(t);
        t.worker.unref();
        ctx.stats.milps += m.stats.milps;
        ctx.stats.domains += m.stats.domains;
        ctx.stats.maxDepth = Math.max(ctx.stats.maxDepth, m.stats.maxDepth);
        if (m.outcome.kind !== 'safe') return finish(m.outcome);
        dispatch();
      };
    }
    if (ctx.signal?.aborted) return finish({ kind: 'stopped', reason: 'cancelled' });
    dispatch();
  });
}
