/**
 * Forward symbolic linear bounds (DeepPoly/CROWN-style relaxations, propagated forward in terms of the input): every
 * neuron carries  Lw·x + Lb <= value <= Uw·x + Ub  over the input box. With few inputs (ACAS Xu: 5) this costs
 * width^2 * (inputs + 1) per layer, far less than back-substitution, and is as tight on the final layer.
 * The property's rows are merged into the last affine map, so no precision is lost splitting W into W+ and W-.
 * Float64 throughout; callers keep a safety margin (see SOUNDNESS_MARGIN) before calling a bound decisive.
 */
import type { DenseLayer, Network } from '../network/network';
import { DerivedCache, refreshNetwork } from '../network/derived';
import type { LinearRow } from '../query/normalForm';
import type { Box, LayerBounds } from './box';
import { activationOf, type ActivationModule, type Relaxation } from '../network/activations';
import { backSubstituteLower, type LayerRelaxation } from './backSubstitution';
import { boundWithSplit, optimiseRowSlopes, type SlopeState } from './alpha';
import { secondLayerLower, type SecondLayerRows } from './secondLayerRows';

/**
 * A bound must clear SOUNDNESS_MARGIN x (1 + |lower| + |upper|) before it proves anything. The float64 rounding error of
 * a bound computation is about (terms summed) x 2.2e-16 x (their magnitudes): below 1e-13 on ACAS Xu and MNIST, so the
 * margin keeps 100x headroom while still proving properties that hold by 1e-9 (ACAS Xu 1_6 has such regions).
 */
export const SOUNDNESS_MARGIN = 1e-11;

/** Whether a lower bound proves its row positive, clear of rounding (see SOUNDNESS_MARGIN). */
export const provesPositive = (lower: number, upper: number): boolean => lower > SOUNDNESS_MARGIN * (1 + Math.abs(lower) + Math.abs(upper));

export interface SpecBounds {
  /** Lower bound of (c·y - rhs) for each row over the box. */
  readonly lower: Float64Array;
  /** Upper bound of (c·y - rhs) for each row. */
  readonly upper: Float64Array;
  /** Each row's symbolic lower bound  lowerCoeffs[row]·x + lowerConst[row]  (row-major [rows][inputs]). */
  readonly lowerCoeffs: Float64Array;
  readonly lowerConst: Float64Array;
  /** Number of unstable ReLU-like neurons met (a measure of how loose the bound is). */
  readonly unstable: number;
  /** Concrete pre-activation bounds of every hidden layer (for branching and localisation). */
  readonly preActivation: readonly LayerBounds[];
  /** The affine map from the last hidden layer's values to the rows ([rows][width]). */
  readonly rowWeights: Float64Array;
  /** Every hidden neuron's two lines over its pre-activation interval: the relaxation the bounds were computed with. */
  readonly relaxations: readonly LayerRelaxation[];
  /** When the rows' slopes were optimised (wide inputs): the best alphas/betas and coefficients over each activation. */
  readonly optimised?: {
    readonly slopes: SlopeState;
    readonly activationCoeffs: readonly Float64Array[];
    /** Row `row`'s bound with its optimised slopes if one more neuron were split (+1 active, -1 inactive). */
    readonly boundWithSplit: (row: number, layer: number, neuron: number, sign: number) => number;
  };
}

export interface BoundOptions {
  /** Pre-activation bounds that hold on an enclosing region (the parent in branch and bound), to intersect with. */
  readonly enclosing?: readonly LayerBounds[];
  /** ReLU split constraints per hidden layer (+1: z >= 0, -1: z <= 0, 0: none), used through beta multipliers. */
  readonly splits?: readonly Int8Array[];
  /** Alphas and betas to start the optimisation from (the parent's). */
  readonly warmStart?: SlopeState;
  /** Layers before this one keep their (enclosing) bounds without back-substitution: nothing below them changed. */
  readonly tightenFrom?: number;
  /**
   * Optimise the slopes for every hidden neuron's bounds too, not only for the rows' (alpha-CROWN on intermediate
   * layers): far costlier (two rows per unstable neuron), worth it once at the root of a ReLU-splitting search
   * (measurements: docs/benchmarks/tuning.md).
   */
  readonly optimiseIntermediate?: boolean;
  /**
   * The caller has refreshed the network's weight versions (derived.ts) and nothing wrote into them since: verify does
   * once per call, so the searches' many bound computations skip the byte comparison.
   */
  readonly weightsChecked?: boolean;
  /**
   * One search's second-layer rows (newSecondLayerRows()), for bound computations on the same box and network that
   * differ in a few first-layer neurons (ReLU splitting): the second layer is then tightened by rank-one updates.
   */
  readonly secondLayer?: SecondLayerRows;
}


