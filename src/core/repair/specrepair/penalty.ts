/**
 * SpecRepair's counterexample fixing (seed 003, Algorithm 1, Eq. 8): minimise the task loss plus
 * sum_i mu_i · max(0, eps - f_sat(N(x_i))) over the counterexamples x_i, doubling mu_i for each counterexample still
 * violated after a training pass, until none is or the updates run out. f_sat is the violation margin of the
 * counterexample's own property (<= 0 iff violated); eps is the satisfaction margin that the code adds so that the
 * method terminates and so that a proof has room.
 *
 * The task loss is fidelity to the original: mean squared error to the original network's outputs on samples of the
 * whole input domain (the ACAS Xu training data is not public; the paper labels uniform samples with the original too).
 */
import { forward } from '../../network/forward';
import type { Network } from '../../network/network';
import { decidingRow, violationMargin, type OutputDnf } from '../../query/normalForm';
import { Backprop } from '../../train/backprop';
import { adam } from '../../train/optimizers';
import { fillZero, maskLayers, networkWith, parametersOf, vector, zerosLike } from '../../train/parameters';

export interface PenaltyCounterexample {
  readonly input: Float64Array;
  /** The violation of the property it breaks (a specification of several properties mixes them). */
  readonly violation: OutputDnf;
  readonly property: string;
}

export interface PenaltySettings {
  /** mu_0: the paper starts at 1, its code at 1/16. */
  readonly initialPenalty: number;
  /** Most penalty updates (training passes); the paper has no cap (Infinity), its code 10. */
  readonly maxUpdates: number;
  /** eps: a counterexample counts as fixed once its margin is at least this (output units). */
  readonly margin: number;
  readonly learningRate: number;
  /** Adam steps per training pass, each on a mini-batch of domain samples and every counterexample. */
  readonly steps: number;
  readonly batchSize: number;
  /** Weight of the task loss (mean squared error to the original's outputs) beside the penalty. */
  readonly fidelityWeight: number;
  /** Train only the last this many layers (0: every layer); the others keep their weights exactly. */
  readonly trainLayers: number;
}

/** Samples of the whole domain and the original's outputs there, row-major. */
export interface FidelityData {
  readonly inputs: Float64Array;
  readonly targets: Float64Array;
  readonly count: number;
}

export interface PenaltyResult {
  readonly network: Network;
  /** Training passes run. */
  readonly passes: number;
  /** Counterexamples still below the margin at the end. */
  readonly stillViolated: number;
  /** The penalty weights at the end, one per counterexample. */
  readonly penalties: Float64Array;
}

/**
 * The paper's schedule has no cap; float32 gradients do: past this a doubling changes nothing the optimiser sees (Adam
 * is invariant to the loss's scale and the task loss is already negligible beside the penalty), and it keeps Infinity
 * (and 0 · Infinity = NaN) out of the weights.
 */
export const MAX_PENALTY = 2 ** 32;

/**
 * The schedule's update: doubles mu_i for every counterexample whose margin is still below eps, leaves the others.
 * Returns how many were still violated.
 */
export function raisePenalties(penalties: Float64Array, margins: ArrayLike<number>, eps: number): number {
  let violated = 0;
  for (let i = 0; i < penalties.length; i++) {
    if (margins[i] >= eps) continue;
    penalties[i] = Math.min(MAX_PENALTY, 2 * penalties[i]);
    violated++;
  }
  return violated;
}

export function counterexampleMargins(net: Network, cxs: readonly PenaltyCounterexample[]): Float64Array {
  const n = net.layers[0].inSize;
  const m = net.layers[net.layers.length - 1].outSize;
  const xs = new Float64Array(cxs.length * n);
  cxs.forEach((c, i) => xs.set(c.input, i * n));
  const ys = forward(net, xs, cxs.length);
  return Float64Array.from(cxs, (c, i) => violationMargin(c.violation, ys.subarray(i * m, (i + 1) * m)));
}

export function penaltyRepair(
  net: Network, cxs: readonly PenaltyCounterexample[], data: FidelityData, s: PenaltySettings,
  ctx: { readonly random: () => number; readonly deadline: number; readonly signal?: AbortSignal; readonly log: string[] },
): PenaltyResult {
  const n = net.layers[0].inSize;
  const m = net.layers[net.layers.length - 1].outSize;
  const penalties = new Float64Array(cxs.length).fill(s.initialPenalty);
  let stillViolated = cxs.length - counterexampleMargins(net, cxs).filter((v) => v >= s.margin).length;
  if (stillViolated === 0) return { network: net, passes: 0, stillViolated, penalties };
  const batch = Math.min(s.batchSize, data.count);
  const rows = batch + cxs.length;
  const engine = new Backprop(net, 'float32', rows);
  const params = parametersOf(net, 'float32');
  const grads = zerosLike(params);
  const optimizer = adam({ learningRate: s.learningRate });
  const depth = net.layers.length;
  const mask = s.trainLayers > 0 && s.trainLayers < depth ? maskLayers(net, Array.from({ length: s.trainLayers }, (_, k) => depth - 1 - k)) : undefined;
  const inputs = vector('float32', rows * n);
  cxs.forEach((c, i) => inputs.set(c.input, (batch + i) * n));
  const dOutputs = vector('float32', rows * m);
  const picked = new Int32Array(batch);
  let current = net;
  let passes = 0;
  while (stillViolated > 0 && passes < s.maxUpdates) {
    if (Date.now() > ctx.deadline || ctx.signal?.aborted) break;
    for (let step = 0; step < s.steps; step++) {
      for (let b = 0; b < batch; b++) {
        picked[b] = Math.floor(ctx.random() * data.count);
        for (let i = 0; i < n; i++) inputs[b * n + i] = data.inputs[picked[b] * n + i];
      }
      const y = engine.forward(params, inputs, rows);
      dOutputs.fill(0);
      // Task loss: mean squared error to the original's outputs, averaged over the batch and the outputs.
      for (let b = 0; b < batch; b++) {
        for (let j = 0; j < m; j++) dOutputs[b * m + j] = (2 * s.fidelityWeight * (y[b * m + j] - data.targets[picked[b] * m + j])) / (batch * m);
      }
      // Penalty: mu_i · max(0, eps - margin_i), whose gradient is -mu_i · (the deciding row's coefficients).
      cxs.forEach((c, i) => {
        const at = (batch + i) * m;
        const { margin, row } = decidingRow(c.violation, y.subarray(at, at + m));
        if (margin >= s.margin || !row) return;
        for (let j = 0; j < m; j++) dOutputs[at + j] = -penalties[i] * row.coeffs[j];
      });
      fillZero(grads);
      engine.backward(params, dOutputs, grads);
      optimizer.step(params, grads, mask);
    }
    passes++;
    current = networkWith(net, params);
    const margins = counterexampleMargins(current, cxs);
    stillViolated = raisePenalties(penalties, margins, s.margin);
    ctx.log.push(`  penalty pass ${passes}: ${stillViolated} of ${cxs.length} counterexample(s) below the margin; largest mu ${Math.max(...penalties)}`);
  }
  return { network: current, passes, stillViolated, penalties };
}
