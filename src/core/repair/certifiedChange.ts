/**
 * A certified upper bound on max over the input domain of |repaired(x) - original(x)| (the largest over outputs), from
 * bounds on the difference of the two networks as one graph: the original's nodes, then the repaired model's nodes with
 * every node equal to one already there merged into it (a patch network keeps the original's nodes, so they collapse
 * to one copy), then the difference of the two outputs with the sources of the repaired output expanded so the
 * original's output cancels. What is left to bound is the added branch. Interval bounds over boxes of the domain,
 * bisecting the box with the largest bound first: sound at every step, tighter with time.
 */
import { GRAPH_INPUT, toGraph, type Graph, type GraphNode, type GraphSource } from '../network/graph';
import { isGated, isGraph, type Model } from '../network/model';
import type { Network } from '../network/network';
import { graphIntervals } from '../bounds/graphIntervals';
import { splitBox, type Box } from '../bounds/box';
import { SOUNDNESS_MARGIN, specBounds } from '../bounds/linearBounds';
import { lowerOnBox } from '../verify/graphLowering';

const sameArray = (a: Float64Array | undefined, b: Float64Array | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((v, i) => v === b[i]));

const sameNode = (a: GraphNode, b: GraphNode) =>
  a.outSize === b.outSize && a.activation.kind === b.activation.kind && JSON.stringify(a.activation) === JSON.stringify(b.activation) &&
  sameArray(a.bias, b.bias) && a.sources.length === b.sources.length &&
  a.sources.every((s, i) => s.from === b.sources[i].from && sameArray(s.weights, b.sources[i].weights));

/** The sources of `node` with one weight matrix per source node (identity sources written out, equal sources summed). */
function summedSources(sources: readonly GraphSource[], rows: number, sizeOf: (from: number) => number, scale = 1): Map<number, Float64Array> {
  const out = new Map<number, Float64Array>();
  for (const s of sources) {
    const width = sizeOf(s.from);
    let w = out.get(s.from);
    if (!w) out.set(s.from, (w = new Float64Array(rows * width)));
    for (let i = 0; i < rows; i++) {
      if (!s.weights) w[i * width + i] += scale;
      else for (let j = 0; j < width; j++) w[i * width + j] += scale * s.weights[i * width + j];
    }
  }
  return out;
}

/** The graph of repaired(x) - original(x), or undefined when the outputs differ in size. */
export function differenceGraph(original: Graph, repaired: Graph): Graph | undefined {
  const n = original.nodes[original.nodes.length - 1].outSize;
  const last = repaired.nodes[repaired.nodes.length - 1];
  if (last.outSize !== n || original.inputSize !== repaired.inputSize) return undefined;
  const nodes: GraphNode[] = [...original.nodes];
  const index: number[] = [];
  const remap = (s: GraphSource): GraphSource => ({ ...s, from: s.from === GRAPH_INPUT ? GRAPH_INPUT : index[s.from] });
  const sizeOf = (from: number) => (from === GRAPH_INPUT ? original.inputSize : nodes[from].outSize);
  repaired.nodes.slice(0, -1).forEach((node, k) => {
    const mapped = { ...node, sources: node.sources.map(remap) };
    const found = nodes.findIndex((other) => sameNode(other, mapped));
    index[k] = found >= 0 ? found : nodes.push(mapped) - 1;
  });
  // The difference: the repaired output's pre-activation minus the original's output; both outputs must be linear.
  if (last.activation.kind !== 'identity' || original.nodes[original.nodes.length - 1].activation.kind !== 'identity') return undefined;
  const originalOut = original.nodes.length - 1;
  if (sameNode({ ...last, sources: last.sources.map(remap) }, original.nodes[originalOut])) {
    return { ...original, kind: 'graph', nodes: [...nodes, { name: 'difference', outSize: n, activation: { kind: 'identity' }, bias: new Float64Array(n), sources: [] }] };
  }
  const sources = summedSources(last.sources.map(remap), n, sizeOf);
  const minus = summedSources([{ from: originalOut }], n, sizeOf, -1).get(originalOut)!;
  const merged = sources.get(originalOut);
  if (merged) merged.forEach((v, i) => { merged[i] = v + minus[i]; });
  else sources.set(originalOut, minus);
  const difference: GraphNode = {
    name: 'difference', outSize: n, activation: { kind: 'identity' }, bias: Float64Array.from(last.bias),
    sources: [...sources.entries()].filter(([, w]) => w.some((v) => v !== 0)).map(([from, weights]) => ({ from, weights })),
  };
  return { ...original, kind: 'graph', nodes: [...nodes, difference] };
}

