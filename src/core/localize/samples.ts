/**
 * Positive (safe) and negative (violating) samples of a property, BIRDNN's "domain behaviour characterisation": uniform
 * and face samples of the input region, plus the neighbourhoods of given counterexamples, split by the property's
 * violation on the model's float64 outputs. When the region holds no safe sample (it "absolutely violates"), safe
 * samples come from its δ-neighbourhood (Def. 2), δ growing until some appear. Plain sequences and graphs alike.
 */
import { isGraph } from '../network/model';
import { inRegion, violationMargin, type Query } from '../query/normalForm';
import { layerActivations } from './activations';
import { asGraph, type Localizable } from './model';
import { concatRows, pickRows, sampleAround, sampleRegion, splitRows, type Random } from './sampling';
import { attackViolations } from './violations';
import { falsifyBox } from '../verify/falsify';

export interface SampleSet {
  /** Row-major [count][inSize]. */
  readonly inputs: Float64Array;
  readonly count: number;
  /** Every node's (layer's) outputs on the samples ([count][outSize] each; the last is the model's output). */
  readonly activations: readonly Float64Array[];
  readonly violating: Int32Array;
  readonly safe: Int32Array;
  /** The δ of the neighbourhood the safe samples came from (0: the region itself). */
  readonly delta: number;
}

export interface SampleOptions {
  readonly samples: number;
  readonly random: Random;
  /** Fraction of samples on the region's faces. */
  readonly onFaces?: number;
  /** Known violating inputs (the verifier's counterexamples): each adds `perCounterexample` samples around it. */
  readonly counterexamples?: readonly ArrayLike<number>[];
  readonly perCounterexample?: number;
  /**
   * Relative radii of a counterexample's neighbourhood (of the region's width), `perCounterexample` samples at each:
   * several radii reach from inside a small pocket of violations to the safe inputs around it.
   */
  readonly radii?: readonly number[];
  /** Grow the violating samples to at least this many when uniform sampling finds fewer (an attack, then neighbourhoods). */
  readonly violatingTarget?: number;
  /**
   * Attack for new violations (default true): when none is known, and every third round even when some are (more
   * diverse negatives, which a repair trains on). False: the violations come from the samples, the counterexamples
   * and `searchCounterexample` only, and are grown by sampling around them (localisation: the attack is the slow part,
   * and on a property that holds it searches in vain).
   */
  readonly attack?: boolean;
  /**
   * Asked once when the region's samples hold no violation and none is given: a violating input (the verifier's
   * counterexample), 'holds' when the verifier proved there is none (nothing is attacked then), or undefined.
   */
  readonly searchCounterexample?: () => Promise<ArrayLike<number> | 'holds' | undefined>;
  /** Where a δ-neighbourhood may reach (the whole input domain). */
  readonly domain?: { readonly lower: Float64Array; readonly upper: Float64Array };
}

export async function collectSamples(net: Localizable, query: Query, options: SampleOptions): Promise<SampleSet> {
  const n = asGraph(net).inputSize;
  const parts = [sampleRegion(query.region, options.samples, options.random, options.onFaces ?? 0.1)];
  if (options.counterexamples?.length) {
    const box = query.region[0];
    parts.push(Float64Array.from(options.counterexamples.flatMap((c) => Array.from(c))));
    for (const radius of options.radii ?? [0.01]) parts.push(sampleAround(options.counterexamples, box, radius, options.perCounterexample ?? 20, options.random));
  }
  const first = concatRows(parts);
  let target = Math.min(options.violatingTarget ?? 0, options.samples);
  // Room for the rows a counterexample search and a few growing rounds add (each about twice the target).
  const set = new GrowingSampleSet(net, query, first.length / n + 6 * target + 512);
  await set.add(first);
  if (set.violatingCount === 0 && !options.counterexamples?.length && options.searchCounterexample) {
    const found = await options.searchCounterexample();
    if (found === 'holds') target = 0;
    else if (found) {
      const around = (options.radii ?? [0.01]).map((radius) => sampleAround([found], query.region[0], radius, options.perCounterexample ?? 20, options.random));
      await set.add(concatRows([Float64Array.from(found), ...around]));
    }
  }
  for (let round = 0; set.violatingCount < target && round < 6; round++) {
    // Attack first (new violations anywhere in the region), then grow the known ones by sampling around them.
    const attack = options.attack !== false && (set.violatingCount === 0 || round % 3 === 0);
    const grown = attack ? query.region.map((p) => attackViolations(net, query.violation, p, 256, 40, options.random)) : [];
    if (attack && set.violatingCount === 0 && grown.every((g) => g.length === 0) && !isGraph(net)) {
      // The verifier's falsifier (samples, every corner, PGD) as the last resort: one counterexample is enough to grow.
      const found = query.region.map((p) => falsifyBox(net, query, p, { samples: 4096, starts: 20, steps: 60, deadline: Date.now() + 10_000, random: options.random }));
      grown.push(...found.filter((c) => c !== undefined).map((c) => Float64Array.from(c!.input)));
    }
    const known = [...grown.flatMap((g) => splitRows(g, n)), ...set.violatingInputs()];
    if (known.length === 0) {
      if (!attack) break; // nothing to grow, and no attack to find any
      continue; // nothing yet: the next round attacks again from other starts
    }
    const perPoint = Math.ceil((2 * target) / known.length);
    const around = sampleAround(known, query.region[0], 0.005 * 2 ** round, perPoint, options.random);
    await set.add(concatRows([...grown, around]));
  }
  if (set.safeCount === 0 && set.violatingCount > 0) {
    for (const delta of [0.01, 0.02, 0.05, 0.1, 0.2, 0.5]) {
      const wider = query.region.map((p) => ({
        ...p, rows: [],
        lower: p.lower.map((l, i) => Math.max(options.domain?.lower[i] ?? -Infinity, l - delta * widthOf(p, options.domain, i))),
        upper: p.upper.map((u, i) => Math.min(options.domain?.upper[i] ?? Infinity, u + delta * widthOf(p, options.domain, i))),
      }));
      const extra = await splitSamples(net, query, sampleRegion(wider, options.samples, options.random), delta);
      if (extra.safe.length > 0) {
        await set.add(pickRows(extra.inputs, extra.safe, n));
        return set.sampleSet(delta);
      }
    }
  }
  return set.sampleSet(0);
}

