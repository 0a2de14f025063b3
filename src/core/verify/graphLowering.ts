/**
 * A graph as a plain layer sequence that equals it on one input box, so every search of the verifier (input splitting,
 * ReLU splitting, the clause MILPs, the gradient attacks) runs on it unchanged.
 *
 * Nodes are grouped into layers by depth and activation; a value that a later layer still reads is carried through the
 * layers in between. Through a ReLU or LeakyReLU layer it is carried as act(v - l) + l, where l is a sound lower bound
 * of v on the box (graphIntervals): v - l >= 0 there, so the carrying neuron is stable and exact (slope 1), adds no
 * branching, and CROWN through it is what CROWN through the graph's fan-out would be (coefficients of both paths add
 * up at the source). A Sigmoid or Tanh layer cannot carry a value; such graphs are refused. Layers without an
 * activation are composed into the next one.
 */
import { InputError } from '../errors';
import { GRAPH_INPUT, type Graph } from '../network/graph';
import type { Activation, DenseLayer, Network } from '../network/network';
import { graphIntervals } from '../bounds/graphIntervals';
import { activationOf } from '../network/activations';
import type { Box } from '../bounds/box';

/** Below the interval bound, so rounding in the verifier's own bounds never makes a carrying neuron unstable. */
const carryMargin = (l: number): number => 1e-3 * (1 + Math.abs(l));

const activationKey = (a: Activation): string => (a.kind === 'leakyRelu' ? `leakyRelu:${a.alpha}` : a.kind);

