/**
 * The second hidden layer's neurons back-substituted to the input, kept for the many bound computations of one search on
 * one box (ReLU splitting on wide inputs). From one subdomain to another only the first layer's split neurons change
 * their relaxation (the first layer's bounds are exact intervals of the box), so a neuron's lower bound line over the
 * input changes by one scaled row of the first layer's weights per changed neuron: a rank-one update per split instead
 * of a product through the whole first layer (MNIST 256x2: 204 rows x 256 x 784 per subdomain, 40% of its cost).
 * The update is exact algebra; only the order of the float64 sums differs from a direct back-substitution.
 */
import type { Network } from '../network/network';
import type { Box } from './box';
import { backSubstituteLower, type LayerRelaxation } from './backSubstitution';

/** What one search keeps: filled by the first bound computation that tightens the second layer. */
export interface SecondLayerRows {
  base?: {
    readonly net: Network;
    readonly box: Box;
    /** The first layer's relaxation the rows below were computed with. */
    readonly relaxation: LayerRelaxation;
    /** Where neuron j's rows are among the kept ones (-1: not kept). */
    readonly at: Int32Array;
    /** Rows +z_j of the kept neurons, then -z_j in the same order, over the input: [2 kept][inputs]; their constants. */
    readonly coeffs: Float64Array;
    readonly constant: Float64Array;
  };
}

export const newSecondLayerRows = (): SecondLayerRows => ({});

/**
 * Past this share of the first layer's neurons changed, a direct back-substitution is cheaper than the updates (each
 * update costs one pass over the input per row; the product, the first layer's width of them).
 */
const MAX_CHANGED_SHARE = 0.25;

/**
 * Lower bounds over the box of the second layer's pre-activations z_j and of -z_j for the neurons `open` (in that
 * order: all the +z_j, then all the -z_j), as backSubstituteLower(net, 1, ...) computes them with the first layer's
 * relaxation `relaxations[0]`; undefined when too many of its neurons differ from the kept base or a neuron's rows
 * are not kept (the caller computes them directly then). The first call keeps the rows of `keep`: the neurons unstable
 * on the enclosing subdomain, a superset of those unstable anywhere below it, for the price of one direct computation.
 */
export function secondLayerLower(
  net: Network, kept: SecondLayerRows, relaxations: readonly LayerRelaxation[], box: Box, open: readonly number[], keep: readonly number[],
): Float64Array | undefined {
  const first = net.layers[0];
  const second = net.layers[1];
  const width0 = first.outSize;
  const width1 = second.outSize;
  const n = box.lower.length;
  const rel = relaxations[0];
  let base = kept.base;
  if (!base || base.net !== net || base.box.lower !== box.lower || base.box.upper !== box.upper) {
    const rows = 2 * keep.length;
    const C = new Float64Array(rows * width1);
    const at = new Int32Array(width1).fill(-1);
    keep.forEach((j, q) => {
      at[j] = q;
      C[q * width1 + j] = 1;
      C[(keep.length + q) * width1 + j] = -1;
    });
    const { coeffs, constant } = backSubstituteLower(net, 1, C, new Float64Array(rows), rows, relaxations, box);
    const copy = (v: Float64Array) => Float64Array.from(v);
    base = {
      net, box, at, coeffs, constant,
      relaxation: { lowerSlope: copy(rel.lowerSlope), lowerShift: copy(rel.lowerShift), upperSlope: copy(rel.upperSlope), upperShift: copy(rel.upperShift) },
    };
    kept.base = base;
  }
  const was = base.relaxation;
  const changed: number[] = [];
  for (let m = 0; m < width0; m++) {
    if (rel.lowerSlope[m] !== was.lowerSlope[m] || rel.lowerShift[m] !== was.lowerShift[m]
      || rel.upperSlope[m] !== was.upperSlope[m] || rel.upperShift[m] !== was.upperShift[m]) changed.push(m);
  }
  if (changed.length > MAX_CHANGED_SHARE * width0 || open.some((j) => base.at[j] < 0)) return undefined;
  const keptRows = base.constant.length / 2;
  const W1 = second.weights;
  const W0 = first.weights;
  const b0 = first.bias;
  const lower = new Float64Array(2 * open.length);
  const row = new Float64Array(n);
  for (let side = 0; side < 2; side++) {
    const sign = side === 0 ? 1 : -1;
    open.forEach((j, q) => {
      const r = side * keptRows + base.at[j];
      row.set(base.coeffs.subarray(r * n, (r + 1) * n));
      let c = base.constant[r];
      for (const m of changed) {
        // The row's coefficient on the activation of neuron m takes the lower line where positive, the upper where negative.
        const a = sign * W1[j * width0 + m];
        if (a === 0) continue;
        const slope = a > 0 ? rel.lowerSlope[m] - was.lowerSlope[m] : rel.upperSlope[m] - was.upperSlope[m];
        const shift = a > 0 ? rel.lowerShift[m] - was.lowerShift[m] : rel.upperShift[m] - was.upperShift[m];
        const ds = a * slope;
        c += a * shift + ds * b0[m];
        if (ds === 0) continue;
        const wm = m * n;
        for (let i = 0; i < n; i++) row[i] += ds * W0[wm + i];
      }
      for (let i = 0; i < n; i++) c += row[i] > 0 ? row[i] * box.lower[i] : row[i] * box.upper[i];
      lower[side * open.length + q] = c;
    });
  }
  return lower;
}
