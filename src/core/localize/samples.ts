/**
 * Positive (safe) and negative (violating) samples of a property, BIRDNN's "domain behaviour characterisation": uniform
 * and face samples of the input region, plus the neighbourhoods of given counterexamples, split by the property's
 * violation on the model's float64 outputs. When the region holds no safe sample (it "absolutely violates"), safe
 * samples come from its δ-neighbourhood (Def. 2), δ growing until some appear. Plain sequences and graphs alike.
 */
import { isGraph, modelInputSize, modelOutputSize } from '../network/model';
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
   * Attack for new violations even when some are known (default true: more diverse negatives, which a repair trains
   * on). False grows the known ones only: the attack is the slow part on wide inputs (MNIST: tens of seconds).
   */
  readonly attackWhenKnown?: boolean;
  /**
   * Asked once when the region's samples hold no violation and none is given: a violating input (the verifier's
   * counterexample), 'holds' when the verifier proved there is none (nothing is attacked then), or undefined.
   */
  readonly searchCounterexample?: () => Promise<ArrayLike<number> | 'holds' | undefined>;
  /** Where a δ-neighbourhood may reach (the whole input domain). */
  readonly domain?: { readonly lower: Float64Array; readonly upper: Float64Array };
}

export async function collectSamples(net: Localizable, query: Query, options: SampleOptions): Promise<SampleSet> {
  const n = modelInputSize(net);
  const parts = [sampleRegion(query.region, options.samples, options.random, options.onFaces ?? 0.1)];
  if (options.counterexamples?.length) {
    const box = query.region[0];
    parts.push(Float64Array.from(options.counterexamples.flatMap((c) => Array.from(c))));
    for (const radius of options.radii ?? [0.01]) parts.push(sampleAround(options.counterexamples, box, radius, options.perCounterexample ?? 20, options.random));
  }
  let set = await splitSamples(net, query, concatRows(parts), 0);
  let target = Math.min(options.violatingTarget ?? 0, options.samples);
  if (set.violating.length === 0 && !options.counterexamples?.length && options.searchCounterexample) {
    const found = await options.searchCounterexample();
    if (found === 'holds') target = 0;
    else if (found) {
      const around = (options.radii ?? [0.01]).map((radius) => sampleAround([found], query.region[0], radius, options.perCounterexample ?? 20, options.random));
      set = await splitSamples(net, query, concatRows([set.inputs, Float64Array.from(found), ...around]), 0);
    }
  }
  for (let round = 0; set.violating.length < target && round < 6; round++) {
    // Attack first (new violations anywhere in the region), then grow the known ones by sampling around them.
    const attack = set.violating.length === 0 || (round % 3 === 0 && options.attackWhenKnown !== false);
    const grown = attack ? query.region.map((p) => attackViolations(net, query.violation, p, 256, 40, options.random)) : [];
    if (set.violating.length === 0 && grown.every((g) => g.length === 0) && !isGraph(net)) {
      // The verifier's falsifier (samples, every corner, PGD) as the last resort: one counterexample is enough to grow.
      const found = query.region.map((p) => falsifyBox(net, query, p, { samples: 4096, starts: 20, steps: 60, deadline: Date.now() + 10_000, random: options.random }));
      grown.push(...found.filter((c) => c !== undefined).map((c) => Float64Array.from(c!.input)));
    }
    const known = [...grown.flatMap((g) => splitRows(g, n)), ...Array.from(set.violating, (r) => set.inputs.subarray(r * n, (r + 1) * n))];
    if (known.length === 0) continue; // nothing yet: the next round attacks again from other starts
    const perPoint = Math.ceil((2 * target) / known.length);
    const around = sampleAround(known, query.region[0], 0.005 * 2 ** round, perPoint, options.random);
    set = await splitSamples(net, query, concatRows([set.inputs, ...grown, around]), 0);
  }
  if (set.safe.length === 0 && set.violating.length > 0) {
    for (const delta of [0.01, 0.02, 0.05, 0.1, 0.2, 0.5]) {
      const wider = query.region.map((p) => ({
        ...p, rows: [],
        lower: p.lower.map((l, i) => Math.max(options.domain?.lower[i] ?? -Infinity, l - delta * widthOf(p, options.domain, i))),
        upper: p.upper.map((u, i) => Math.min(options.domain?.upper[i] ?? Infinity, u + delta * widthOf(p, options.domain, i))),
      }));
      const extra = await splitSamples(net, query, sampleRegion(wider, options.samples, options.random), delta);
      if (extra.safe.length > 0) {
        set = await splitSamples(net, query, concatRows([set.inputs, pickRows(extra.inputs, extra.safe, n)]), delta);
        break;
      }
    }
  }
  return set;
}

const widthOf = (p: { lower: Float64Array; upper: Float64Array }, domain: { lower: Float64Array; upper: Float64Array } | undefined, i: number) =>
  domain ? domain.upper[i] - domain.lower[i] : p.upper[i] - p.lower[i];

/** A given sample set's activations and its split: violating = in the region with violating outputs. */
export async function splitSamples(net: Localizable, query: Query, inputs: Float64Array, delta = 0): Promise<SampleSet> {
  const n = modelInputSize(net);
  const m = modelOutputSize(net);
  const count = inputs.length / n;
  const activations = count > 0 ? await layerActivations(net, inputs, count) : asGraph(net).nodes.map(() => new Float64Array(0));
  const y = activations[activations.length - 1];
  const violating: number[] = [];
  const safe: number[] = [];
  for (let r = 0; r < count; r++) {
    const bad = violationMargin(query.violation, y.subarray(r * m, (r + 1) * m)) <= 0 && inRegion(query.region, inputs.subarray(r * n, (r + 1) * n));
    (bad ? violating : safe).push(r);
  }
  return { inputs, count, activations, violating: Int32Array.from(violating), safe: Int32Array.from(safe), delta };
}