function intersect(s: Symbolic, outer: LayerBounds): void {
  for (let j = 0; j < s.size; j++) {
    if (outer.lo[j] > s.lo[j]) s.lo[j] = outer.lo[j];
    if (outer.hi[j] < s.hi[j]) s.hi[j] = outer.hi[j];
  }
}

/**
 * Symbolic bounds of a layer's values, input-major so the hot loops are long dot products:
 * L[i * size + j] is the coefficient of input i in neuron j's lower bound; row i = n holds the constant.
 */
interface Symbolic {
  size: number;
  L: Float64Array;
  U: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
}

/**
 * Bounds on each row's value c·y - rhs over the box. Layers up to FORWARD_LAYERS are bounded by cheap forward
 * propagation; deeper layers and the rows by back-substitution, intersected with the forward bounds.
 */
export function specBounds(net: Network, box: Box, rows: readonly LinearRow[], options: BoundOptions = {}): SpecBounds {
  const { enclosing, splits, warmStart, tightenFrom = 0 } = options;
  // The transposes and sign splits below are cached per weight array: see that they match the weights now.
  if (!options.weightsChecked) refreshNetwork(net);
  const n = box.lower.length;
  // Forward symbolic bounds carry n+1 coefficients per neuron: cheap for ACAS Xu's 5 inputs, not for MNIST's 784.
  const forward = n <= FORWARD_INPUT_LIMIT;
  let s = inputSymbolic(box, forward);
  let unstable = 0;
  const r: Relaxation = { lowerSlope: 0, lowerShift: 0, upperSlope: 0, upperShift: 0 };
  const layers = net.layers;
  const last = layers[layers.length - 1];
  const mergeLast = last.activation.kind === 'identity';
  const hidden = mergeLast ? layers.length - 1 : layers.length;
  const preActivation: LayerBounds[] = [];
  const relaxations: LayerRelaxation[] = [];
  const minSlope = layers.map((l) => activationOf(l.activation).piecewise?.below ?? NaN);
  for (let k = 0; k < hidden; k++) {
    const layer = layers[k];
    s = forward ? affine(s, splitSigns(layer.weights), layer.bias, layer.outSize, n, box) : intervalAffine(s, splitSigns(layer.weights), layer.bias, layer.outSize);
    // Bounds that hold on an enclosing box (the parent in branch and bound) hold here too.
    if (enclosing) intersect(s, enclosing[k]);
    // The first layer's interval bounds are exact; deeper ones are tightened backwards (from FORWARD_LAYERS on when the
    // forward bounds are symbolic).
    if (k >= (forward ? FORWARD_LAYERS : 1) && k >= tightenFrom) {
      tightenByBackSubstitution(net, k, s, relaxations, box, options.secondLayer && { kept: options.secondLayer, enclosing: enclosing?.[k] });
      if (options.optimiseIntermediate) optimiseLayerBounds(net, k, s, relaxations, preActivation, minSlope, box, splits);
    }
    preActivation.push({ lo: Float64Array.from(s.lo), hi: Float64Array.from(s.hi) });
    const rel: LayerRelaxation = {
      lowerSlope: new Float64Array(s.size), lowerShift: new Float64Array(s.size),
      upperSlope: new Float64Array(s.size), upperShift: new Float64Array(s.size),
    };
    const act = activationOf(layer.activation);
    for (let j = 0; j < s.size; j++) {
      act.relax(s.lo[j], s.hi[j], r);
      if (r.lowerSlope !== r.upperSlope || r.lowerShift !== r.upperShift) unstable++;
      rel.lowerSlope[j] = r.lowerSlope; rel.lowerShift[j] = r.lowerShift;
      rel.upperSlope[j] = r.upperSlope; rel.upperShift[j] = r.upperShift;
      if (forward) applyRelaxation(s, j, n, r, act);
      else {
        s.lo[j] = act.value(s.lo[j]);
        s.hi[j] = act.value(s.hi[j]);
      }
    }
    relaxations.push(rel);
  }
  const { weights, bias } = mergeLast ? mergeRows(last, rows) : rowsAsLayer(rows);
  s = forward ? affine(s, splitSigns(weights), bias, rows.length, n, box) : intervalAffine(s, splitSigns(weights), bias, rows.length);
  // The rows, back-substituted: C = the row weights over the last hidden layer's values.
  const back = backSubstituteRows(net, hidden, weights, bias, rows.length, relaxations, box);
  const lower = new Float64Array(rows.length);
  const lowerCoeffs = new Float64Array(rows.length * n);
  const lowerConst = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const useBack = !forward || back.lower[k] >= s.lo[k];
    lower[k] = Math.max(back.lower[k], s.lo[k]);
    for (let i = 0; i < n; i++) lowerCoeffs[k * n + i] = useBack ? back.coeffs[k * n + i] : s.L[i * rows.length + k];
    lowerConst[k] = useBack ? back.constant[k] : s.L[n * rows.length + k];
  }
  let optimised: SpecBounds['optimised'];
  if (!forward && lower.some((v) => v <= 0)) {
    const opt = optimiseRowSlopes(net, hidden, weights, bias, rows.length, relaxations, preActivation, minSlope, box, warmStart ? WARM_ALPHA_ITERATIONS : ALPHA_ITERATIONS, splits, warmStart);
    optimised = {
      slopes: opt.slopes,
      activationCoeffs: opt.activationCoeffs,
      boundWithSplit: (row, layer, neuron, sign) => boundWithSplit(
        net, hidden, weights, bias, rows.length, row, relaxations, preActivation, minSlope, box, splits, opt.slopes, layer, neuron, sign,
      ),
    };
    for (let k = 0; k < rows.length; k++) {
      if (opt.lower[k] <= lower[k]) continue;
      lower[k] = opt.lower[k];
      lowerCoeffs.set(opt.coeffs.subarray(k * n, (k + 1) * n), k * n);
      lowerConst[k] = opt.constant[k];
    }
  }
  const upper = Float64Array.from(s.hi, (v, k) => Math.min(v, -back.negLower[k]));
  return { lower, upper, lowerCoeffs, lowerConst, unstable, preActivation, rowWeights: weights, relaxations, optimised };
}