/**
 * CROWN runs on the graph lowered to dense layers, whose width can reach the graph's total width (values carried past
 * layers): past this many weights per layer (a patch network of many regions on MNIST or HCAS) the bound is the interval
 * bound alone, still sound, instead of gigabytes of mostly zero weights.
 */
const CROWN_LAYER_LIMIT = 4_000_000;

/** The largest |difference| over a box: interval bounds, and CROWN on the layer sequence equal to the graph there. */
function boundOn(g: Graph, box: Box, crownAllowed: boolean): number {
  const { lo, hi } = graphIntervals(g, box)[g.nodes.length - 1];
  const n = lo.length;
  if (!crownAllowed) return Math.max(0, ...Array.from(lo, Math.abs), ...Array.from(hi, Math.abs));
  const rows = Array.from({ length: 2 * n }, (_, r) => ({ coeffs: Float64Array.from({ length: n }, (_, i) => (i === r >> 1 ? (r % 2 ? -1 : 1) : 0)), rhs: 0 }));
  // Upper bounds of +d_i and -d_i: -(lower bound of -d_i) and -(lower bound of d_i).
  const crown = specBounds(lowerOnBox(g, box), box, rows);
  let b = 0;
  for (let i = 0; i < n; i++) {
    const upper = Math.min(hi[i], -crown.lower[2 * i + 1] * (1 + SOUNDNESS_MARGIN) + SOUNDNESS_MARGIN);
    const lower = Math.max(lo[i], crown.lower[2 * i] * (1 + SOUNDNESS_MARGIN) - SOUNDNESS_MARGIN);
    b = Math.max(b, Math.abs(lower), Math.abs(upper));
  }
  return b;
}

/**
 * max over the domain of |repaired - original|, bounded soundly; undefined for gated models or a repaired model whose
 * output is not a linear node. At most `budget` boxes of the domain are bounded (bisections on narrow inputs), and no new
 * one after `seconds`.
 */
export function certifiedMaxChange(original: Model, repaired: Model, domain: Box, budget = 256, seconds = 5, crownLayerLimit = CROWN_LAYER_LIMIT): number | undefined {
  const deadline = Date.now() + seconds * 1000;
  if (isGated(original) || isGated(repaired)) return undefined;
  const asGraph = (m: Model): Graph => (isGraph(m) ? m : toGraph(m as Network));
  const g = differenceGraph(asGraph(original), asGraph(repaired));
  if (!g) return undefined;
  const difference = g.nodes[g.nodes.length - 1];
  if (difference.sources.length === 0) return Math.max(0, ...difference.bias.map(Math.abs));
  const width = g.inputSize + g.nodes.reduce((sum, node) => sum + node.outSize, 0);
  const crownAllowed = width * width <= crownLayerLimit;
  const leaves = [{ box: domain, bound: boundOn(g, domain, crownAllowed) }];
  // Input bisection tightens only where inputs are few.
  const m = domain.lower.length;
  for (let k = 1; k < budget && m <= 64 && Date.now() < deadline; k++) {
    const worst = leaves.reduce((best, l, i) => (l.bound > leaves[best].bound ? i : best), 0);
    if (leaves[worst].bound === 0) break;
    const { box } = leaves.splice(worst, 1)[0];
    let dim = 0;
    for (let j = 1; j < m; j++) if (box.upper[j] - box.lower[j] > box.upper[dim] - box.lower[dim]) dim = j;
    for (const half of splitBox(box, dim)) leaves.push({ box: half, bound: boundOn(g, half, crownAllowed) });
  }
  return leaves.reduce((b, l) => Math.max(b, l.bound), 0);
}
