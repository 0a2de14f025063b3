/**
 * An exact mixed-integer encoding of "some input of the region breaks this clause" for a network of ReLU/LeakyReLU
 * layers, and its LP relaxation. Columns: the inputs; per unstable neuron its activation a and (exact encoding) a
 * binary d; and, unless substituted, each live neuron's pre-activation z. Substituting writes a neuron's z as an
 * expression over the other columns: on few inputs and few unstable neurons that keeps rows short and the program's size
 * follows the unstable neurons, not the network; with many inputs (MNIST) the expressions would be longer than a row
 * over the previous layer, so z keeps its column there (docs/benchmarks/tuning.md).
 * Each unstable neuron's big-M constraints take its sound pre-activation bounds as M's; with d relaxed to [0, 1] they
 * are the triangle relaxation. Infeasible means the clause holds on the region; a feasible point is a candidate
 * counterexample, checked concretely by the caller. The solver's tolerances only enlarge the feasible set, and each
 * clause row must stay below a small positive target, so a tolerance never turns a violation into "infeasible".
 */
import type { Network } from '../network/network';
import { activationOf } from '../network/activations';
import type { LinearRow, Polytope } from '../query/normalForm';
import type { LayerBounds } from '../bounds/box';
import { multiplyRows } from '../bounds/backSubstitution';
import { solveMilp, type MilpOptions, type MixedIntegerProgram } from '../lp';

/** The rows' target is this fraction of the row's scale above 0 (well above HiGHS's 1e-7 feasibility tolerance). */
const TARGET = 1e-6;

export interface EncodingOptions {
  /** The LP relaxation (d in [0, 1]) instead of the exact MILP. */
  readonly relaxed?: boolean;
  /** Substitute stable neurons' pre-activations (default: when the inputs plus unstable neurons fit in a layer's width). */
  readonly substitute?: boolean;
  /**
   * Every neuron, inactive ones included, keeps a pre-activation column bounded by `preActivation` (no substitution):
   * bounds that encode split sides (z >= 0, z <= 0) then hold exactly, as settling a fully split subdomain needs.
   */
  readonly everyNeuron?: boolean;
}

