/**
 * Which neurons are responsible for a property's violation (the side panel's heatmap): sample the property's region,
 * split the samples by the violation, score every hidden neuron (./scores.ts), normalise per layer and globally, and
 * report the top-k with activation statistics on violating and safe samples.
 */
import type { Network } from '../network/network';
import type { Query } from '../query/normalForm';
import { seededRandom } from '../verify/falsify';
import { marginGradientScores } from './gradient';
import { collectSamples, type SampleSet } from './samples';
import { layerStats, pairwiseScore, sumDifferenceScore } from './scores';
import type { LayerResponsibility, Responsibility, ResponsibilityMethod } from './types';

export type { Responsibility, ResponsibilityMethod } from './types';

export interface LocalizeOptions {
  readonly method?: ResponsibilityMethod;
  /** Samples of the property's region (default 10,000). */
  readonly samples?: number;
  readonly topK?: number;
  readonly seed?: number;
  /** Violating inputs known already (the verifier's counterexamples); their neighbourhoods are sampled too. */
  readonly counterexamples?: readonly ArrayLike<number>[];
  readonly domain?: { readonly lower: Float64Array; readonly upper: Float64Array };
  /** When uniform samples hold fewer violating ones than this, attack and grow them (default 100). */
  readonly violatingTarget?: number;
  /** Use these samples instead of drawing new ones. */
  readonly sampleSet?: SampleSet;
}

/** Raw scores of every layer's neurons, the output layer included (BIRDNN ranks output neurons too). */
export function neuronScores(net: Network, query: Query, set: SampleSet, method: ResponsibilityMethod): Float64Array[] {
  if (method === 'gradient') {
    const n = net.layers[0].inSize;
    const rows = set.violating.subarray(0, 2000);
    const inputs = new Float64Array(rows.length * n);
    rows.forEach((r, k) => inputs.set(set.inputs.subarray(r * n, (r + 1) * n), k * n));
    return marginGradientScores(net, query.violation, inputs, rows.length);
  }
  if (method === 'birdnn') {
    return net.layers.map((layer, k) => Float64Array.from({ length: layer.outSize }, (_, j) => pairwiseScore(set.activations[k], set.violating, set.safe, layer.outSize, j)));
  }
  // The code's raw sums, over as many safe as violating samples (the paper's experiments used 10K and 10K): with
  // unequal counts the sums would rank neurons by how large they are, not by how differently they behave.
  const equal = Math.min(set.violating.length, set.safe.length);
  const violating = set.violating.subarray(0, equal);
  const safe = set.safe.subarray(0, equal);
  return net.layers.map((layer, k) => Float64Array.from({ length: layer.outSize }, (_, j) => sumDifferenceScore(set.activations[k], violating, safe, layer.outSize, j)));
}

export async function localize(net: Network, query: Query, options: LocalizeOptions = {}): Promise<Responsibility> {
  const started = performance.now();
  const method = options.method ?? 'birdnn';
  const set = options.sampleSet ?? await collectSamples(net, query, {
    samples: options.samples ?? 10_000,
    random: seededRandom(options.seed ?? 1),
    counterexamples: options.counterexamples,
    domain: options.domain,
    violatingTarget: options.violatingTarget ?? 100,
  });
  const hidden = net.layers.length - 1;
  const scores = neuronScores(net, query, set, method).slice(0, hidden);
  const globalMax = Math.max(1e-300, ...scores.map((s) => Math.max(...Array.from(s, Math.abs))));
  const layers: LayerResponsibility[] = scores.map((s, k) => {
    const layerMax = Math.max(1e-300, ...Array.from(s, Math.abs));
    return {
      name: net.layers[k].name,
      scores: Array.from(s),
      perLayer: Array.from(s, (v) => v / layerMax),
      global: Array.from(s, (v) => v / globalMax),
      ...layerStats(set.activations[k], set.violating, set.safe, net.layers[k].outSize),
    };
  });
  const top = rankNeurons(scores).slice(0, options.topK ?? 10).map(({ layer, neuron, score }) => ({ layer, neuron, score: score / globalMax }));
  return {
    property: query.name,
    method,
    layers,
    top,
    samples: { violating: set.violating.length, safe: set.safe.length },
    timeSec: (performance.now() - started) / 1000,
  };
}

/** Every neuron by score, largest first; ties keep (layer, neuron) order as BIRDNN's stable sort does. */
export function rankNeurons(scores: readonly Float64Array[]): { layer: number; neuron: number; score: number }[] {
  const all = scores.flatMap((s, layer) => Array.from(s, (score, neuron) => ({ layer, neuron, score })));
  return all.sort((a, b) => b.score - a.score);
}
