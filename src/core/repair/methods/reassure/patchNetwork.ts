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
import { GRAPH_INPUT, graphOutputSize, sourceSize, type Graph, type GraphNode, type GraphSource } from '../../../network/graph';
import type { AffinePatch } from './affinePatch';
import type { Pattern } from './linearRegion';

const TAU = 1;

/** sup over the box of |c_i x + d_i|, per output, slightly inflated: the patch vanishes wherever g = 0. */
function patchBound(patch: AffinePatch, lower: Float64Array, upper: Float64Array): Float64Array {
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
export function regionDistance(pattern: Pattern, zs: readonly Float64Array[]): number {
  let v = 0;
  zs.forEach((z, k) => {
    const s = pattern[k];
    if (!s) return;
    for (let i = 0; i < z.length; i++) if (s[i] >= 0) v += s[i] ? Math.max(0, -z[i]) : Math.max(0, z[i]);
  });
  return v;
}

/** The support's two neurons' input: 1 + tau - gamma v(x) and tau - gamma v(x), as one node reading the network's values. */
function supportNodes(
  graph: Graph, pattern: Pattern, gamma: number, name: string, neighbourhood?: { first: number; box: NeighbourhoodBox },
): [GraphNode, GraphNode] {
  const rows = new Map<number, Float64Array>();
  const row = (from: number) => {
    let r = rows.get(from);
    if (!r) rows.set(from, (r = new Float64Array(sourceSize(graph, from))));
    return r;
  };
  let constant = 0;
  graph.nodes.forEach((node, k) => {
    const s = pattern[k];
    if (!s || s.every((v) => v < 0)) return;
    // v += sum_i a_i - sum_{i active} z_i, with z = sum_src W_src value(src) + bias.
    const own = row(k);
    for (let i = 0; i < node.outSize; i++) if (s[i] >= 0) own[i] += 1;
    for (const src of node.sources) {
      const r = row(src.from);
      const width = r.length;
      for (let i = 0; i < node.outSize; i++) {
        if (s[i] !== 1) continue;
        if (src.weights) for (let j = 0; j < width; j++) r[j] -= src.weights[i * width + j];
        else r[i] -= 1;
      }
    }
    for (let i = 0; i < node.outSize; i++) if (s[i] === 1) constant -= node.bias[i];
  });
  if (neighbourhood) {
    const { first, box } = neighbourhood;
    const m = box.lower.length;
    rows.set(first, new Float64Array(m).fill(1));
    rows.set(first + 1, new Float64Array(m).fill(1));
    const input = row(GRAPH_INPUT);
    for (let j = 0; j < m; j++) { input[j] -= 1; constant += box.lower[j]; }
  }
  // gamma v as one linear neuron, then the support's two ramps read it.
  const sources: GraphSource[] = [...rows.entries()].map(([from, r]) => ({ from, weights: r.map((c) => gamma * c) }));
  const distance: GraphNode = { name: `${name}_distance`, outSize: 1, sources, bias: Float64Array.of(gamma * constant), activation: { kind: 'identity' } };
  const at = (neighbourhood ? neighbourhood.first + 2 : graph.nodes.length);
  const support: GraphNode = { name, outSize: 2, sources: [{ from: at, weights: Float64Array.of(-1, -1) }], bias: Float64Array.of(1 + TAU, TAU), activation: { kind: 'relu' } };
  return [distance, support];
}

/**
 * A box around a point as extra distance: v += sum_j relu(x_j - hi_j) + relu(lo_j - x_j), written with identity
 * weights only (relu(lo - x) = relu(x - lo) - (x - lo)): two nodes of m neurons that hold just their biases.
 */
export interface NeighbourhoodBox { readonly lower: Float64Array; readonly upper: Float64Array }

/** One repaired region: where it is (its pattern of the original network and its box) and its patch p = c x + d. */
export interface PatchEntry {
  readonly pattern: Pattern;
  readonly box: NeighbourhoodBox;
  readonly patch: AffinePatch;
  readonly gamma: number;
}

/** How far beyond its box an entry's support can reach: g = 0 once the distance exceeds (1 + tau) / gamma. */
const supportReach = (e: PatchEntry): number => (1 + TAU) / e.gamma;

/**
 * The original network plus every entry's patch, stitched as the paper's Eq. 11: within a group of entries whose
 * supports can overlap, term l corrects by p_l - p_(l-1) under the support S_l = max over j >= l of g_j, so on a region
 * the corrections telescope to its own p and the latest region wins where they meet (never a double correction).
 * Groups that cannot overlap are independent sums. Every region is a region of the original network, so a patch never
 * reads another patch.
 */
export function stitchPatches(base: Graph, entries: readonly PatchEntry[], lower: Float64Array, upper: Float64Array): Graph {
  const nodes: GraphNode[] = [...base.nodes];
  const n = graphOutputSize(base);
  const add = (node: GraphNode): number => nodes.push(node) - 1;
  // g_l = r1 - r2 of the support node: a term list (node, row) for every value built from supports.
  type Terms = { node: number; row: Float64Array }[];
  const supports: Terms[] = entries.map((e, l) => {
    const first = nodes.length;
    add({ name: `reassure${l}_box_upper`, outSize: e.box.upper.length, sources: [{ from: GRAPH_INPUT }], bias: e.box.upper.map((v) => -v), activation: { kind: 'relu' } });
    add({ name: `reassure${l}_box_lower`, outSize: e.box.lower.length, sources: [{ from: GRAPH_INPUT }], bias: e.box.lower.map((v) => -v), activation: { kind: 'relu' } });
    const [distance, support] = supportNodes({ ...base, nodes: nodes.slice(0, first) }, e.pattern, e.gamma, `reassure${l}_support`, { first, box: e.box });
    add(distance);
    return [{ node: add(support), row: Float64Array.of(1, -1) }];
  });
  const outputSources: GraphSource[] = [{ from: base.nodes.length - 1 }];
  const minusIdentity = new Float64Array(n * n);
  for (let i = 0; i < n; i++) minusIdentity[i * n + i] = -1;
  for (const group of overlappingGroups(entries)) {
    // Suffix maxima S_l = max(g_l, S_(l+1)) = relu(g_l - S_(l+1)) + S_(l+1), from the group's last entry back.
    const S: Terms[] = [];
    S[group.length - 1] = supports[group[group.length - 1]];
    for (let k = group.length - 2; k >= 0; k--) {
      const later = S[k + 1];
      const l = group[k];
      const max = add({
        name: `reassure${l}_support_max`, outSize: 1, bias: new Float64Array(1), activation: { kind: 'relu' },
        sources: [...supports[l].map((t) => ({ from: t.node, weights: t.row })), ...later.map((t) => ({ from: t.node, weights: t.row.map((v) => -v) }))],
      });
      S[k] = [{ node: max, row: Float64Array.of(1) }, ...later];
    }
    group.forEach((l, k) => {
      const previous = k > 0 ? entries[group[k - 1]].patch : undefined;
      const c = entries[l].patch.c.map((v, i) => v - (previous?.c[i] ?? 0));
      const d = entries[l].patch.d.map((v, i) => v - (previous?.d[i] ?? 0));
      const K = patchBound({ c, d, size: 0 }, lower, upper);
      const half = (sign: number, suffix: string): number => add({
        name: `reassure${l}_${suffix}`, outSize: n, activation: { kind: 'relu' },
        bias: Float64Array.from(d, (v, i) => sign * v - K[i]),
        sources: [
          ...(c.some((v) => v !== 0) ? [{ from: GRAPH_INPUT, weights: c.map((v) => sign * v) }] : []),
          ...S[k].map((t) => {
            const w = new Float64Array(n * t.row.length);
            for (let i = 0; i < n; i++) for (let j = 0; j < t.row.length; j++) w[i * t.row.length + j] = K[i] * t.row[j];
            return { from: t.node, weights: w };
          }),
        ],
      });
      outputSources.push({ from: half(1, 'patch_pos') }, { from: half(-1, 'patch_neg'), weights: minusIdentity });
    });
  }
  if (entries.length > 0) add({ name: 'reassure_output', outSize: n, sources: outputSources, bias: new Float64Array(n), activation: { kind: 'identity' } });
  return { ...base, nodes };
}

/** Entries in groups (each in entry order) whose supports' boxes, widened by their reach, meet. */
function overlappingGroups(entries: readonly PatchEntry[]): number[][] {
  const parent = entries.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const meet = (a: PatchEntry, b: PatchEntry) => {
    const reach = supportReach(a) + supportReach(b);
    for (let j = 0; j < a.box.lower.length; j++) if (a.box.lower[j] - b.box.upper[j] > reach || b.box.lower[j] - a.box.upper[j] > reach) return false;
    return true;
  };
  for (let a = 0; a < entries.length; a++) for (let b = a + 1; b < entries.length; b++) if (meet(entries[a], entries[b])) parent[find(a)] = find(b);
  const groups = new Map<number, number[]>();
  entries.forEach((_, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), i]));
  return [...groups.values()];
}

