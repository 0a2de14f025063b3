/**
 * Certified boxes for SpecRepair's last-layer mode (our addition, docs/repair-specrepair.md): the property's region is
 * split into boxes, and each box carries linear bounds of the last hidden layer's values in terms of the input
 * (forward symbolic bounds, DeepPoly-style). These are looser than the verifier's (no back-substitution), on purpose:
 * they cost a fraction, and a network trained to hold under them holds with room the verifier sees at once (N2,1/prop 2:
 * proved at the root in 0.8 s, against 18 s and 115 boxes when trained under the verifier's tighter bounds). When only the last layer is retrained these bounds never change, so a lower bound of every violation
 * row's slack over a box is a cheap, differentiable function of the last layer's weights: penalising it (instead of the
 * margin at points) trains the network to hold with slack on whole boxes, where the verifier can see it.
 *
 * The price of that room: on tasks whose violated region shares a linear piece with many correct decisions (ACAS Xu N3,8)
 * the loose bounds force changes that flip those decisions; `tight` intersects each layer's intervals with the
 * verifier's (SpecRepair's `bounds` option, docs/repair-specrepair.md).
 *
 * These bounds guide training only; the verifier decides (and the driver again on the written file).
 */
import type { Box } from '../../bounds/box';
import { specBounds } from '../../bounds/linearBounds';
import { activationOf } from '../../network/activations';
import type { Relaxation } from '../../network/activations/types';
import type { Network } from '../../network/network';
import type { LinearRow, OutputDnf } from '../../query/normalForm';

export interface FeatureBox {
  readonly box: Box;
  readonly violation: OutputDnf;
  /** Lower and upper linear bounds of the last hidden layer's values: [width][inputs + 1], the constant last. */
  readonly lowerForm: Float64Array;
  readonly upperForm: Float64Array;
  /** Concrete bounds of the same values. */
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly depth: number;
  /** Built with the verifier's pre-activation bounds (its halves are too). */
  readonly tight: boolean;
  /**
   * With `backsub`: the hidden layers and each one's relaxation over the box, so that a row's bound is back-substituted
   * through them (as the verifier bounds an output row) instead of read off the forward forms.
   */
  readonly backsub?: { readonly layers: Network['layers']; readonly relaxations: readonly LayerRelaxations[] };
}

/** Per neuron of one hidden layer: lowerSlope·z + lowerShift <= act(z) <= upperSlope·z + upperShift over the box. */
interface LayerRelaxations {
  readonly lowerSlope: Float64Array;
  readonly lowerShift: Float64Array;
  readonly upperSlope: Float64Array;
  readonly upperShift: Float64Array;
}

/** The last layer as trainable values: weights row-major [outputs][width], bias [outputs]. */
export interface LastLayer {
  readonly weights: Float64Array;
  readonly bias: Float64Array;
}

/**
 * Linear bounds of the last hidden layer's values over the box (the hidden layers are the network's, unchanged). With
 * `tight`, each layer's pre-activation interval is first intersected with the verifier's back-substituted one (fewer
 * unstable neurons, tighter relaxations): a box bound closer to what the verifier sees, so the penalty asks for less change.
 */
