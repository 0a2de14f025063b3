/**
 * An exact mixed-integer encoding of "some input of the region breaks this clause" for a network of ReLU/LeakyReLU
 * layers: each unstable neuron gets a binary (active or not) and the big-M constraints whose M's are the neuron's sound
 * pre-activation bounds; stable neurons are linear. Infeasible means the clause holds on the region; a feasible point
 * is a candidate counterexample, checked concretely by the caller. The solver's tolerances only enlarge the feasible
 * set, and each clause row must stay below a small positive target, so a tolerance never turns a violation into
 * "infeasible".
 */
import type { Network } from '../network/network';
import type { LinearRow, Polytope } from '../spec/normalForm';
import type { LayerBounds } from '../bounds/linearBounds';
import type { MixedIntegerProgram } from '../lp';

/** The rows' target is this fraction of the row's scale above 0 (well above HiGHS's 1e-7 feasibility tolerance). */
const TARGET = 1e-6;

/** A neuron's activation as a multiple of a column (undefined: constantly 0). */
type Post = { col: number; scale: number } | undefined;

export function clauseMilp(net: Network, polytope: Polytope, preActivation: readonly LayerBounds[], clause: readonly LinearRow[]): MixedIntegerProgram {
  const n = polytope.lower.length;
  const lower: number[] = Array.from(polytope.lower);
  const upper: number[] = Array.from(polytope.upper);
  const integer: number[] = new Array(n).fill(0);
  const starts: number[] = [0];
  const indices: number[] = [];
  const values: number[] = [];
  const rowLower: number[] = [];
  const rowUpper: number[] = [];
  const addColumn = (lo: number, hi: number, isInteger = 0) => {
    lower.push(lo); upper.push(hi); integer.push(isInteger);
    return lower.length - 1;
  };
  const addRow = (terms: Map<number, number>, lo: number, hi: number) => {
    for (const [col, v] of terms) if (v !== 0) { indices.push(col); values.push(v); }
    starts.push(indices.length);
    rowLower.push(lo);
    rowUpper.push(hi);
  };
  // The terms of sum_i w_i * post_i, where post_i is a multiple of a column.
  const affineTerms = (weights: ArrayLike<number>, offset: number, posts: readonly Post[]) => {
    const terms = new Map<number, number>();
    posts.forEach((p, i) => {
      const w = weights[offset + i];
      if (p && w !== 0) terms.set(p.col, (terms.get(p.col) ?? 0) + w * p.scale);
    });
    return terms;
  };
  for (const row of polytope.rows) addRow(affineTerms(row.coeffs, 0, Array.from({ length: n }, (_, i) => ({ col: i, scale: 1 }))), -Infinity, row.rhs);

  let posts: Post[] = Array.from({ length: n }, (_, i) => ({ col: i, scale: 1 }));
  const hidden = net.layers.length - 1;
  for (let t = 0; t < hidden; t++) {
    const layer = net.layers[t];
    const act = layer.activation;
    if (act.kind !== 'relu' && act.kind !== 'leakyRelu') throw new Error(`layer ${t + 1}: a MILP encodes ReLU and LeakyReLU only, not ${act.kind}`);
    const alpha = act.kind === 'leakyRelu' ? act.alpha : 0;
    const { lo, hi } = preActivation[t];
    const next: Post[] = [];
    for (let j = 0; j < layer.outSize; j++) {
      if (hi[j] <= 0 && alpha === 0) { next.push(undefined); continue; }
      // z_j = W_j . post + b_j
      const z = addColumn(lo[j], hi[j]);
      const terms = affineTerms(layer.weights, j * layer.inSize, posts);
      for (const [col, v] of terms) terms.set(col, -v);
      terms.set(z, 1);
      addRow(terms, layer.bias[j], layer.bias[j]);
      if (lo[j] >= 0) { next.push({ col: z, scale: 1 }); continue; }
      if (hi[j] <= 0) { next.push({ col: z, scale: alpha }); continue; }
      // a = act(z): a >= z, a >= alpha z, a - z <= (1 - alpha)(-lo)(1 - d), a - alpha z <= (1 - alpha) hi d.
      const a = addColumn(alpha * lo[j], hi[j]);
      const d = addColumn(0, 1, 1);
      addRow(new Map([[a, 1], [z, -1]]), 0, Infinity);
      if (alpha > 0) addRow(new Map([[a, 1], [z, -alpha]]), 0, Infinity);
      addRow(new Map([[a, 1], [z, -1], [d, (1 - alpha) * -lo[j]]]), -Infinity, (1 - alpha) * -lo[j]);
      addRow(new Map([[a, 1], [z, -alpha], [d, -(1 - alpha) * hi[j]]]), -Infinity, 0);
      next.push({ col: a, scale: 1 });
    }
    posts = next;
  }
  // Each clause row c.y - rhs, with y = W_last post + b_last, must be <= target.
  const last = net.layers[hidden];
  const cost = new Float64Array(lower.length);
  for (const row of clause) {
    const merged = new Float64Array(last.inSize);
    let constant = -row.rhs;
    for (let o = 0; o < last.outSize; o++) {
      const c = row.coeffs[o];
      if (c === 0) continue;
      constant += c * last.bias[o];
      for (let i = 0; i < last.inSize; i++) merged[i] += c * last.weights[o * last.inSize + i];
    }
    const terms = affineTerms(merged, 0, posts);
    let scale = 1 + Math.abs(constant);
    for (const [col, v] of terms) {
      scale += Math.abs(v) * Math.max(Math.abs(lower[col]), Math.abs(upper[col]));
      cost[col] += v;
    }
    addRow(terms, -Infinity, TARGET * scale - constant);
  }
  return {
    cost,
    lower: Float64Array.from(lower),
    upper: Float64Array.from(upper),
    integer: Uint8Array.from(integer),
    rows: { starts: Int32Array.from(starts), indices: Int32Array.from(indices), values: Float64Array.from(values), lower: Float64Array.from(rowLower), upper: Float64Array.from(rowUpper) },
  };
}
