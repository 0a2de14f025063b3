/** A search thread of the parallel branch and bound (parallel.ts): searches the boxes it is sent, one job at a time. */
import { parentPort } from 'node:worker_threads';
import type { Network } from '../network/network';
import { initLp } from '../lp';
import { newAttackClock, searchPolytope, type AttackClock, type SearchEntry } from './branchAndBound';
import { seededRandom } from './falsify';
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
  running = running.then(() => search(m));
});

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
