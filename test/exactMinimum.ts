/**
 * The exact minimum of c·y(x) over a box for a small piecewise-linear model (ReLU, or identity nodes): the model is
 * affine on each activation pattern's polytope, so every pattern gets one LP. Needs initLp() first.
 */
import { solveLp, type LpRow } from '../src/core/lp';
import { GRAPH_INPUT, toGraph } from '../src/core/network/graph';
import { asLayerSequence, isGraph, type Model } from '../src/core/network/model';

/** `fixed` keeps only the patterns where one neuron of one node (a layer of a Network) has the given sign. */
export function exactMinimum(model: Model, lower: number[], upper: number[], c: number[], fixed?: { layer: number; neuron: number; sign: number }): number {
  const g = isGraph(model) ? model : toGraph(asLayerSequence(model, 'this helper'));
  const n = lower.length;
  const reluOffsets: number[] = [];
  let neurons = 0;
  for (const node of g.nodes) {
    reluOffsets.push(neurons);
    if (node.activation.kind === 'relu') neurons += node.outSize;
    else if (node.activation.kind !== 'identity') throw new Error(`exactMinimum: ${node.activation.kind} is not piecewise linear`);
  }
  const fixedBit = fixed && reluOffsets[fixed.layer] + fixed.neuron;
  let best = Infinity;
  for (let pattern = 0; pattern < 2 ** neurons; pattern++) {
    if (fixedBit !== undefined && ((pattern >> fixedBit) & 1) !== (fixed!.sign > 0 ? 1 : 0)) continue;
    // Each value as an affine function of x: coefficients [n] + constant.
    const input = Array.from({ length: n }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (j === i ? 1 : 0)));
    const values: number[][][] = [];
    const rows: LpRow[] = [];
    g.nodes.forEach((node, k) => {
      const z = Array.from({ length: node.outSize }, (_, o) => {
        const e = new Array(n + 1).fill(0);
        e[n] = node.bias[o];
        for (const s of node.sources) {
          const v = s.from === GRAPH_INPUT ? input : values[s.from];
          if (!s.weights) for (let j = 0; j <= n; j++) e[j] += v[o][j];
          else for (let i = 0; i < v.length; i++) for (let j = 0; j <= n; j++) e[j] += s.weights[o * v.length + i] * v[i][j];
        }
        return e;
      });
      if (node.activation.kind === 'identity') {
        values.push(z);
        return;
      }
      values.push(z.map((e, o) => {
        const active = (pattern >> (reluOffsets[k] + o)) & 1;
        // active: z >= 0 (-z <= 0), value z; inactive: z <= 0, value 0.
        rows.push({ coeffs: e.slice(0, n).map((v) => (active ? -v : v)), lower: -Infinity, upper: active ? e[n] : -e[n] });
        return active ? e : new Array(n + 1).fill(0);
      }));
    });
    const y = values[values.length - 1];
    const objective = Array.from({ length: n }, (_, j) => c.reduce((s, ci, o) => s + ci * y[o][j], 0));
    const constant = c.reduce((s, ci, o) => s + ci * y[o][n], 0);
    const r = solveLp({ sense: 'minimize', objective, rows, lower, upper });
    if (r.status === 'optimal') best = Math.min(best, r.value + constant);
  }
  return best;
}
