/**
 * The patch network of one region, added as a parallel branch: f'(x) = f(x) + h(x) (REASSURE section 3.5, Eq. 10),
 * h = relu(p + K g - K) - relu(-p + K g - K), which is p where the support g is 1 and 0 where g is 0 (|p| <= K on the
 * domain).
 *
 * The support network. The paper's g has one ramp per half-space of the region (2|I| new neurons reading the input
 * through an |I| x m matrix: 400k parameters per MNIST region). Ours reads the network's own activations instead:
 * the region is where every ReLU keeps its pattern, so its distance from the region is measured by
 * v(x) = sum over ReLU neurons of relu(-s_i z_i(x)) (s_i = +1 active, -1 inactive), which is linear in the values the
 * network already computes (relu(-z) = relu(z) - z). v is 0 exactly on the region and positive outside it, and
 * g = clip(1 + tau - gamma v, 0, 1) is 1 while v <= tau / gamma and 0 once v >= (1 + tau) / gamma: two neurons per
 * region. tau = 1 keeps g = 1 on the region although float32 runtimes compute v with rounding.
 * Patches are stitched incrementally: each region's patch is solved against the network with the earlier patches, so
 * overlapping supports never correct twice (the effect of the paper's Eq. 11 telescoping).
 */
import { GRAPH_INPUT, sourceSize, type Graph, type GraphNode, type GraphSource } from '../../../network/graph';
import type { AffinePatch } from './affinePatch';

const TAU = 1;

/** sup over the box of |c_i x + d_i|, per output, slightly inflated: the patch vanishes wherever g = 0. */
export function patchBound(patch: AffinePatch, lower: Float64Array, upper: Float64Array): Float64Array {
  const m = lower.length;
  const n = patch.d.length;
  const K = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let centre = patch.d[i];
    let radius = 0;
    for (let j = 0; j < m; j++) {
      const c = patch.c[i * m + j];
      centre += c * (lower[j] + upper[j]) / 2;
      radius += Math.abs(c) * (upper[j] - lower[j]) / 2;
    }
    K[i] = (Math.abs(centre) + radius) * 1.001 + 1e-9;
  }
  return K;
}

/**
 * The distance v(x) of a point from the region (0 inside) from its pre-activations, over the nodes given (a prefix of
 * the graph: leaving later ReLU nodes out only lowers v, so a gamma chosen from it errs towards a smaller support).
 */
export function regionDistance(pattern: readonly (Uint8Array | undefined)[], zs: readonly Float64Array[]): number {
  let v = 0;
  zs.forEach((z, k) => {
    const s = pattern[k];
    if (!s) return;
    for (let i = 0; i < z.length; i++) v += s[i] ? Math.max(0, -z[i]) : Math.max(0, z[i]);
  });
  return v;
}

/** The support's two neurons' input: 1 + tau - gamma v(x) and tau - gamma v(x), as one node reading the network's values. */
function supportNode(
  graph: Graph, pattern: readonly (Uint8Array | undefined)[], gamma: number, name: string, neighbourhood?: { first: number; box: NeighbourhoodBox },
): GraphNode {
  const rows = new Map<number, Float64Array>();
  const row = (from: number) => {
    let r = rows.get(from);
    if (!r) rows.set(from, (r = new Float64Array(sourceSize(graph, from))));
    return r;
  };
  let constant = 0;
  graph.nodes.forEach((node, k) => {
    const s = pattern[k];
    if (!s) return;
    // v += sum_i a_i - sum_{i active} z_i, with z = sum_src W_src value(src) + bias.
    const own = row(k);
    for (let i = 0; i < node.outSize; i++) own[i] += 1;
    for (const src of node.sources) {
      const r = row(src.from);
      const width = r.length;
      for (let i = 0; i < node.outSize; i++) {
        if (!s[i]) continue;
        if (src.weights) for (let j = 0; j < width; j++) r[j] -= src.weights[i * width + j];
        else r[i] -= 1;
      }
    }
    for (let i = 0; i < node.outSize; i++) if (s[i]) constant -= node.bias[i];
  });
  if (neighbourhood) {
    const { first, box } = neighbourhood;
    const m = box.lower.length;
    rows.set(first, new Float64Array(m).fill(1));
    rows.set(first + 1, new Float64Array(m).fill(1));
    const input = row(GRAPH_INPUT);
    for (let j = 0; j < m; j++) { input[j] -= 1; constant += box.lower[j]; }
  }
  const sources: GraphSource[] = [...rows.entries()].map(([from, r]) => {
    const w = new Float64Array(2 * r.length);
    for (let j = 0; j < r.length; j++) w[j] = w[r.length + j] = -gamma * r[j];
    return { from, weights: w };
  });
  return { name, outSize: 2, sources, bias: Float64Array.of(1 + TAU - gamma * constant, TAU - gamma * constant), activation: { kind: 'relu' } };
}

