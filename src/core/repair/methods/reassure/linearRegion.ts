/**
 * The linear region of an input (REASSURE section 2.2, Lemma 1): the inputs that share its ReLU activation pattern form a
 * polytope on which the network is exactly affine. Computed in float64 by propagating each node's affine map of the
 * input (its Jacobian and offset) through the graph at the point, the activation pattern fixing every ReLU.
 */
import { InputError } from '../../../errors';
import { GRAPH_INPUT, type Graph } from '../../../network/graph';
import { solveSparseLp } from '../../../lp';

export interface NodeLinearization {
  /** Pre-activation values at the point and their affine map of the input on the region: z(x) = jacobian x + offset. */
  readonly z: Float64Array;
  readonly jacobian: Float64Array;
  readonly offset: Float64Array;
  /** Post-activation values at the point. */
  readonly a: Float64Array;
}

export interface Linearization {
  readonly nodes: readonly NodeLinearization[];
  /** The network on the region: y(x) = outJacobian x + outOffset (row-major [outputs][inputs]). */
  readonly outJacobian: Float64Array;
  readonly outOffset: Float64Array;
  readonly output: Float64Array;
}

/**
 * An activation pattern: per ReLU node, 1 (active) or 0 (inactive) per neuron, or -1 where the neuron's half-space is
 * implied by the region's box (it then takes no part in the region's description or its support); undefined for nodes
 * without a ReLU or constant on the box.
 */
export type Pattern = readonly (Int8Array | undefined)[];

/** The region as {x : rows x <= rhs} (row-major [count][inputs]), one half-space per hidden ReLU neuron. */
export interface RegionConstraints {
  readonly rows: Float64Array;
  readonly rhs: Float64Array;
  readonly count: number;
}

export function linearizeAt(graph: Graph, x: ArrayLike<number>): Linearization {
  const m = graph.inputSize;
  const nodes: NodeLinearization[] = [];
  /** Post-activation Jacobian and offset of every node, as the next nodes read them. */
  const post: { jac: Float64Array; off: Float64Array; value: Float64Array; live: Uint8Array }[] = [];
  const input = Float64Array.from(x);
  for (const node of graph.nodes) {
    const n = node.outSize;
    const z = Float64Array.from(node.bias);
    const jac = new Float64Array(n * m);
    const off = Float64Array.from(node.bias);
    for (const src of node.sources) {
      if (src.from === GRAPH_INPUT) {
        addInput(src.weights, input, n, m, z, jac);
      } else {
        const s = post[src.from];
        addNode(src.weights, s.value, s.live, s.jac, s.off, n, graph.nodes[src.from].outSize, m, z, jac, off);
      }
    }
    const a = new Float64Array(n);
    const postJac = new Float64Array(n * m);
    const postOff = new Float64Array(n);
    const live = new Uint8Array(n);
    const kind = node.activation.kind;
    if (kind !== 'relu' && kind !== 'identity') {
      throw new InputError(`REASSURE repairs piecewise-linear (ReLU) networks; node '${node.name}' applies ${kind}`, { node: node.name });
    }
    for (let i = 0; i < n; i++) {
      if (kind === 'identity' || z[i] >= 0) {
        live[i] = 1;
        a[i] = z[i];
        postJac.set(jac.subarray(i * m, (i + 1) * m), i * m);
        postOff[i] = off[i];
      }
    }
    nodes.push({ z, jacobian: jac, offset: off, a });
    post.push({ jac: postJac, off: postOff, value: a, live });
  }
  const last = post[post.length - 1];
  return { nodes, outJacobian: last.jac, outOffset: last.off, output: last.value };
}

function addInput(weights: Float64Array | undefined, x: Float64Array, n: number, m: number, z: Float64Array, jac: Float64Array): void {
  for (let o = 0; o < n; o++) {
    if (!weights) {
      z[o] += x[o];
      jac[o * m + o] += 1;
      continue;
    }
    let s = 0;
    for (let i = 0; i < m; i++) {
      const w = weights[o * m + i];
      s += w * x[i];
      jac[o * m + i] += w;
    }
    z[o] += s;
  }
}

function addNode(
  weights: Float64Array | undefined, value: Float64Array, live: Uint8Array, srcJac: Float64Array, srcOff: Float64Array,
  n: number, k: number, m: number, z: Float64Array, jac: Float64Array, off: Float64Array,
): void {
  for (let o = 0; o < n; o++) {
    const row = o * m;
    for (let i = 0; i < (weights ? k : 1); i++) {
      const src = weights ? i : o;
      const w = weights ? weights[o * k + i] : 1;
      // An inactive ReLU's row is zero (value, Jacobian and offset): nothing to add.
      if (w === 0 || !live[src]) continue;
      z[o] += w * value[src];
      off[o] += w * srcOff[src];
      const s = src * m;
      for (let j = 0; j < m; j++) jac[row + j] += w * srcJac[s + j];
    }
  }
}

