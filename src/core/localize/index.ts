/**
 * Which neurons are responsible for a property's violation (the side panel's heatmap): sample the property's region,
 * split the samples by the violation, score every hidden neuron (./scores.ts), normalise per layer and globally, and
 * report the top-k with activation statistics on violating and safe samples. A graph model (skip connections,
 * branches) has one row per hidden node, in topological order, named by its ONNX node and what it reads.
 *
 * Violations that fill a tiny part of the region (ACAS Xu N1,9/prop 7 and MNIST's L-infinity boxes: none in 10,000
 * uniform samples) come from the verifier's counterexamples: each is sampled around at several radii, from inside its
 * pocket of violations to the safe inputs beyond, and the known ones are grown by sampling around them, never by the
 * input-gradient attack (slow on 784 inputs, and in vain on a property that holds). The verifier is asked only when no
 * sample violates and no counterexample is given, for at most `verifyTimeoutSec`.
 */
import type { Query } from '../query/normalForm';
import { verify } from '../verify';
import { seededRandom } from '../verify/falsify';
import { marginGradientScores } from './gradient';
import { asGraph, hiddenNodes, type Localizable } from './model';
import { collectSamples, type SampleSet } from './samples';
import { pickRows } from './sampling';
import { scoreLayer, type LayerScores } from './scores';
import type { LayerResponsibility, Responsibility, ResponsibilityMethod } from './types';

export { LOCALIZE_VERIFY_SEC, type Responsibility, type ResponsibilityMethod } from './types';

export interface LocalizeOptions {
  readonly method?: ResponsibilityMethod;
  /** Samples of the property's region (default 10,000; 2,000 for inputs wider than 64, see WIDE_SAMPLES). */
  readonly samples?: number;
  readonly topK?: number;
  readonly seed?: number;
  /** Violating inputs known already (the verifier's counterexamples); their neighbourhoods are sampled too. */
  readonly counterexamples?: readonly ArrayLike<number>[];
  readonly domain?: { readonly lower: Float64Array; readonly upper: Float64Array };
  /** When the samples hold fewer violating ones than this, grow them by sampling around them (default 100). */
  readonly violatingTarget?: number;
  /** Use these samples instead of drawing new ones. */
  readonly sampleSet?: SampleSet;
  /**
   * When no counterexample is given and no sample violates, ask the verifier for one within this many seconds (0 or
   * absent: do not). A proof that the property holds ends the search for violations.
   */
  readonly verifyTimeoutSec?: number;
  readonly signal?: AbortSignal;
}

/**
 * Uniform samples of a wide input's region (MNIST's 784 pixels) are all alike and all safe: 2,000 of them describe
 * the safe side as well as 10,000, and the forward pass and the per-neuron sorts take a fifth of the time.
 */
const WIDE_INPUT = 64;
const WIDE_SAMPLES = 2000;

/** Neighbourhood radii around a counterexample (of the region's width) and samples at each. */
const COUNTEREXAMPLE_RADII = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1];
const PER_RADIUS = 40;

/** Raw scores of every layer's neurons, the output layer included (BIRDNN ranks output neurons too). */
export function neuronScores(net: Localizable, query: Query, set: SampleSet, method: ResponsibilityMethod): Float64Array[] {
  if (method === 'gradient') return gradientScores(net, query, set);
  return asGraph(net).nodes.map((node, k) => methodScores(scoreLayer(set.activations[k], node.outSize, set.violating, set.safe, method === 'birdnn'), method));
}

function gradientScores(net: Localizable, query: Query, set: SampleSet): Float64Array[] {
  const rows = set.violating.subarray(0, 2000);
  return marginGradientScores(net, query.violation, pickRows(set.inputs, rows, asGraph(net).inputSize), rows.length);
}

// birdnn-code: the code's raw sums, over as many safe as violating samples (the paper's experiments used 10K and 10K):
// with unequal counts the sums would rank neurons by how large they are, not by how differently they behave.
const methodScores = (layer: LayerScores, method: 'birdnn' | 'birdnn-code') => (method === 'birdnn' ? layer.pairwise : layer.sumDifference);

export async function localize(net: Localizable, query: Query, options: LocalizeOptions = {}): Promise<Responsibility> {
  const started = performance.now();
  const { set, search } = options.sampleSet ? { set: options.sampleSet, search: undefined } : await localizationSamples(net, query, options);
  return {
    ...responsibilityOf(net, query, set, options.method ?? 'birdnn', options.topK ?? 10),
    ...(search ? { search: { verdict: search.verdict, timeSec: search.timeSec, limitSec: options.verifyTimeoutSec ?? 0 } } : {}),
    timeSec: (performance.now() - started) / 1000,
  };
}