export function featureBox(net: Network, box: Box, violation: OutputDnf, depth: number, tight = false, backsub = false): FeatureBox {
  const n = box.lower.length;
  const w = n + 1;
  const hidden = net.layers.length - 1;
  // The input's own forms: x_i, exactly.
  let lower = new Float64Array(n * w);
  for (let i = 0; i < n; i++) lower[i * w + i] = 1;
  let upper = Float64Array.from(lower);
  let lo = Float64Array.from(box.lower);
  let hi = Float64Array.from(box.upper);
  const r: Relaxation = { lowerSlope: 0, lowerShift: 0, upperSlope: 0, upperShift: 0 };
  const enclosing = tight || backsub ? specBounds(net, box, []).preActivation : undefined;
  const relaxations: LayerRelaxations[] = [];
  for (let k = 0; k < hidden; k++) {
    const layer = net.layers[k];
    const act = activationOf(layer.activation);
    const nextLower = new Float64Array(layer.outSize * w);
    const nextUpper = new Float64Array(layer.outSize * w);
    const nextLo = new Float64Array(layer.outSize);
    const nextHi = new Float64Array(layer.outSize);
    const rel = { lowerSlope: new Float64Array(layer.outSize), lowerShift: new Float64Array(layer.outSize), upperSlope: new Float64Array(layer.outSize), upperShift: new Float64Array(layer.outSize) };
    relaxations.push(rel);
    for (let j = 0; j < layer.outSize; j++) {
      const zl = new Float64Array(w);
      const zu = new Float64Array(w);
      zl[n] = zu[n] = layer.bias[j];
      for (let p = 0; p < layer.inSize; p++) {
        const c = layer.weights[j * layer.inSize + p];
        if (c === 0) continue;
        const [fl, fu] = c > 0 ? [lower, upper] : [upper, lower];
        for (let i = 0; i < w; i++) {
          zl[i] += c * fl[p * w + i];
          zu[i] += c * fu[p * w + i];
        }
      }
      const zlo = Math.max(minOver(zl, box), enclosing ? enclosing[k].lo[j] : -Infinity);
      const zhi = Math.min(maxOver(zu, box), enclosing ? enclosing[k].hi[j] : Infinity);
      act.relax(zlo, Math.max(zlo, zhi), r);
      rel.lowerSlope[j] = r.lowerSlope;
      rel.lowerShift[j] = r.lowerShift;
      rel.upperSlope[j] = r.upperSlope;
      rel.upperShift[j] = r.upperShift;
      // Monotone activations: both slopes are >= 0, so the lower form takes z's lower form and the upper its upper.
      for (let i = 0; i < w; i++) {
        nextLower[j * w + i] = r.lowerSlope * zl[i];
        nextUpper[j * w + i] = r.upperSlope * zu[i];
      }
      nextLower[j * w + n] += r.lowerShift;
      nextUpper[j * w + n] += r.upperShift;
      nextLo[j] = act.value(zlo);
      nextHi[j] = act.value(Math.max(zlo, zhi));
    }
    lower = nextLower;
    upper = nextUpper;
    lo = nextLo;
    hi = nextHi;
  }
  const layers = net.layers.slice(0, hidden);
  return { box, violation, lowerForm: lower, upperForm: upper, lo, hi, depth, tight, backsub: backsub ? { layers, relaxations } : undefined };
}

/**
 * A lower bound of v·h + constant over the box, h the last hidden layer's values, back-substituted through the hidden
 * layers' relaxations (each neuron's lower line where its coefficient is >= 0, its upper line otherwise), then minimised
 * over the box. With `gradient`, d(bound)/d(v): the chosen lines evaluated forward at the minimising corner.
 */
