/** The 'gradient' responsibility: mean |d violationMargin / d (neuron output)| over violating samples, by float64 backpropagation. */
import type { Network } from '../network/network';
import type { OutputDnf } from '../query/normalForm';
import { Backprop } from '../train/backprop';
import { decidingRow } from '../query/normalForm';
import { parametersOf } from '../train/parameters';

/** Per layer (every layer, output included), one score per neuron. */
export function marginGradientScores(net: Network, violation: OutputDnf, inputs: Float64Array, count: number): Float64Array[] {
  const scores = net.layers.map((l) => new Float64Array(l.outSize));
  if (count === 0) return scores;
  const engine = new Backprop(net, 'float64', count);
  const params = parametersOf(net);
  const y = engine.forward(params, inputs, count);
  const m = net.layers[net.layers.length - 1].outSize;
  const dY = new Float64Array(count * m);
  for (let r = 0; r < count; r++) {
    const { row } = decidingRow(violation, y.subarray(r * m, (r + 1) * m));
    if (row) dY.set(row.coeffs, r * m);
  }
  const { neurons } = engine.backward(params, dY, undefined, { neurons: true });
  neurons!.forEach((g, k) => {
    const width = net.layers[k].outSize;
    for (let r = 0; r < count; r++) for (let j = 0; j < width; j++) scores[k][j] += Math.abs(g[r * width + j]) / count;
  });
  return scores;
}
