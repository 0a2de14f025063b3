/**
 * Feature-space repair (REASSURE section 3.7): split f = f2 o f1 after the first k nodes, repair f2 on the features
 * f1(x) of the repair points, and put f1 back in front: (f2 + h) o f1. The patch's regions and supports live in the
 * features of node k - 1, so the LP is over that node's width (smaller for wide inputs), but locality holds only there:
 * inputs far apart whose features are close are patched alike.
 */
import { InputError } from '../../../errors';
import { GRAPH_INPUT, type Graph } from '../../../network/graph';
import { graphIntervals } from '../../../bounds/graphIntervals';
import type { Box } from '../../../bounds/box';
import { preActivations } from './linearRegion';

/** f2: the nodes from k on, reading node k - 1's output as their input. Refuses a node from k on that reads earlier. */
export function featureNetwork(base: Graph, k: number): Graph {
  if (!Number.isInteger(k) || k < 1 || k >= base.nodes.length) {
    throw new InputError(`REASSURE: layer must be 0 (input space) or a node count between 1 and ${base.nodes.length - 1}, not ${k}`);
  }
  const nodes = base.nodes.slice(k).map((node) => ({
    ...node,
    sources: node.sources.map((s) => {
      if (s.from !== GRAPH_INPUT && s.from >= k) return { ...s, from: s.from - k };
      if (s.from === k - 1) return { ...s, from: GRAPH_INPUT };
      throw new InputError(`REASSURE: node '${node.name}' reads ${s.from === GRAPH_INPUT ? 'the input' : `node '${base.nodes[s.from].name}'`}, past the feature layer '${base.nodes[k - 1].name}': the network cannot be split there`, { node: node.name });
    }),
  }));
  return { ...base, inputSize: base.nodes[k - 1].outSize, nodes };
}

/** (f2') o f1: the first k nodes of the original, then the repaired f2's nodes reading node k - 1. */
export function composeFeatureRepair(base: Graph, k: number, repaired: Graph): Graph {
  const nodes = repaired.nodes.map((node) => ({
    ...node,
    sources: node.sources.map((s) => ({ ...s, from: s.from === GRAPH_INPUT ? k - 1 : s.from + k })),
  }));
  return { ...base, nodes: [...base.nodes.slice(0, k), ...nodes] };
}

/** The features f1(x): node k - 1's output (after its activation). */
export function featuresOf(base: Graph, k: number, x: ArrayLike<number>): Float64Array {
  const z = preActivations(base, x)[k - 1];
  return base.nodes[k - 1].activation.kind === 'relu' ? z.map((v) => Math.max(0, v)) : z;
}

/** A sound box of the features over the input domain (interval bounds). */
export function featureDomain(base: Graph, k: number, domain: Box): Box {
  const { lo, hi } = graphIntervals(base, domain)[k - 1];
  return { lower: Float64Array.from(lo), upper: Float64Array.from(hi) };
}
