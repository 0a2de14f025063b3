/** A search thread of the parallel branch and bound (parallel.ts): searches the boxes it is sent, one job at a time. */
import { parentPort } from 'node:worker_threads';
import type { Network } from '../network/network';
import { initLp } from '../lp';
import { newAttackClock, searchPolytope, type AttackClock, type SearchEntry, type SearchOutcome } from './branchAndBound';
import { confirm, seededRandom } from './falsify';
import { clauseMilp } from './milp';
import { solveMilp } from '../lp';
import type { FromSearchThread, ToSearchThread } from './parallel';

const port = parentPort!;
/** The latest network sent, by id: the coordinator sends a network again whenever it changes. */
let held: { id: number; net: Network } | undefined;
const post = (m: FromSearchThread) => port.postMessage(m);

let current: { job: number; abort: AbortController; donationWanted: boolean; attackClock: AttackClock; random: () => number } | undefined;
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

/** One clause of a wide network as a MILP: infeasible (the clause holds), a confirmed counterexample, or stopped. */
function decideClause(m: Extract<ToSearchThread, { type: 'milp' }>): void {
  const stats = { domains: 1, maxDepth: 0, undecided: 0 };
  if (m.net) held = { id: m.netId, net: m.net };
  const stopFlag = new Int32Array(m.stop);
  if (Atomics.load(stopFlag, 0) !== 0 || held?.id !== m.netId) {
    post({ type: 'done', job: m.job, outcome: { kind: 'stopped', reason: 'stopped' }, stats });
    return;
  }
  const net = held.net;
  const milp = clauseMilp(net, m.polytope, m.preActivation, m.query.violation[m.clause]);
  const result = solveMilp(milp, (m.deadline - Date.now()) / 1000, () => Atomics.load(stopFlag, 0) !== 0 || Date.now() > m.deadline);
  let outcome: SearchOutcome;
  if (result.status === 'infeasible') outcome = { kind: 'safe' };
  else if (result.status === 'stopped') outcome = { kind: 'stopped', reason: Date.now() > m.deadline ? 'timeout' : result.reason };
  else {
    const { lower, upper } = m.polytope;
    const counterexample = confirm(net, m.query, lower.map((l, i) => Math.min(upper[i], Math.max(l, result.x[i]))));
    outcome = counterexample
      ? { kind: 'violated', counterexample }
      : { kind: 'stopped', reason: 'the MILP found a point within solver tolerance of a violation that does not reproduce' };
  }
  post({ type: 'done', job: m.job, outcome, stats });
}

async function search(m: Extract<ToSearchThread, { type: 'search' }>): Promise<void> {
  if (current?.job !== m.job) {
    // Each job gets its own attack schedule and random stream (seeded by the job, so runs repeat).
    current = { job: m.job, abort: new AbortController(), donationWanted: false, attackClock: newAttackClock(), random: seededRandom(0x5eed + m.job) };
  }
  const job = current;
  const stats = { domains: 0, maxDepth: 0, undecided: 0 };
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
    attackClock: job.attackClock,
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
