/**
 * SpecRepair's box penalty with every layer retrained (`layers=all`, docs/repair-specrepair.md). Retraining only the
 * last layer cannot fix MNIST's eps = 0.05 boxes without losing digits (prop_1_0.05: 65.9% with forward, tight or
 * back-substituted bounds alike); the paper retrains every layer. Here each box's bound is the verifier's first step:
 * every row back-substituted through the hidden layers' relaxations over the verifier's pre-activation intervals, then
 * minimised over the box. That bound is the value, at the minimising corner, of the "linearised network" whose every
 * neuron is replaced by its chosen line (lower where its back-substituted coefficient is >= 0, upper otherwise); with
 * the lines and the corner held fixed it is a plain function of every weight, whose gradient is backpropagation through
 * that linearised network. The intervals (and so the lines) are refreshed every `refreshSteps` steps: between two
 * refreshes the bound is a guide, not a proof; at the end of each pass it is recomputed from the current weights.
 *
 * These bounds only guide training; the verifier certifies (and the driver again on the written file).
 */
import type { Box } from '../../bounds/box';
import type { LayerRelaxation } from '../../bounds/backSubstitution';
import { specBounds } from '../../bounds/linearBounds';
import type { Network } from '../../network/network';
import type { LinearRow, OutputDnf } from '../../query/normalForm';
import { Backprop } from '../../train/backprop';
import { adam } from '../../train/optimizers';
import { fillZero, networkWith, parametersOf, vector, zerosLike, type Parameters } from '../../train/parameters';
import { raisePenalties, type FidelityData, type PenaltySettings } from './penalty';

/** Per hidden layer, each neuron's two lines over the box: lowerSlope·z + lowerShift <= act(z) <= upperSlope·z + upperShift. */
export type Lines = LayerRelaxation;

/** The relaxation of every hidden neuron over the box, from the verifier's pre-activation intervals for these weights. */
export function relaxationLines(net: Network, box: Box): readonly Lines[] {
  return specBounds(net, box, []).relaxations;
}

/** Weights and biases as plain arrays (a Parameters' layers, or a network's). */
type Weights = readonly { readonly weights: ArrayLike<number>; readonly bias: ArrayLike<number> }[];

/**
 * A lower bound of c·y - rhs over the box for the network with these weights, back-substituted through `lines`; with
 * `grads`, adds scale · d(bound)/d(every weight and bias) to them (the lines and the minimising corner held fixed).
 */
export function linearisedBound(net: Network, weights: Weights, lines: readonly Lines[], box: Box, row: LinearRow, grads?: Parameters, scale = 1): number {
  const depth = net.layers.length;
  // Back-substitution: lambda_k = d(bound)/d(h_k), the coefficients of layer k's values; the chosen line by its sign.
  const useLower: Uint8Array[] = [];
  const lambdas: Float64Array[] = [];
  let lambda = Float64Array.from(row.coeffs);
  for (let k = depth - 1; k >= 0; k--) {
    const { inSize, outSize } = net.layers[k];
    const w = weights[k].weights;
    let dz = lambda;
    if (k < depth - 1) {
      const l = lines[k];
      const lower = new Uint8Array(outSize);
      dz = new Float64Array(outSize);
      for (let j = 0; j < outSize; j++) {
        lower[j] = lambda[j] >= 0 ? 1 : 0;
        dz[j] = lambda[j] * (lower[j] ? l.lowerSlope[j] : l.upperSlope[j]);
      }
      useLower[k] = lower;
    }
    lambdas[k] = dz;
    const next = new Float64Array(inSize);
    for (let j = 0; j < outSize; j++) {
      const d = dz[j];
      if (d === 0) continue;
      const at = j * inSize;
      for (let p = 0; p < inSize; p++) next[p] += d * w[at + p];
    }
    lambda = next;
  }
  // The minimising corner, then the linearised network's values there (its bound is the last one's row).
  const values: Float64Array[] = [Float64Array.from(lambda, (a, i) => (a >= 0 ? box.lower[i] : box.upper[i]))];
  for (let k = 0; k < depth - 1; k++) {
    const { inSize, outSize } = net.layers[k];
    const { weights: w, bias } = weights[k];
    const h = values[k];
    const l = lines[k];
    const out = new Float64Array(outSize);
    for (let j = 0; j < outSize; j++) {
      let z = bias[j];
      const at = j * inSize;
      for (let p = 0; p < inSize; p++) z += w[at + p] * h[p];
      out[j] = useLower[k][j] ? l.lowerSlope[j] * z + l.lowerShift[j] : l.upperSlope[j] * z + l.upperShift[j];
    }
    values.push(out);
  }
  const last = depth - 1;
  const { inSize } = net.layers[last];
  let bound = -row.rhs;
  row.coeffs.forEach((c, o) => {
    if (c === 0) return;
    let y = weights[last].bias[o];
    for (let p = 0; p < inSize; p++) y += weights[last].weights[o * inSize + p] * values[last][p];
    bound += c * y;
  });
  if (grads) {
    for (let k = 0; k < depth; k++) {
      const { inSize: n, outSize } = net.layers[k];
      const gw = grads.layers[k].weights;
      const gb = grads.layers[k].bias;
      const dz = lambdas[k];
      const h = values[k];
      for (let j = 0; j < outSize; j++) {
        const d = scale * dz[j];
        if (d === 0) continue;
        gb[j] += d;
        const at = j * n;
        for (let p = 0; p < n; p++) gw[at + p] += d * h[p];
      }
    }
  }
  return bound;
}