/**
 * The samples localisation scores: the region's, the given counterexamples' neighbourhoods, and when none of them
 * violates, the verifier's counterexample's (`search` says what the verifier answered); rare violations grown to
 * `violatingTarget` by sampling around them.
 */
export async function localizationSamples(net: Localizable, query: Query, options: LocalizeOptions = {}): Promise<{ set: SampleSet; search?: CounterexampleSearch }> {
  const verifyTimeoutSec = options.verifyTimeoutSec ?? 0;
  let search: CounterexampleSearch | undefined;
  const set = await collectSamples(net, query, {
    samples: options.samples ?? (asGraph(net).inputSize > WIDE_INPUT ? WIDE_SAMPLES : 10_000),
    random: seededRandom(options.seed ?? 1),
    counterexamples: options.counterexamples,
    radii: COUNTEREXAMPLE_RADII,
    perCounterexample: PER_RADIUS,
    domain: options.domain,
    violatingTarget: options.violatingTarget ?? 100,
    attack: false,
    searchCounterexample: verifyTimeoutSec > 0 ? async () => {
      search = await searchCounterexample(net, query, verifyTimeoutSec, options.signal);
      return search.verdict === 'violated' ? search.input : search.verdict === 'holds' ? 'holds' : undefined;
    } : undefined,
  });
  return { set, search };
}

/** The heatmap's data from split samples: every hidden neuron's score, normalised per layer and globally, the top k. */
export function responsibilityOf(net: Localizable, query: Query, set: SampleSet, method: ResponsibilityMethod, topK: number): Omit<Responsibility, 'timeSec' | 'search'> {
  const rows = hiddenNodes(net);
  const layerScores = rows.map((row, k) => scoreLayer(set.activations[k], row.outSize, set.violating, set.safe, method === 'birdnn'));
  const scores = method === 'gradient' ? gradientScores(net, query, set).slice(0, rows.length) : layerScores.map((l) => methodScores(l, method));
  const layerMax = scores.map((s) => s.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-300));
  const globalMax = Math.max(...layerMax);
  const layers: LayerResponsibility[] = scores.map((s, k) => ({
    name: rows[k].name,
    ...(rows[k].sources ? { sources: rows[k].sources } : {}),
    scores: Array.from(s),
    perLayer: Array.from(s, (v) => v / layerMax[k]),
    global: Array.from(s, (v) => v / globalMax),
    activeViolating: Array.from(layerScores[k].activeViolating),
    activeSafe: Array.from(layerScores[k].activeSafe),
    meanViolating: Array.from(layerScores[k].meanViolating),
    meanSafe: Array.from(layerScores[k].meanSafe),
  }));
  const top = rankNeurons(scores).slice(0, topK).map(({ layer, neuron, score }) => ({ layer, neuron, score: score / globalMax }));
  return { property: query.name, method, layers, top, samples: { violating: set.violating.length, safe: set.safe.length } };
}

export interface CounterexampleSearch {
  readonly verdict: 'violated' | 'holds' | 'unknown';
  readonly input?: Float64Array;
  readonly timeSec: number;
}

/**
 * No sample violates and no counterexample is known: the verifier's quick falsification (sampling every corner and
 * face, then gradient descents; a fraction of a second on ACAS Xu), then its complete search for what is left of
 * `limitSec`. A proof that the property holds ends the search for violations.
 */
async function searchCounterexample(net: Localizable, query: Query, limitSec: number, signal?: AbortSignal): Promise<CounterexampleSearch> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const quick = await verify(net, query, { timeoutSec: limitSec, falsifyOnly: true, signal });
  const result = quick.status === 'violated' || limitSec - elapsed() <= 0 ? quick : await verify(net, query, { timeoutSec: limitSec - elapsed(), signal });
  if (result.status === 'violated') return { verdict: 'violated', input: Float64Array.from(result.counterexample.input), timeSec: elapsed() };
  return { verdict: result.status, timeSec: elapsed() };
}

/** Every neuron by score, largest first; ties keep (layer, neuron) order as BIRDNN's stable sort does. */
export function rankNeurons(scores: readonly Float64Array[]): { layer: number; neuron: number; score: number }[] {
  const all = scores.flatMap((s, layer) => Array.from(s, (score, neuron) => ({ layer, neuron, score })));
  return all.sort((a, b) => b.score - a.score);
}
