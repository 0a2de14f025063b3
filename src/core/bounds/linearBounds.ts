/**
 * Forward symbolic linear bounds (DeepPoly/CROWN-style relaxations, propagated forward in terms of the input): every
 * neuron carries  Lw·x + Lb <= value <= Uw·x + Ub  over the input box. With few inputs (ACAS Xu: 5) this costs
 * width^2 * (inputs + 1) per layer, far less than back-substitution, and is as tight on the final layer.
 * The property's rows are merged into the last affine map, so no precision is lost splitting W into W+ and W-.
 * Float64 throughout; callers keep a safety margin (see SOUNDNESS_MARGIN) before calling a bound decisive.
 */
import type { Activation, DenseLayer, Network } from '../network/network';
import type { LinearRow } from '../spec/normalForm';
import type { Box } from './box';
import { activate, relax, type Relaxation } from './relaxations';

/** A bound must clear this (relative to the magnitudes involved) before it proves anything: float64 rounding headroom. */
export const SOUNDNESS_MARGIN = 1e-9;

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
  readonly preActivation: readonly { readonly lo: Float64Array; readonly hi: Float64Array }[];
  /** The affine map from the last hidden layer's values to the rows ([rows][width]). */
  readonly rowWeights: Float64Array;
}

interface Symbolic {
  size: number;
  Lw: Float64Array; Lb: Float64Array; Uw: Float64Array; Ub: Float64Array;
  lo: Float64Array; hi: Float64Array;
}

/** Bounds on each row's value c·y - rhs over the box. */
export function specBounds(net: Network, box: Box, rows: readonly LinearRow[]): SpecBounds {
  const n = box.lower.length;
  let s = inputSymbolic(box);
  let unstable = 0;
  const r: Relaxation = { lowerSlope: 0, lowerShift: 0, upperSlope: 0, upperShift: 0 };
  const layers = net.layers;
  const last = layers[layers.length - 1];
  const mergeLast = last.activation.kind === 'identity';
  const hidden = mergeLast ? layers.length - 1 : layers.length;
  const preActivation: { lo: Float64Array; hi: Float64Array }[] = [];
  for (let k = 0; k < hidden; k++) {
    const layer = layers[k];
    s = affine(s, layer.weights, layer.bias, layer.outSize, n, box);
    preActivation.push({ lo: Float64Array.from(s.lo), hi: Float64Array.from(s.hi) });
    for (let j = 0; j < s.size; j++) {
      relax(layer.activation, s.lo[j], s.hi[j], r);
      if (r.lowerSlope !== r.upperSlope || r.lowerShift !== r.upperShift) unstable++;
      applyRelaxation(s, j, n, r, layer.activation);
    }
  }
  const { weights, bias } = mergeLast ? mergeRows(last, rows) : rowsAsLayer(rows);
  s = affine(s, weights, bias, rows.length, n, box);
  return { lower: s.lo, upper: s.hi, lowerCoeffs: s.Lw, lowerConst: s.Lb, unstable, preActivation, rowWeights: weights };
}

function inputSymbolic(box: Box): Symbolic {
  const n = box.lower.length;
  const Lw = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Lw[i * n + i] = 1;
  return { size: n, Lw, Lb: new Float64Array(n), Uw: Float64Array.from(Lw), Ub: new Float64Array(n), lo: Float64Array.from(box.lower), hi: Float64Array.from(box.upper) };
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
function affine(s: Symbolic, W: Float64Array, b: Float64Array, out: number, n: number, box: Box): Symbolic {
  const m = s.size;
  const Lw = new Float64Array(out * n);
  const Uw = new Float64Array(out * n);
  const Lb = new Float64Array(out);
  const Ub = new Float64Array(out);
  const lo = new Float64Array(out);
  const hi = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let lb = b[o];
    let ub = b[o];
    let ilo = b[o];
    let ihi = b[o];
    const lrow = o * n;
    for (let j = 0; j < m; j++) {
      const w = W[o * m + j];
      if (w === 0) continue;
      const jrow = j * n;
      if (w > 0) {
        for (let i = 0; i < n; i++) {
          Lw[lrow + i] += w * s.Lw[jrow + i];
          Uw[lrow + i] += w * s.Uw[jrow + i];
        }
        lb += w * s.Lb[j];
        ub += w * s.Ub[j];
        ilo += w * s.lo[j];
        ihi += w * s.hi[j];
      } else {
        for (let i = 0; i < n; i++) {
          Lw[lrow + i] += w * s.Uw[jrow + i];
          Uw[lrow + i] += w * s.Lw[jrow + i];
        }
        lb += w * s.Ub[j];
        ub += w * s.Lb[j];
        ilo += w * s.hi[j];
        ihi += w * s.lo[j];
      }
    }
    Lb[o] = lb;
    Ub[o] = ub;
    let slo = lb;
    let shi = ub;
    for (let i = 0; i < n; i++) {
      const lw = Lw[lrow + i];
      const uw = Uw[lrow + i];
      slo += lw > 0 ? lw * box.lower[i] : lw * box.upper[i];
      shi += uw > 0 ? uw * box.upper[i] : uw * box.lower[i];
    }
    lo[o] = Math.max(slo, ilo);
    hi[o] = Math.min(shi, ihi);
  }
  return { size: out, Lw, Lb, Uw, Ub, lo, hi };
}

/** Applies  lowerSlope*z + lowerShift <= act(z) <= upperSlope*z + upperShift  to neuron j's symbolic bounds. */
function applyRelaxation(s: Symbolic, j: number, n: number, r: Relaxation, act: Activation): void {
  const row = j * n;
  for (let i = 0; i < n; i++) {
    s.Lw[row + i] *= r.lowerSlope;
    s.Uw[row + i] *= r.upperSlope;
  }
  s.Lb[j] = r.lowerSlope * s.Lb[j] + r.lowerShift;
  s.Ub[j] = r.upperSlope * s.Ub[j] + r.upperShift;
  // Every supported activation is monotone: its concrete range over [lo, hi] is [act(lo), act(hi)].
  s.lo[j] = activate(act, s.lo[j]);
  s.hi[j] = activate(act, s.hi[j]);
}