/**
 * The half-spaces of the region, one per ReLU neuron of the pattern (nodes left out of the pattern are constant on the
 * box), skipping those the box [lower, upper] already implies (their largest value over the box is within the bound):
 * they change neither the polytope nor the patch, only the LP's size; the returned pattern marks them -1.
 */
export function regionConstraints(
  graph: Graph, lin: Linearization, pattern: Pattern, lower: Float64Array, upper: Float64Array,
): { constraints: RegionConstraints; pattern: Pattern } {
  const m = graph.inputSize;
  const rows: number[] = [];
  const rhs: number[] = [];
  const cutting = pattern.map((p) => p && Int8Array.from(p));
  graph.nodes.forEach((node, k) => {
    const active = cutting[k];
    if (!active) return;
    const { jacobian, offset } = lin.nodes[k];
    for (let i = 0; i < node.outSize; i++) {
      if (active[i] < 0) continue;
      // Active: -J x <= off; inactive: J x <= -off.
      const sign = active[i] ? -1 : 1;
      let boxMax = 0;
      for (let j = 0; j < m; j++) {
        const c = sign * jacobian[i * m + j];
        boxMax += c > 0 ? c * upper[j] : c * lower[j];
      }
      const bound = -sign * offset[i];
      if (boxMax <= bound) {
        active[i] = -1;
        continue;
      }
      for (let j = 0; j < m; j++) rows.push(sign * jacobian[i * m + j]);
      rhs.push(bound);
    }
  });
  return { constraints: { rows: Float64Array.from(rows), rhs: Float64Array.from(rhs), count: rhs.length }, pattern: cutting };
}

/** The activation pattern at the point: for every ReLU node, which neurons are active (pre-activation >= 0). */
export function activationPattern(graph: Graph, lin: Linearization): Pattern {
  return graph.nodes.map((node, k) => (node.activation.kind === 'relu' ? Int8Array.from(lin.nodes[k].z, (v) => (v >= 0 ? 1 : 0)) : undefined));
}

/** Pre-activation values of every node at a point (no Jacobians): what the support's distance v(x) reads. */
export function preActivations(graph: Graph, x: ArrayLike<number>): Float64Array[] {
  const zs: Float64Array[] = [];
  const values: Float64Array[] = [];
  for (const node of graph.nodes) {
    const n = node.outSize;
    const z = Float64Array.from(node.bias);
    for (const src of node.sources) {
      const v = src.from === GRAPH_INPUT ? x : values[src.from];
      if (!src.weights) { for (let o = 0; o < n; o++) z[o] += v[o]; continue; }
      const k = v.length;
      for (let o = 0; o < n; o++) {
        let s = 0;
        for (let i = 0; i < k; i++) s += src.weights[o * k + i] * v[i];
        z[o] += s;
      }
    }
    zs.push(z);
    values.push(node.activation.kind === 'relu' ? z.map((t) => Math.max(0, t)) : z);
  }
  return zs;
}

/**
 * The region's bounding box within [lower, upper]: 2m LPs. The support adds the distance from this box, which the
 * verifier bounds exactly on any input box, so boxes away from the region see the patch switched off at once.
 */
export function boundingBox(region: RegionConstraints, lower: Float64Array, upper: Float64Array, timeLimitSec: number): { lower: Float64Array; upper: Float64Array } {
  const m = lower.length;
  if (region.count === 0) return { lower: Float64Array.from(lower), upper: Float64Array.from(upper) };
  const starts = Int32Array.from({ length: region.count + 1 }, (_, r) => r * m);
  const indices = Int32Array.from({ length: region.count * m }, (_, k) => k % m);
  const rows = { starts, indices, values: region.rows, lower: new Float64Array(region.count).fill(-Infinity), upper: region.rhs };
  const box = { lower: Float64Array.from(lower), upper: Float64Array.from(upper) };
  for (let j = 0; j < m; j++) {
    for (const sign of [1, -1]) {
      const cost = new Float64Array(m);
      cost[j] = sign;
      const result = solveSparseLp({ cost, lower, upper, rows }, timeLimitSec);
      if (result.status !== 'optimal') continue; // Keep the outer bound: sound, only less tight.
      // Widen by the solver's tolerance so the box never cuts the region.
      const slack = 1e-7 * Math.max(1, upper[j] - lower[j]);
      if (sign === 1) box.lower[j] = Math.max(lower[j], result.x[j] - slack);
      else box.upper[j] = Math.min(upper[j], result.x[j] + slack);
    }
  }
  return box;
}