/** Forward bounds are as tight as back-substitution for the first layers; past them forward bounds blow up. */
const FORWARD_LAYERS = 2;
/** Above this many inputs, bounds are computed by intervals and back-substitution only. */
const FORWARD_INPUT_LIMIT = 64;
/**
 * Wide inputs (MNIST) cannot be split down to small boxes, so each bound must be as tight as it gets: the rows' lower
 * slopes are optimised; on small boxes of few inputs (ACAS Xu) the optimisation does not pay for its cost per box, so
 * narrow inputs skip it (docs/benchmarks/tuning.md).
 */
const ALPHA_ITERATIONS = 15;
/** Started from the parent's slopes, fewer steps do as well per subdomain at a third of the cost (docs/benchmarks/tuning.md). */
const WARM_ALPHA_ITERATIONS = 5;

/** Tightens layer k's unstable neurons' bounds by optimising the slopes of the layers below (see optimiseIntermediate). */
function optimiseLayerBounds(
  net: Network, k: number, s: Symbolic, relaxations: readonly LayerRelaxation[], preActivation: readonly LayerBounds[],
  minSlope: readonly number[], box: Box, splits: readonly Int8Array[] | undefined,
): void {
  const open: number[] = [];
  for (let j = 0; j < s.size; j++) if (s.lo[j] < 0 && s.hi[j] > 0) open.push(j);
  if (open.length === 0) return;
  const layer = net.layers[k];
  const width = layer.inSize;
  const rows = 2 * open.length;
  const C = new Float64Array(rows * width);
  const d = new Float64Array(rows);
  open.forEach((j, q) => {
    for (let i = 0; i < width; i++) {
      C[q * width + i] = layer.weights[j * width + i];
      C[(open.length + q) * width + i] = -layer.weights[j * width + i];
    }
    d[q] = layer.bias[j];
    d[open.length + q] = -layer.bias[j];
  });
  const opt = optimiseRowSlopes(net, k, C, d, rows, relaxations, preActivation, minSlope, box, INTERMEDIATE_ITERATIONS, splits);
  open.forEach((j, q) => {
    if (opt.lower[q] > s.lo[j]) s.lo[j] = opt.lower[q];
    if (-opt.lower[open.length + q] < s.hi[j]) s.hi[j] = -opt.lower[open.length + q];
  });
}

const INTERMEDIATE_ITERATIONS = 10;