/**
 * A box around a point as extra distance: v += sum_j relu(x_j - hi_j) + relu(lo_j - x_j), written with identity
 * weights only (relu(lo - x) = relu(x - lo) - (x - lo)): two nodes of m neurons that hold just their biases.
 */
export interface NeighbourhoodBox { readonly lower: Float64Array; readonly upper: Float64Array }

/** The graph with one more region patched: its support (2 neurons), the two halves of h (n each) and a new output node. */
export function addPatch(
  graph: Graph, pattern: readonly (Uint8Array | undefined)[], patch: AffinePatch, K: Float64Array, gamma: number, label: string,
  box?: NeighbourhoodBox,
): Graph {
  const n = patch.d.length;
  const outIndex = graph.nodes.length - 1;
  const boxNodes: GraphNode[] = box ? [
    { name: `${label}_box_upper`, outSize: box.upper.length, sources: [{ from: GRAPH_INPUT }], bias: box.upper.map((v) => -v), activation: { kind: 'relu' } },
    { name: `${label}_box_lower`, outSize: box.lower.length, sources: [{ from: GRAPH_INPUT }], bias: box.lower.map((v) => -v), activation: { kind: 'relu' } },
  ] : [];
  const supportIndex = graph.nodes.length + boxNodes.length;
  const support = supportNode(graph, pattern, gamma, `${label}_support`, box && { first: graph.nodes.length, box });
  // g = relu(1 + tau - gamma v) - relu(tau - gamma v): weights K and -K on the support's two neurons.
  const kOnSupport = (sign: number) => {
    const w = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) { w[2 * i] = sign * K[i]; w[2 * i + 1] = -sign * K[i]; }
    return w;
  };
  const affinePart = (sign: number): GraphSource[] =>
    patch.c.some((v) => v !== 0) ? [{ from: GRAPH_INPUT, weights: Float64Array.from(patch.c, (v) => sign * v) }] : [];
  const half = (sign: number, suffix: string): GraphNode => ({
    name: `${label}_${suffix}`,
    outSize: n,
    sources: [...affinePart(sign), { from: supportIndex, weights: kOnSupport(1) }],
    bias: Float64Array.from(patch.d, (d, i) => sign * d - K[i]),
    activation: { kind: 'relu' },
  });
  const minusIdentity = new Float64Array(n * n);
  for (let i = 0; i < n; i++) minusIdentity[i * n + i] = -1;
  const output: GraphNode = {
    name: `${label}_output`,
    outSize: n,
    sources: [{ from: outIndex }, { from: supportIndex + 1 }, { from: supportIndex + 2, weights: minusIdentity }],
    bias: new Float64Array(n),
    activation: { kind: 'identity' },
  };
  return { ...graph, nodes: [...graph.nodes, ...boxNodes, support, half(1, 'patch_pos'), half(-1, 'patch_neg'), output] };
}
