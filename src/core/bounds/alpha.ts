/**
 * Optimised lower relaxation slopes (alpha-CROWN) for the property's rows. Below an unstable ReLU any line through the
 * origin with slope alpha in [0, 1] is a sound lower bound, so every choice of alphas gives a valid bound on a row; we
 * climb the row's back-substituted lower bound by projected gradient ascent (Adam) over its own alphas and keep the
 * best bound seen. The intermediate layers' bounds are left as they are (their alphas stay the CROWN choice).
 *
 * Split constraints (beta-CROWN): on a subdomain of ReLU branch and bound where neuron j is fixed active (z_j >= 0) or
 * inactive (z_j <= 0), i.e. sign_j * z_j >= 0, every beta_j >= 0 gives f(x) >= f(x) - sum_j beta_j sign_j z_j(x) on the
 * subdomain, so the right-hand side's bound over the whole box is a sound bound on the subdomain; the betas are
 * climbed with the alphas. The gradient is the exact reverse pass of the back-substitution for the current choices.
 */
import type { Network } from '../network/network';
import type { Box, LayerBounds } from './box';
import { multiplyRows, throughAffine, transpose, type LayerRelaxation } from './backSubstitution';

export interface OptimisedRows {
  readonly lower: Float64Array;
  /** The symbolic lower bound (over the input) that gave each row's best bound, row-major [rows][inputs]. */
  readonly coeffs: Float64Array;
  readonly constant: Float64Array;
  /** The alphas and betas of each row's best bound (a warm start for the subdomains of a split). */
  readonly slopes: SlopeState;
  /** Each row's coefficients over each hidden layer's activations in its best bound ([layer][rows][width]). */
  readonly activationCoeffs: Float64Array[];
}

/** Per hidden layer, [rows][width]: each row's lower slope (alpha) and split multiplier (beta) for each neuron. */
export interface SlopeState {
  readonly alphas: Float64Array[];
  readonly betas: Float64Array[];
}

/**
 * Rows C·a + d over the last hidden layer's activations a (C is [rows][width]); layers 0..hidden-1 are hidden.
 * `preActivation` decides which neurons are unstable (their alphas are free); `minSlope` is the activation's slope
 * below zero (0 for ReLU, alpha for LeakyReLU), per layer.
 */
export function optimiseRowSlopes(
  net: Network, hidden: number, C: Float64Array, d: Float64Array, rows: number, relaxations: readonly LayerRelaxation[],
  preActivation: readonly LayerBounds[], minSlope: readonly number[], box: Box, iterations: number,
  splits?: readonly Int8Array[], start?: SlopeState,
): OptimisedRows {
  const n = box.lower.length;
  // alphas[t][r * width + j]: row r's lower slope for neuron j of layer t, starting at the warm start or the CROWN
  // choice; betas likewise, starting at 0 (no split constraint used).
  const free = freeNeurons(preActivation, minSlope, hidden);
  const alphas: Float64Array[] = [];
  const betas: Float64Array[] = [];
  for (let t = 0; t < hidden; t++) {
    const width = net.layers[t].outSize;
    const a = start ? Float64Array.from(start.alphas[t]) : new Float64Array(rows * width);
    if (!start) for (let j = 0; j < width; j++) for (let r = 0; r < rows; r++) a[r * width + j] = relaxations[t].lowerSlope[j];
    alphas.push(a);
    betas.push(start ? Float64Array.from(start.betas[t]) : new Float64Array(rows * width));
  }
  const best = {
    lower: new Float64Array(rows).fill(-Infinity), coeffs: new Float64Array(rows * n), constant: new Float64Array(rows),
    slopes: { alphas: alphas.map((a) => Float64Array.from(a)), betas: betas.map((b) => Float64Array.from(b)) },
    activationCoeffs: alphas.map((a) => new Float64Array(a.length)),
  };
  const params = [...alphas, ...betas];
  const m1 = params.map((a) => new Float64Array(a.length));
  const m2 = params.map((a) => new Float64Array(a.length));
  const limits = [...minSlope.slice(0, hidden).map((lo) => [lo, 1]), ...betas.map(() => [0, Infinity])];
  const rates = [...alphas.map(() => ALPHA_RATE), ...betas.map(() => BETA_RATE)];
  for (let it = 0; it < iterations; it++) {
    const pass = boundWithGradient(net, hidden, C, d, rows, relaxations, alphas, free, box, splits, betas);
    for (let r = 0; r < rows; r++) {
      if (pass.lower[r] > best.lower[r]) {
        best.lower[r] = pass.lower[r];
        best.coeffs.set(pass.coeffs.subarray(r * n, (r + 1) * n), r * n);
        best.constant[r] = pass.constant[r];
        for (let t = 0; t < hidden; t++) {
          const w = net.layers[t].outSize;
          const row = (x: Float64Array) => x.subarray(r * w, (r + 1) * w);
          best.slopes.alphas[t].set(row(alphas[t]), r * w);
          best.slopes.betas[t].set(row(betas[t]), r * w);
          best.activationCoeffs[t].set(row(pass.overActivation[t]), r * w);
        }
      }
    }
    if (it === iterations - 1) break;
    // Adam ascent step, projected onto [minSlope, 1] (alphas) and [0, inf) (betas).
    const b1 = 1 - 0.9 ** (it + 1);
    const b2 = 1 - 0.999 ** (it + 1);
    const gradients = [...pass.alphaGradient, ...pass.betaGradient];
    for (let k = 0; k < params.length; k++) {
      const a = params[k], g = gradients[k], p = m1[k], q = m2[k];
      const [lo, hi] = limits[k];
      for (let e = 0; e < a.length; e++) {
        if (g[e] === 0) continue;
        p[e] = 0.9 * p[e] + 0.1 * g[e];
        q[e] = 0.999 * q[e] + 0.001 * g[e] * g[e];
        const step = (rates[k] * (p[e] / b1)) / (Math.sqrt(q[e] / b2) + 1e-12);
        a[e] = Math.min(hi, Math.max(lo, a[e] + step));
      }
    }
  }
  return best;
}