export function clauseMilp(
  net: Network, polytope: Polytope, preActivation: readonly LayerBounds[], clause: readonly LinearRow[], options: EncodingOptions = {},
): MixedIntegerProgram {
  const { relaxed = false, everyNeuron = false } = options;
  const n = polytope.lower.length;
  const hidden = net.layers.length - 1;
  let unstable = 0;
  let live = 0;
  for (let t = 0; t < hidden; t++) {
    const { lo, hi } = preActivation[t];
    const leaky = (activationOf(net.layers[t].activation).piecewise?.below ?? 0) > 0;
    for (let j = 0; j < lo.length; j++) {
      if (lo[j] < 0 && hi[j] > 0) unstable++;
      if (hi[j] > 0 || leaky || everyNeuron) live++;
    }
  }
  const narrowest = Math.min(...net.layers.slice(0, hidden).map((l) => l.outSize));
  const substitute = !everyNeuron && (options.substitute ?? n + unstable <= narrowest);
  const columns = n + (relaxed ? 1 : 2) * unstable + (substitute ? 0 : live);
  // An affine expression over the columns is a row of `stride` numbers: the coefficients, then the constant.
  const stride = columns + 1;
  const lower = new Float64Array(columns);
  const upper = new Float64Array(columns);
  const integer = new Uint8Array(columns);
  lower.set(polytope.lower);
  upper.set(polytope.upper);
  let used = n;
  const starts: number[] = [0];
  const indices: number[] = [];
  const values: number[] = [];
  const rowLower: number[] = [];
  const rowUpper: number[] = [];
  /** lo <= expression <= hi, with the expression's constant moved to the bounds. */
  const addRow = (e: Float64Array, at: number, lo: number, hi: number) => {
    for (let c = 0; c < used; c++) if (e[at + c] !== 0) { indices.push(c); values.push(e[at + c]); }
    starts.push(indices.length);
    rowLower.push(lo - e[at + columns]);
    rowUpper.push(hi - e[at + columns]);
  };

  let width = n;
  let posts = new Float64Array(n * stride);
  for (let i = 0; i < n; i++) posts[i * stride + i] = 1;
  for (const row of polytope.rows) {
    const e = new Float64Array(stride);
    multiplyRows(row.coeffs, 1, n, posts, stride, e);
    addRow(e, 0, -Infinity, row.rhs);
  }
  const scratch = new Float64Array(stride);
  for (let t = 0; t < hidden; t++) {
    const layer = net.layers[t];
    const pieces = activationOf(layer.activation).piecewise;
    if (!pieces) throw new Error(`layer ${t + 1}: a MILP encodes piecewise linear activations only, not ${layer.activation.kind}`);
    const alpha = pieces.below;
    const { lo, hi } = preActivation[t];
    // z = W post + b, every neuron's pre-activation as an expression over the columns.
    const z = new Float64Array(layer.outSize * stride);
    multiplyRows(layer.weights, layer.outSize, width, posts, stride, z);
    for (let j = 0; j < layer.outSize; j++) z[j * stride + columns] += layer.bias[j];
    const next = new Float64Array(layer.outSize * stride);
    for (let j = 0; j < layer.outSize; j++) {
      const at = j * stride;
      if (hi[j] <= 0 && alpha === 0 && !everyNeuron) continue;
      if (!substitute) {
        const zc = used++;
        lower[zc] = lo[j];
        upper[zc] = hi[j];
        // zc - (W post + b) = 0
        for (let c = at; c < at + stride; c++) z[c] = -z[c];
        z[at + zc] += 1;
        addRow(z, at, 0, 0);
        z.fill(0, at, at + stride);
        z[at + zc] = 1;
      }
      if (hi[j] <= 0 || lo[j] >= 0) {
        const slope = lo[j] >= 0 ? 1 : alpha;
        for (let c = 0; c < stride; c++) next[at + c] = slope * z[at + c];
        continue;
      }
      const a = used++;
      lower[a] = alpha * lo[j];
      upper[a] = hi[j];
      next[at + a] = 1;
      // a >= z and a >= alpha z; above, the chord (relaxed) or the big-M pair a - z <= (1 - alpha)(-lo)(1 - d),
      // a - alpha z <= (1 - alpha) hi d.
      const withA = (scale: number) => {
        for (let c = 0; c < stride; c++) scratch[c] = -scale * z[at + c];
        scratch[a] = 1;
        return scratch;
      };
      addRow(withA(1), 0, 0, Infinity);
      if (alpha > 0) addRow(withA(alpha), 0, 0, Infinity);
      if (relaxed) {
        const s = (hi[j] - alpha * lo[j]) / (hi[j] - lo[j]);
        addRow(withA(s), 0, -Infinity, (1 - s) * hi[j]);
        continue;
      }
      const d = used++;
      upper[d] = 1;
      integer[d] = 1;
      const e = withA(1);
      e[d] = (1 - alpha) * -lo[j];
      addRow(e, 0, -Infinity, (1 - alpha) * -lo[j]);
      const f = withA(alpha);
      f[d] = -(1 - alpha) * hi[j];
      addRow(f, 0, -Infinity, 0);
    }
    posts = next;
    width = layer.outSize;
  }
  // Each clause row c.y - rhs, with y = W_last post + b_last, must be <= target.
  const last = net.layers[hidden];
  const outputs = new Float64Array(last.outSize * stride);
  multiplyRows(last.weights, last.outSize, width, posts, stride, outputs);
  for (let o = 0; o < last.outSize; o++) outputs[o * stride + columns] += last.bias[o];
  const cost = new Float64Array(columns);
  for (const row of clause) {
    const e = new Float64Array(stride);
    multiplyRows(row.coeffs, 1, last.outSize, outputs, stride, e);
    e[columns] -= row.rhs;
    let scale = 1 + Math.abs(e[columns]);
    for (let c = 0; c < columns; c++) {
      scale += Math.abs(e[c]) * Math.max(Math.abs(lower[c]), Math.abs(upper[c]));
      cost[c] += e[c];
    }
    addRow(e, 0, -Infinity, TARGET * scale);
  }
  return {
    cost, lower, upper, integer,
    rows: { starts: Int32Array.from(starts), indices: Int32Array.from(indices), values: Float64Array.from(values), lower: Float64Array.from(rowLower), upper: Float64Array.from(rowUpper) },
  };
}

export type ClauseDecision = { kind: 'infeasible' } | { kind: 'candidate'; input: Float64Array } | { kind: 'stopped'; reason: string };

/**
 * Decides one clause on the region by its MILP (or only its LP relaxation, `relaxed`): infeasible proves the clause
 * holds there; otherwise the program's input point (clamped into the region's box) is a candidate to confirm.
 */
export function decideClauseByProgram(
  net: Network, polytope: Polytope, preActivation: readonly LayerBounds[], clause: readonly LinearRow[],
  options: EncodingOptions & MilpOptions & { timeLimitSec: number; shouldStop?: () => boolean },
): ClauseDecision {
  const program = clauseMilp(net, polytope, preActivation, clause, options);
  const result = solveMilp(program, options.timeLimitSec, options.shouldStop, options);
  if (result.status === 'infeasible') return { kind: 'infeasible' };
  if (result.status === 'stopped') return { kind: 'stopped', reason: result.reason };
  const { lower, upper } = polytope;
  return { kind: 'candidate', input: lower.map((l, i) => Math.min(upper[i], Math.max(l, result.x[i]))) };
}