function backSubstituted(fb: FeatureBox, v: Float64Array, constant: number, gradient?: Float64Array): number {
  const { layers, relaxations } = fb.backsub!;
  let lambda = v;
  let c = constant;
  const lower: Uint8Array[] = [];
  for (let k = layers.length - 1; k >= 0; k--) {
    const layer = layers[k];
    const rel = relaxations[k];
    const mu = new Float64Array(layer.outSize);
    const useLower = new Uint8Array(layer.outSize);
    const next = new Float64Array(layer.inSize);
    for (let j = 0; j < layer.outSize; j++) {
      const l = lambda[j];
      if (l === 0) continue;
      useLower[j] = l >= 0 ? 1 : 0;
      mu[j] = l * (l >= 0 ? rel.lowerSlope[j] : rel.upperSlope[j]);
      c += l * (l >= 0 ? rel.lowerShift[j] : rel.upperShift[j]) + mu[j] * layer.bias[j];
      if (mu[j] === 0) continue;
      const row = j * layer.inSize;
      for (let p = 0; p < layer.inSize; p++) next[p] += mu[j] * layer.weights[row + p];
    }
    lower[k] = useLower;
    lambda = next;
  }
  const n = fb.box.lower.length;
  let h = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    h[i] = lambda[i] >= 0 ? fb.box.lower[i] : fb.box.upper[i];
    c += lambda[i] * h[i];
  }
  if (!gradient) return c;
  for (let k = 0; k < layers.length; k++) {
    const layer = layers[k];
    const rel = relaxations[k];
    const out = new Float64Array(layer.outSize);
    for (let j = 0; j < layer.outSize; j++) {
      let z = layer.bias[j];
      const row = j * layer.inSize;
      for (let p = 0; p < layer.inSize; p++) z += layer.weights[row + p] * h[p];
      out[j] = lower[k][j] ? rel.lowerSlope[j] * z + rel.lowerShift[j] : rel.upperSlope[j] * z + rel.upperShift[j];
    }
    h = out;
  }
  gradient.set(h);
  return c;
}

function minOver(form: Float64Array, box: Box): number {
  const n = box.lower.length;
  let s = form[n];
  for (let i = 0; i < n; i++) s += Math.min(form[i] * box.lower[i], form[i] * box.upper[i]);
  return s;
}

function maxOver(form: Float64Array, box: Box): number {
  const n = box.lower.length;
  let s = form[n];
  for (let i = 0; i < n; i++) s += Math.max(form[i] * box.lower[i], form[i] * box.upper[i]);
  return s;
}

export interface BoxBound {
  /** A lower bound of the violation margin over the box (> 0 proves the property there). */
  readonly margin: number;
  /** The deciding row's output coefficients (none: no row). */
  readonly coeffs?: Float64Array;
  /** Per feature, d(bound)/d(v_k) of the deciding row's bound, v = W^T c (filled in only when asked for). */
  readonly featureGradient?: Float64Array;
}

/** Each row's feature coefficients v = W^T c and constant c·b - rhs for this last layer, by row. */
export type RowMaps = Map<LinearRow, { readonly v: Float64Array; readonly constant: number }>;

export function rowMaps(violations: readonly OutputDnf[], last: LastLayer, width: number): RowMaps {
  const maps: RowMaps = new Map();
  for (const violation of violations) {
    for (const row of violation.flat()) {
      if (maps.has(row)) continue;
      const v = new Float64Array(width);
      let constant = -row.rhs;
      row.coeffs.forEach((c, o) => {
        if (c === 0) return;
        constant += c * last.bias[o];
        for (let k = 0; k < width; k++) v[k] += c * last.weights[o * width + k];
      });
      maps.set(row, { v, constant });
    }
  }
  return maps;
}

/**
 * A lower bound of the violation margin (min over clauses of max over rows of the row's slack) over the box, for the
 * last layer whose row maps are given, and (with `gradient`) d(bound)/d(v) of the deciding row. Each row's bound is the
 * better of the symbolic and the interval one.
 */
