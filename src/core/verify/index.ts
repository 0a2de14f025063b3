/**
 * The verifier: does the network satisfy the query, and if not, which input breaks it?
 * Stages (each timed in the result's stats): falsification (sampling + PGD), then branch and bound to completeness.
 * Answers are `holds` (proved with float64 bounds and a safety margin), `violated` (with a counterexample confirmed by
 * our forward pass) or `unknown` (timeout, cancellation, unbounded region), never a guess.
 */
import { availableParallelism } from 'node:os';
import { InputError } from '../errors';
import { inputSize, outputSize, type Network } from '../network/network';
import { asSequence, type Graph } from '../network/graph';
import { isGated, isGraph, modelInputSize, modelOutputSize, type Model } from '../network/model';
import { refreshNetwork } from '../network/derived';
import type { Polytope, Query } from '../query/normalForm';
import { isBounded, isEmpty } from '../bounds/box';
import { confirm, falsifyBox, polytopeBox, seededRandom } from './falsify';
import { searchPolytope } from './branchAndBound';
import { newSearchStats, newTactics, rootEntry, splittableNetwork, type SearchEntry, type SearchOutcome } from './searchKernel';
import { poolIsFree, searchInParallel, solveClausesInParallel } from './parallel';
import { searchReluSplits } from './reluSplitting';
import { initLp } from '../lp';
import { lowerOnBox } from './graphLowering';
import { verifyGated } from './gated';
import type { VerifyOptions, VerifyResult } from './types';

export type { VerifyOptions, VerifyResult, Counterexample, VerifyProgress } from './types';

export function checkQueryFits(net: Model, query: Query): void {
  const n = modelInputSize(net);
  const m = modelOutputSize(net);
  if (query.region.some((p) => p.lower.length !== n)) {
    throw new InputError(`property '${query.name}' speaks of ${query.region[0].lower.length} inputs but the network has ${n}`);
  }
  if (query.violation.some((conj) => conj.some((row) => row.coeffs.length !== m))) {
    throw new InputError(`property '${query.name}' speaks of ${query.violation[0][0].coeffs.length} outputs but the network has ${m}`);
  }
}

/** Above this many inputs, input splitting cannot shrink the region enough: the search splits ReLUs instead. */
const WIDE_INPUTS = 64;

/**
 * ReLU splitting answers most wide instances within this long; past it, the open clauses go to exact MILPs, which win
 * where splitting stalls (docs/benchmarks/tuning.md).
 */
const RELU_SPLITTING_MS = 3000;

/** A search that takes longer than this in the calling thread continues on `threads` threads. */
const SEQUENTIAL_MS = 300;

/** The short search before the quick attack (narrow inputs): the boxes left open after it wait for the attack. */
const SEARCH_FIRST_MS = 60;

const withHidden = new WeakMap<Network, Network>();

/**
 * The bounds and the searches reason through at least one hidden layer. A network that is one affine map (no hidden
 * activation) gets an identity layer before or after it, on its narrower side: the same function, its relaxation exact.
 */
function withHiddenLayer(net: Network): Network {
  if (net.layers.length > 1 || net.layers[0].activation.kind !== 'identity') return net;
  let wrapped = withHidden.get(net);
  if (!wrapped) {
    const [n, m] = [inputSize(net), outputSize(net)];
    const size = Math.min(n, m);
    const weights = new Float64Array(size * size);
    for (let i = 0; i < size; i++) weights[i * size + i] = 1;
    const identity = { inSize: size, outSize: size, weights, bias: new Float64Array(size), activation: { kind: 'identity' } as const, name: 'identity' };
    wrapped = { ...net, layers: m <= n ? [net.layers[0], identity] : [identity, net.layers[0]] };
    withHidden.set(net, wrapped);
  }
  return wrapped;
}

/**
 * Verifies any model: a plain sequence directly; a graph region by region, each on the layer sequence that equals it on
 * the region's box (graphLowering.ts), with counterexamples confirmed on the graph itself; a gated model piece by piece
 * (gated.ts).
 */
