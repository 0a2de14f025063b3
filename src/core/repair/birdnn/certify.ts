/**
 * Counterexample-guided margin training with the verifier in the loop (not in the paper: docs/birdnn.md, "certify").
 * BIRDNN's sampled repairs leave the outputs a hair from the violation (N2,9/prop 8 after retraining: a margin of 0.001
 * over 100,000 region samples, and the verifier still splitting at depth 37 after 120 s), so the verifier times out or
 * finds a violation between the samples. Each round:
 *  1. attack the current network for near-violations (violation margin below `margin`) in the region; they and their
 *     neighbourhoods join the hard points;
 *  2. when neither they nor the earlier hard points are violations, verify with a short limit: holds -> done; a
 *     counterexample (and its neighbourhood) joins the hard points; unknown with no near-violation left -> the margin
 *     (more room for the bounds, up to `maxMargin`) and the verifier's limit grow by half;
 *  3. train a few epochs on a hinge relu(margin - violationMargin) over the hard points plus a keep term,
 *     keepWeight·MSE to the original's outputs, on whole-domain samples and on region samples where the original is
 *     safe with room to spare.
 * The network it returns is the last one trained (or proven); the driver judges it on the written file.
 */
import { availableParallelism } from 'node:os';
import type { Network } from '../../network/network';
import { forward } from '../../network/forward';
import { decidingRow, violationMargin, type OutputDnf, type Query } from '../../query/normalForm';
import { attackViolations } from '../../localize/violations';
import { concatRows, pickRows, sampleAround, sampleBox, sampleRegion, splitRows, type Random } from '../../localize/sampling';
import type { Loss } from '../../train/losses';
import { adam } from '../../train/optimizers';
import { train } from '../../train/train';
import { verify } from '../../verify';
import type { RepairOption, RepairTask } from '../types';

export interface CertifyOptions {
  /** The violation margin (output units) asked of every hard point; grows by half when the verifier cannot decide. */
  readonly margin: number;
  readonly maxMargin: number;
  /** Weight of the keep term (MSE to the original's outputs) against the hinge. */
  readonly keepWeight: number;
  /** The verifier's limit in the first round that reaches it (seconds). */
  readonly verifySec: number;
  readonly epochs: number;
  readonly learningRate: number;
  /** Whole-domain and region samples of the keep term (each). */
  readonly keepSamples: number;
  readonly domain: { readonly lower: Float64Array; readonly upper: Float64Array };
  readonly deadline: number;
  readonly random: Random;
  readonly threads: number;
  readonly signal?: AbortSignal;
  readonly log: string[];
  readonly onProgress?: (message: string) => void;
}

export interface CertifyResult {
  readonly network: Network;
  readonly proven: boolean;
  readonly rounds: number;
  readonly margin: number;
  readonly counterexamples: readonly Float64Array[];
  readonly verifySec: number;
}

/** Hard points kept at most (the newest): the training set stays small enough for a few quick epochs per round. */
const MAX_HARD = 2000;

export async function certify(original: Network, start: Network, query: Query, o: CertifyOptions): Promise<CertifyResult> {
  const n = original.layers[0].inSize;
  const m = original.layers[original.layers.length - 1].outSize;
  const box = query.region[0];
  const keepX = concatRows([sampleBox(o.domain.lower, o.domain.upper, o.keepSamples, o.random), sampleRegion(query.region, o.keepSamples, o.random, 0.1)]);
  const keepCount = keepX.length / n;
  const keepY = forward(original, keepX, keepCount);
  const counterexamples: Float64Array[] = [];
  let hard: Float64Array = new Float64Array(0);
  let net = start;
  let margin = o.margin;
  let verifySec = 0;
  let roundLimit = o.verifySec;
  for (let round = 1; ; round++) {
    if (Date.now() > o.deadline || o.signal?.aborted) return { network: net, proven: false, rounds: round - 1, margin, counterexamples, verifySec };
    o.onProgress?.(`certify round ${round}: attacking (margin ${margin})`);
    const found = concatRows(query.region.map((p) => attackViolations(net, query.violation, p, 256, 40, o.random, margin)));
    const violating = belowMargin(net, query.violation, concatRows([found, hard]), 0);
    if (found.length > 0) {
      hard = appendHard(hard, concatRows([found, sampleAround(splitRows(found, n), box, 0.002, 10, o.random)]), n);
      o.log.push(`certify round ${round}: ${found.length / n} attacked points below margin ${margin}, ${violating} violations among them and the earlier hard points`);
    }
    if (violating === 0) {
      // Near-violations are not violations: the verifier may already prove it.
      const limit = Math.min(roundLimit, (o.deadline - Date.now()) / 1000);
      if (limit <= 0.5) return { network: net, proven: false, rounds: round, margin, counterexamples, verifySec };
      o.onProgress?.(`certify round ${round}: verifying (${limit.toFixed(0)} s)`);
      const result = await verify(net, query, { timeoutSec: limit, threads: o.threads, signal: o.signal });
      verifySec += result.timeSec;
      if (result.status === 'holds') {
        o.log.push(`certify round ${round}: the verifier proves the property (${result.timeSec.toFixed(2)} s)`);
        return { network: net, proven: true, rounds: round, margin, counterexamples, verifySec };
      }
      if (result.status === 'violated') {
        counterexamples.push(result.counterexample.input);
        hard = appendHard(hard, concatRows([result.counterexample.input, sampleAround([result.counterexample.input], box, 0.002, 50, o.random)]), n);
        o.log.push(`certify round ${round}: the verifier's counterexample joins the hard points`);
      } else if (found.length === 0) {
        margin = Math.min(o.maxMargin, 1.5 * margin);
        roundLimit *= 1.5;
        o.log.push(`certify round ${round}: the verifier could not decide in ${limit.toFixed(0)} s and the attack finds nothing below the margin; margin ${margin}`);
      } else o.log.push(`certify round ${round}: the verifier could not decide in ${limit.toFixed(0)} s`);
    }
    if (hard.length === 0) continue;
    // Keep the original's outputs where it is safe with room (region rows near its violation are the hinge's business).
    const keepRows: number[] = [];
    for (let r = 0; r < keepCount; r++) {
      const y = keepY.subarray(r * m, (r + 1) * m);
      if (r < o.keepSamples || violationMargin(query.violation, y) >= 2 * margin) keepRows.push(r);
    }
    const hardCount = hard.length / n;
    const inputs = concatRows([hard, pickRows(keepX, keepRows, n)]);
    const targets = pickRows(keepY, keepRows, m);
    const trained = await train(net, {
      // The hard points are few: weighted up so that the hinge's share of a batch matches the keep term's.
      inputs, count: hardCount + keepRows.length, loss: hingeAndKeepLoss(query.violation, margin, hardCount, targets, keepRows.length / Math.max(1, hardCount), o.keepWeight),
      optimizer: adam({ learningRate: o.learningRate }), epochs: o.epochs, batchSize: 256, engine: 'js', seed: round, deadline: o.deadline, signal: o.signal,
    });
    net = trained.network;
  }
}