/** One box of a property's region and its violation. */
export interface RegionBox {
  readonly box: Box;
  readonly violation: OutputDnf;
}

/**
 * Per box, the bound of every clause of its violation (the max over its rows' bounds) and the deciding row of each
 * clause; the box's margin is the least clause bound (> 0 proves the property there).
 */
function clauseBounds(net: Network, weights: Weights, lines: readonly Lines[], b: RegionBox): { bound: number; row: LinearRow }[] {
  return b.violation.map((clause) => {
    let best = { bound: -Infinity, row: clause[0] };
    for (const row of clause) {
      const bound = linearisedBound(net, weights, lines, b.box, row);
      if (bound > best.bound) best = { bound, row };
    }
    return best;
  });
}

export interface EveryLayerSettings extends Omit<PenaltySettings, 'trainLayers'> {
  readonly polishPasses: number;
  readonly decisionWeight: number;
  /** Adam steps between two refreshes of the relaxations' intervals. */
  readonly refreshSteps: number;
}

export interface EveryLayerState {
  net: Network;
  readonly params: Parameters;
  readonly optimizer: ReturnType<typeof adam>;
  /** One penalty weight per box. */
  readonly penalties: Float64Array;
}

export function startEveryLayer(net: Network, boxes: readonly RegionBox[], s: Pick<EveryLayerSettings, 'learningRate' | 'initialPenalty'>): EveryLayerState {
  return { net, params: parametersOf(net, 'float32'), optimizer: adam({ learningRate: s.learningRate }), penalties: new Float64Array(boxes.length).fill(s.initialPenalty) };
}

/** The least box margin by fresh bounds of the state's current weights, per box. */
export function boxMargins(state: EveryLayerState, boxes: readonly RegionBox[]): Float64Array {
  return Float64Array.from(boxes, (b) => Math.min(...clauseBounds(state.net, state.params.layers, relaxationLines(state.net, b.box), b).map((c) => c.bound)));
}

/**
 * Adam on every layer: the task loss (mean squared error to the original's outputs and the decision hinge, as in boxes
 * mode) plus sum over boxes of mu_b · sum over the box's clauses below eps of (eps - clause bound); mu_b doubled after
 * each pass for every box still below eps, then `polishPasses` more passes. Returns the boxes still below eps.
 */
export function trainEveryLayer(
  state: EveryLayerState, boxes: readonly RegionBox[], data: FidelityData & { readonly decisions: Int32Array; readonly argmin: boolean }, s: EveryLayerSettings,
  ctx: { readonly random: () => number; readonly deadline: number; readonly signal?: AbortSignal; readonly log: string[] },
): { passes: number; stillViolated: number } {
  const net = state.net;
  const n = net.layers[0].inSize;
  const m = net.layers[net.layers.length - 1].outSize;
  const batch = Math.min(s.batchSize, data.count);
  const engine = new Backprop(net, 'float32', batch);
  const grads = zerosLike(state.params);
  const inputs = vector('float32', batch * n);
  const dOutputs = vector('float32', batch * m);
  const picked = new Int32Array(batch);
  const sign = data.argmin ? 1 : -1;
  let stillViolated = boxMargins(state, boxes).filter((v) => v < s.margin).length;
  let passes = 0;
  let polished = 0;
  let lines: (readonly Lines[])[] = [];
  while ((stillViolated > 0 || polished < s.polishPasses) && passes < s.maxUpdates) {
    if (stillViolated === 0) polished++;
    if (Date.now() > ctx.deadline || ctx.signal?.aborted) break;
    for (let step = 0; step < s.steps && Date.now() < ctx.deadline; step++) {
      if (step % s.refreshSteps === 0) lines = boxes.map((b) => relaxationLines(networkWith(net, state.params), b.box));
      for (let b = 0; b < batch; b++) {
        picked[b] = Math.floor(ctx.random() * data.count);
        for (let i = 0; i < n; i++) inputs[b * n + i] = data.inputs[picked[b] * n + i];
      }
      const y = engine.forward(state.params, inputs, batch);
      for (let b = 0; b < batch; b++) {
        const r = picked[b];
        for (let o = 0; o < m; o++) dOutputs[b * m + o] = (2 * s.fidelityWeight * (y[b * m + o] - data.targets[r * m + o])) / (batch * m);
        const d = data.decisions[r];
        for (let j = 0; j < m; j++) {
          if (j === d || sign * (y[b * m + d] - y[b * m + j]) + (sign * (data.targets[r * m + j] - data.targets[r * m + d])) / 2 <= 0) continue;
          dOutputs[b * m + d] += (sign * s.decisionWeight) / batch;
          dOutputs[b * m + j] -= (sign * s.decisionWeight) / batch;
        }
      }
      fillZero(grads);
      engine.backward(state.params, dOutputs, grads);
      boxes.forEach((b, i) => {
        for (const c of clauseBounds(net, state.params.layers, lines[i], b)) {
          if (c.bound < s.margin) linearisedBound(net, state.params.layers, lines[i], b.box, c.row, grads, -state.penalties[i]);
        }
      });
      state.optimizer.step(state.params, grads);
    }
    passes++;
    state.net = networkWith(net, state.params);
    stillViolated = raisePenalties(state.penalties, boxMargins(state, boxes), s.margin);
    ctx.log.push(`  every-layer penalty pass ${passes}: ${stillViolated} of ${boxes.length} box(es) below the margin`);
  }
  return { passes, stillViolated };
}
