/**
 * Where a box's bound is loose: an interval bound on each input's partial derivative of one row (unstable neurons
 * have derivative in [0, 1]), times the box's width in that input (ReluVal's "smear"). Splitting the largest smear
 * shrinks the bound fastest.
 */
import type { Network } from '../network/network';
import type { Box } from './box';
import { activationOf } from '../network/activations';
import type { SpecBounds } from './linearBounds';

export function smear(net: Network, box: Box, bounds: SpecBounds, row: number): Float64Array {
  const hidden = bounds.preActivation.length;
  const width = net.layers[hidden - 1]?.outSize ?? box.lower.length;
  let gl = bounds.rowWeights.slice(row * width, (row + 1) * width);
  let gu = Float64Array.from(gl);
  for (let k = hidden - 1; k >= 0; k--) {
    const layer = net.layers[k];
    const { lo, hi } = bounds.preActivation[k];
    const act = activationOf(layer.activation);
    for (let j = 0; j < layer.outSize; j++) {
      const [dl, du] = act.derivativeRange(lo[j], hi[j]);
      const a = gl[j] * dl, b = gl[j] * du, c = gu[j] * dl, d = gu[j] * du;
      gl[j] = Math.min(a, b, c, d);
      gu[j] = Math.max(a, b, c, d);
    }
    const nl = new Float64Array(layer.inSize);
    const nu = new Float64Array(layer.inSize);
    for (let o = 0; o < layer.outSize; o++) {
      const l = gl[o], u = gu[o];
      if (l === 0 && u === 0) continue;
      const base = o * layer.inSize;
      for (let i = 0; i < layer.inSize; i++) {
        const w = layer.weights[base + i];
        if (w >= 0) { nl[i] += w * l; nu[i] += w * u; } else { nl[i] += w * u; nu[i] += w * l; }
      }
    }
    gl = nl;
    gu = nu;
  }
  return gl.map((l, i) => Math.max(Math.abs(l), Math.abs(gu[i])) * (box.upper[i] - box.lower[i]));
}
