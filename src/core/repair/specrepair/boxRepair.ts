/**
 * SpecRepair's penalty on boxes (our default, docs/repair-specrepair.md): retrains only the last layer, with the
 * paper's L1 penalty and mu doubling applied to a lower bound of the violation margin over boxes of the property's
 * region (./boxes.ts) instead of the margin at counterexample points. Boxes whose bound is below the margin eps are
 * split (a finer box has a tighter bound) up to a budget; every box stays in the penalty, so fixing one cannot break
 * another unseen. The task loss is the same fidelity to the original's outputs on domain samples, whose last hidden
 * layer's values are computed once (the layers below never change).
 */
import { cutToBox, type OutputDnf, type Query } from '../../query/normalForm';
import { isBounded, isEmpty, type Box } from '../../bounds/box';
import { forward } from '../../network/forward';
import type { Network } from '../../network/network';
import { adam } from '../../train/optimizers';
import type { Parameters } from '../../train/parameters';
import { boxBound, featureBox, rowMaps, splitFeatureBox, type FeatureBox, type LastLayer, type RowMaps } from './boxes';
import { raisePenalties, type FidelityData, type PenaltySettings } from './penalty';

/** The paper's penalty settings, less `trainLayers` (boxes mode always trains the last layer), and the boxes'. */
export interface BoxPenaltySettings extends Omit<PenaltySettings, 'trainLayers'> {
  /** Most boxes kept in the penalty. */
  readonly maxBoxes: number;
  /** Boxes below eps are split until there are this many before the first training (finer boxes, tighter bounds, smaller changes). */
  readonly minBoxes: number;
  /** Penalty passes after every box holds: the task loss pulls the rest back to the original while the hinge keeps them. */
  readonly polishPasses: number;
  /**
   * Weight of the decision-keeping hinge on the domain samples: sum over j != d of max(0, s·(y_d - y_j) + s·(t_j - t_d)/2)
   * with d the original's decision and s = 1 for argmin (-1 for argmax): nothing until a sample's gap to another output
   * has shrunk by half, then a pull back. Accuracy is counted in decisions, which the mean squared error sees poorly.
   */
  readonly decisionWeight: number;
}

export interface BoxRepairState {
  readonly net: Network;
  readonly last: LastLayer;
  readonly width: number;
  /** Every box of every property's region, each with its penalty weight. */
  boxes: FeatureBox[];
  penalties: number[];
  /** The last hidden layer's values at the domain samples (row-major [count][width]). */
  readonly features: Float64Array;
  readonly violations: readonly OutputDnf[];
}

const mapsOf = (state: BoxRepairState): RowMaps => rowMaps(state.violations, state.last, state.width);

export function startBoxRepair(net: Network, queries: readonly Query[], domain: Box, data: FidelityData, initialPenalty: number, tightBounds = false, backsub = false): BoxRepairState {
  const hidden: Network = { ...net, layers: net.layers.slice(0, -1) };
  const last = net.layers[net.layers.length - 1];
  const boxes: FeatureBox[] = [];
  for (const q of queries) {
    for (const p of q.region) {
      const cut = cutToBox(p, domain);
      const box = cut && { lower: cut.lower, upper: cut.upper };
      if (box && !isEmpty(box) && isBounded(box)) boxes.push(featureBox(net, box, q.violation, 0, tightBounds, backsub));
    }
  }
  return {
    net, width: last.inSize, boxes, penalties: boxes.map(() => initialPenalty),
    last: { weights: Float64Array.from(last.weights), bias: Float64Array.from(last.bias) },
    features: forward(hidden, data.inputs, data.count), violations: queries.map((q) => q.violation),
  };
}

/** The network with the state's last layer. */
export function boxRepairNetwork(state: BoxRepairState): Network {
  const layers = state.net.layers;
  const last = layers[layers.length - 1];
  return { ...state.net, layers: [...layers.slice(0, -1), { ...last, weights: Float64Array.from(state.last.weights), bias: Float64Array.from(state.last.bias) }] };
}

/**
 * Splits the boxes whose bound is below eps, pass after pass, until none is, the boxes have grown `growth`-fold or the
 * budget is spent. Returns how many remain below eps.
 */
export function refineBoxes(state: BoxRepairState, s: BoxPenaltySettings, deadline: number, growth = 4): number {
  const limit = Math.min(s.maxBoxes, Math.max(s.minBoxes, growth * state.boxes.length));
  let below = splitOnce(state, limit, s.margin, deadline);
  while (below > 0 && state.boxes.length < limit && Date.now() < deadline) below = splitOnce(state, limit, s.margin, deadline);
  return below;
}