export function lowerOnBox(g: Graph, box: Box): Network {
  const bounds = graphIntervals(g, box);
  const feeding = feedsOutput(g);
  const level = new Int32Array(g.nodes.length);
  g.nodes.forEach((node, k) => {
    level[k] = Math.max(...node.sources.map((s) => (s.from === GRAPH_INPUT ? -1 : level[s.from]))) + 1;
  });
  // Layers: the feeding nodes grouped by (depth, activation), deepest last; the output node is alone at the deepest level.
  const groups = new Map<string, number[]>();
  g.nodes.forEach((node, k) => {
    if (!feeding[k]) return;
    const key = `${level[k]}|${activationKey(node.activation)}`;
    groups.set(key, [...(groups.get(key) ?? []), k]);
  });
  const layers = [...groups.values()].sort((a, b) => level[a[0]] - level[b[0]]);
  const layerOf = new Int32Array(g.nodes.length).fill(-1);
  layers.forEach((group, L) => group.forEach((k) => { layerOf[k] = L; }));
  // The last layer that reads each value (GRAPH_INPUT is stored at index g.nodes.length).
  const lastRead = new Int32Array(g.nodes.length + 1).fill(-1);
  const slot = (from: number): number => (from === GRAPH_INPUT ? g.nodes.length : from);
  layers.forEach((group, L) => group.forEach((k) => g.nodes[k].sources.forEach((s) => { lastRead[slot(s.from)] = Math.max(lastRead[slot(s.from)], L); })));

  /** Layout of a layer's output vector: value -> [offset, size, added constant (the value is entry + constant)]. */
  type Layout = Map<number, { at: number; size: number; plus: Float64Array }>;
  let previous: Layout = new Map([[GRAPH_INPUT, { at: 0, size: g.inputSize, plus: new Float64Array(g.inputSize) }]]);
  let previousWidth = g.inputSize;
  const dense: DenseLayer[] = [];
  layers.forEach((group, L) => {
    const activation = g.nodes[group[0]].activation;
    const layout: Layout = new Map();
    let width = 0;
    for (const k of group) {
      layout.set(k, { at: width, size: g.nodes[k].outSize, plus: new Float64Array(g.nodes[k].outSize) });
      width += g.nodes[k].outSize;
    }
    const carried = [...previous.keys()].filter((v) => lastRead[slot(v)] > L);
    // act(v - l) = v - l for v >= l needs slope 1 above 0: the piecewise linear activations (and the identity).
    if (carried.length > 0 && activation.kind !== 'identity' && !activationOf(activation).piecewise) {
      throw new InputError(`the graph carries a value past the ${activation.kind} node '${g.nodes[group[0]].name}' (a skip connection or a branch around it); NetMend verifies such graphs only when the skipped nodes are ReLU, LeakyReLU or linear`);
    }
    for (const v of carried) {
      const size = previous.get(v)!.size;
      const plus = new Float64Array(size);
      if (activation.kind !== 'identity') {
        const lo = v === GRAPH_INPUT ? box.lower : bounds[v].lo;
        for (let i = 0; i < size; i++) plus[i] = lo[i] - carryMargin(lo[i]);
      }
      layout.set(v, { at: width, size, plus });
      width += size;
    }
    const W = new Float64Array(width * previousWidth);
    const bias = new Float64Array(width);
    /** Adds M (rows x size of v, or the identity when absent) times value v into output rows starting at `row`. */
    const read = (v: number, row: number, rows: number, M: Float64Array | undefined): void => {
      const src = previous.get(v)!;
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < src.size; i++) {
          const c = M ? M[r * src.size + i] : r === i ? 1 : 0;
          if (c === 0) continue;
          W[(row + r) * previousWidth + src.at + i] += c;
          bias[row + r] += c * src.plus[i];
        }
      }
    };
    for (const k of group) {
      const node = g.nodes[k];
      const { at } = layout.get(k)!;
      for (const s of node.sources) read(s.from, at, node.outSize, s.weights);
      for (let o = 0; o < node.outSize; o++) bias[at + o] += node.bias[o];
    }
    for (const v of carried) {
      const { at, size, plus } = layout.get(v)!;
      read(v, at, size, undefined);
      for (let i = 0; i < size; i++) bias[at + i] -= plus[i];
    }
    dense.push({ name: group.map((k) => g.nodes[k].name).join('+'), inSize: previousWidth, outSize: width, weights: W, bias, activation });
    previous = layout;
    previousWidth = width;
  });
  const { inputName, inputShape, outputName, outputShape, notes, normalization, droppedSoftmax } = g;
  return {
    layers: composeLinearLayers(dense), inputName, inputShape, outputName, outputShape, notes,
    ...(normalization ? { normalization } : {}),
    ...(droppedSoftmax ? { droppedSoftmax } : {}),
  };
}

/** Which nodes the output (the last node) depends on. */
function feedsOutput(g: Graph): boolean[] {
  const feeding = g.nodes.map((_, k) => k === g.nodes.length - 1);
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    if (feeding[k]) for (const s of g.nodes[k].sources) if (s.from !== GRAPH_INPUT) feeding[s.from] = true;
  }
  return feeding;
}

/** A layer without an activation folded into the next: W = W2 W1, b = W2 b1 + b2. */
function composeLinearLayers(layers: DenseLayer[]): DenseLayer[] {
  const out: DenseLayer[] = [];
  for (const layer of layers) {
    const prev = out[out.length - 1];
    if (!prev || prev.activation.kind !== 'identity') {
      out.push(layer);
      continue;
    }
    const n = prev.inSize;
    const mid = prev.outSize;
    const W = new Float64Array(layer.outSize * n);
    const bias = Float64Array.from(layer.bias);
    for (let o = 0; o < layer.outSize; o++) {
      for (let j = 0; j < mid; j++) {
        const c = layer.weights[o * mid + j];
        if (c === 0) continue;
        bias[o] += c * prev.bias[j];
        for (let i = 0; i < n; i++) W[o * n + i] += c * prev.weights[j * n + i];
      }
    }
    out[out.length - 1] = { name: `${prev.name}+${layer.name}`, inSize: n, outSize: layer.outSize, weights: W, bias, activation: layer.activation };
  }
  return out;
}