/** Back-substitutes the neurons whose forward bounds straddle zero: only their relaxations depend on the bounds. */
function tightenByBackSubstitution(
  net: Network, k: number, s: Symbolic, relaxations: readonly LayerRelaxation[], box: Box,
  secondLayer?: { kept: SecondLayerRows; enclosing?: LayerBounds },
): void {
  const size = s.size;
  const open: number[] = [];
  for (let j = 0; j < size; j++) if (s.lo[j] < 0 && s.hi[j] > 0) open.push(j);
  if (open.length === 0) return;
  const forward = s.L.length > 0;
  // Without forward coefficients to replace, the bounds alone are needed: the kept second-layer rows give them.
  // Rows are kept for the neurons unstable on the enclosing subdomain: no neuron unstable below it is missing.
  const wider = secondLayer?.enclosing;
  const keep = wider ? Array.from(wider.lo.keys()).filter((j) => wider.lo[j] < 0 && wider.hi[j] > 0) : open;
  const updated = k === 1 && !forward && secondLayer ? secondLayerLower(net, secondLayer.kept, relaxations, box, open, keep) : undefined;
  if (updated) {
    open.forEach((j, q) => {
      if (updated[q] > s.lo[j]) s.lo[j] = updated[q];
      if (-updated[open.length + q] < s.hi[j]) s.hi[j] = -updated[open.length + q];
    });
    return;
  }
  const rows = 2 * open.length;
  const C = new Float64Array(rows * size);
  open.forEach((j, q) => {
    C[q * size + j] = 1;
    C[(open.length + q) * size + j] = -1;
  });
  const { lower, coeffs, constant } = backSubstituteLower(net, k, C, new Float64Array(rows), rows, relaxations, box);
  const n = box.lower.length;
  open.forEach((j, q) => {
    const up = open.length + q;
    // The back-substituted line is tighter than the forward one here: later layers' forward bounds start from it.
    if (lower[q] > s.lo[j]) {
      s.lo[j] = lower[q];
      if (forward) {
        for (let i = 0; i < n; i++) s.L[i * size + j] = coeffs[q * n + i];
        s.L[n * size + j] = constant[q];
      }
    }
    if (-lower[up] < s.hi[j]) {
      s.hi[j] = -lower[up];
      if (forward) {
        for (let i = 0; i < n; i++) s.U[i * size + j] = -coeffs[up * n + i];
        s.U[n * size + j] = -constant[up];
      }
    }
  });
}

/** Lower bounds of the rows and of their negations, through the last hidden layer's activations. */
function backSubstituteRows(
  net: Network, hidden: number, weights: Float64Array, bias: Float64Array, rows: number, relaxations: readonly LayerRelaxation[], box: Box,
): { lower: Float64Array; coeffs: Float64Array; constant: Float64Array; negLower: Float64Array } {
  const width = net.layers[hidden - 1].outSize;
  // Rows over the activations a_{hidden-1}: relax them into rows over z_{hidden-1}, then substitute from there.
  const both = new Float64Array(2 * rows * width);
  const d = new Float64Array(2 * rows);
  const rel = relaxations[hidden - 1];
  for (let r = 0; r < 2 * rows; r++) {
    const sign = r < rows ? 1 : -1;
    const src = (r % rows) * width;
    let c = sign * bias[r % rows];
    for (let j = 0; j < width; j++) {
      const a = sign * weights[src + j];
      if (a > 0) { c += a * rel.lowerShift[j]; both[r * width + j] = a * rel.lowerSlope[j]; }
      else if (a < 0) { c += a * rel.upperShift[j]; both[r * width + j] = a * rel.upperSlope[j]; }
    }
    d[r] = c;
  }
  const res = backSubstituteLower(net, hidden - 1, both, d, 2 * rows, relaxations, box);
  const n = box.lower.length;
  return {
    lower: res.lower.slice(0, rows),
    coeffs: res.coeffs.slice(0, rows * n),
    constant: res.constant.slice(0, rows),
    negLower: res.lower.slice(rows),
  };
}

function inputSymbolic(box: Box, withCoefficients: boolean): Symbolic {
  const n = box.lower.length;
  if (!withCoefficients) return { size: n, L: new Float64Array(0), U: new Float64Array(0), lo: Float64Array.from(box.lower), hi: Float64Array.from(box.upper) };
  const L = new Float64Array((n + 1) * n);
  for (let i = 0; i < n; i++) L[i * n + i] = 1;
  return { size: n, L, U: Float64Array.from(L), lo: Float64Array.from(box.lower), hi: Float64Array.from(box.upper) };
}

interface SignedWeights { readonly pos: Float64Array; readonly neg: Float64Array }
const signedCache = new DerivedCache<Float64Array, SignedWeights>((W) => [W]);

/** W = W+ + W-, cached per weight matrix. */
function splitSigns(W: Float64Array): SignedWeights {
  return signedCache.get(W, () => ({ pos: W.map((w) => (w > 0 ? w : 0)), neg: W.map((w) => (w < 0 ? w : 0)) }));
}

