/**
 * nRepair's Algorithms 3 and 4: greedy neuron-output repair at a counterexample. Each step takes the gradient of the
 * violation loss with respect to every hidden neuron's output, picks the neuron with the largest magnitude that has
 * been changed fewer than beta times, and sets its output to a constant one descent step (eta) away from its current
 * value; at most alpha distinct neurons. After a step that fixes the counterexample the piece is verified; then either
 * the same counterexample keeps being pushed (the paper) or the verifier's new one on the piece is taken ("refresh").
 */
import type { Network } from '../../network/network';
import { clampNetwork, type Clamp } from '../../network/gated';
import { backward, evaluateWithDerivatives } from '../../verify/gradient';
import { decidingRow, type Query } from '../../query/normalForm';
import type { VerifyResult } from '../../verify/types';

export interface GradientOptions {
  readonly alpha: number;
  readonly beta: number;
  readonly eta: number;
  readonly refresh: boolean;
  readonly deadline: number;
  /** Verifies a candidate network on the piece. */
  readonly verifyPiece: (net: Network) => Promise<VerifyResult>;
}

export type ClampSearch =
  | { readonly kind: 'repaired'; readonly clamps: readonly Clamp[]; readonly steps: number }
  | { readonly kind: 'failed'; readonly reason: string; readonly steps: number };

const key = (layer: number, neuron: number) => `${layer}:${neuron}`;

export async function gradientClamps(net: Network, query: Query, counterexample: Float64Array, opts: GradientOptions): Promise<ClampSearch> {
  const clamps = new Map<string, Clamp>();
  const changed = new Map<string, number>();
  let cex = counterexample;
  let steps = 0;
  while (changed.size < opts.alpha && Date.now() < opts.deadline) {
    const current = clampNetwork(net, [...clamps.values()]);
    const point = evaluateWithDerivatives(current, cex);
    const { row } = decidingRow(query.violation, point.output);
    if (!row) return { kind: 'failed', reason: 'the property can never be violated', steps };
    // The loss is the violation margin negated (<= 0 iff violated; the generic form of the paper's Eq. 6 for any
    // VNN-LIB property): its gradient is minus the deciding row's, with respect to each hidden layer's outputs.
    const grads = backward(current, point, row.coeffs);
    const pick = selectNeuron(grads, current, changed, opts.beta);
    if (!pick) return { kind: 'failed', reason: 'every neuron was changed beta times', steps };
    const { layer, neuron, gradient } = pick;
    const value = outputAt(current, cex, layer, neuron) + opts.eta * gradient;
    // ReLU outputs cannot go below 0, so neither can the constant (float32: the exported file holds it exactly).
    clamps.set(key(layer, neuron), { layer, neuron, value: Math.fround(Math.max(0, value)) });
    changed.set(key(layer, neuron), (changed.get(key(layer, neuron)) ?? 0) + 1);
    steps++;
    const repaired = clampNetwork(net, [...clamps.values()]);
    const { margin } = decidingRow(query.violation, evaluateWithDerivatives(repaired, cex).output);
    if (margin <= 0) continue;
    const result = await opts.verifyPiece(repaired);
    if (result.status === 'holds') return { kind: 'repaired', clamps: [...clamps.values()], steps };
    if (opts.refresh && result.status === 'violated') cex = result.counterexample.input;
  }
  return { kind: 'failed', reason: changed.size >= opts.alpha ? `alpha (${opts.alpha}) neurons changed without a proof` : 'time ran out', steps };
}

/** Algorithm 4: the hidden neuron with the largest |gradient| changed fewer than beta times. */
function selectNeuron(grads: Float64Array[], net: Network, changed: Map<string, number>, beta: number) {
  let best: { layer: number; neuron: number; gradient: number } | undefined;
  // grads[k + 1] is the gradient with respect to layer k's outputs; the output layer is not a candidate.
  for (let layer = 0; layer < net.layers.length - 1; layer++) {
    const g = grads[layer + 1];
    for (let neuron = 0; neuron < g.length; neuron++) {
      if ((changed.get(key(layer, neuron)) ?? 0) >= beta) continue;
      if (!best || Math.abs(g[neuron]) > Math.abs(best.gradient)) best = { layer, neuron, gradient: g[neuron] };
    }
  }
  return best;
}

/** Layer `layer`'s output `neuron` at x. */
function outputAt(net: Network, x: Float64Array, layer: number, neuron: number): number {
  const point = evaluateWithDerivatives({ ...net, layers: net.layers.slice(0, layer + 1) }, x);
  return point.output[neuron];
}