/** Splits each box whose bound is below eps once, shallowest first, while the limit lasts. Returns how many remain below eps. */
function splitOnce(state: BoxRepairState, limit: number, margin: number, deadline: number): number {
  const maps = mapsOf(state);
  const order = state.boxes.map((b, i) => ({ i, margin: boxBound(b, maps, state.width).margin, depth: b.depth }))
    .filter((b) => b.margin < margin).sort((a, b) => a.depth - b.depth || a.margin - b.margin);
  const split = new Set<number>();
  let count = state.boxes.length;
  for (const b of order) {
    if (count + 1 > limit || Date.now() > deadline) break;
    split.add(b.i);
    count++;
  }
  const boxes: FeatureBox[] = [];
  const penalties: number[] = [];
  state.boxes.forEach((b, i) => {
    if (!split.has(i)) {
      boxes.push(b);
      penalties.push(state.penalties[i]);
      return;
    }
    for (const child of splitFeatureBox(state.net, b, state.last, maps, state.width)) {
      boxes.push(child);
      penalties.push(state.penalties[i]);
    }
  });
  state.boxes = boxes;
  state.penalties = penalties;
  return boxes.filter((b) => boxBound(b, maps, state.width).margin < margin).length;
}

/**
 * Adam on the last layer: fidelity plus sum_i mu_i · max(0, eps - bound_i) over the boxes, mu_i doubled after each pass
 * for every box still below eps (the paper's schedule), until none is or the updates run out. Returns the boxes still below.
 */
export function trainBoxes(state: BoxRepairState, data: FidelityData & { readonly decisions: Int32Array; readonly argmin: boolean }, s: BoxPenaltySettings, ctx: { readonly random: () => number; readonly deadline: number; readonly signal?: AbortSignal; readonly log: string[] }): { passes: number; stillViolated: number } {
  const width = state.width;
  const m = state.last.bias.length;
  const params: Parameters = { precision: 'float64', layers: [{ weights: state.last.weights, bias: state.last.bias }] };
  const grads: Parameters = { precision: 'float64', layers: [{ weights: new Float64Array(m * width), bias: new Float64Array(m) }] };
  const optimizer = adam({ learningRate: s.learningRate });
  const batch = Math.min(s.batchSize, data.count);
  const mu = Float64Array.from(state.penalties);
  const margins = () => {
    const maps = mapsOf(state);
    return Float64Array.from(state.boxes, (b) => boxBound(b, maps, width).margin);
  };
  const featureGradient = new Float64Array(width);
  let stillViolated = margins().filter((v) => v < s.margin).length;
  let passes = 0;
  const y = new Float64Array(m);
  const dy = new Float64Array(m);
  let polished = 0;
  while ((stillViolated > 0 || polished < s.polishPasses) && passes < s.maxUpdates) {
    if (stillViolated === 0) polished++;
    if (Date.now() > ctx.deadline || ctx.signal?.aborted) break;
    // Boxes far above eps cannot reach it in one pass of small steps: leave them out of this pass's penalty.
    const before = margins();
    const active = state.boxes.map((_, i) => i).filter((i) => before[i] < s.margin + 0.05);
    for (let step = 0; step < s.steps; step++) {
      const gw = grads.layers[0].weights;
      const gb = grads.layers[0].bias;
      gw.fill(0);
      gb.fill(0);
      for (let b = 0; b < batch; b++) {
        const r = Math.floor(ctx.random() * data.count);
        const h = state.features.subarray(r * width, (r + 1) * width);
        for (let o = 0; o < m; o++) {
          let v = state.last.bias[o];
          for (let k = 0; k < width; k++) v += state.last.weights[o * width + k] * h[k];
          y[o] = v;
        }
        for (let o = 0; o < m; o++) dy[o] = (2 * s.fidelityWeight * (y[o] - data.targets[r * m + o])) / (batch * m);
        const d = data.decisions[r];
        const sign = data.argmin ? 1 : -1;
        for (let j = 0; j < m; j++) {
          if (j === d || sign * (y[d] - y[j]) + (sign * (data.targets[r * m + j] - data.targets[r * m + d])) / 2 <= 0) continue;
          dy[d] += (sign * s.decisionWeight) / batch;
          dy[j] -= (sign * s.decisionWeight) / batch;
        }
        for (let o = 0; o < m; o++) {
          gb[o] += dy[o];
          for (let k = 0; k < width; k++) gw[o * width + k] += dy[o] * h[k];
        }
      }
      const maps = mapsOf(state);
      for (const i of active) {
        const bound = boxBound(state.boxes[i], maps, width, featureGradient);
        if (bound.margin >= s.margin || !bound.coeffs || !bound.featureGradient) continue;
        for (let o = 0; o < m; o++) {
          const c = bound.coeffs[o];
          if (c === 0) continue;
          gb[o] -= mu[i] * c;
          for (let k = 0; k < width; k++) gw[o * width + k] -= mu[i] * c * bound.featureGradient[k];
        }
      }
      optimizer.step(params, grads);
    }
    passes++;
    stillViolated = raisePenalties(mu, margins(), s.margin);
    ctx.log.push(`  box penalty pass ${passes}: ${stillViolated} of ${state.boxes.length} box(es) below the margin`);
  }
  state.penalties = Array.from(mu);
  return { passes, stillViolated };
}