/** (c·(W a + b) - rhs) for each row: one affine map from the last hidden layer straight to the rows. */
function mergeRows(last: DenseLayer, rows: readonly LinearRow[]): { weights: Float64Array; bias: Float64Array } {
  const m = last.inSize;
  const weights = new Float64Array(rows.length * m);
  const bias = new Float64Array(rows.length);
  rows.forEach((row, k) => {
    let b = -row.rhs;
    for (let o = 0; o < last.outSize; o++) {
      const c = row.coeffs[o];
      if (c === 0) continue;
      b += c * last.bias[o];
      for (let i = 0; i < m; i++) weights[k * m + i] += c * last.weights[o * m + i];
    }
    bias[k] = b;
  });
  return { weights, bias };
}

function rowsAsLayer(rows: readonly LinearRow[]): { weights: Float64Array; bias: Float64Array } {
  const m = rows[0]?.coeffs.length ?? 0;
  const weights = new Float64Array(rows.length * m);
  rows.forEach((row, k) => weights.set(row.coeffs, k * m));
  return { weights, bias: Float64Array.from(rows, (row) => -row.rhs) };
}

/** z = W a + b with symbolic bounds on a; concrete bounds are the tighter of the symbolic and the interval ones. */
function affine(s: Symbolic, W: SignedWeights, b: Float64Array, out: number, n: number, box: Box): Symbolic {
  const m = s.size;
  const L = new Float64Array((n + 1) * out);
  const U = new Float64Array((n + 1) * out);
  const lo = new Float64Array(out);
  const hi = new Float64Array(out);
  const { pos, neg } = W;
  for (let o = 0; o < out; o++) {
    const wo = o * m;
    // Interval bounds from the previous layer's concrete bounds.
    let ilo = b[o];
    let ihi = b[o];
    for (let j = 0; j < m; j++) {
      ilo += pos[wo + j] * s.lo[j] + neg[wo + j] * s.hi[j];
      ihi += pos[wo + j] * s.hi[j] + neg[wo + j] * s.lo[j];
    }
    let slo = 0;
    let shi = 0;
    for (let i = 0; i <= n; i++) {
      const si = i * m;
      let l = 0;
      let u = 0;
      for (let j = 0; j < m; j++) {
        const p = pos[wo + j];
        const q = neg[wo + j];
        const sl = s.L[si + j];
        const su = s.U[si + j];
        l += p * sl + q * su;
        u += p * su + q * sl;
      }
      if (i === n) {
        l += b[o];
        u += b[o];
        slo += l;
        shi += u;
      } else {
        slo += l > 0 ? l * box.lower[i] : l * box.upper[i];
        shi += u > 0 ? u * box.upper[i] : u * box.lower[i];
      }
      L[i * out + o] = l;
      U[i * out + o] = u;
    }
    lo[o] = Math.max(slo, ilo);
    hi[o] = Math.min(shi, ihi);
  }
  return { size: out, L, U, lo, hi };
}

/** Interval bounds of W a + b from the concrete bounds of a (the backward-only mode keeps no coefficients). */
function intervalAffine(s: Symbolic, W: SignedWeights, b: Float64Array, out: number): Symbolic {
  const m = s.size;
  const lo = new Float64Array(out);
  const hi = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let l = b[o];
    let h = b[o];
    const wo = o * m;
    for (let j = 0; j < m; j++) {
      l += W.pos[wo + j] * s.lo[j] + W.neg[wo + j] * s.hi[j];
      h += W.pos[wo + j] * s.hi[j] + W.neg[wo + j] * s.lo[j];
    }
    lo[o] = l;
    hi[o] = h;
  }
  return { size: out, L: new Float64Array(0), U: new Float64Array(0), lo, hi };
}

/** Applies  lowerSlope*z + lowerShift <= act(z) <= upperSlope*z + upperShift  to neuron j's symbolic bounds. */
function applyRelaxation(s: Symbolic, j: number, n: number, r: Relaxation, act: ActivationModule): void {
  const m = s.size;
  for (let i = 0; i < n; i++) {
    s.L[i * m + j] *= r.lowerSlope;
    s.U[i * m + j] *= r.upperSlope;
  }
  s.L[n * m + j] = r.lowerSlope * s.L[n * m + j] + r.lowerShift;
  s.U[n * m + j] = r.upperSlope * s.U[n * m + j] + r.upperShift;
  // Every supported activation is monotone: its concrete range over [lo, hi] is [act(lo), act(hi)].
  s.lo[j] = act.value(s.lo[j]);
  s.hi[j] = act.value(s.hi[j]);
}
