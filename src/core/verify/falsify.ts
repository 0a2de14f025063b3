/**
 * Falsification: random sampling and multi-start projected (sign-)gradient descent on the violation margin
 * (the SpecRepair satisfaction function: <= 0 iff the outputs violate the property). Returns only counterexamples
 * that our float64 forward pass confirms and that lie in the input region.
 */
import type { Network } from '../network/network';
import { inRegion, decidingRow, violatedClause, violationMargin, type Polytope, type Query } from '../query/normalForm';
import { forward, forwardModel } from '../network/forward';
import type { Model } from '../network/model';
import type { Box } from '../bounds/box';
import { evaluateWithDerivatives, inputGradient } from './gradient';
import type { Counterexample } from './types';

export interface FalsifyOptions {
  readonly samples: number;
  readonly starts: number;
  readonly steps: number;
  readonly deadline: number;
  /**
   * Stop drawing samples after this time (ms since the epoch), at least one chunk drawn: the descents then get the
   * rest of the time up to `deadline`. Without it every sample is drawn, however long that takes.
   */
  readonly samplingDeadline?: number;
  readonly signal?: AbortSignal;
  readonly random: () => number;
}

/** Confirms a candidate concretely: in the region, and the outputs satisfy a violation clause. */
export function confirm(net: Model, query: Query, x: Float64Array): Counterexample | undefined {
  if (!inRegion(query.region, x)) return undefined;
  const output = forwardModel(net, x);
  const clause = violatedClause(query.violation, output);
  return clause >= 0 ? { input: x, output, clause } : undefined;
}

/** The gradient of the margin at x: of the row that decides it (the worst row of the closest conjunction). */
function marginGradient(net: Network, query: Query, x: Float64Array): { margin: number; gradient: Float64Array } {
  const point = evaluateWithDerivatives(net, x);
  const { margin, row } = decidingRow(query.violation, point.output);
  return { margin, gradient: row ? inputGradient(net, point, row.coeffs) : new Float64Array(x.length) };
}

const MAX_CORNER_DIMS = 10;
const SAMPLE_CHUNK = 1024;

/**
 * Uniform in the box, or (every other sample) with each input pinned to one of its bounds half of the time: safety
 * properties are often broken where several inputs sit at their limits, which uniform samples almost never reach
 * (docs/benchmarks/tuning.md).
 */
function sampleIn(box: Box, random: () => number, k: number): Float64Array {
  if (k % 2 === 0) return box.lower.map((l, i) => l + random() * (box.upper[i] - l));
  return box.lower.map((l, i) => {
    const u = random();
    return u < 0.25 ? l : u < 0.5 ? box.upper[i] : l + random() * (box.upper[i] - l);
  });
}

/** Searches one box of the region (a polytope's bounding box; its rows are checked on confirmation). */
export function falsifyBox(net: Network, query: Query, box: Box, opts: FalsifyOptions): Counterexample | undefined {
  let found: Counterexample | undefined;
  descend(net, query, box, opts, (x, margin) => {
    if (margin > 0) return false;
    found = confirm(net, query, x);
    return found !== undefined;
  });
  return found;
}

export interface MarginPoint {
  readonly input: Float64Array;
  /** The violation margin there (<= 0: a counterexample). */
  readonly margin: number;
}

export interface MarginMinimum extends MarginPoint {
  /** The lowest point of each descent (in the region), lowest first: the local minima the search reached. */
  readonly descents: readonly MarginPoint[];
  /** Network evaluations spent: forward passes, a gradient counting as two (forward and backward). */
  readonly evaluations: number;
}

/**
 * The same multi-start search run to its end, without stopping at the first violation: the lowest margin seen at a
 * point of the region (SpecRepair's global minimisation of its satisfaction function, which runs to the minimum so that
 * the repair removes the most severe violation). Undefined when no point of the region was seen (rows reject them all).
 */