const widthOf = (p: { lower: Float64Array; upper: Float64Array }, domain: { lower: Float64Array; upper: Float64Array } | undefined, i: number) =>
  domain ? domain.upper[i] - domain.lower[i] : p.upper[i] - p.lower[i];

/** A given sample set's activations and its split: violating = in the region with violating outputs. */
export async function splitSamples(net: Localizable, query: Query, inputs: Float64Array, delta = 0): Promise<SampleSet> {
  const set = new GrowingSampleSet(net, query, inputs.length / asGraph(net).inputSize);
  await set.add(inputs);
  return set.sampleSet(delta);
}

/**
 * Rows [from, to) of row-major inputs and the model's outputs on them (m each), split by the property: violating = in
 * the region with violating outputs. One scratch row each for the inputs and outputs: no view is made per sample.
 */
export function classifyRows(query: Query, inputs: Float64Array, outputs: Float64Array, m: number, from: number, to: number, violating: number[], safe: number[]): void {
  const n = query.region[0].lower.length;
  const x = new Float64Array(n);
  const y = new Float64Array(m);
  for (let r = from; r < to; r++) {
    for (let j = 0; j < m; j++) y[j] = outputs[r * m + j];
    let bad = violationMargin(query.violation, y) <= 0;
    if (bad) {
      for (let i = 0; i < n; i++) x[i] = inputs[r * n + i];
      bad = inRegion(query.region, x);
    }
    (bad ? violating : safe).push(r);
  }
}

/**
 * Samples collected in batches: each batch runs through the network once (ONNX Runtime writes every layer's outputs
 * straight into these buffers) and is split by the violation; the rows before it are kept as they were. Buffers grow
 * by doubling when a batch does not fit.
 */
class GrowingSampleSet {
  private readonly n: number;
  private readonly widths: number[];
  private inputs: Float64Array;
  private layers: Float64Array[];
  private count = 0;
  private readonly violating: number[] = [];
  private readonly safe: number[] = [];

  constructor(private readonly net: Localizable, private readonly query: Query, capacity: number) {
    const g = asGraph(net);
    this.n = g.inputSize;
    this.widths = g.nodes.map((node) => node.outSize);
    this.inputs = new Float64Array(capacity * this.n);
    this.layers = this.widths.map((w) => new Float64Array(capacity * w));
  }

  get violatingCount(): number { return this.violating.length; }
  get safeCount(): number { return this.safe.length; }

  violatingInputs(): Float64Array[] {
    return this.violating.map((r) => this.inputs.subarray(r * this.n, (r + 1) * this.n));
  }

  async add(rows: Float64Array): Promise<void> {
    const { n, count } = this;
    const added = rows.length / n;
    if (added === 0) return;
    this.reserve(count + added);
    this.inputs.set(rows, count * n);
    await layerActivations(this.net, this.inputs.subarray(count * n), added, this.layers.map((l, k) => l.subarray(count * this.widths[k], (count + added) * this.widths[k])));
    classifyRows(this.query, this.inputs, this.layers[this.layers.length - 1], this.widths[this.widths.length - 1], count, count + added, this.violating, this.safe);
    this.count = count + added;
  }

  /** The rows so far, as views of the buffers (no copy). */
  sampleSet(delta: number): SampleSet {
    return {
      inputs: this.inputs.subarray(0, this.count * this.n),
      count: this.count,
      activations: this.layers.map((l, k) => l.subarray(0, this.count * this.widths[k])),
      violating: Int32Array.from(this.violating),
      safe: Int32Array.from(this.safe),
      delta,
    };
  }

  private reserve(rows: number): void {
    const capacity = this.inputs.length / this.n;
    if (rows <= capacity) return;
    const grown = Math.max(rows, 2 * capacity);
    const copy = (old: Float64Array, width: number) => {
      const next = new Float64Array(grown * width);
      next.set(old.subarray(0, this.count * width));
      return next;
    };
    this.inputs = copy(this.inputs, this.n);
    this.layers = this.layers.map((l, k) => copy(l, this.widths[k]));
  }
}