/** Per hidden layer, 1 for each unstable neuron with an adjustable lower slope (ReLU, LeakyReLU). */
function freeNeurons(preActivation: readonly LayerBounds[], minSlope: readonly number[], hidden: number): Uint8Array[] {
  return preActivation.slice(0, hidden).map(({ lo, hi }, t) => Uint8Array.from(lo, (l, j) => (l < 0 && hi[j] > 0 && Number.isFinite(minSlope[t]) ? 1 : 0)));
}

const ALPHA_RATE = 0.2;
const BETA_RATE = 0.1;

/** One back-substitution of the rows with the given alphas, and the gradient of each row's bound w.r.t. its alphas. */
function boundWithGradient(
  net: Network, hidden: number, C: Float64Array, d: Float64Array, rows: number, relaxations: readonly LayerRelaxation[],
  alphas: readonly Float64Array[], free: readonly Uint8Array[], box: Box, splits: readonly Int8Array[] | undefined,
  betas: readonly Float64Array[], withGradient = true,
): {
  lower: Float64Array; coeffs: Float64Array; constant: Float64Array; overActivation: Float64Array[];
  alphaGradient: Float64Array[]; betaGradient: Float64Array[];
} {
  const n = box.lower.length;
  const constant = Float64Array.from(d);
  // Coefficients over each hidden layer's activations before its relaxation is applied (kept for the reverse pass).
  const overActivation: Float64Array[] = new Array(hidden);
  let A = C;
  for (let t = hidden - 1; t >= 0; t--) {
    overActivation[t] = A;
    const layer = net.layers[t];
    const width = layer.outSize;
    const rel = relaxations[t];
    const z = new Float64Array(rows * width);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < width; j++) {
        const a = A[r * width + j];
        if (a > 0) {
          z[r * width + j] = a * (free[t][j] ? alphas[t][r * width + j] : rel.lowerSlope[j]);
          if (!free[t][j]) constant[r] += a * rel.lowerShift[j];
        } else if (a < 0) {
          z[r * width + j] = a * rel.upperSlope[j];
          constant[r] += a * rel.upperShift[j];
        }
      }
    }
    const sign = splits?.[t];
    if (sign) {
      for (let j = 0; j < width; j++) {
        if (sign[j] === 0) continue;
        for (let r = 0; r < rows; r++) z[r * width + j] -= betas[t][r * width + j] * sign[j];
      }
    }
    A = throughAffine(z, rows, layer, constant);
  }
  const lower = Float64Array.from(constant);
  // d(bound)/d(input coefficient): the box corner that minimises it.
  let G = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) {
      const a = A[r * n + i];
      lower[r] += a > 0 ? a * box.lower[i] : a * box.upper[i];
      G[r * n + i] = a > 0 ? box.lower[i] : box.upper[i];
    }
  }
  // Reverse pass, input side first: G holds d(bound)/d(coefficients over the current layer's input).
  const alphaGradient: Float64Array[] = new Array(hidden);
  const betaGradient: Float64Array[] = new Array(hidden);
  if (!withGradient) return { lower, coeffs: A, constant, overActivation, alphaGradient, betaGradient };
  for (let t = 0; t < hidden; t++) {
    const layer = net.layers[t];
    const width = layer.outSize;
    const inSize = layer.inSize;
    // d(bound)/dz = G·W^T + b (the constant gained b through each row's coefficients on z).
    const Gz = new Float64Array(rows * width);
    multiplyRows(G, rows, inSize, transpose(layer.weights, width, inSize), width, Gz);
    for (let r = 0; r < rows; r++) for (let o = 0; o < width; o++) Gz[r * width + o] += layer.bias[o];
    const rel = relaxations[t];
    const Aa = overActivation[t];
    const grad = new Float64Array(rows * width);
    const Ga = new Float64Array(rows * width);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < width; j++) {
        const e = r * width + j;
        const a = Aa[e];
        if (a > 0) {
          if (free[t][j]) {
            grad[e] = Gz[e] * a;
            Ga[e] = Gz[e] * alphas[t][e];
          } else Ga[e] = Gz[e] * rel.lowerSlope[j] + rel.lowerShift[j];
        } else if (a < 0) Ga[e] = Gz[e] * rel.upperSlope[j] + rel.upperShift[j];
      }
    }
    alphaGradient[t] = grad;
    const betaGrad = new Float64Array(rows * width);
    const sign = splits?.[t];
    if (sign) {
      for (let j = 0; j < width; j++) {
        if (sign[j] === 0) continue;
        for (let r = 0; r < rows; r++) betaGrad[r * width + j] = -sign[j] * Gz[r * width + j];
      }
    }
    betaGradient[t] = betaGrad;
    G = Ga;
  }
  return { lower, coeffs: A, constant, overActivation, alphaGradient, betaGradient };
}

