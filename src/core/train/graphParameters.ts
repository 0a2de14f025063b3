/**
 * A graph model's trainable parameters in the training core's layout: one entry of `Parameters.layers` per node, its
 * `weights` the node's weighted sources' matrices one after another (identity sources have none), its `bias` the node's
 * bias. Losses, optimisers and masks see the same `Parameters` as for a Network; `graphWith` builds a new Graph.
 */
import { sourceSize, type Graph } from '../network/graph';
import { trainedValues, vector, type Parameters, type Precision } from './parameters';

/** Per node, per source: where its matrix starts in the node's `weights`, or -1 for an identity source. */
export function sourceOffsets(g: Graph): readonly Int32Array[] {
  return g.nodes.map((node) => {
    let offset = 0;
    return Int32Array.from(node.sources, (s) => {
      if (!s.weights) return -1;
      const start = offset;
      offset += node.outSize * sourceSize(g, s.from);
      return start;
    });
  });
}

export function graphParametersOf(g: Graph, precision: Precision = 'float64'): Parameters {
  return {
    precision,
    layers: g.nodes.map((node) => {
      const weights = vector(precision, node.sources.reduce((n, s) => n + (s.weights?.length ?? 0), 0));
      let offset = 0;
      for (const s of node.sources) {
        if (!s.weights) continue;
        weights.set(s.weights, offset);
        offset += s.weights.length;
      }
      const bias = vector(precision, node.outSize);
      bias.set(node.bias);
      return { weights, bias };
    }),
  };
}

/** A new Graph with these parameters (float64; untouched float32 values get back the original's exact value). */
export function graphWith(g: Graph, p: Parameters): Graph {
  if (p.layers.length !== g.nodes.length) throw new Error(`parameters for ${p.layers.length} nodes, the graph has ${g.nodes.length}`);
  const offsets = sourceOffsets(g);
  return {
    ...g,
    nodes: g.nodes.map((node, k) => ({
      ...node,
      bias: trainedValues(node.bias, p.layers[k].bias),
      sources: node.sources.map((s, j) => (s.weights
        ? { ...s, weights: trainedValues(s.weights, p.layers[k].weights.subarray(offsets[k][j], offsets[k][j] + s.weights.length)) }
        : s)),
    })),
  };
}
