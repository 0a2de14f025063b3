/**
 * The verifier on graphs never disagrees with an exact answer: random residual, two-branch and patched (f(x) + h(x))
 * ReLU networks, with the exact minimum of c·y over the box from activation-pattern enumeration. Properties sit just
 * above and just below it.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { initLp } from '../../../src/core/lp';
import { verify } from '../../../src/core/verify';
import { forwardModel } from '../../../src/core/network/forward';
import { GRAPH_INPUT, type Graph, type GraphNode, type GraphSource } from '../../../src/core/network/graph';
import type { Activation } from '../../../src/core/network/network';
import type { Query } from '../../../src/core/query/normalForm';
import { exactMinimum } from '../../exactMinimum';
import { seeded } from '../../onnxBuilder';

before(initLp);

const relu: Activation = { kind: 'relu' };
const identity: Activation = { kind: 'identity' };

/** Node specs: [outSize, activation, sources as [from, weighted]]; weights and biases are seeded. */
function randomGraph(inputSize: number, specs: [number, Activation, [number, boolean][]][], seed: number): Graph {
  const nodes: GraphNode[] = [];
  const size = (from: number): number => (from === GRAPH_INPUT ? inputSize : nodes[from].outSize);
  specs.forEach(([outSize, activation, sources], k) => {
    nodes.push({
      name: `node${k}`, outSize, activation,
      bias: Float64Array.from(seeded(outSize, seed * 97 + k), (v) => v * 0.5),
      sources: sources.map(([from, weighted], j): GraphSource => (weighted ? { from, weights: Float64Array.from(seeded(outSize * size(from), seed * 131 + k * 7 + j)) } : { from })),
    });
  });
  return { kind: 'graph', inputSize, nodes, inputName: 'x', inputShape: [1, inputSize], outputName: 'y', outputShape: [1, nodes[nodes.length - 1].outSize], notes: [] };
}

const families: Record<string, (seed: number) => Graph> = {
  // y = W3 relu(n0 + W2 relu(W1 n0)) + W4 x, n0 = relu(W0 x): a residual block and a skip from the input.
  residual: (seed) => randomGraph(2, [[3, relu, [[GRAPH_INPUT, true]]], [3, relu, [[0, true]]], [3, relu, [[0, false], [1, true]]], [2, identity, [[2, true], [GRAPH_INPUT, true]]]], seed),
  // y = Wa relu(Wa1 relu(Wa0 x)) + Wb relu(Wb0 x): branches of different depth joined by addition.
  twoBranch: (seed) => randomGraph(2, [[3, relu, [[GRAPH_INPUT, true]]], [3, relu, [[0, true]]], [3, relu, [[GRAPH_INPUT, true]]], [2, identity, [[1, true], [2, true]]]], seed),
  // REASSURE's shape: f(x) + h(x), f a 2-4-4-2 network with a linear output node, h a small patch reading the input.
  patched: (seed) => randomGraph(2, [[4, relu, [[GRAPH_INPUT, true]]], [4, relu, [[0, true]]], [2, identity, [[1, true]]], [2, relu, [[GRAPH_INPUT, true]]], [2, identity, [[2, false], [3, true]]]], seed),
};

for (const [family, build] of Object.entries(families)) {
  test(`${family} graphs: holds and violated just either side of the exact minimum, never wrong`, async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const g = build(seed);
      const lower = [-1, -0.5];
      const upper = [0.5, 1];
      const c = [1, -1];
      const min = exactMinimum(g, lower, upper, c);
      for (const [offset, expected] of [[-1e-3, 'holds'], [1e-3, 'violated']] as const) {
        const query: Query = {
          name: `${family} seed ${seed}`,
          region: [{ lower: Float64Array.from(lower), upper: Float64Array.from(upper), rows: [] }],
          violation: [[{ coeffs: Float64Array.from(c), rhs: min + offset }]],
        };
        const result = await verify(g, query, { timeoutSec: 20 });
        assert.equal(result.status, expected, `seed ${seed}, rhs min${offset > 0 ? '+' : ''}${offset}: ${JSON.stringify(result)}`);
        if (result.status === 'violated') {
          const y = forwardModel(g, result.counterexample.input);
          assert.ok(c[0] * y[0] + c[1] * y[1] <= min + offset, 'the counterexample breaks the property on the graph');
        }
      }
    }
  });
}

test('wide inputs (ReLU splitting, clause MILPs) on a graph with a skip from the input: each side of the exact minimum', async () => {
  const n = 70;
  for (let seed = 50; seed < 53; seed++) {
    const g = randomGraph(n, [[4, relu, [[GRAPH_INPUT, true]]], [4, relu, [[0, true]]], [1, identity, [[1, true], [GRAPH_INPUT, true]]]], seed);
    const lower = Array.from({ length: n }, (_, i) => -0.05 - 0.01 * (i % 7));
    const upper = Array.from({ length: n }, (_, i) => 0.05 + 0.01 * (i % 5));
    const min = exactMinimum(g, lower, upper, [1]);
    for (const [offset, expected] of [[-1e-3, 'holds'], [1e-3, 'violated']] as const) {
      const query: Query = { name: `seed ${seed}`, region: [{ lower: Float64Array.from(lower), upper: Float64Array.from(upper), rows: [] }], violation: [[{ coeffs: Float64Array.of(1), rhs: min + offset }]] };
      const result = await verify(g, query, { timeoutSec: 30 });
      assert.equal(result.status, expected, `seed ${seed}, rhs min${offset > 0 ? '+' : ''}${offset}: ${JSON.stringify(result)}`);
    }
  }
});

test('a graph carrying a value past a Sigmoid node is refused, not answered', async () => {
  const g = randomGraph(2, [[3, { kind: 'sigmoid' }, [[GRAPH_INPUT, true]]], [2, identity, [[0, true], [GRAPH_INPUT, true]]]], 3);
  const query: Query = { name: 'q', region: [{ lower: Float64Array.of(-1, -1), upper: Float64Array.of(1, 1), rows: [] }], violation: [[{ coeffs: Float64Array.of(1, 0), rhs: -100 }]] };
  await assert.rejects(verify(g, query, { timeoutSec: 5 }), /carries a value past the sigmoid node 'node0'/);
});