export function minimizeMargin(net: Network, query: Query, box: Box, opts: FalsifyOptions): MarginMinimum | undefined {
  const descents: MarginPoint[] = [];
  let current: MarginPoint | undefined;
  const evaluations = descend(net, query, box, opts, (x, margin, start) => {
    if (start && current) descents.push(current);
    if (start) current = undefined;
    if ((!current || margin < current.margin) && inRegion(query.region, x)) current = { input: x, margin };
    return false;
  });
  if (current) descents.push(current);
  descents.sort((a, b) => a.margin - b.margin);
  return descents.length > 0 ? { ...descents[0], descents, evaluations } : undefined;
}

/**
 * Samples (and, in few dimensions, every corner), then projected sign-gradient descents from the `starts` samples of
 * lowest margin. `visit` sees each start (`start` true), each point of each descent and each descent's end with its margin; returning
 * true stops the search. Returns the network evaluations spent.
 */
function descend(net: Network, query: Query, box: Box, opts: FalsifyOptions, visit: (x: Float64Array, margin: number, start: boolean) => boolean): number {
  const n = box.lower.length;
  const out = net.layers[net.layers.length - 1].outSize;
  // Low-dimensional boxes: every corner too (violations often sit where several inputs are at their bounds).
  const corners = n <= MAX_CORNER_DIMS ? 1 << n : 0;
  const count = opts.samples + corners;
  const xs = new Float64Array(count * n);
  for (let c = 0; c < corners; c++) xs.set(box.lower.map((l, i) => ((c >> i) & 1 ? box.upper[i] : l)), (opts.samples + c) * n);
  const ys = new Float64Array(count * out);
  ys.set(forward(net, xs.subarray(opts.samples * n), corners), opts.samples * out);
  // Samples in chunks, so that a sampling deadline is heard (20,000 ACAS Xu samples take longer than a first heavy
  // attack's whole budget).
  let sampled = 0;
  while (sampled < opts.samples) {
    const end = Math.min(opts.samples, sampled + SAMPLE_CHUNK);
    for (let k = sampled; k < end; k++) xs.set(sampleIn(box, opts.random, k), k * n);
    if (sampled === 0) xs.set(box.lower.map((l, i) => (l + box.upper[i]) / 2), 0);
    ys.set(forward(net, xs.subarray(sampled * n, end * n), end - sampled), sampled * out);
    sampled = end;
    if (opts.samplingDeadline !== undefined && Date.now() > opts.samplingDeadline) break;
  }
  const seen = [...Array(sampled).keys(), ...Array.from({ length: corners }, (_, c) => opts.samples + c)];
  let evaluations = seen.length;
  const scored = seen.map((k) => ({ k, margin: violationMargin(query.violation, ys.subarray(k * out, (k + 1) * out)) }))
    .sort((a, b) => a.margin - b.margin);
  const width = box.upper.map((u, i) => u - box.lower[i]);
  for (const { k, margin } of scored.slice(0, opts.starts)) {
    let x = xs.slice(k * n, (k + 1) * n);
    if (visit(x, margin, true)) return evaluations;
    for (let step = 0; step < opts.steps; step++) {
      if (Date.now() > opts.deadline || opts.signal?.aborted) return evaluations;
      const { margin: m, gradient } = marginGradient(net, query, x);
      evaluations += 2;
      if (step > 0 && visit(x, m, false)) return evaluations;
      const rate = 0.1 * Math.pow(0.93, step);
      x = x.map((v, i) => Math.min(box.upper[i], Math.max(box.lower[i], v - rate * width[i] * Math.sign(gradient[i]))));
    }
    evaluations++;
    if (visit(x, violationMargin(query.violation, forward(net, x)), false)) return evaluations;
  }
  return evaluations;
}

export const polytopeBox = (p: Polytope): Box => ({ lower: p.lower, upper: p.upper });

/** A small deterministic generator, so that runs are reproducible. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}
