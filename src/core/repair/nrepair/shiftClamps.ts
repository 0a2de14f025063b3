/**
 * Clamps that shift the outputs by the same amount everywhere in a piece. A last-hidden-layer neuron that is inactive
 * on the whole piece (its pre-activation's upper bound below 0) outputs 0 there, so fixing it to c >= 0 adds exactly
 * c * W_out[:, j] to the outputs at every input of the piece. A linear program finds c over those neurons so that the
 * shift raises one property row of each violation clause past the row's lower bound on the piece (proving it), while
 * the shift minus a common offset (which changes no decision) is as small as possible outside one chosen output: the
 * decisions of the piece move only where that output's margin is smaller than the shift. One program per (row, free
 * output) pair; the caller scores the candidates on samples and verifies them.
 */
import type { Box } from '../../bounds/box';
import { specBounds } from '../../bounds/linearBounds';
import type { Clamp } from '../../network/gated';
import type { Network } from '../../network/network';
import type { Query } from '../../query/normalForm';
import { solveLp } from '../../lp';

/** What a proved row must clear (output units), above the float32 rounding of the clamp values. */
const MARGIN = 1e-4;

export function shiftClampCandidates(net: Network, query: Query, box: Box, alpha: number): Clamp[][] {
  const h = net.layers.length - 2;
  const out = net.layers[net.layers.length - 1];
  const m = out.outSize;
  const rows = query.violation.flat();
  const bounds = specBounds(net, box, rows);
  const inactive = Array.from({ length: out.inSize }, (_, j) => j).filter((j) => bounds.preActivation[h].hi[j] < 0);
  if (inactive.length === 0) return [];
  // Per clause, the row closest to a proof is the one raised (a clause needs one row proved positive).
  let offset = 0;
  const chosen = query.violation.map((conj) => {
    let best = offset;
    for (let r = offset; r < offset + conj.length; r++) if (bounds.lower[r] > bounds.lower[best]) best = r;
    offset += conj.length;
    return best;
  });
  const column = (j: number) => Float64Array.from({ length: m }, (_, o) => out.weights[o * out.inSize + j]);
  const columns = inactive.map(column);
  const candidates: Clamp[][] = [];
  for (let free = 0; free < m; free++) {
    // Variables: c (one per inactive neuron, >= 0), the common offset a (free), then d+ and d- per output (>= 0).
    const nc = inactive.length;
    const size = nc + 1 + 2 * m;
    const vars = (f: (k: number) => number) => Float64Array.from({ length: size }, (_, k) => f(k));
    const shiftRows = Array.from({ length: m }, (_, o) => ({
      // W c - a - d+ + d- = 0: d is the shift beyond the offset.
      coeffs: vars((k) => (k < nc ? columns[k][o] : k === nc ? -1 : k === nc + 1 + o ? -1 : k === nc + 1 + m + o ? 1 : 0)),
      lower: 0, upper: 0,
    }));
    const proofRows = chosen.map((r) => ({
      coeffs: vars((k) => (k < nc ? columns[k].reduce((s, w, o) => s + w * rows[r].coeffs[o], 0) : 0)),
      lower: MARGIN - bounds.lower[r], upper: Infinity,
    }));
    const result = solveLp({
      sense: 'minimize',
      // The free output's shift costs nothing; a little on c keeps the clamp values small and few.
      objective: vars((k) => (k < nc ? 1e-6 : k === nc ? 0 : (k - nc - 1) % m === free ? 0 : 1)),
      rows: [...shiftRows, ...proofRows],
      lower: vars((k) => (k === nc ? -Infinity : 0)),
      upper: vars(() => Infinity),
    });
    if (result.status !== 'optimal') continue;
    const clamps = inactive.map((j, k) => ({ layer: h, neuron: j, value: Math.fround(result.x[k]) })).filter((c) => c.value > 0);
    if (clamps.length > 0 && clamps.length <= alpha) candidates.push(clamps);
  }
  return candidates;
}