export async function verify(model: Model, query: Query, options: VerifyOptions): Promise<VerifyResult> {
  checkQueryFits(model, query);
  if (query.region.every((p) => isEmpty(polytopeBox(p)))) {
    return { status: 'unknown', timeSec: 0, reason: `the input region of '${query.name}' is empty: there is nothing to verify (check its bounds)` };
  }
  if (model.droppedSoftmax && !isOrderQuery(query)) {
    return {
      status: 'unknown', timeSec: 0,
      reason: `the model ends in a Softmax (node '${model.droppedSoftmax}') that NetMend drops on import; without it only order properties (comparisons between outputs, such as argmax) can be verified, and '${query.name}' is not one`,
    };
  }
  if (isGated(model)) return verifyGated(model, query, options, verify);
  const net = isGraph(model) ? asSequence(model) : model;
  const result = net ? await verifyNetwork(net, query, options) : await verifyGraph(model as Graph, query, options);
  if (!model.droppedSoftmax) return result;
  return { ...result, note: `verified on the logits before the final Softmax (node '${model.droppedSoftmax}'): it keeps the outputs' order, which is all this property compares` };
}

/**
 * Every row compares two outputs (c·(y_i - y_j) against 0): Softmax is strictly increasing in each logit's lead over
 * another, so such rows hold on the logits exactly where they hold on the probabilities.
 */
export function isOrderQuery(query: Query): boolean {
  return query.violation.every((conj) => conj.every((row) => {
    const nonzero = [...row.coeffs].filter((c) => c !== 0);
    return row.rhs === 0 && nonzero.length === 2 && nonzero[0] === -nonzero[1];
  }));
}

async function verifyGraph(g: Graph, query: Query, options: VerifyOptions): Promise<VerifyResult> {
  const started = performance.now();
  const deadline = Date.now() + options.timeoutSec * 1000;
  const elapsed = () => (performance.now() - started) / 1000;
  let open: VerifyResult | undefined;
  for (const polytope of query.region) {
    const box = polytopeBox(polytope);
    if (isEmpty(box)) continue;
    if (!isBounded(box)) {
      open ??= { status: 'unknown', timeSec: 0, reason: 'the input region is unbounded: give every input a lower and an upper bound' };
      continue;
    }
    const remaining = (deadline - Date.now()) / 1000;
    if (remaining <= 0) return { status: 'unknown', timeSec: elapsed(), reason: 'timeout' };
    const result = await verifyNetwork(lowerOnBox(g, box), { ...query, region: [polytope] }, { ...options, timeoutSec: remaining });
    if (result.status === 'violated') {
      const cex = confirm(g, query, result.counterexample.input);
      if (!cex) return { status: 'unknown', timeSec: elapsed(), reason: 'a counterexample of the lowered network does not reproduce on the graph', stats: result.stats };
      return { ...result, counterexample: cex, timeSec: elapsed() };
    }
    if (result.status === 'unknown') {
      if (result.reason === 'cancelled' || result.reason === 'timeout') return { ...result, timeSec: elapsed() };
      open ??= result;
    }
  }
  return open ? { ...open, timeSec: elapsed() } : { status: 'holds', timeSec: elapsed() };
}

