/**
 * Interval bounds of every node of a graph over a box: each node's pre-activation is its bias plus the interval image
 * of each source under its weights (centre/radius form), and the activations are monotone, so their image is
 * [act(lo), act(hi)]. Computed in float64 and widened by a relative margin, so each bound holds despite rounding.
 */
import { GRAPH_INPUT, sourceSize, type Graph } from '../network/graph';
import { activationOf } from '../network/activations';
import type { Box, LayerBounds } from './box';

/** Rounding allowance per bound: far above float64's error on these sums, far below any useful bound's width. */
const MARGIN = 1e-9;

/** Output bounds of each node (after its activation). */
export function graphIntervals(g: Graph, box: Box): LayerBounds[] {
  const bounds: LayerBounds[] = [];
  const of = (from: number): LayerBounds => (from === GRAPH_INPUT ? { lo: box.lower, hi: box.upper } : bounds[from]);
  for (const node of g.nodes) {
    const m = node.outSize;
    const mid = Float64Array.from(node.bias);
    const rad = new Float64Array(m);
    for (const s of node.sources) {
      const { lo, hi } = of(s.from);
      const n = sourceSize(g, s.from);
      if (!s.weights) {
        for (let o = 0; o < m; o++) {
          mid[o] += (lo[o] + hi[o]) / 2;
          rad[o] += (hi[o] - lo[o]) / 2;
        }
        continue;
      }
      const W = s.weights;
      for (let o = 0; o < m; o++) {
        let c = 0;
        let r = 0;
        for (let i = 0; i < n; i++) {
          const w = W[o * n + i];
          c += w * ((lo[i] + hi[i]) / 2);
          r += Math.abs(w) * ((hi[i] - lo[i]) / 2);
        }
        mid[o] += c;
        rad[o] += r;
      }
    }
    const lo = new Float64Array(m);
    const hi = new Float64Array(m);
    const act = activationOf(node.activation);
    for (let o = 0; o < m; o++) {
      const slack = rad[o] + MARGIN * (1 + Math.abs(mid[o]) + rad[o]);
      lo[o] = act.value(mid[o] - slack);
      hi[o] = act.value(mid[o] + slack);
    }
    bounds.push({ lo, hi });
  }
  return bounds;
}