/** Box supports: relu(1 + BOX_TAU - gamma d) is >= 1 + BOX_TAU / 2 while float32 rounding keeps gamma d <= BOX_TAU / 2. */
const BOX_TAU = 0.05;

/**
 * Box patches (area repair by boxes, boxPartition.ts): f(x) + v relu(sum_l delta_l s_l(x) / (1 + tau / 2)), where
 * s_l = relu(1 + tau - gamma d_l(x)) reads box l's L1 distance d_l(x) = sum_j relu(x_j - hi_j) + relu(lo_j - x_j): on
 * the box the step is at least delta_l, and s_l = 0 once d_l >= (1 + tau) / gamma. The step is never clamped: the
 * partition's monotone direction makes a larger step harmless, and one ReLU per support keeps the verifier's lower
 * bound of each support at 0 wherever it is not surely inside (two ReLUs clamping at 1 relax to -1 there, and a
 * patch's delta times -1 undoes every proof near a face). The distance's terms are ReLUs of their own (not
 * relu(lo - x) = relu(x - lo) - (x - lo)), so interval bounds keep d >= 0 and s_l <= 1 + tau. The boxes of a dyadic
 * partition share their faces, so one ReLU per distinct face serves every box that has it.
 * The step's ReLU is exact (its input is >= 0); it lets the verifier carry one value past the network's layers.
 */