export function boxBound(fb: FeatureBox, maps: RowMaps, width: number, gradient?: Float64Array): BoxBound {
  const n = fb.box.lower.length;
  const w = n + 1;
  const a = new Float64Array(w);
  let best = Infinity;
  let bestRow: LinearRow | undefined;
  let bestSymbolic = true;
  for (const clause of fb.violation) {
    let worst = -Infinity;
    let worstRow: LinearRow | undefined;
    let worstSymbolic = true;
    for (const row of clause) {
      const { v, constant } = maps.get(row)!;
      let interval = constant;
      for (let k = 0; k < width; k++) interval += v[k] >= 0 ? v[k] * fb.lo[k] : v[k] * fb.hi[k];
      const symbolic = fb.backsub ? backSubstituted(fb, v, constant) : forwardSymbolic(fb, v, constant, a);
      const bound = Math.max(symbolic, interval);
      if (bound > worst) { worst = bound; worstRow = row; worstSymbolic = symbolic >= interval; }
    }
    if (worst < best) { best = worst; bestRow = worstRow; bestSymbolic = worstSymbolic; }
  }
  if (gradient && bestRow) {
    const { v, constant } = maps.get(bestRow)!;
    if (!bestSymbolic) for (let k = 0; k < width; k++) gradient[k] = v[k] >= 0 ? fb.lo[k] : fb.hi[k];
    else if (fb.backsub) backSubstituted(fb, v, constant, gradient);
    else {
      // The minimising corner of the deciding row's symbolic bound, then each chosen form's value there.
      a.fill(0);
      for (let k = 0; k < width; k++) {
        const form = v[k] >= 0 ? fb.lowerForm : fb.upperForm;
        for (let i = 0; i < w; i++) a[i] += v[k] * form[k * w + i];
      }
      for (let k = 0; k < width; k++) {
        const form = v[k] >= 0 ? fb.lowerForm : fb.upperForm;
        let g = form[k * w + n];
        for (let i = 0; i < n; i++) g += form[k * w + i] * (a[i] >= 0 ? fb.box.lower[i] : fb.box.upper[i]);
        gradient[k] = g;
      }
    }
  }
  return { margin: best, coeffs: bestRow?.coeffs, featureGradient: gradient };
}

/** Sum_k v_k · (lower form if v_k >= 0 else upper form) + constant, minimised over the box (`a`: scratch of inputs + 1). */
function forwardSymbolic(fb: FeatureBox, v: Float64Array, constant: number, a: Float64Array): number {
  const n = fb.box.lower.length;
  const w = n + 1;
  a.fill(0);
  for (let k = 0; k < v.length; k++) {
    const vk = v[k];
    if (vk === 0) continue;
    const form = vk >= 0 ? fb.lowerForm : fb.upperForm;
    for (let i = 0; i < w; i++) a[i] += vk * form[k * w + i];
  }
  let bound = constant + a[n];
  for (let i = 0; i < n; i++) bound += a[i] >= 0 ? a[i] * fb.box.lower[i] : a[i] * fb.box.upper[i];
  return bound;
}

/** Splits the box in two along the input whose width contributes most to the looseness of the deciding row's bound. */
export function splitFeatureBox(net: Network, fb: FeatureBox, last: LastLayer, maps: RowMaps, width: number): [FeatureBox, FeatureBox] {
  const n = fb.box.lower.length;
  const w = n + 1;
  const bound = boxBound(fb, maps, width);
  let dim = 0;
  let widest = -1;
  for (let i = 0; i < n; i++) {
    // |a_i| · width_i, with a the deciding row's symbolic coefficients (the box's own widths when none).
    let a = 1;
    if (bound.coeffs) {
      a = 0;
      for (let k = 0; k < width; k++) {
        let vk = 0;
        for (let o = 0; o < bound.coeffs.length; o++) vk += bound.coeffs[o] * last.weights[o * width + k];
        a += vk * (vk >= 0 ? fb.lowerForm : fb.upperForm)[k * w + i];
      }
    }
    const score = Math.abs(a) * (fb.box.upper[i] - fb.box.lower[i]) + 1e-12 * (fb.box.upper[i] - fb.box.lower[i]);
    if (score > widest) { widest = score; dim = i; }
  }
  const mid = (fb.box.lower[dim] + fb.box.upper[dim]) / 2;
  const left = { lower: fb.box.lower, upper: Float64Array.from(fb.box.upper, (u, i) => (i === dim ? mid : u)) };
  const right = { lower: Float64Array.from(fb.box.lower, (l, i) => (i === dim ? mid : l)), upper: fb.box.upper };
  return [featureBox(net, left, fb.violation, fb.depth + 1, fb.tight, !!fb.backsub), featureBox(net, right, fb.violation, fb.depth + 1, fb.tight, !!fb.backsub)];
}