async function verifyNetwork(original: Network, query: Query, options: VerifyOptions): Promise<VerifyResult> {
  const net = withHiddenLayer(original);
  // Once per verification, not per bound: the caches derived from the weights see any write made before this call.
  refreshNetwork(net);
  const started = performance.now();
  const deadline = Date.now() + options.timeoutSec * 1000;
  const elapsed = () => (performance.now() - started) / 1000;
  const stats = { ...newSearchStats(), threads: 1, falsifySec: 0, searchSec: 0 };
  const random = seededRandom(0x5eed);
  const regions = query.region.filter((p) => !isEmpty(polytopeBox(p)));

  // More threads than cores only slow the search down (and each holds the network): never more than the cores.
  const threads = Math.min(availableParallelism(), Math.max(1, Math.floor(options.threads ?? 1)));
  let done = 0;
  const onVolumeDone = (f: number) => {
    done += f / regions.length;
    options.onProgress?.({ stage: 'search', fractionDone: Math.min(1, done) });
  };
  const tactics = newTactics();
  const inThread = { deadline, signal: options.signal, stats, onVolumeDone, random, tactics };
  /** The answer when a search ends the verification: a violation (confirmed here by our own forward pass) or a stop. */
  const concluded = (outcome: SearchOutcome): VerifyResult | undefined => {
    if (outcome.kind === 'violated') {
      const cex = confirm(net, query, outcome.counterexample.input);
      if (!cex) return { status: 'unknown', timeSec: elapsed(), reason: 'a search thread reported a counterexample that does not reproduce', stats };
      stats.searchSec = elapsed() - stats.falsifySec;
      return { status: 'violated', timeSec: elapsed(), counterexample: cex, stats };
    }
    if (outcome.kind === 'stopped') return { status: 'unknown', timeSec: elapsed(), reason: outcome.reason, stats };
    return undefined;
  };

  // Narrow inputs: a short search before the quick attack. Most properties that hold are proved in a few boxes, in a
  // fraction of the attack's time (docs/benchmarks/acasxu.md); the boxes it leaves open are searched after the attack.
  const openBoxes = new Map<Polytope, readonly SearchEntry[]>();
  if (!options.falsifyOnly && regions.every((p) => p.lower.length <= WIDE_INPUTS && isBounded(polytopeBox(p)))) {
    await initLp();
    options.onProgress?.({ stage: 'search', fractionDone: 0 });
    for (const polytope of regions) {
      const outcome = await searchPolytope(net, query, polytope, [rootEntry(polytope)], {
        ...inThread, onVolumeDone: (f) => { done += f / regions.length; }, pauseAt: Date.now() + SEARCH_FIRST_MS,
      });
      const answer = concluded(outcome);
      if (answer) return answer;
      openBoxes.set(polytope, outcome.kind === 'paused' ? outcome.open : []);
    }
  }
  const proved = (polytope: Polytope) => openBoxes.get(polytope)?.length === 0;

  options.onProgress?.({ stage: 'falsify' });
  const attackStarted = elapsed();
  for (const polytope of regions) {
    const box = polytopeBox(polytope);
    if (!isBounded(box) || proved(polytope)) continue;
    const n = box.lower.length;
    // A quick attack first; the search interleaves heavier ones (branchAndBound.ts) while it runs.
    const cex = falsifyBox(net, query, box, {
      samples: options.quickAttack?.samples ?? Math.max(256, 4096 / Math.max(1, n / 8) | 0),
      starts: options.quickAttack?.starts ?? 10,
      steps: options.quickAttack?.steps ?? 40,
      deadline,
      signal: options.signal,
      random,
    });
    if (cex) {
      stats.falsifySec = elapsed() - attackStarted;
      return { status: 'violated', timeSec: elapsed(), counterexample: cex, stats };
    }
  }
  stats.falsifySec = elapsed() - attackStarted;
  if (options.signal?.aborted) return { status: 'unknown', timeSec: elapsed(), reason: 'cancelled', stats };
  if (options.falsifyOnly) return { status: 'unknown', timeSec: elapsed(), reason: 'no counterexample found by the quick search', stats };

  if (regions.some((p) => !isBounded(polytopeBox(p)))) {
    return { status: 'unknown', timeSec: elapsed(), reason: 'the input region is unbounded: give every input a lower and an upper bound', stats };
  }
  await initLp();
  options.onProgress?.({ stage: 'search', fractionDone: Math.min(1, done) });
  for (const polytope of regions) {
    if (proved(polytope)) continue;
    // Quick searches stay in this thread; one still open after SEQUENTIAL_MS continues on every thread.
    let outcome: SearchOutcome;
    if (polytope.lower.length > WIDE_INPUTS && splittableNetwork(net)) {
      // Wide inputs: ReLU splitting here for a while, then one exact MILP per open clause on the search threads.
      const split = await searchReluSplits(net, query, polytope, { ...inThread, pauseAt: Date.now() + RELU_SPLITTING_MS });
      if (split.kind === 'paused' && poolIsFree()) {
        stats.threads = threads;
        outcome = await solveClausesInParallel(net, query, polytope, split.preActivation, split.openClauses, { threads, deadline, signal: options.signal, stats });
      } else {
        // Another verification holds the threads: keep splitting here.
        const rest = split.kind === 'paused' ? await searchReluSplits(net, query, polytope, inThread) : split;
        outcome = rest.kind === 'paused' ? { kind: 'stopped', reason: 'paused' } : rest;
      }
    } else {
      outcome = await searchPolytope(net, query, polytope, openBoxes.get(polytope) ?? [rootEntry(polytope)], {
        ...inThread, pauseAt: threads > 1 ? Date.now() + SEQUENTIAL_MS : undefined,
      });
    }
    if (outcome.kind === 'paused' && poolIsFree()) {
      stats.threads = threads;
      outcome = await searchInParallel(net, query, polytope, outcome.open, { threads, deadline, signal: options.signal, stats, onVolumeDone });
    } else if (outcome.kind === 'paused') {
      // Another verification holds the threads: finish this one here.
      outcome = await searchPolytope(net, query, polytope, outcome.open, inThread);
    }
    const answer = concluded(outcome);
    if (answer) return answer;
  }
  if (stats.undecided > 0) {
    return { status: 'unknown', timeSec: elapsed(), reason: `${stats.undecided} tiny region(s) could not be decided at float64 precision`, stats };
  }
  stats.searchSec = elapsed() - stats.falsifySec;
  return { status: 'holds', timeSec: elapsed(), stats };
}