export function boxPatchNetwork(
  base: Graph, patches: readonly { readonly box: NeighbourhoodBox; readonly delta: number }[], direction: Float64Array, gamma: number,
): Graph {
  const active = patches.filter((p) => p.delta > 0);
  if (active.length === 0) return base;
  const m = base.inputSize;
  // Faces: relu(x_j - c) past an upper bound c (sign +1), relu(c - x_j) past a lower bound (sign -1).
  const faces: { j: number; c: number; sign: number }[] = [];
  const faceIndex = new Map<string, number>();
  const face = (j: number, c: number, sign: number): number => {
    const key = `${j}:${c}:${sign}`;
    let k = faceIndex.get(key);
    if (k === undefined) { faceIndex.set(key, (k = faces.length)); faces.push({ j, c, sign }); }
    return k;
  };
  for (const { box } of active) for (let j = 0; j < m; j++) { face(j, box.lower[j], -1); face(j, box.upper[j], 1); }
  const nodes: GraphNode[] = [...base.nodes];
  const add = (node: GraphNode): number => nodes.push(node) - 1;
  const F = faces.length;
  const selector = new Float64Array(F * m);
  faces.forEach(({ j, sign }, k) => { selector[k * m + j] = sign; });
  const faceNode = add({ name: 'reassure_box_faces', outSize: F, sources: [{ from: GRAPH_INPUT, weights: selector }], bias: Float64Array.from(faces, (f) => -f.sign * f.c), activation: { kind: 'relu' } });
  const L = active.length;
  const fromFaces = new Float64Array(L * F);
  active.forEach(({ box }, l) => {
    for (let j = 0; j < m; j++) {
      fromFaces[l * F + face(j, box.upper[j], 1)] -= gamma;
      fromFaces[l * F + face(j, box.lower[j], -1)] -= gamma;
    }
  });
  const supports = add({
    name: 'reassure_box_supports', outSize: L, bias: new Float64Array(L).fill(1 + BOX_TAU), activation: { kind: 'relu' },
    sources: [{ from: faceNode, weights: fromFaces }],
  });
  const step = add({
    name: 'reassure_step', outSize: 1, bias: new Float64Array(1), activation: { kind: 'relu' },
    sources: [{ from: supports, weights: Float64Array.from(active, (p) => p.delta / (1 + BOX_TAU / 2)) }],
  });
  const n = graphOutputSize(base);
  add({
    name: 'reassure_box_output', outSize: n, bias: new Float64Array(n), activation: { kind: 'identity' },
    sources: [{ from: base.nodes.length - 1 }, { from: step, weights: Float64Array.from(direction) }],
  });
  return { ...base, nodes };
}
