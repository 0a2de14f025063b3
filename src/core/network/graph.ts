/**
 * The general form of a network: a directed acyclic graph of nodes, each an affine map of the *sum* of some earlier
 * nodes' outputs followed by one element-wise activation. Skip connections (y = x + f(x)), parallel branches joined by
 * addition, a dense layer over concatenated branches (one weight block per branch) and patch networks added to a
 * network's output (REASSURE: f(x) + h(x)) are all nodes with several sources.
 *
 * A plain `Network` (a sequence of dense layers) is the common case and keeps its own fast kernels; `toGraph` views it
 * as a graph where every node reads the one before it.
 */
import type { Activation, DenseLayer, Network } from './network';

/** A source id that means "the network's input". */
export const GRAPH_INPUT = -1;

export interface GraphSource {
  /** An earlier node's index, or GRAPH_INPUT. */
  readonly from: number;
  /** Row-major [node.outSize][size of `from`]; absent means the identity (the sizes are equal). */
  readonly weights?: Float64Array;
}

export interface GraphNode {
  readonly name: string;
  readonly outSize: number;
  /** out = activation(bias + sum over sources of weights * value(from)). */
  readonly sources: readonly GraphSource[];
  readonly bias: Float64Array;
  readonly activation: Activation;
}

/** Input/output names and shapes, notes, normalisation and a dropped Softmax: as a Network has them. */
export interface Graph extends Omit<Network, 'layers'> {
  readonly kind: 'graph';
  readonly inputSize: number;
  /** Topologically ordered (every source is an earlier node or the input); the last node is the output. */
  readonly nodes: readonly GraphNode[];
}

/** A sequence of dense layers as a graph: node k reads node k-1 (node 0 reads the input). Shares the weight arrays. */
export function toGraph(net: Network): Graph {
  return {
    kind: 'graph',
    inputSize: net.layers[0].inSize,
    nodes: net.layers.map((l, k) => ({
      name: l.name,
      outSize: l.outSize,
      sources: [{ from: k - 1, weights: l.weights }],
      bias: l.bias,
      activation: l.activation,
    })),
    inputName: net.inputName,
    inputShape: net.inputShape,
    outputName: net.outputName,
    outputShape: net.outputShape,
    notes: net.notes,
    normalization: net.normalization,
    droppedSoftmax: net.droppedSoftmax,
  };
}

/** The graph as a plain sequence (node k reads only node k-1), or undefined when it has skips or branches. */
export function asSequence(g: Graph): Network | undefined {
  const layers: DenseLayer[] = [];
  for (const [k, node] of g.nodes.entries()) {
    if (node.sources.length !== 1 || node.sources[0].from !== k - 1) return undefined;
    const inSize = sourceSize(g, k - 1);
    layers.push({ name: node.name, inSize, outSize: node.outSize, weights: node.sources[0].weights ?? identityMatrix(inSize), bias: node.bias, activation: node.activation });
  }
  const { inputName, inputShape, outputName, outputShape, notes, normalization, droppedSoftmax } = g;
  return {
    layers, inputName, inputShape, outputName, outputShape, notes,
    ...(normalization ? { normalization } : {}),
    ...(droppedSoftmax ? { droppedSoftmax } : {}),
  };
}

function identityMatrix(n: number): Float64Array {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) A[i * n + i] = 1;
  return A;
}

export const graphOutputSize = (g: Graph): number => g.nodes[g.nodes.length - 1].outSize;
export const sourceSize = (g: Graph, from: number): number => (from === GRAPH_INPUT ? g.inputSize : g.nodes[from].outSize);
