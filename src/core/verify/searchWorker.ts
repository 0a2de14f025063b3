/** A search thread of the parallel branch and bound (parallel.ts): searches the boxes it is sent, one job at a time. */
import { parentPort } from 'node:worker_threads';
import type { Network } from '../network/network';
import { initLp } from '../lp';
import { searchPolytope } from './branchAndBound';
import { newSearchStats, newTactics, type Tactics, type SearchEntry, type SearchOutcome } from './searchKernel';
import { confirm, seededRandom } from './falsify';
import { decideClauseByProgram } from './milp';
import { searchReluSplits } from './reluSplitting';
import type { FromSearchThread, ToSearchThread } from './parallel';

const port = parentPort!;
/** The latest network sent, by id: the coordinator sends a network again whenever it changes. */
let held: { id: number; net: Network } | undefined;
const post = (m: FromSearchThread) => port.postMessage(m);

let current: { job: number; abort: AbortController; donationWanted: boolean; tactics: Tactics; random: () => number } | undefined;
let running: Promise<void> = initLp();
/** Jobs run one after another (parallel.ts lends the pool to one search at a time): a stop ends every job up to it. */
let stoppedUpTo = 0;

port.on('message', (m: ToSearchThread) => {
  if (m.type === 'stop') {
    stoppedUpTo = Math.max(stoppedUpTo, m.job);
    if (current && current.job <= stoppedUpTo) current.abort.abort();
    return;
  }
  if (m.type === 'donate') {
    if (current?.job === m.job) current.donationWanted = true;
    return;
  }
  // One search at a time: a new job waits for a stopped one to return.
  running = running.then(() => (m.type === 'milp' ? decideClause(m) : search(m)));
});

/**
 * One clause of a wide network: ReLU splitting on this clause alone, from the bounds the shared search's root optimised,
 * for up to `splitDomains` subdomains (none: straight to the MILP); if it is still open then, its MILP. Infeasible
 * (the clause holds), a confirmed counterexample, or stopped.
 */
async function decideClause(m: Extract<ToSearchThread, { type: 'milp' }>): Promise<void> {
  const stats = newSearchStats();
  if (m.net) held = { id: m.netId, net: m.net };
  const stopFlag = new Int32Array(m.stop);
  const stopped = () => Atomics.load(stopFlag, 0) !== 0 || m.job <= stoppedUpTo;
  if (stopped() || held?.id !== m.netId) {
    post({ type: 'done', job: m.job, outcome: { kind: 'stopped', reason: 'stopped' }, stats });
    return;
  }
  const net = held.net;
  current = { job: m.job, abort: new AbortController(), donationWanted: false, tactics: newTactics(), random: seededRandom(0x5eed + m.job) };
  // The shared search attacked the whole region already.
  current.tactics.attackNext = Infinity;
  const split = m.splitDomains > 0
    ? await searchReluSplits(net, { ...m.query, violation: [m.query.violation[m.clause]] }, m.polytope, {
      deadline: m.deadline, signal: current.abort.signal, stats, random: current.random, tactics: current.tactics,
    }, { rootBounds: m.preActivation, maxDomains: m.splitDomains })
    : { kind: 'paused' as const };
  if (split.kind === 'paused' && m.splitDomains > 0) post({ type: 'splitOpen', job: m.job, clause: m.clause });
  let outcome: SearchOutcome;
  // Splitting's counterexamples are confirmed where it finds them.
  if (split.kind !== 'paused') outcome = split;
  else if (stopped()) outcome = { kind: 'stopped', reason: 'stopped' };
  else {
    stats.milps++;
    const result = decideClauseByProgram(net, m.polytope, m.preActivation, m.query.violation[m.clause], {
      timeLimitSec: (m.deadline - Date.now()) / 1000,
      shouldStop: () => stopped() || Date.now() > m.deadline,
    });
    if (result.kind === 'infeasible') outcome = { kind: 'safe' };
    else if (result.kind === 'stopped') outcome = { kind: 'stopped', reason: Date.now() > m.deadline ? 'timeout' : result.reason };
    else {
      const counterexample = confirm(net, m.query, result.input);
      outcome = counterexample
        ? { kind: 'violated', counterexample }
        : { kind: 'stopped', reason: 'the MILP found a point within solver tolerance of a violation that does not reproduce' };
    }
  }
  post({ type: 'done', job: m.job, outcome, stats });
}

async function search(m: Extract<ToSearchThread, { type: 'search' }>): Promise<void> {
  if (current?.job !== m.job) {
    // Each job gets its own attack schedule and random stream (seeded by the job, so runs repeat).
    current = { job: m.job, abort: new AbortController(), donationWanted: false, tactics: newTactics(), random: seededRandom(0x5eed + m.job) };
    if (!m.attacks) current.tactics.attackNext = Infinity;
  }
  const job = current;
  const stats = newSearchStats();
  if (m.net) held = { id: m.netId, net: m.net };
  // A job stopped while this search waited in line (its coordinator has already answered): nothing to do.
  if (m.job <= stoppedUpTo || held?.id !== m.netId) {
    post({ type: 'done', job: m.job, outcome: { kind: 'stopped', reason: m.job <= stoppedUpTo ? 'stopped' : 'the search thread was not sent the network' }, stats });
    return;
  }
  const outcome = await searchPolytope(held.net, m.query, m.polytope, m.entries, {
    deadline: m.deadline,
    signal: job.abort.signal,
    stats,
    random: job.random,
    tactics: job.tactics,
    onVolumeDone: (volume) => { if (volume > 0) post({ type: 'progress', job: m.job, volume }); },
    donationWanted: () => job.donationWanted,
    donate: (entries: SearchEntry[]) => {
      job.donationWanted = false;
      post({ type: 'donation', job: m.job, entries });
    },
  });
  job.donationWanted = false;
  post({ type: 'done', job: m.job, outcome, stats });
}