/**
 * Rows below `hardCount`: hardWeight·relu(margin - violationMargin(y)) (the SpecRepair penalty with room); the
 * others: keepWeight·sum_j (y_j - target_j)^2 against targets indexed from hardCount. Mean over the batch.
 */
export function hingeAndKeepLoss(violation: OutputDnf, margin: number, hardCount: number, targets: ArrayLike<number>, hardWeight: number, keepWeight: number): Loss {
  return (outputs, rows, dOutputs) => {
    const batch = rows.length;
    const m = outputs.length / batch;
    dOutputs.fill(0, 0, batch * m);
    let total = 0;
    for (let b = 0; b < batch; b++) {
      const y = outputs.subarray(b * m, (b + 1) * m);
      if (rows[b] < hardCount) {
        const { margin: have, row } = decidingRow(violation, y);
        if (!row || have >= margin) continue;
        total += hardWeight * (margin - have);
        for (let j = 0; j < m; j++) dOutputs[b * m + j] = (-hardWeight * row.coeffs[j]) / batch;
      } else {
        const t = (rows[b] - hardCount) * m;
        for (let j = 0; j < m; j++) {
          const d = y[j] - targets[t + j];
          total += keepWeight * d * d;
          dOutputs[b * m + j] = (2 * keepWeight * d) / batch;
        }
      }
    }
    return total / batch;
  };
}

function belowMargin(net: Network, violation: OutputDnf, x: Float64Array, margin: number): number {
  const m = net.layers[net.layers.length - 1].outSize;
  const count = x.length / net.layers[0].inSize;
  if (count === 0) return 0;
  const y = forward(net, x, count);
  let below = 0;
  for (let r = 0; r < count; r++) if (violationMargin(violation, y.subarray(r * m, (r + 1) * m)) < margin) below++;
  return below;
}

function appendHard(hard: Float64Array, more: Float64Array, n: number): Float64Array {
  const all = concatRows([hard, more]);
  return all.length > MAX_HARD * n ? all.slice(all.length - MAX_HARD * n) : all;
}

/** The options `certify` adds to both BIRDNN methods (off by default: the paper has no verifier in its loop). */
export const CERTIFY_OPTIONS: readonly RepairOption[] = [
  { name: 'certify', default: false, description: 'After the paper\'s repair: counterexample-guided margin training with the verifier in the loop, until proven or out of time (not in the paper).' },
  { name: 'certifyMargin', default: 0.002, description: 'certify: the violation margin (output units) asked of the attacked and the verifier\'s points; grows by half (up to 4x) when the verifier cannot decide.' },
  { name: 'certifyVerifySec', default: 10, description: 'certify: the verifier\'s limit per round (seconds).' },
  { name: 'keepWeight', default: 100, description: 'certify: weight of the MSE to the original\'s outputs against the margin hinge.' },
];

/** Runs `certify` when the task asks for it; else returns `start` unproven. Adds its stats and log lines. */
export async function certifyIfAsked(task: RepairTask, original: Network, start: Network, deadline: number, random: Random, log: string[]): Promise<{ network: Network; stats: Record<string, number> }> {
  const opt = (name: string) => task.options[name] ?? CERTIFY_OPTIONS.find((o) => o.name === name)!.default;
  if (!opt('certify') || !task.query) return { network: start, stats: {} };
  const result = await certify(original, start, task.query, {
    margin: Number(opt('certifyMargin')), maxMargin: 4 * Number(opt('certifyMargin')), keepWeight: Number(opt('keepWeight')), verifySec: Number(opt('certifyVerifySec')),
    epochs: 3, learningRate: 1e-4, keepSamples: 2000, domain: task.domain, deadline, random, threads: availableParallelism(), signal: task.signal, log,
    onProgress: (message) => task.onProgress?.({ stage: 'certify', message }),
  });
  return { network: result.network, stats: { certifyRounds: result.rounds, certifyProven: result.proven ? 1 : 0, certifyMargin: result.margin, certifyVerifySec: result.verifySec } };
}