/**
 * Row `row`'s bound, with its current slopes, if neuron `neuron` of layer `layer` were also split (+1 active, -1
 * inactive): one pass with that neuron's relaxation made exact and no multiplier for the new split. A cheap estimate
 * of what a split would gain (filtered smart branching).
 */
export function boundWithSplit(
  net: Network, hidden: number, C: Float64Array, d: Float64Array, rows: number, row: number, relaxations: readonly LayerRelaxation[],
  preActivation: readonly LayerBounds[], minSlope: readonly number[], box: Box, splits: readonly Int8Array[] | undefined,
  slopes: SlopeState, layer: number, neuron: number, sign: number,
): number {
  const width = C.length / rows;
  const pick = (x: Float64Array) => x.subarray(row * (x.length / rows), (row + 1) * (x.length / rows));
  const fixed = { ...relaxations[layer], lowerSlope: Float64Array.from(relaxations[layer].lowerSlope), lowerShift: Float64Array.from(relaxations[layer].lowerShift), upperSlope: Float64Array.from(relaxations[layer].upperSlope), upperShift: Float64Array.from(relaxations[layer].upperShift) };
  const slope = sign > 0 ? 1 : minSlope[layer];
  fixed.lowerSlope[neuron] = slope; fixed.upperSlope[neuron] = slope;
  fixed.lowerShift[neuron] = 0; fixed.upperShift[neuron] = 0;
  const free = freeNeurons(preActivation, minSlope, hidden);
  free[layer][neuron] = 0;
  const pass = boundWithGradient(
    net, hidden, C.subarray(row * width, (row + 1) * width), d.subarray(row, row + 1), 1,
    relaxations.map((r, t) => (t === layer ? fixed : r)), slopes.alphas.map(pick), free, box, splits, slopes.betas.map(pick), false,
  );
  return pass.lower[0];
}
